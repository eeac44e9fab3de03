"""Lists that arrive as CSV extracts (a folder or a zip) or as data frames give a workbook's findings."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile
from datetime import date, datetime
from importlib.resources import files
from pathlib import Path

import fastexcel
import jsonschema
import polars as pl
import pytest
import xlsxwriter
from builders import SAFE
from conftest import CIN_CHILD, REFERENCE_DATE

from annexa_check.catalogue.spec import load_spec
from annexa_check.engine.check import check_workbook
from annexa_check.errors import InputError
from annexa_check.read.extracts import cell_text, load_extracts, load_frames, load_source
from annexa_check.read.loader import ROW, load_workbook
from annexa_check.read.safety import Limits
from annexa_check.report.model import summary

SPEC = load_spec()
EXAMPLE = Path(__file__).resolve().parent.parent / "example_returns" / "example_dry_run.xlsx"
SAME = ["rule", "list", "row", "child_id", "column", "value", "message", "team", "worker", "fingerprint"]


def sheet_cells(path: Path) -> dict[str, list[tuple[str | None, ...]]]:
    """Every sheet's cells as the workbook reader gives them, from row 1 and column A."""
    reader = fastexcel.read_excel(str(path))
    out = {}
    for name in reader.sheet_names:
        sheet = reader.load_sheet(name, header_row=None, dtypes="string")
        assert [c.absolute_index for c in sheet.available_columns()] == list(range(sheet.width))
        out[name] = sheet.to_polars().rows()
    return out


def csv_bytes(rows: list[tuple[str | None, ...]] | list[list[str]], encoding: str, separator: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator, lineterminator="\r\n").writerows(
        ["" if v is None else v for v in row] for row in rows
    )
    return buffer.getvalue().encode(encoding)


def write_folder(folder: Path, encoding: str = "utf-8-sig", separator: str = ",") -> Path:
    folder.mkdir()
    for sheet, rows in sheet_cells(EXAMPLE).items():
        (folder / f"{sheet}.csv").write_bytes(csv_bytes(rows, encoding, separator))
    return folder


def zipped(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for child in sorted(folder.iterdir()):
            archive.write(child, f"extracts/{child.name}")
    return target


@pytest.fixture(scope="module")
def workbook_findings() -> pl.DataFrame:
    return check_workbook(EXAMPLE, reference_date=REFERENCE_DATE).findings


def headers(list_key: str) -> list[str]:
    return [c.header for c in SPEC.lists[list_key].columns_for("2023")]


def cin_row(**values: object) -> list[str]:
    given = {**CIN_CHILD, **values}
    return [str(given.get(c.key) or "") for c in SPEC.lists["list_6"].columns_for("2023")]


# ---------------------------------------------------------------------------- the same findings


@pytest.mark.parametrize(
    ("encoding", "separator", "zip_it"),
    [("utf-8-sig", ",", False), ("cp1252", "\t", False), ("utf-8", ",", True)],
    ids=["utf-8-bom-comma", "windows-1252-tab", "zip"],
)
def test_the_example_as_csv_files_gives_the_workbooks_findings(
    tmp_path, workbook_findings, encoding, separator, zip_it
):
    source = write_folder(tmp_path / "extracts", encoding, separator)
    if zip_it:
        source = zipped(source, tmp_path / "extracts.zip")
    result = check_workbook(source, reference_date=REFERENCE_DATE)
    findings = result.findings
    assert workbook_findings.height == 139
    assert findings.select(SAME).equals(workbook_findings.select(SAME))
    expected_sheets = workbook_findings["sheet"].map_elements(lambda s: f"{s}.csv", return_dtype=pl.String)
    assert findings["sheet"].to_list() == expected_sheets.to_list()
    assert result.template == "2023"
    loaded = result.workbook.lists["list_8"]
    assert (loaded.sheet, loaded.found_by, loaded.header_row, loaded.rows) == (
        "List_8.csv",
        "file name",
        2,
        60,
    )
    assert result.workbook.path == source
    assert result.workbook.ignored_sheets == []


def typed(frame: pl.DataFrame) -> pl.DataFrame:
    """The text columns as a pipeline would hold them: real dates, integers and floats where every value allows.

    A column is converted only when the converted values read back as the same cells,
    so an ID with leading zeros or a mistyped date stays text, as in a real extract.
    """
    columns = []
    for name in frame.columns:
        text = frame[name]
        for convert in (
            lambda s: s.str.strptime(pl.Date, "%d/%m/%Y", strict=False),
            lambda s: s.cast(pl.Int64, strict=False),
            lambda s: s.cast(pl.Float64, strict=False),
        ):
            candidate = convert(text)
            shown = cell_text(candidate).str.replace(r"^(\d{4})-(\d{2})-(\d{2}) 00:00:00$", "${3}/${2}/${1}")
            if candidate.null_count() == text.null_count() and shown.equals(text, check_names=False):
                text = candidate
                break
        columns.append(text.alias(name))
    return pl.DataFrame(columns)


def test_the_example_as_typed_frames_gives_the_workbooks_findings(workbook_findings):
    workbook = load_workbook(EXAMPLE, SPEC)
    frames = {}
    for key, loaded in workbook.lists.items():
        assert loaded.frame is not None and loaded.header_row == 2
        frame = loaded.frame.drop(ROW).rename(loaded.matched)  # the columns under their headers
        frames[key] = typed(frame)
    # IDs that passed through a float, dates held as midnight datetimes, a column of nothing.
    frames["list_2"] = frames["list_2"].with_columns(pl.col("Child Unique ID").cast(pl.Float64))
    frames["list_6"] = frames["list_6"].with_columns(pl.col("CIN Start Date").cast(pl.Datetime("us")))
    assert frames["list_11"]["Reason for leaving adoption process"].null_count() == 19
    frames["list_11"] = frames["list_11"].with_columns(
        pl.lit(None).alias("Reason for leaving adoption process")
    )
    assert frames["list_1"].schema == {
        "Child Unique ID": pl.Int64,
        "Gender": pl.String,
        "Ethnicity": pl.String,
        "Date of Birth": pl.Date,
        "Age of Child (Years)": pl.Int64,
        "Date of Contact": pl.String,  # one value is not a date, so the column stays text
        "Contact Source": pl.String,
    }
    assert frames["list_11"].schema["Reason for leaving adoption process"] == pl.Null

    result = check_workbook(frames, reference_date=REFERENCE_DATE)
    findings = result.findings
    # A frame has no title row above its header, so its header is row 1 and its rows follow:
    # a finding's row, and a row a message names, is its position in the frame (the issue's
    # "Excel-row references name the line instead"). Everything else is the workbook's.
    position = {
        lst.name: dict(zip(loaded.frame[ROW].to_list(), range(2, loaded.rows + 2), strict=True))
        for loaded in workbook.lists.values()
        if (lst := loaded.spec) and loaded.frame is not None
    }

    def moved(finding: dict) -> dict:
        rows = position[finding["list"]]
        return {
            "row": None if finding["row"] is None else rows[finding["row"]],
            "message": re.sub(r"\brow (\d+)", lambda m: f"row {rows[int(m.group(1))]}", finding["message"]),
        }

    expected = workbook_findings.with_columns(
        pl.struct("list", "row", "message")
        .map_elements(moved, return_dtype=pl.Struct({"row": pl.Int64, "message": pl.String}))
        .struct.unnest()
    )
    assert expected["message"].str.contains(r"\brow \d").sum() == 83
    assert (expected["row"] == workbook_findings["row"] - 1).all()  # the example has no blank rows
    assert findings.select(SAME).equals(expected.select(SAME))
    assert set(findings["sheet"].drop_nulls()) <= {f"list_{n}" for n in range(1, 12)}
    assert result.workbook.lists["list_8"].found_by == "list key"


# ---------------------------------------------------------------------------- cells as a workbook reads them


def test_frame_values_read_as_the_same_cells_in_a_workbook(tmp_path):
    values = {
        "date": [date(2024, 1, 31), None],
        "datetime": [datetime(2024, 1, 31, 13, 45, 7), datetime(2024, 1, 31, 13, 45, 7, 500_000)],
        "integer": [123, -7],
        "float": [123.0, 0.1],
        "big": [1e20, 1e-7],
        "boolean": [True, False],
        "text": ["00123", " a) WBRI "],
    }
    frame = pl.DataFrame(values)
    path = tmp_path / "cells.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": False, **SAFE})
    sheet = book.add_worksheet("S")
    dated = book.add_format({"num_format": "dd/mm/yyyy"})
    for col, column in enumerate(values.values()):
        for row, value in enumerate(column):
            if isinstance(value, (date, datetime)):
                sheet.write_datetime(row, col, value, dated)
            elif value is not None:
                sheet.write(row, col, value)
    book.close()
    read = fastexcel.read_excel(str(path)).load_sheet("S", header_row=None, dtypes="string").to_polars()
    for i, name in enumerate(values):
        assert cell_text(frame[name]).to_list() == read.to_series(i).to_list(), name
    assert cell_text(frame["float"]).to_list() == ["123", "0.1"]
    assert cell_text(pl.Series("nothing", [None, None])).to_list() == [None, None]
    assert cell_text(pl.Series("missing", [float("nan"), None, 2.5])).to_list() == [None, None, "2.5"]
    assert cell_text(pl.Series("flag", [True, None])).to_list() == ["true", None]
    assert cell_text(pl.Series("c", ["x", "y"], dtype=pl.Categorical)).to_list() == ["x", "y"]


def test_a_frame_of_the_wrong_shape_or_key_is_one_line():
    with pytest.raises(InputError) as exc:
        load_frames({}, SPEC)
    assert (
        str(exc.value) == "frames: no lists given (expected list keys list_1 ... list_11 with their frames)"
    )
    with pytest.raises(InputError) as exc:
        load_frames({"list_12": pl.DataFrame({"a": [1]})}, SPEC)
    assert str(exc.value) == "frames: unknown list key 'list_12' (expected list_1 ... list_11)"
    with pytest.raises(InputError) as exc:
        load_frames({"list_6": {"Child Unique ID": [1]}}, SPEC)  # type: ignore[dict-item]
    assert str(exc.value) == "frames: list_6 is a dict, not a polars DataFrame"
    with pytest.raises(InputError) as exc:
        load_frames({"list_6": pl.DataFrame({"Child Unique ID": [[1, 2]]})}, SPEC)
    assert str(exc.value) == (
        "frames: list_6: column 'Child Unique ID' holds List(Int64) values, which no workbook cell can; "
        "give it as text, a number or a date"
    )


def test_a_frame_whose_column_names_are_not_the_lists_headers_says_so():
    """A frame has no rows above its column names, so its problem is not 'no header row in 20 rows'."""
    loaded = load_frames(
        {"list_6": pl.DataFrame({"id": ["1"], "team": ["A"], "start": ["01/04/2024"]})}, SPEC
    )
    assert loaded.lists["list_6"].problem == (
        "fewer than 3 of its column names are the list's headers (looked for headers such as 'Child Unique ID')"
    )


# ---------------------------------------------------------------------------- one CSV file


def test_line_numbers_are_the_rows_a_spreadsheet_shows(tmp_path):
    """A title line, a blank line, a short row and a quoted line break: each finding names its line."""
    folder = tmp_path / "extracts"
    folder.mkdir()
    rows = [
        ["List 6: Children in need"],
        headers("list_6"),
        cin_row(child_id="C1"),
        [],
        cin_row(child_id="C2", cin_start_date="31/02/2025"),
        cin_row(child_id="C3", allocated_team="Team\nNorth")[:-1],
        cin_row(child_id="C4", cin_start_date="2025-01-01"),
    ]
    (folder / "List 6 - children in need.csv").write_bytes(csv_bytes(rows, "utf-8", ","))
    result = check_workbook(folder, reference_date=REFERENCE_DATE, select=["invalid_date"])
    loaded = result.workbook.lists["list_6"]
    assert (loaded.sheet, loaded.found_by, loaded.header_row) == (
        "List 6 - children in need.csv",
        "file name",
        2,
    )
    assert loaded.frame is not None
    assert loaded.frame[ROW].to_list() == [3, 5, 6, 7]
    assert loaded.frame["child_id"].to_list() == ["C1", "C2", "C3", "C4"]
    assert loaded.frame["allocated_team"].to_list() == [
        "Team North",
        "Team North",
        "Team\nNorth",
        "Team North",
    ]
    assert loaded.frame["allocated_worker"].to_list() == ["Worker A", "Worker A", None, "Worker A"]
    found = result.findings.select("row", "child_id", "value").rows()
    assert found == [(5, "C2", "31/02/2025"), (7, "C4", "2025-01-01")]


def test_a_list_is_recognised_by_headers_when_the_file_name_says_nothing(tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    (folder / "cin_extract_2025.csv").write_bytes(
        csv_bytes([headers("list_6"), cin_row(child_id="C1")], "utf-8", "\t")
    )
    (folder / "notes.csv").write_bytes(b"Prepared by,the data team\n")
    workbook = load_extracts(folder, SPEC)
    loaded = workbook.lists["list_6"]
    assert (loaded.sheet, loaded.found_by, loaded.header_row, loaded.rows) == (
        "cin_extract_2025.csv",
        "headers",
        1,
        1,
    )
    assert loaded.unrecognised == []
    assert workbook.sheets == ["cin_extract_2025.csv", "notes.csv"]
    assert workbook.ignored_sheets == ["notes.csv"]
    assert [k for k, v in workbook.lists.items() if v.present] == ["list_6"]


def test_a_second_file_for_a_list_is_noted(tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    for name in ("List_6.csv", "list 6 - children in need.csv"):
        (folder / name).write_bytes(csv_bytes([headers("list_6"), cin_row(child_id="C1")], "utf-8", ","))
    workbook = load_extracts(folder, SPEC)
    assert workbook.sheets == ["list 6 - children in need.csv", "List_6.csv"]  # in name order, any case
    assert workbook.lists["list_6"].sheet == "list 6 - children in need.csv"
    assert workbook.notes == [
        "file 'List_6.csv' also looks like List 6; used 'list 6 - children in need.csv'"
    ]
    assert workbook.ignored_sheets == ["List_6.csv"]


def test_a_file_in_a_bad_encoding_is_one_line_with_the_byte_offset(tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    good = csv_bytes([headers("list_6"), cin_row(child_id="C1")], "utf-8", ",")
    (folder / "List_6.csv").write_bytes(good + b"C2,\x81\n")  # 0x81 is neither UTF-8 nor Windows-1252
    with pytest.raises(InputError) as exc:
        load_source(folder, SPEC)
    assert str(exc.value) == (
        f"{folder / 'List_6.csv'}: cannot be decoded: byte 0x81 at offset {len(good) + 3} is neither UTF-8 "
        "nor Windows-1252; save it as CSV UTF-8"
    )
    (folder / "List_6.csv").write_bytes("Child Unique ID\n".encode("utf-16"))
    with pytest.raises(InputError) as exc:
        load_source(folder, SPEC)
    assert str(exc.value) == (
        f"{folder / 'List_6.csv'}: is UTF-16 text, which is not read; save it as CSV UTF-8 (comma delimited)"
    )
    archive = tmp_path / "extracts.zip"
    with zipfile.ZipFile(archive, "w") as zipped_file:
        zipped_file.writestr("List_6.csv", b"Child Unique ID\x00\n")
    with pytest.raises(InputError) as exc:
        load_source(archive, SPEC)
    assert str(exc.value) == (
        f"{archive}: 'List_6.csv': cannot be decoded: byte 0x00 at offset 15 is not text; save it as CSV UTF-8"
    )


def test_utf8_with_a_stray_byte_is_refused_not_read_as_windows_1252(tmp_path):
    """Read as Windows-1252, every accented letter before the stray byte would silently change."""
    folder = tmp_path / "extracts"
    folder.mkdir()
    good = csv_bytes([headers("list_6"), cin_row(child_id="C1", allocated_worker="Zoë")], "utf-8", ",")
    for start in (b"", b"\xef\xbb\xbf"):
        (folder / "List_6.csv").write_bytes(start + good + b"C2,\xa3\n")  # a Windows-1252 pound sign
        with pytest.raises(InputError) as exc:
            load_source(folder, SPEC)
        assert str(exc.value) == (
            f"{folder / 'List_6.csv'}: cannot be decoded: byte 0xA3 at offset {len(start + good) + 3} is not "
            "UTF-8, though the text before it is; save it as CSV UTF-8"
        )
    plain = csv_bytes([headers("list_6"), cin_row(child_id="C1")], "utf-8", ",")
    (folder / "List_6.csv").write_bytes(b"\xef\xbb\xbf" + plain + b"C2,\xa3\n")  # the mark alone says UTF-8
    with pytest.raises(InputError) as exc:
        load_source(folder, SPEC)
    assert f"byte 0xA3 at offset {3 + len(plain) + 3} is not UTF-8" in str(exc.value)
    (folder / "List_6.csv").write_bytes(plain + b"C2,\xa3\n")  # nothing says UTF-8: Windows-1252
    loaded = load_source(folder, SPEC).lists["list_6"]
    assert loaded.frame is not None
    assert loaded.frame["gender"].to_list() == ["a) Male", "£"]


def test_a_plain_file_is_not_a_folder_of_extracts(tmp_path):
    path = tmp_path / "List_6.csv"
    path.write_bytes(csv_bytes([headers("list_6")], "utf-8", ","))
    with pytest.raises(InputError) as exc:
        load_extracts(path, SPEC)
    assert str(exc.value) == f"{path}: not a folder or a .zip of CSV files"
    with pytest.raises(InputError) as exc:
        load_extracts(tmp_path / "extracts", SPEC)
    assert str(exc.value) == f"{tmp_path / 'extracts'}: folder not found"


def test_windows_1252_text_is_read_as_such(tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    rows = [headers("list_6"), cin_row(child_id="C1", allocated_worker="Zoë O’Brien")]
    (folder / "List_6.csv").write_bytes(csv_bytes(rows, "cp1252", ","))
    loaded = load_extracts(folder, SPEC).lists["list_6"]
    assert loaded.frame is not None
    assert loaded.frame["allocated_worker"].to_list() == ["Zoë O’Brien"]


# ---------------------------------------------------------------------------- folders and zips


def test_an_empty_folder_or_one_without_lists(tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    (folder / "readme.md").write_text("not a list\n")
    with pytest.raises(InputError) as exc:
        check_workbook(folder, reference_date=REFERENCE_DATE)
    assert str(exc.value) == (
        f"{folder}: no CSV files found (expected one file per list, named like List_1.csv ... List_11.csv)"
    )
    (folder / "notes.csv").write_bytes(b"Prepared by,the data team\n")
    with pytest.raises(InputError) as exc:
        check_workbook(folder, reference_date=REFERENCE_DATE)
    assert str(exc.value) == (
        f"{folder}: no Annex A list found (files: 'notes.csv'); expected files named like List_1.csv ... "
        "List_11.csv or with the template's column headers"
    )
    with pytest.raises(InputError) as exc:
        load_source(tmp_path / "missing", SPEC)
    assert str(exc.value) == f"{tmp_path / 'missing'}: file not found"  # nothing there to say it is a folder


def test_a_zip_bomb_is_refused_with_the_workbooks_limit_message(tmp_path):
    padding = bytes(range(250)) * 120_000  # 30 MB that packs about 100 times
    workbook = tmp_path / "bomb.xlsx"
    shutil.copy(EXAMPLE, workbook)
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped_file:
        zipped_file.writestr("List_6.csv", csv_bytes([headers("list_6")], "utf-8", ","))
        zipped_file.writestr("List_7.csv", padding)
    with zipfile.ZipFile(workbook, "a", zipfile.ZIP_DEFLATED) as zipped_file:
        zipped_file.writestr("xl/media/padding.bin", padding)
    limits = Limits(max_unpacked_mb=20)
    for path in (workbook, archive):
        with zipfile.ZipFile(path) as zipped_file:
            unpacked = sum(info.file_size for info in zipped_file.infolist()) / 1_000_000
        with pytest.raises(InputError) as exc:
            load_source(path, SPEC, limits=limits)
        assert str(exc.value) == (
            f"{path}: a {path.stat().st_size // 1000} KB file that unpacks to {unpacked:,.1f} MB or more, above "
            "the 20 MB limit (a zip bomb, or far larger than an Annex A return); if the workbook is genuine, "
            "raise the limit with --max-unpacked-mb, or max_unpacked_mb under [limits] in the settings file"
        )


def test_a_zip_that_is_not_one(tmp_path):
    archive = tmp_path / "extracts.zip"
    archive.write_bytes(b"Child Unique ID,Gender\n")
    with pytest.raises(InputError) as exc:
        load_source(archive, SPEC)
    assert str(exc.value) == f"{archive}: not a zip file, or a damaged one; copy it again"


def test_workbooks_are_still_read_as_workbooks():
    assert load_source(EXAMPLE, SPEC).lists["list_1"].sheet == "List_1"
    assert load_source(str(EXAMPLE), SPEC).lists["list_1"].found_by == "sheet name"


def test_a_part_that_packs_too_well_is_refused_with_the_workbooks_ratio_message(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_BZIP2) as zipped_file:
        zipped_file.writestr("extracts/List_7.csv", bytes(12_000_000))
    with zipfile.ZipFile(archive) as zipped_file:
        info = zipped_file.getinfo("extracts/List_7.csv")
    ratio = info.file_size // info.compress_size
    assert ratio > 1000
    with pytest.raises(InputError) as exc:
        check_workbook(archive, reference_date=REFERENCE_DATE)
    assert str(exc.value) == (
        f"{archive}: 'extracts/List_7.csv' unpacks to {ratio:,} times its packed size, more than the "
        "1,000-times limit (a zip bomb); refused as unsafe to open; if it is genuine, raise the limit with "
        "max_ratio under [limits] in the settings file"
    )


def test_the_summary_of_extracts_names_the_files_and_keys(tmp_path):
    """The JSON summary's document is valid for every container, and names where each list came from."""
    schema = json.loads(
        (files("annexa_check") / "schemas" / "summary.schema.json").read_text(encoding="utf-8")
    )
    folder = tmp_path / "extracts"
    folder.mkdir()
    (folder / "cin.csv").write_bytes(csv_bytes([headers("list_6"), cin_row(child_id="C1")], "utf-8", ","))
    document = summary(check_workbook(folder, reference_date=REFERENCE_DATE))
    jsonschema.validate(document, schema)
    assert document["workbook"] == str(folder)
    assert {
        k: (v["sheet"], v["found_by"], v["rows"]) for k, v in document["lists"].items() if v["found"]
    } == {"list_6": ("cin.csv", "headers", 1)}
    frame = pl.DataFrame({h: [v] for h, v in zip(headers("list_6"), cin_row(child_id="C1"), strict=True)})
    document = summary(check_workbook({"list_6": frame}, reference_date=REFERENCE_DATE))
    jsonschema.validate(document, schema)
    assert document["workbook"] == "frames"
    assert document["lists"]["list_6"]["sheet"] == "list_6"
    assert document["lists"]["list_6"]["header_row"] == 1


def test_a_zip_with_two_files_of_one_name_and_the_progress_it_reports(tmp_path):
    cin = csv_bytes([headers("list_6"), cin_row(child_id="C1")], "utf-8", ",")
    archive = tmp_path / "extracts.zip"
    with zipfile.ZipFile(archive, "w") as zipped_file:
        zipped_file.writestr("march/List_6.csv", cin)
        zipped_file.writestr("april/List_6.csv", cin)
    with pytest.raises(InputError) as exc:
        load_source(archive, SPEC)
    assert (
        str(exc.value)
        == f"{archive}: 'march/List_6.csv': a second file named 'List_6.csv' in the zip; keep one"
    )
    with zipfile.ZipFile(archive, "w") as zipped_file:
        zipped_file.writestr("april/List_6.csv", cin)
        zipped_file.writestr("__MACOSX/april/._List_6.csv", b"\x00\x05\x16\x07")
        zipped_file.writestr("april/readme.md", b"not a list")
    steps: list[tuple[str, int, int]] = []
    result = check_workbook(archive, reference_date=REFERENCE_DATE, progress=lambda *step: steps.append(step))
    assert result.workbook.sheets == ["List_6.csv"]
    assert steps == [
        ("Reading List_6.csv", 0, 2),
        (f"Running {len(result.rules)} rules", 1, 2),
        ("Done", 2, 2),
    ]
