"""Hostile and broken files, each with its exact one-line answer; and the privacy guarantees.

Every file here is made by the test itself under tmp_path. The files that abort the
process inside the reader are refused by the pre-check before the reader is called.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path

import fastexcel
import openpyxl
import pytest
import xlsxwriter
import xlwt
from builders import SAFE, Date, Formula, write_lists, write_ods, write_xlsx
from click.testing import CliRunner
from test_cli import CIN_OPEN as CIN

from annexa_check.catalogue.spec import load_spec
from annexa_check.cli.main import main
from annexa_check.engine.check import check_workbook
from annexa_check.errors import InputError
from annexa_check.outputs.files import write_output
from annexa_check.read import loader, safety
from annexa_check.read.safety import CFB_MAGIC, Limits, inspect
from annexa_check.report.model import build_report

SPEC = load_spec()
REFERENCE = date(2025, 3, 31)
HEADERS = [c.header for c in SPEC.lists["list_6"].columns_for("2023")]
KEYS = [c.key for c in SPEC.lists["list_6"].columns_for("2023")]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def refused(path: Path, *extra: str) -> str:
    """Run the command line on a file it must refuse; return the one line it printed."""
    result = run("validate", str(path), "--reference-date", "2025-03-31", *extra)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("annexa-check: error: ")
    return result.stderr.removeprefix("annexa-check: error: ").rstrip("\n")


def valid(path: Path, rows: list[dict] | None = None) -> Path:
    return write_lists(path, {"list_6": rows if rows is not None else [CIN]})


def _rewrite(path: Path, edit) -> Path:
    """Rewrite every part of a zip through `edit(name, data) -> data`."""
    with zipfile.ZipFile(path) as archive:
        parts = [(info.filename, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            archive.writestr(name, edit(name, data))
    return path


def _far_corner(path: Path, *, keep_dimension: bool = True) -> Path:
    """Headers in row 1 and one stray cell at XFD1048576 (the reader aborts on this)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "List_6"
    sheet.append(HEADERS)
    sheet["XFD1048576"] = "x"
    book.save(path)
    if not keep_dimension:
        _rewrite(path, lambda name, data: re.sub(rb"<dimension [^>]*/>", b"", data))
    return path


def _compound(path: Path, *streams: str) -> Path:
    """An OLE2 compound file whose directory names the given streams (enough to tell what it is)."""
    names = b"".join(s.encode("utf-16-le").ljust(64, b"\0") + b"\0" * 64 for s in streams)
    path.write_bytes(CFB_MAGIC + b"\0" * 504 + names)
    return path


def _ods(path: Path, rows: list[list[str]], sheet: str = "List_6") -> Path:
    """A minimal OpenDocument spreadsheet, written by hand (text cells only)."""

    def cell(text: str) -> str:
        if not text:
            return "<table:table-cell/>"
        return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(t) for t in row) + "</table:table-row>" for row in rows)
    return write_ods(path, body, sheet)


def _xls(path: Path, rows: list[list[object]], sheet: str = "List_6") -> Path:
    book = xlwt.Workbook()
    out = book.add_sheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                out.write(r, c, value)
    book.save(str(path))
    return path


def _cin_row(**values: object) -> list[object]:
    return [{**CIN, **values}.get(k) for k in KEYS]


# ---------------------------------------------------------------------------- files that are not workbooks


def test_missing_file_folder_empty_and_wrong_suffix(tmp_path):
    assert refused(tmp_path / "missing.xlsx") == f"{tmp_path / 'missing.xlsx'}: file not found"
    (tmp_path / "returns.xlsx").mkdir()  # a folder is checked workbook by workbook; this one has none
    assert refused(tmp_path / "returns.xlsx") == f"no workbooks found in {tmp_path / 'returns.xlsx'}"
    extracts = tmp_path / "extracts"  # a folder of CSV extracts is one return's lists: validate takes its zip
    extracts.mkdir()
    (extracts / "List_1.csv").write_text("Child Unique ID\nC1\n", encoding="utf-8")
    assert refused(extracts) == (
        f"no workbooks found in {extracts}; to check CSV extracts as one return's lists, zip them and "
        "validate the .zip"
    )
    with pytest.raises(InputError) as exc:
        inspect(tmp_path / "returns.xlsx")
    assert str(exc.value) == f"{tmp_path / 'returns.xlsx'}: is a folder, not a workbook"
    (tmp_path / "empty.xlsx").write_bytes(b"")
    assert refused(tmp_path / "empty.xlsx") == f"{tmp_path / 'empty.xlsx'}: the file is empty"
    (tmp_path / "notes.txt").write_text("Child Unique ID\n")
    assert refused(tmp_path / "notes.txt") == (
        f"{tmp_path / 'notes.txt'}: not an Excel workbook (expected .xlsx, .xlsm, .xls, .ods)"
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "renamed.xlsx",
            b"Child Unique ID,Ethnicity\r\nC1,WBRI\r\n",
            "not a valid .xlsx file (no zip package inside: a CSV or text file renamed, or a damaged or truncated copy)",
        ),
        (
            "renamed.xls",
            b"Child Unique ID\tEthnicity\nC1\tWBRI\n",
            "not a valid .xls file (no workbook inside: a CSV or text file renamed, or a damaged or truncated copy)",
        ),
        (
            "report.xls",
            b"\xef\xbb\xbf<html><body><table><tr><td>C1</td></tr></table></body></html>",
            "a web page (HTML) with an .xls name, not a workbook (some systems export reports this way); "
            "open it in Excel and save it as .xlsx",
        ),
        (
            "report.xls",
            b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>',
            "an XML Spreadsheet 2003 file with an .xls name, not a workbook (some systems export reports this "
            "way); open it in Excel and save it as .xlsx",
        ),
    ],
    ids=["csv-as-xlsx", "text-as-xls", "html-as-xls", "xml-2003-as-xls"],
)
def test_text_files_with_a_workbook_name(tmp_path, reader_kept_out, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    assert refused(path) == f"{path}: {message}"


def test_an_excel_lock_file(tmp_path, reader_kept_out):
    path = tmp_path / "~$dry run.xlsx"
    path.write_bytes(b"\x0cJane Smith" + b"\x00" * 150)
    assert refused(path) == (
        f"{path}: an Excel lock file, not a workbook (Excel keeps one beside a workbook while it is open); "
        "check the workbook itself"
    )


def test_a_file_locked_by_another_program(tmp_path, monkeypatch, reader_kept_out):
    path = valid(tmp_path / "open in excel.xlsx")
    real_open = Path.open

    def locked(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", locked)
    assert refused(path) == (
        f"{path}: cannot be opened (permission denied); if it is open in Excel, close it or check a copy"
    )


# ---------------------------------------------------------------------------- damaged and protected workbooks


def test_a_truncated_workbook(tmp_path, reader_kept_out):
    path = valid(tmp_path / "half copied.xlsx")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert refused(path) == (
        f"{path}: the workbook is damaged or incomplete (its zip package is truncated or corrupt); "
        "copy it again or re-save it in Excel"
    )


def test_a_corrupt_sheet_inside_the_zip(tmp_path, reader_kept_out):
    path = valid(tmp_path / "bitrot.xlsx")
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        offset = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data = bytearray(path.read_bytes())
    for i in range(offset + 20, offset + 60):  # inside the compressed sheet data
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    assert refused(path) == (
        f"{path}: the workbook is damaged (sheet 'List 6' is corrupt); copy it again or re-save it in Excel"
    )


def test_a_password_protected_workbook(tmp_path, reader_kept_out):
    path = _compound(tmp_path / "protected.xlsx", "Root Entry", "EncryptionInfo", "EncryptedPackage")
    assert refused(path) == f"{path}: the workbook is password-protected; save an unprotected copy"


def test_an_office_file_of_another_kind(tmp_path, reader_kept_out):
    path = _compound(tmp_path / "letter.xls", "Root Entry", "WordDocument")
    assert refused(path) == (
        f"{path}: not an Excel workbook (an Office file of another kind, such as a .doc)"
    )


def test_a_zip_that_is_not_a_workbook(tmp_path, reader_kept_out):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    assert refused(path) == f"{path}: a zip file, but not an Excel workbook (it has no xl/workbook.xml)"


def test_xlsb_is_refused_with_how_to_convert(tmp_path, reader_kept_out):
    path = tmp_path / "dry run.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
    expected = (
        "a binary .xlsb workbook, which annexa-check does not read; "
        "open it in Excel and save it as .xlsx (Excel Workbook)"
    )
    assert refused(path) == f"{path}: {expected}"
    renamed = path.rename(tmp_path / "dry run.xlsb")
    assert refused(renamed) == f"{renamed}: not an Excel workbook (expected .xlsx, .xlsm, .xls, .ods)"


def test_formats_with_the_wrong_name(tmp_path, reader_kept_out):
    xls = _xls(tmp_path / "legacy.xlsx", [HEADERS])
    assert refused(xls) == f"{xls}: is really a legacy .xls workbook named .xlsx; rename it to legacy.xls"
    ods = _ods(tmp_path / "calc.xlsx", [HEADERS])
    assert refused(ods) == f"{ods}: is really a OpenDocument spreadsheet named .xlsx; rename it to calc.ods"
    xlsx = valid(tmp_path / "new.xls")
    assert refused(xlsx) == f"{xlsx}: is really a .xlsx workbook named .xls; rename it to new.xlsx"


# ---------------------------------------------------------------------------- other formats that are read


def test_ods_is_read(tmp_path):
    rows = [HEADERS, [str(v) if v is not None else "" for v in _cin_row(primary_need=None)]]
    result = check_workbook(_ods(tmp_path / "calc.ods", rows), reference_date=REFERENCE, select=["CIN001"])
    assert result.findings.select("rule", "row", "child_id", "sheet").rows() == [
        ("CIN001", 2, "C1", "List_6")
    ]


def test_legacy_xls_is_read(tmp_path):
    rows = [HEADERS, _cin_row(child_id="00123", ethnicity=None)]
    result = check_workbook(_xls(tmp_path / "old.xls", rows), reference_date=REFERENCE, select=["ETH001"])
    assert result.findings.select("rule", "row", "child_id").rows() == [("ETH001", 2, "00123")]


# ---------------------------------------------------------------------------- files that abort the reader


def test_a_sheet_declaring_the_far_corner_is_refused_before_the_reader(tmp_path, reader_kept_out):
    path = _far_corner(tmp_path / "far.xlsx")
    assert refused(path) == (
        f"{path}: sheet 'List_6' spans A1:XFD1048576 (17,179,869,184 cells), above the 50,000,000-cell limit; "
        "delete the stray cells far from the data (Ctrl+End in Excel shows the last one) and save again, "
        "or raise the limit with max_sheet_cells under [limits] in the settings file"
    )


def test_the_far_corner_without_a_declared_dimension(tmp_path, reader_kept_out):
    path = _far_corner(tmp_path / "far.xlsx", keep_dimension=False)
    assert b"<dimension" not in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert refused(path).startswith(f"{path}: sheet 'List_6' spans A1:XFD1048576 (17,179,869,184 cells)")


def test_a_far_column_in_the_middle_of_a_long_sheet(tmp_path, reader_kept_out):
    rows = [HEADERS] + [[f"C{i}"] for i in range(1, 5000)]
    path = write_xlsx(tmp_path / "wide.xlsx", {"List_6": rows})
    _rewrite(
        path,
        lambda name, data: re.sub(rb"<dimension [^>]*/>", b"", data).replace(
            b'<c r="A3" t="s"><v>', b'<c r="XFD3" t="inlineStr"><is><t>x</t></is></c><c r="A3" t="s"><v>'
        ),
    )
    assert refused(path).startswith(f"{path}: sheet 'List_6' spans A1:XFD5000 (81,920,000 cells)")


def _moved_cell(path: Path, ref: str) -> Path:
    """Give cell B2 another reference, out of order in the sheet XML (Excel never writes this)."""
    return _rewrite(path, lambda name, data: data.replace(b'<c r="B2"', f'<c r="{ref}"'.encode(), 1))


@pytest.mark.parametrize(
    ("ref", "span"),
    [
        ("XFD1048576", "A1:XFD1048576 (17,179,869,184 cells)"),
        ("XFD99999", "A1:XFD99999 (1,638,383,616 cells)"),
    ],
)
def test_a_far_cell_written_out_of_order(tmp_path, reader_kept_out, ref, span):
    path = _moved_cell(valid(tmp_path / "disorder.xlsx", [CIN] * 5), ref)
    assert refused(path).startswith(f"{path}: sheet 'List 6' spans {span}, above the 50,000,000-cell limit")


@pytest.mark.parametrize("ref", ["ZZZZ1", "XFE1", "A1048577", "A99999999999"])
def test_a_cell_outside_excels_grid(tmp_path, reader_kept_out, ref):
    path = _moved_cell(valid(tmp_path / "outside.xlsx", [CIN] * 5), ref)
    assert refused(path) == (
        f"{path}: the workbook is damaged (sheet 'List 6' has a cell outside Excel's grid, at {ref}); "
        "re-save it in Excel"
    )


def test_the_far_corner_does_not_kill_the_process(tmp_path):
    """Run as a user would: a separate process, which the reader would abort (exit 134) if reached."""
    path = _far_corner(tmp_path / "far.xlsx")
    done = subprocess.run(
        [sys.executable, "-m", "annexa_check", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"annexa-check: error: {path}: sheet 'List_6' spans A1:XFD1048576")
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("dimension", "allowed"), [(b"A1:AU1048576", True), (b"A1:AV1048576", False)], ids=["47-cols", "48-cols"]
)
def test_a_full_height_sheet_is_within_the_cell_limit_up_to_47_columns(tmp_path, dimension, allowed):
    path = _rewrite(
        valid(tmp_path / "tall.xlsx"),
        lambda n, d: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + dimension + b'"', d),
    )
    if allowed:
        assert inspect(path).format == "xlsx"
    else:
        with pytest.raises(InputError, match=r"spans A1:AV1048576 \(50,331,648 cells\)"):
            inspect(path)


# ---------------------------------------------------------------------------- zip bombs


def test_a_zip_bomb_is_refused_above_the_unpacked_limit(tmp_path, monkeypatch, reader_kept_out):
    path = valid(tmp_path / "bomb.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(range(250)) * 120_000)  # packs ~100 times
    size = path.stat().st_size
    assert size < 1_000_000
    assert refused(path, "--max-unpacked-mb", "20") == (
        f"{path}: a {size // 1000} KB file that unpacks to 30.0 MB or more, above the 20 MB limit (a zip bomb, "
        "or far larger than an Annex A return); if the workbook is genuine, raise the limit with --max-unpacked-mb, "
        "or max_unpacked_mb under [limits] in the settings file"
    )
    monkeypatch.undo()  # the reader may be called now
    result = run("validate", str(path), "--reference-date", "2025-03-31", "--max-unpacked-mb", "40", "-q")
    assert result.exit_code == 0, result.stderr


def test_the_settings_file_sets_the_unpacked_limit_and_the_command_line_wins(tmp_path, monkeypatch):
    path = valid(tmp_path / "bomb.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(range(250)) * 120_000)
    settings = tmp_path / "annexa-check.toml"
    settings.write_text("max_unpacked_mb = 20\n", encoding="utf-8")
    assert "above the 20 MB limit" in refused(path, "--config", str(settings))
    result = run("validate", str(path), "--reference-date", "2025-03-31", "--config", str(settings), "-q",
                 "--max-unpacked-mb", "40")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    settings.write_text("max_unpacked_mb = 0\n", encoding="utf-8")
    assert refused(path, "--config", str(settings)) == (
        f"{settings}: max_unpacked_mb: must be a whole number of megabytes, at least 1 (got 0)"
    )


def test_a_part_far_more_packed_than_xml_ever_is(tmp_path, reader_kept_out):
    path = valid(tmp_path / "bomb.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/image1.png", b"\0" * 60_000_000)
    message = refused(path)
    assert re.fullmatch(
        rf"{re.escape(str(path))}: 'xl/media/image1.png' unpacks to 1,0\d\d times its packed size, more than the "
        r"1,000-times limit \(a zip bomb\); refused as unsafe to open; if it is genuine, raise the limit with "
        r"max_ratio under \[limits\] in the settings file",
        message,
    )


def _declare(path: Path, part: str, size: int) -> Path:
    """Change what the zip directory says a part unpacks to (its data stays as it is)."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(name))  # the part's central directory entry
    struct.pack_into("<I", data, central + 24, size)
    local = data.find(b"PK\x03\x04" + b"", 0)
    while data[local + 30 : local + 30 + len(name)] != name:
        local = data.find(b"PK\x03\x04", local + 4)
    struct.pack_into("<I", data, local + 22, size)
    path.write_bytes(bytes(data))
    return path


def test_a_declared_size_above_the_default_limit(tmp_path, reader_kept_out):
    path = _declare(valid(tmp_path / "huge.xlsx"), "xl/worksheets/sheet1.xml", 4_000_000_000)
    assert refused(path).startswith(
        f"{path}: a {path.stat().st_size // 1000} KB file that unpacks to 4,000.0 MB or more, above the 1,000 MB limit"
    )


def test_a_part_that_holds_more_than_it_declares(tmp_path, reader_kept_out):
    path = _declare(valid(tmp_path / "liar.xlsx"), "xl/worksheets/sheet1.xml", 100)
    assert refused(path) == (
        f"{path}: the workbook is damaged (sheet 'List 6' is corrupt); copy it again or re-save it in Excel"
    )


def test_too_many_parts(tmp_path):
    path = valid(tmp_path / "many.xlsx")
    with zipfile.ZipFile(path, "a") as archive:
        for i in range(30):
            archive.writestr(f"xl/media/p{i}.bin", b"")
    with pytest.raises(InputError) as exc:
        inspect(path, Limits(max_parts=20))
    assert str(exc.value) == (
        f"{path}: the zip package holds 40 files, more than the 20-file limit (a workbook has tens); "
        "refused as unsafe to open; if it is genuine, raise the limit with max_parts under [limits] in the "
        "settings file"
    )


# ---------------------------------------------------------------------------- awkward but readable content


def test_a_reader_panic_on_an_absurd_date_cell_is_one_line(tmp_path):
    path = tmp_path / "panic.xlsx"
    book = xlsxwriter.Workbook(str(path), SAFE)
    sheet = book.add_worksheet("List_6")
    sheet.write_row(0, 0, HEADERS)
    sheet.write_row(1, 0, ["C1"])
    sheet.write_number(1, 3, -1e20, book.add_format({"num_format": "dd/mm/yyyy"}))
    book.close()
    assert refused(path) == (
        f"{path}: sheet 'List_6' cannot be read; --verbose shows the reader's own message"
    )
    verbose = run("validate", str(path), "--verbose")
    assert verbose.exit_code == 2
    assert verbose.stderr == (
        f"annexa-check: error: {path}: sheet 'List_6' cannot be read "
        "(TimeDelta::milliseconds out of bounds)\n"
    )


def test_a_reader_panic_on_a_reading_thread_never_reaches_the_terminal(tmp_path):
    """The panic's own text (which can quote a cell) is printed by the reader to the process's
    stderr; with sheets read on several threads, it is still kept off it, and the terminal is
    given back: the error line itself arrives."""
    path = tmp_path / "panic.xlsx"
    book = xlsxwriter.Workbook(str(path), SAFE)
    first = book.add_worksheet("List_1")
    first.write_row(0, 0, [c.header for c in SPEC.lists["list_1"].columns_for("2023")])
    first.write_row(1, 0, ["C1"])
    sheet = book.add_worksheet("List_6")
    sheet.write_row(0, 0, HEADERS)
    sheet.write_row(1, 0, ["C1"])
    sheet.write_number(1, 3, -1e20, book.add_format({"num_format": "dd/mm/yyyy"}))
    book.close()
    done = subprocess.run(
        [sys.executable, "-m", "annexa_check", "validate", str(path), "--reference-date", "2025-03-31"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "RUST_BACKTRACE": "1"},
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"annexa-check: error: {path}: sheet 'List_6' cannot be read; --verbose shows the reader's own message\n"
    )


def findings(path: Path, *select: str) -> list[tuple]:
    result = check_workbook(path, reference_date=REFERENCE, select=list(select) or ())
    return result.findings.select("rule", "row", "child_id", "column", "value").rows()


def test_merged_header_cells(tmp_path):
    path = tmp_path / "merged.xlsx"
    book = xlsxwriter.Workbook(str(path), SAFE)
    sheet = book.add_worksheet("List_6")
    sheet.merge_range(0, 0, 0, 1, HEADERS[0])  # Child Unique ID over columns A:B
    sheet.write_row(0, 2, HEADERS[1:])
    sheet.write_row(1, 0, ["C1", "stray", *_cin_row()[1:]])
    book.close()
    result = check_workbook(path, reference_date=REFERENCE)
    loaded = result.workbook.lists["list_6"]
    assert loaded.unrecognised == ["(no header, column B)"]
    assert loaded.letters["child_id"] == "A" and loaded.letters["gender"] == "C"
    assert loaded.frame["child_id"].to_list() == ["C1"]
    assert result.findings.filter(result.findings["list"] == "List 6").height == 0


def test_header_only_list_has_no_rows_and_no_findings(tmp_path):
    result = check_workbook(valid(tmp_path / "empty list.xlsx", []), reference_date=REFERENCE)
    assert (result.workbook.lists["list_6"].rows, result.workbook.lists["list_6"].problem) == (0, None)
    assert result.findings.filter(result.findings["list"] == "List 6").height == 0


def test_formulas_and_excel_error_values_are_findings(tmp_path):
    rows = [
        HEADERS,
        _cin_row(ethnicity=Formula('="a) WBRI"', "a) WBRI")),  # a saved result: checked as that value
        _cin_row(child_id="C2", ethnicity=Formula("=NA()", "#N/A")),
    ]
    cached = write_xlsx(tmp_path / "cached.xlsx", {"List_6": rows})
    assert findings(cached, "AX003", "AX004", "ETH") == [("AX003", 3, "C2", "Ethnicity", "#N/A")]
    book = openpyxl.Workbook()  # openpyxl saves formulas without a result
    book.active.title = "List_6"
    book.active.append(HEADERS)
    book.active.append(_cin_row(ethnicity="=VLOOKUP(A2,Codes!A:B,2,0)"))
    book.save(tmp_path / "unsaved.xlsx")
    assert findings(tmp_path / "unsaved.xlsx", "AX003", "AX004", "ETH") == [
        ("AX004", 2, "C1", "Ethnicity", "=VLOOKUP(A2,Codes!A:B,2,0)")
    ]


def test_dates_before_1900_and_far_in_the_future(tmp_path):
    rows = [
        HEADERS,
        _cin_row(date_of_birth="01/01/1899"),
        _cin_row(child_id="C2", date_of_birth=Date(datetime(1900, 1, 1))),
        _cin_row(child_id="C3", cin_start_date="31/12/9999"),
        _cin_row(child_id="C4", cin_start_date=2958466),  # one day past Excel's last date
        _cin_row(child_id="C5", cin_start_date="01/01/10000"),
    ]
    path = write_xlsx(tmp_path / "dates.xlsx", {"List_6": rows})
    book = openpyxl.load_workbook(path)
    book["List_6"].cell(5, KEYS.index("cin_start_date") + 1).number_format = "dd/mm/yyyy"
    book.save(path)
    assert findings(path, "AX005") == [
        ("AX005", 5, "C4", "CIN Start Date", "+10000-01-01 00:00:00"),
        ("AX005", 6, "C5", "CIN Start Date", "01/01/10000"),
    ]


def test_numbers_where_text_is_expected_and_text_where_numbers_are(tmp_path):
    rows = [HEADERS, _cin_row(child_id=12345, ethnicity=5, age="twelve"), _cin_row(child_id=1.0, age=12.0)]
    path = write_xlsx(tmp_path / "types.xlsx", {"List_6": rows})
    assert findings(path, "ETH002", "AX006") == [
        ("AX006", 2, "12345", "Age of Child (Years)", "twelve"),
        ("ETH002", 2, "12345", "Ethnicity", "5"),
    ]


# ---------------------------------------------------------------------------- guarantees


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_input_is_never_changed_and_is_released_after_the_read(tmp_path):
    path = valid(tmp_path / "dry run.xlsx", [CIN, {**CIN, "child_id": "C2", "ethnicity": "=1+1"}])
    before = (_sha256(path), path.stat().st_mtime_ns, path.stat().st_mode)
    result = check_workbook(path, reference_date=REFERENCE)
    for out in ("e.csv", "e.xlsx", "e.json"):
        write_output(build_report(result), tmp_path / out)
    assert (_sha256(path), path.stat().st_mtime_ns, path.stat().st_mode) == before
    open_files = {os.path.realpath(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")}
    assert str(path.resolve()) not in open_files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dry run.xlsx", "e.csv", "e.json", "e.xlsx"]


def test_no_network_during_a_validation(tmp_path, monkeypatch):
    path = valid(tmp_path / "dry run.xlsx")
    opened = []

    def no_network(*args, **kwargs):
        opened.append(args)
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    result = run(
        "validate", str(path), "--reference-date", "2025-03-31", "-o", str(tmp_path / "e.xlsx"), "-q"
    )
    assert result.exit_code == 0, result.stderr
    assert opened == []


def test_reader_messages_and_internal_errors_quote_no_data_unless_verbose(tmp_path, monkeypatch):
    path = valid(tmp_path / "dry run.xlsx")

    def leaky(*_args, **_kwargs):
        raise RuntimeError("cannot parse cell value 'Jane Smith, C1'")

    monkeypatch.setattr(fastexcel, "read_excel", leaky)
    assert refused(path) == f"{path}: cannot be read as a workbook; --verbose shows the reader's own message"
    assert refused(path, "--verbose") == (
        f"{path}: cannot be read as a workbook (cannot parse cell value 'Jane Smith, C1')"
    )
    monkeypatch.undo()

    def bug(*_args, **_kwargs):
        raise ValueError("row for Jane Smith, C1")

    monkeypatch.setattr("annexa_check.engine.check.run_rules", bug)
    monkeypatch.delenv("ANNEXA_CHECK_DEBUG", raising=False)
    assert (
        refused(path)
        == f"{path}: internal error (ValueError); this is a bug: please report it (set ANNEXA_CHECK_DEBUG=1 for details)"
    )
    assert refused(path, "-v") == (
        f"{path}: internal error (ValueError: row for Jane Smith, C1); this is a bug: please report it (set ANNEXA_CHECK_DEBUG=1 for details)"
    )


def test_an_output_is_never_written_over_the_workbook_through_a_hard_link(tmp_path):
    path = valid(tmp_path / "dry run.xlsx")
    link = tmp_path / "link.xlsx"
    os.link(path, link)
    before = _sha256(path)
    assert refused(path, "-o", str(link)) == f"{link}: refusing to overwrite the workbook being checked"
    assert _sha256(path) == before


def test_a_failed_write_leaves_the_previous_output_whole(tmp_path, monkeypatch):
    path = valid(tmp_path / "dry run.xlsx", [{**CIN, "ethnicity": None}])
    out = tmp_path / "exceptions.csv"
    out.write_text("previous run\n")
    result = check_workbook(path, reference_date=REFERENCE)

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("csv.writer", disk_full)
    with pytest.raises(Exception, match="cannot write the output"):
        write_output(build_report(result), out)
    assert out.read_text() == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dry run.xlsx", "exceptions.csv"]


def test_values_a_spreadsheet_would_run_are_neutralised(tmp_path):
    unsafe = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", "-5", "+44"]
    rows = [{**CIN, "child_id": f"C{i}", "ethnicity": v} for i, v in enumerate(unsafe)]
    path = valid(tmp_path / "dry run.xlsx", rows)
    result = check_workbook(path, reference_date=REFERENCE, select=["ETH002", "AX004"])
    write_output(build_report(result), tmp_path / "e.csv")
    write_output(build_report(result), tmp_path / "e.xlsx")
    text = (tmp_path / "e.csv").read_text(encoding="utf-8-sig")
    values = [line.split(",")[7] for line in text.splitlines()[1:]]
    # `\t=1+1` and `\r=1+1` are trimmed to `=1+1` when read (cells are stripped), so they appear as it
    assert values == ["'=1+1", "'+1+1", "'-1+1", "'@SUM(A1)", "'=1+1", "'=1+1", "-5", "+44"]
    sheet = openpyxl.load_workbook(tmp_path / "e.xlsx")["Exceptions"]
    cells = [sheet.cell(r, 8) for r in range(2, 10)]
    assert [(c.value, c.data_type, c.quotePrefix) for c in cells] == [
        ("=1+1", "s", True),
        ("+1+1", "s", True),
        ("-1+1", "s", True),
        ("@SUM(A1)", "s", True),
        ("=1+1", "s", True),
        ("=1+1", "s", True),
        ("-5", "s", False),
        ("+44", "s", False),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\tDROP", "'\tDROP"),
        ("\r\n", "'\r\n"),
        ("\t5", "'\t5"),
        ("-5", "-5"),
        ("+1e3", "+1e3"),
        ("--5", "'--5"),
    ],
)
def test_csv_neutralisation_of_tab_and_carriage_return(text, expected):
    from annexa_check.outputs.files import neutralise

    assert neutralise(text) == expected


def test_the_refused_sheet_never_reaches_the_reader(tmp_path, monkeypatch, reader_kept_out):
    calls = []
    monkeypatch.setattr(
        loader, "inspect", lambda path, limits, **how: calls.append(path) or inspect(path, limits, **how)
    )
    path = _far_corner(tmp_path / "far.xlsx")
    with pytest.raises(InputError, match=r"sheet 'List_6' spans A1:XFD1048576"):
        check_workbook(path, reference_date=REFERENCE)
    assert calls == [path]


def _good_then_far(path: Path) -> Path:
    """List_1 fine, then List_6 with a stray cell at XFD1048576: the reader may start on List_1."""
    book = openpyxl.Workbook()
    first = book.active
    first.title = "List_1"
    first.append([c.header for c in SPEC.lists["list_1"].columns_for("2023")])
    first.append(["C1"])
    far = book.create_sheet("List_6")
    far.append(HEADERS)
    far["XFD1048576"] = "x"
    book.save(path)
    return path


def test_a_late_sheet_is_refused_while_earlier_ones_are_read(tmp_path, reader_kept_out):
    path = _good_then_far(tmp_path / "late.xlsx")
    assert refused(path).startswith(f"{path}: sheet 'List_6' spans A1:XFD1048576 (17,179,869,184 cells), ")


def test_the_pre_check_refusal_comes_before_a_read_error(tmp_path, monkeypatch, reader_kept_out):
    """The reader failing on List_1 while List_6 is still being scanned: the refusal is what is said,
    as when the pre-check ran to the end before the reader started."""
    path = _good_then_far(tmp_path / "both.xlsx")

    def unreadable(_reader, where, sheet, _n_rows=None):
        raise InputError(f"{where}: sheet '{sheet}' cannot be read")

    monkeypatch.setattr(loader, "_read_sheet", unreadable)
    with pytest.raises(InputError) as caught:
        check_workbook(path, reference_date=REFERENCE)
    assert str(caught.value).startswith(f"{path}: sheet 'List_6' spans A1:XFD1048576")


def test_an_interrupt_stops_the_sheet_scan(tmp_path, monkeypatch):
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(loader, "_read_sheet", interrupted)
    with pytest.raises(KeyboardInterrupt):
        check_workbook(_good_then_far(tmp_path / "stop.xlsx"), reference_date=REFERENCE)
    assert [t.name for t in threading.enumerate() if t.name == "annexa-check pre-check"] == []


@pytest.mark.parametrize(
    "failure",
    [zlib.error("Error -4 while decompressing data"), OSError(errno.ENOMEM, "Cannot allocate memory")],
)
def test_running_out_of_memory_in_the_pre_check_is_not_called_damage(tmp_path, monkeypatch, failure):
    """A batch worker under its memory cap: zlib and the system say so in their own ways, and the
    worker must report the memory limit, not tell the user to re-save a sound workbook."""

    def out_of_memory(*_args, **_kwargs):
        raise failure

    monkeypatch.setattr(safety, "_drain", out_of_memory)
    with pytest.raises(MemoryError):
        inspect(valid(tmp_path / "sound.xlsx"))


def test_a_corrupt_part_is_still_called_damage(tmp_path, monkeypatch):
    def corrupt(*_args, **_kwargs):
        raise zlib.error("Error -3 while decompressing data: invalid stored block lengths")

    monkeypatch.setattr(safety, "_drain", corrupt)
    path = valid(tmp_path / "corrupt.xlsx")
    with pytest.raises(InputError, match=r"the workbook is damaged \(part '.*' is corrupt\)"):
        inspect(path)
