"""Hostile workbooks for the read layer: legal XML written oddly, huge declared or implied extents.

Each file is a few kilobytes built here, but tells the reader to allocate far more than
the machine has (the reader then aborts the process: exit 134, nothing printed). The
pre-check must read the XML as XML and refuse every one with one line, before the reader
sees it; odd but harmless XML must still be read, in linear time.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from builders import write_ods
from hypothesis import given, settings
from hypothesis import strategies as st

from annexa_check.errors import InputError
from annexa_check.read.cells import scan_cells
from annexa_check.read.safety import DEFAULT_LIMITS, Limits, inspect

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FAR = "A1:XFD1048576 (17,179,869,184 cells)"
SPANS = (
    "above the 50,000,000-cell limit; delete the stray cells far from the data (Ctrl+End in Excel shows the last "
    "one) and save again, or raise the limit with max_sheet_cells under [limits] in the settings file"
)
HEADER = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Child Unique ID</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>Gender</t></is></c></row>'
)


def xlsx(
    path: Path, sheet_data: str, *, part: str = "xl/worksheets/sheet1.xml", head: str = "", extra=None
) -> Path:
    """A minimal workbook of one sheet, 'List_6', whose XML is `head` then `<sheetData>` as given."""
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{head}<sheetData>{sheet_data}</sheetData></worksheet>'
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="List_6" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        part: sheet,
        **(extra or {}),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def refusal(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    with pytest.raises(InputError) as caught:
        inspect(path, limits)
    return str(caught.value)


def cli(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line in its own process, as a user runs it: an abort there would show as exit 134."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "annexa_check",
            "validate",
            str(path),
            "--reference-date",
            "2025-03-31",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# ---------------------------------------------------------------------------- legal XML, written oddly


@pytest.mark.parametrize(
    "cell",
    [
        "<c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c>",  # single quotes
        '<c r = "XFD1048576" t="inlineStr"><is><t>x</t></is></c>',  # spaces around =
        '<c r="xfd1048576" t="inlineStr"><is><t>x</t></is></c>',  # lower case
        '<c\tr="XFD1048576"\tt="inlineStr"><is><t>x</t></is></c>',  # tabs between attributes
        '<c t="inlineStr" r="XFD1048576"><is><t>x</t></is></c>',  # r not first
        '<x:c xmlns:x="' + MAIN + '" r="XFD1048576"/>',  # a prefixed cell
    ],
    ids=["single-quotes", "spaced-equals", "lower-case", "tabs", "r-not-first", "prefixed"],
)
def test_a_far_cell_written_in_any_legal_way_is_refused(tmp_path, reader_kept_out, cell):
    path = xlsx(tmp_path / "odd.xlsx", HEADER + f'<row r="1048576">{cell}</row>')
    assert refusal(path) == f"{path}: sheet 'List_6' spans {FAR}, {SPANS}"


def test_cells_without_a_reference_are_placed_by_position(tmp_path, reader_kept_out):
    """16,383 empty cells before one with a value: the value is at XFD, and rows without r count on."""
    row = "<c/>" * 16_383 + '<c t="inlineStr"><is><t>x</t></is></c>'
    path = xlsx(tmp_path / "implied.xlsx", HEADER + f"<row>{row}</row>")
    assert refusal(path, Limits(max_sheet_cells=30_000)) == (
        f"{path}: sheet 'List_6' spans A1:XFD2 (32,768 cells), above the 30,000-cell limit; "
        "delete the stray cells far from the data (Ctrl+End in Excel shows the last one) and save again, "
        "or raise the limit with max_sheet_cells under [limits] in the settings file"
    )
    far = xlsx(tmp_path / "far.xlsx", HEADER + f'<row r="1048576">{row}</row>')
    assert refusal(far) == f"{far}: sheet 'List_6' spans {FAR}, {SPANS}"


def test_a_lower_case_dimension_is_read(tmp_path, reader_kept_out):
    path = xlsx(tmp_path / "dim.xlsx", HEADER, head="<dimension ref='a1:xfd1048576'/>")
    assert refusal(path) == f"{path}: sheet 'List_6' spans {FAR}, {SPANS}"


def test_a_sheet_part_named_in_another_letter_case(tmp_path, reader_kept_out):
    path = xlsx(
        tmp_path / "case.xlsx",
        HEADER + '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
        part="XL/Worksheets/SHEET1.xml",
    )
    assert "xl/worksheets/sheet1.xml" not in zipfile.ZipFile(path).namelist()
    assert refusal(path) == f"{path}: sheet 'List_6' spans {FAR}, {SPANS}"


def test_a_far_cell_of_the_same_length_out_of_order(tmp_path, reader_kept_out):
    """The farthest reference is no longer than the last one, so only the exact pass finds it."""
    rows = HEADER + '<row r="5"><c r="ZZ999998"/></row><row r="999999"><c r="AA999999"/></row>'
    path = xlsx(tmp_path / "disorder.xlsx", rows)
    assert refusal(path) == f"{path}: sheet 'List_6' spans A1:ZZ999999 (701,999,298 cells), {SPANS}"


@pytest.mark.parametrize("ref", ["XFE1", "AAAA1", "A1048577", "A99999999999"])
def test_outside_the_grid_however_written(tmp_path, reader_kept_out, ref):
    path = xlsx(tmp_path / "outside.xlsx", HEADER + f"<row><c r='{ref}'/></row>")
    assert refusal(path) == (
        f"{path}: the workbook is damaged (sheet 'List_6' has a cell outside Excel's grid, at {ref}); "
        "re-save it in Excel"
    )


def test_a_document_type_declaration_is_refused(tmp_path, reader_kept_out):
    bomb = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    path = xlsx(tmp_path / "dtd.xlsx", HEADER)
    with zipfile.ZipFile(path) as archive:
        parts = {i.filename: archive.read(i) for i in archive.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = sheet.replace("?>", "?>" + bomb, 1).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert refusal(path) == (
        f"{path}: sheet 'List_6' declares a document type (DTD), which a workbook never has; "
        "refused as unsafe to open"
    )


def test_shared_strings_declaring_four_billion_entries(tmp_path, reader_kept_out):
    strings = f'<?xml version="1.0"?><sst xmlns="{MAIN}" count="4294967295" uniqueCount="4294967295"><si><t>x</t></si></sst>'
    path = xlsx(tmp_path / "sst.xlsx", HEADER, extra={"xl/sharedStrings.xml": strings})
    assert refusal(path) == (
        f"{path}: the shared strings table declares 4,294,967,295 entries (uniqueCount), above the "
        "50,000,000-entry limit; refused as unsafe to open; if it is genuine, raise the limit with "
        "max_strings under [limits] in the settings file"
    )


@settings(max_examples=40, deadline=None)
@given(
    quote=st.sampled_from(["'", '"']),
    before=st.sampled_from(["", " ", "\t", "\n "]),
    after=st.sampled_from(["", " ", "\r\n"]),
    letters=st.sampled_from(["XFD", "xfd", "XfD"]),
    other=st.sampled_from(["", ' s="1"', " t='n'"]),
    comment=st.booleans(),
)
def test_fuzz_any_spelling_of_the_far_corner_is_refused(
    tmp_path_factory, quote, before, after, letters, other, comment
):
    cell = f"<c{other} r{before}={after}{quote}{letters}1048576{quote}/>"
    note = '<!-- <c r="A1"/> -->' if comment else ""
    path = xlsx(tmp_path_factory.mktemp("fuzz") / "f.xlsx", HEADER + f'{note}<row r="1048576">{cell}</row>')
    assert refusal(path) == f"{path}: sheet 'List_6' spans {FAR}, {SPANS}"


# ---------------------------------------------------------------------------- odd but harmless: still read


def test_error_cells_with_tabs_comments_and_quotes_are_recovered(tmp_path):
    """The cell scan reads XML as XML: a tab between attributes, single quotes, a marker in a comment."""
    rows = (
        HEADER
        + '<!-- <c r="A2" t="e"><v>#REF!</v></c> -->'
        + '<row r="2"><c\tr="A2"\tt="e"><v>#N/A</v></c><c r=\'B2\' t=\'e\'><v>#DIV/0!</v></c></row>'
        + '<row r="3"><c r="A3"><f>VLOOKUP(X1,Y:Y,1,0)</f></c><c r="B3" t="inlineStr"><is><t>&lt;f&gt;</t></is></c></row>'
    )
    path = xlsx(tmp_path / "odd.xlsx", rows)
    inspection = inspect(path)
    assert inspection.marked_sheets == {"List_6"}
    scan = scan_cells(path, ["List_6"], inspection.marked_sheets)["List_6"]
    assert scan.values == {(2, 0): "#N/A", (2, 1): "#DIV/0!", (3, 0): "=VLOOKUP(X1,Y:Y,1,0)"}


def test_many_odd_error_cells_are_scanned_in_one_pass(tmp_path):
    """60,000 tab-separated error cells: once quadratic (36 s), now one streamed walk."""
    rows = HEADER + "".join(
        f'<row r="{r}"><c\tr="A{r}"\tt="e"><v>#N/A</v></c></row>' for r in range(2, 60_002)
    )
    path = xlsx(tmp_path / "many.xlsx", rows)
    inspection = inspect(path)
    scan = scan_cells(path, ["List_6"], inspection.marked_sheets)["List_6"]
    assert len(scan.values) == 60_000 and scan.values[(60_001, 0)] == "#N/A"


def test_unterminated_cells_are_one_line_not_a_hang(tmp_path):
    """5,000 cells never closed: the cell scan stops at the first fault, and the reader's refusal is one line."""
    path = xlsx(tmp_path / "open.xlsx", HEADER + '<row r="2">' + '<c r="A2" t="e"><v>#N/A</v>' * 5000)
    assert scan_cells(path, ["List_6"], inspect(path).marked_sheets) == {}
    done = cli(path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"annexa-check: error: {path}: sheet 'List_6' cannot be read; --verbose shows the reader's own message\n"
    )


# ---------------------------------------------------------------------------- OpenDocument repeats


def ods(path: Path, table: str) -> Path:
    return write_ods(path, table)


VALUE = '<table:table-cell office:value-type="string"{repeat}><text:p>x</text:p></table:table-cell>'


@pytest.mark.parametrize(
    ("rows", "cols", "message"),
    [
        (5_000, 16_000, "5,000 rows by 16,000 columns (80,000,000 cells"),
        (4_294_967_297, 1, "4,294,967,297 rows by 1 columns (4,294,967,297 cells"),
        (1, 4_294_967_297, "1 rows by 4,294,967,297 columns (4,294,967,297 cells"),
    ],
)
def test_ods_repeats_are_counted_not_expanded(tmp_path, reader_kept_out, rows, cols, message):
    repeat = f' table:number-columns-repeated="{cols}"'
    table = f'<table:table-row table:number-rows-repeated="{rows}">{VALUE.format(repeat=repeat)}</table:table-row>'
    path = ods(tmp_path / "repeat.ods", table)
    assert refusal(path) == (
        f"{path}: sheet 'List_6' spans {message}, counting repeated rows and columns), above the "
        "50,000,000-cell limit; refused as unsafe to open; if it is genuine, raise the limit with "
        "max_sheet_cells under [limits] in the settings file"
    )


def test_a_million_copied_rows_are_refused(tmp_path, reader_kept_out):
    """Ten valued cells repeated a million times: within the cell limit, but 7 s and 1.5 GB to the reader."""
    row = VALUE.format(repeat="") * 10
    path = ods(
        tmp_path / "copies.ods",
        f'<table:table-row table:number-rows-repeated="1000000">{row}</table:table-row>',
    )
    assert refusal(path) == (
        f"{path}: sheet 'List_6' repeats cells into 9,999,990 copies, above the 1,000,000-copy limit "
        "(rows of a return are not copies of each other); refused as unsafe to open; if it is genuine, "
        "raise the limit with max_repeated_cells under [limits] in the settings file"
    )


def test_empty_repeats_cost_nothing_and_pass(tmp_path):
    """LibreOffice writes the empty rest of a sheet as one repeated row; the reader skips it."""
    header = "<table:table-row>" + VALUE.format(repeat="") + "</table:table-row>"
    empty = '<table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    assert inspect(ods(tmp_path / "lo.ods", header + empty)).format == "ods"


# ---------------------------------------------------------------------------- as a user runs it


@pytest.mark.parametrize("kind", ["quotes", "implied", "ods"])
def test_no_hostile_file_aborts_the_command_line(tmp_path, kind):
    if kind == "quotes":
        path = xlsx(tmp_path / "q.xlsx", HEADER + "<row r='1048576'><c r='XFD1048576'/></row>")
        expected = f"{path}: sheet 'List_6' spans {FAR}"
    elif kind == "implied":
        path = xlsx(tmp_path / "i.xlsx", HEADER + '<row r="1048576">' + "<c/>" * 16_384 + "</row>")
        expected = f"{path}: sheet 'List_6' spans {FAR}"
    else:
        path = ods(
            tmp_path / "o.ods",
            f'<table:table-row table:number-rows-repeated="4294967297">{VALUE.format(repeat="")}</table:table-row>',
        )
        expected = f"{path}: sheet 'List_6' spans 4,294,967,297 rows by 1 columns"
    done = cli(path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"annexa-check: error: {expected}")
