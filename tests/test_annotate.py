"""`annexa-check annotate`: the council's own workbook, copied with each finding marked in its cell.

Each test opens the copy with openpyxl and asserts exact cells, fills, notes, the Findings
sheet and its links, and that the input and every value in it are as they were.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from builders import SAFE
from conftest import CIN_CHILD, REF, run
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from test_key_error_types import CLA

from annexa_check.api.annotate import (
    FINDINGS_HEADERS,
    Mark,
    _mark_cells,
    annotate,
    cells_of,
    checked,
    count_cells,
)
from annexa_check.catalogue.spec import load_spec
from annexa_check.errors import InputError
from annexa_check.settings.config import Settings

ORANGE, BLUE = "00E69F00", "0056B4E9"  # error, warning (openpyxl reads colours as ARGB)
UNBORN = {"gender": "c) Not stated/recorded (or unborn)", "date_of_birth": None, "age": -1}
CHOSEN = ("--select", "CIN001,CIN003,CLA003,CLA045,AX011,CHD007")  # CHD007: a born child's blank birth date


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fill_rows(sheet: Any, key: str, rows: list[dict[str, Any]], first_row: int, header_row: int) -> None:
    columns = load_spec().lists[key].columns_for("2023")
    for c, col in enumerate(columns, start=1):
        sheet.cell(header_row, c, col.header)
    for r, row in enumerate(rows, start=first_row):
        for c, col in enumerate(columns, start=1):
            sheet.cell(r, c, row.get(col.key))


def council_workbook(path: Path) -> Path:
    """A small return as a council keeps it: a front sheet, a title row, a column width, a drop-down,
    a note already on a cell, a workbook name and a sheet's own name; two legal look-alikes."""
    book = openpyxl.Workbook()
    front = book.active
    front.title = "Front_Sheet"
    front["A1"] = "Annex A dry run (synthetic)"
    front["A1"].font = Font(bold=True, size=14)
    cin = book.create_sheet("List_6")
    cin["A1"] = "List 6: Children in need"
    _fill_rows(
        cin,
        "list_6",
        [
            {**CIN_CHILD, "child_id": "C001", "primary_need": None},  # row 3: missing primary need
            {**CIN_CHILD, "child_id": "C002"},  # row 4: an open episode with no reason (legal)
            {**CIN_CHILD, "child_id": "C003", "cin_closure_date": "01/02/2025"},  # row 5: no closure reason
            {**CIN_CHILD, "child_id": "C004", **UNBORN},  # row 6: unborn, no date of birth (legal)
        ],
        first_row=3,
        header_row=2,
    )
    cin.column_dimensions["H"].width = 33
    cin.add_data_validation(DataValidation(type="list", formula1='"a) Male,b) Female"', sqref="B3:B100"))
    cin["H3"].comment = Comment("asked the team on 2 March", "Data officer")
    book.defined_names["Needs"] = DefinedName("Needs", attr_text="List_6!$H$3:$H$5")
    cla = book.create_sheet("List_8")
    _fill_rows(
        cla,
        "list_8",
        [
            {**CLA, "child_id": "L001", "placement_provider": None},  # row 2: missing provider
            # row 3: a temporary placement with no provider (legal)
            {
                **CLA,
                "child_id": "L002",
                "placement_type": "w) T0: Temporary placement",
                "placement_provider": None,
            },
        ],
        first_row=2,
        header_row=1,
    )
    cla.defined_names["Providers"] = DefinedName("Providers", attr_text="List_8!$X$2:$X$3")
    book.save(path)
    return path


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, Any]:
    """The council's workbook, its hash before the run, and the annotated copy (opened)."""
    folder = tmp_path_factory.mktemp("annotate")
    source = council_workbook(folder / "DRY_RUN.xlsx")
    before = _sha256(source)
    out = folder / "DRY_RUN.checked.xlsx"
    result = run("annotate", str(source), "-o", str(out), "--reference-date", REF, "--no-config", *CHOSEN)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        f"Wrote {out}: 5 findings marked on 5 cells (errors orange, warnings blue); every finding is on "
        "its first sheet, Findings."
    )
    return source, out, before, openpyxl.load_workbook(out)


def _marked_cells(book: Any) -> dict[str, tuple[str, str]]:
    """Every cell of the council's sheets that has a fill or a note: 'Sheet!A1' -> (fill colour, note)."""
    found = {}
    for sheet in book.worksheets[1:]:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.comment is not None or cell.fill.fill_type is not None:
                    note = cell.comment.text if cell.comment is not None else ""
                    found[f"{sheet.title}!{cell.coordinate}"] = (cell.fill.fgColor.rgb, note)
    return found


def test_each_finding_fills_its_cell_by_severity_with_a_note(marked: tuple[Path, Path, str, Any]) -> None:
    _, _, _, book = marked
    cells = _marked_cells(book)
    assert sorted(cells) == ["List_6!H3", "List_6!K5", "List_8!I1", "List_8!X2", "List_8!Z2"]
    assert {ref: fill for ref, (fill, _) in cells.items()} == {
        "List_6!H3": ORANGE,
        "List_6!K5": ORANGE,
        "List_8!I1": BLUE,  # a column's finding (a code's spelling) marks its header cell
        "List_8!X2": ORANGE,
        "List_8!Z2": BLUE,
    }
    assert cells["List_6!K5"][1] == (
        "Error CIN003: The CIN episode has a closure date but no Reason for Closure. Record the RC code "
        "for the closure.\nCorrect: " + cells["List_6!K5"][1].split("\nCorrect: ")[1]
    )
    assert cells["List_8!X2"][1].startswith(
        "Error CLA003: Placement Provider is blank. Record the provider (PR0-PR5); only temporary (T0-T4) "
        "and Z1 placements may leave it blank.\nCorrect: "
    )
    assert book["List_8"]["X2"].comment.author == "annexa-check"


def test_a_note_already_on_a_marked_cell_is_kept_below_the_findings(
    marked: tuple[Path, Path, str, Any],
) -> None:
    note = marked[3]["List_6"]["H3"].comment.text
    assert note.startswith("Error CIN001: Primary Need Code is blank.")
    assert note.endswith("\n\n--- Note already here (Data officer):\nasked the team on 2 March")


def test_legal_look_alikes_are_left_untouched(marked: tuple[Path, Path, str, Any]) -> None:
    book = marked[3]
    open_episode, unborn = book["List_6"]["K4"], book["List_6"]["D6"]  # no reason / no date of birth
    temporary = book["List_8"]["X3"]  # no provider
    for cell in (open_episode, unborn, temporary):
        assert cell.value is None
        assert cell.comment is None
        assert cell.fill.fill_type is None
    assert book["List_8"]["W3"].value == "w) T0: Temporary placement"
    assert (book["List_6"]["B6"].value, book["List_6"]["E6"].value) == (
        "c) Not stated/recorded (or unborn)",
        -1,
    )


def test_the_findings_sheet_comes_first_with_links_a_filter_and_a_frozen_header(
    marked: tuple[Path, Path, str, Any],
) -> None:
    book = marked[3]
    assert book.sheetnames == ["Findings", "Front_Sheet", "List_6", "List_8"]
    assert book.active.title == "Findings"
    sheet = book["Findings"]
    assert [c.value for c in sheet[1][: len(FINDINGS_HEADERS)]] == FINDINGS_HEADERS
    rows = [(*(c.value for c in row[:6]), row[8].value) for row in sheet.iter_rows(min_row=2, max_row=6)]
    assert rows == [
        ("List_6!H3", "Error", "C001", "List 6", 3, "Primary Need Code", "CIN001"),
        ("List_6!K5", "Error", "C003", "List 6", 5, "Reason for Closure", "CIN003"),
        ("List_8!I1", "Warning", None, "List 8", None, "Child's Category of Need", "AX011"),
        ("List_8!X2", "Error", "L001", "List 8", 2, "Placement Provider", "CLA003"),
        ("List_8!Z2", "Warning", "L001", "List 8", 2, "URN of Placement", "CLA045"),
    ]
    assert sheet.max_row == 6
    assert [sheet.cell(r, 1).hyperlink.location for r in range(2, 7)] == [
        "'List_6'!H3",
        "'List_6'!K5",
        "'List_8'!I1",
        "'List_8'!X2",
        "'List_8'!Z2",
    ]
    assert sheet["G2"].value == (
        "Primary Need Code is blank. Record the child's latest primary need (N1-N9, or N0 if not stated)."
    )
    assert [sheet.cell(r, 2).fill.fgColor.rgb for r in range(2, 7)] == [ORANGE, ORANGE, BLUE, ORANGE, BLUE]
    assert sheet.auto_filter.ref == "A1:J6"
    assert sheet.freeze_panes == "A2"
    legend = {sheet.cell(r, 12).value: sheet.cell(r, 12).fill.fgColor.rgb for r in (2, 3)}
    assert legend == {"Error": ORANGE, "Warning": BLUE}


def test_the_input_and_every_value_are_unchanged(marked: tuple[Path, Path, str, Any]) -> None:
    source, _, before, copy = marked
    assert _sha256(source) == before
    original = openpyxl.load_workbook(source)
    for sheet in original.worksheets:
        theirs = {c.coordinate: c.value for row in sheet.iter_rows() for c in row}
        ours = {c.coordinate: c.value for row in copy[sheet.title].iter_rows() for c in row}
        assert ours == theirs, sheet.title


def test_formatting_widths_validation_and_names_are_kept(marked: tuple[Path, Path, str, Any]) -> None:
    book = marked[3]
    assert book["Front_Sheet"]["A1"].font.b is True
    assert book["Front_Sheet"]["A1"].font.sz == 14
    assert book["List_6"].column_dimensions["H"].width == 33
    (validation,) = book["List_6"].data_validations.dataValidation
    assert (str(validation.sqref), validation.type, validation.formula1) == (
        "B3:B100",
        "list",
        '"a) Male,b) Female"',
    )
    assert book.defined_names["Needs"].attr_text == "List_6!$H$3:$H$5"
    assert book["List_8"].defined_names["Providers"].attr_text == "List_8!$X$2:$X$3"


def test_a_macro_workbook_keeps_its_macros(tmp_path: Path) -> None:
    vba = tmp_path / "vbaProject.bin"
    vba.write_bytes(b"synthetic macro project \x00\x01\x02" * 10)
    source = tmp_path / "DRY_RUN.xlsm"
    book = xlsxwriter.Workbook(str(source), SAFE)
    sheet = book.add_worksheet("List_6")
    columns = load_spec().lists["list_6"].columns_for("2023")
    for c, col in enumerate(columns):
        sheet.write_string(0, c, col.header)
        value = {**CIN_CHILD, "child_id": "C001", "primary_need": None}.get(col.key)
        if value is not None:
            sheet.write(1, c, value)
    book.add_vba_project(str(vba))
    book.close()
    out = tmp_path / "DRY_RUN.checked.xlsm"
    result = run(
        "annotate", str(source), "-o", str(out), "--reference-date", REF, "--no-config", "--select", "CIN001"
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        assert archive.read("xl/vbaProject.bin") == vba.read_bytes()
        assert b"macroEnabled" in archive.read("[Content_Types].xml")
    copy = openpyxl.load_workbook(out, keep_vba=True)
    assert copy["List_6"]["H2"].fill.fgColor.rgb == ORANGE


def test_a_chart_is_kept_and_a_text_box_it_cannot_copy_is_named(tmp_path: Path) -> None:
    source = tmp_path / "DRY_RUN.xlsx"
    book = xlsxwriter.Workbook(str(source), SAFE)
    sheet = book.add_worksheet("List_6")
    columns = load_spec().lists["list_6"].columns_for("2023")
    for c, col in enumerate(columns):
        sheet.write_string(0, c, col.header)
        sheet.write(1, c, {**CIN_CHILD, "child_id": "C001"}.get(col.key))
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "=List_6!$E$2:$E$2"})
    sheet.insert_chart("B5", chart)
    sheet.insert_textbox("J5", "Extract run on 1 April")
    book.close()
    out = tmp_path / "out.xlsx"
    result = run(
        "annotate", str(source), "-o", str(out), "--reference-date", REF, "--no-config", "--select", "CIN001"
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == (
        "Note: the copy does not keep the workbook's shapes and text boxes; the original still has them."
    )
    with zipfile.ZipFile(out) as archive:
        assert "xl/charts/chart1.xml" in archive.namelist()


def test_a_duplicate_column_and_a_sheet_without_headers_mark_their_own_cells(tmp_path: Path) -> None:
    source = tmp_path / "DRY_RUN.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "List_6"
    _fill_rows(sheet, "list_6", [{**CIN_CHILD, "child_id": "C001"}], 2, 1)
    sheet["O1"], sheet["O2"] = "Ethnicity", "a) WBRI"  # Ethnicity again, after the template's columns
    book.create_sheet("List_8")["A1"] = "Children in care: extract failed"
    book.save(source)
    out = tmp_path / "out.xlsx"
    result = run(
        "annotate",
        str(source),
        "-o",
        str(out),
        "--reference-date",
        REF,
        "--no-config",
        "--select",
        "AX009,AX010",
    )
    assert result.exit_code == 0, result.output
    copy = openpyxl.load_workbook(out)
    assert _marked_cells(copy) == {
        "List_6!O1": (
            BLUE,
            "Warning AX010: 'Ethnicity' appears again in column O; only column C was checked. "
            "Remove or rename the extra column.\nCorrect: "
            + copy["List_6"]["O1"].comment.text.split("Correct: ")[1],
        ),
        "List_8!A1": (
            ORANGE,
            "Error AX009: List 8 (Children in care) is on sheet 'List_8', but no header row was "
            "found in its first 20 rows, so none of its rows could be checked. Put the template's column "
            "headers above the data.\nCorrect: " + copy["List_8"]["A1"].comment.text.split("Correct: ")[1],
        ),
    }


def test_a_finding_on_a_column_the_sheet_lacks_marks_the_child_id_cell(tmp_path: Path) -> None:
    source = council_workbook(tmp_path / "DRY_RUN.xlsx")
    result, report = checked(source, Settings(date(2025, 3, 31)), "auto", ("CIN001",), (), None)
    (finding,) = report.exceptions.to_dicts()
    assert cells_of(result, [finding]) == ["H3"]
    assert cells_of(result, [{**finding, "column": "A column not on the sheet"}]) == ["A3"]  # the child ID
    assert cells_of(result, [{**finding, "row": None, "column": "Missing column"}]) == ["A2"]  # header row
    assert cells_of(result, [{**finding, "list": "List 1", "row": None}]) == [None]  # no sheet for List 1


def test_a_missing_list_is_listed_without_a_link(tmp_path: Path) -> None:
    source = council_workbook(tmp_path / "DRY_RUN.xlsx")
    out = tmp_path / "out.xlsx"
    result = run(
        "annotate", str(source), "-o", str(out), "--reference-date", REF, "--no-config", "--select", "AX001"
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        f"Wrote {out}: 0 findings marked on 0 cells (errors orange, warnings blue); every finding is on its "
        "first sheet, Findings.",
        "9 finding(s) about a missing list are on the Findings sheet only.",
    ]
    sheet = openpyxl.load_workbook(out)["Findings"]
    assert [sheet.cell(r, 1).value for r in range(2, 11)] == ["(no sheet)"] * 9
    assert all(sheet.cell(r, 1).hyperlink is None for r in range(2, 11))
    assert sheet["D2"].value == "List 1"


def test_a_sheet_the_editor_cannot_find_is_an_error_not_a_guess() -> None:
    book = openpyxl.Workbook()
    book.active.title = "List_6"
    marks = {("List 6 ", "H2"): Mark("error", [{"severity": "error", "rule": "CIN001", "message": "Blank."}])}
    with pytest.raises(InputError) as raised:
        _mark_cells(book, marks, None, Path("DRY_RUN.xlsx"))
    assert str(raised.value) == (
        "DRY_RUN.xlsx: sheet 'List 6 ' was checked but cannot be found to mark it; re-save the workbook in "
        "Excel and try again"
    )


def test_shared_correct_value_text_is_said_once_per_run_of_findings() -> None:
    mark = Mark("warning")
    for value in ("1A", "1B"):
        mark.findings.append(
            {
                "severity": "warning",
                "rule": "AX011",
                "message": f"'{value}' is not standard.",
                "expected": "One of 1A, 1B",
            }
        )
    mark.findings.append(
        {"severity": "error", "rule": "AX005", "message": "Not a date.", "expected": "A date"}
    )
    assert mark.text() == (
        "Warning AX011: '1A' is not standard.\nWarning AX011: '1B' is not standard.\nCorrect: One of 1A, 1B\n\n"
        "Error AX005: Not a date.\nCorrect: A date"
    )


def test_a_merged_cell_is_marked_at_its_top_left_and_a_findings_sheet_keeps_its_name(tmp_path: Path) -> None:
    source = tmp_path / "DRY_RUN.xlsx"
    book = openpyxl.Workbook()
    theirs = book.active
    theirs.title = "Findings"
    theirs["A1"] = "the council's own notes"
    sheet = book.create_sheet("List_6")
    _fill_rows(sheet, "list_6", [{**CIN_CHILD, "child_id": "C001", "primary_need": None}], 2, 1)
    sheet.merge_cells("G2:H2")  # the start date spread over the blank primary need
    book.save(source)
    out = tmp_path / "out.xlsx"
    result = run(
        "annotate", str(source), "-o", str(out), "--reference-date", REF, "--no-config", "--select", "CIN001"
    )
    assert result.exit_code == 0, result.output
    copy = openpyxl.load_workbook(out)
    assert copy.sheetnames == ["Findings (2)", "Findings", "List_6"]
    assert copy["Findings"]["A1"].value == "the council's own notes"
    assert copy["Findings (2)"]["A2"].value == "List_6!H2"
    assert copy["List_6"]["G2"].fill.fgColor.rgb == ORANGE
    assert copy["List_6"]["G2"].comment.text.startswith("Error CIN001: Primary Need Code is blank.")
    assert copy["List_6"]["G2"].value == "01/01/2025"


def test_text_that_would_run_as_a_formula_stays_text(tmp_path: Path) -> None:
    source = tmp_path / "DRY_RUN.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "List_6"
    _fill_rows(sheet, "list_6", [{**CIN_CHILD, "child_id": "=1+1", "primary_need": None}], 2, 1)
    sheet["A2"].data_type = "s"  # the child ID is the text '=1+1', not a formula
    book.save(source)
    out = tmp_path / "out.xlsx"
    result = run(
        "annotate", str(source), "-o", str(out), "--reference-date", REF, "--no-config", "--select", "CIN001"
    )
    assert result.exit_code == 0, result.output
    findings = openpyxl.load_workbook(out)["Findings"]
    assert (findings["C2"].value, findings["C2"].data_type, findings["C2"].quotePrefix) == ("=1+1", "s", True)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("DRY_RUN.xls", "annexa-check: error: {path}: annotate cannot edit .xls; save it as .xlsx first"),
        ("DRY_RUN.ods", "annexa-check: error: {path}: annotate cannot edit .ods; save it as .xlsx first"),
        (
            "extracts",
            "annexa-check: error: {path}: annotate marks a workbook; CSV extracts cannot be marked, save it as "
            ".xlsx first",
        ),
    ],
)
def test_formats_it_cannot_edit_are_refused_in_one_line(tmp_path: Path, name: str, message: str) -> None:
    path = tmp_path / name
    if name == "extracts":
        path.mkdir()
    else:
        path.write_bytes(b"not read")
    result = run("annotate", str(path), "-o", str(tmp_path / "out.xlsx"))
    assert result.exit_code == 2
    assert result.output == message.format(path=path) + "\n"


def test_the_input_is_never_the_output(tmp_path: Path) -> None:
    source = council_workbook(tmp_path / "DRY_RUN.xlsx")
    before = _sha256(source)
    result = run("annotate", str(source), "-o", str(tmp_path / "." / "DRY_RUN.xlsx"), "--no-config")
    assert result.exit_code == 2
    assert result.output == (
        f"annexa-check: error: {tmp_path / '.' / 'DRY_RUN.xlsx'}: refusing to overwrite the workbook being checked\n"
    )
    assert _sha256(source) == before


def test_a_workbook_the_checker_reads_but_the_editor_cannot_is_one_line(tmp_path: Path) -> None:
    good = council_workbook(tmp_path / "good.xlsx")
    source = tmp_path / "DRY_RUN.xlsx"
    with zipfile.ZipFile(good) as original, zipfile.ZipFile(source, "w") as damaged:
        for item in original.infolist():  # the document properties, which only the editor reads, broken
            broken = item.filename == "docProps/core.xml"
            damaged.writestr(item, b"<cp:coreProperties not xml" if broken else original.read(item))
    result = run("annotate", str(source), "--no-config")
    assert result.exit_code == 2
    assert result.output == (
        f"annexa-check: error: {source}: cannot be opened to copy it (re-save it in Excel and try again); "
        "--verbose shows the reader's own message\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "DRY_RUN.xlsx",
        "good.xlsx",
    ]  # no copy, no temporary file


def test_a_pipe_is_refused_before_anything_reads_it(tmp_path: Path) -> None:
    pipe = tmp_path / "DRY_RUN.xlsx"
    os.mkfifo(pipe)
    result = run("annotate", str(pipe), "--no-config")
    assert result.exit_code == 2
    assert result.output == (
        f"annexa-check: error: {pipe}: is not a regular file (a pipe, socket or device); give a workbook file\n"
    )


def test_a_missing_output_folder_is_refused_before_the_work(tmp_path: Path) -> None:
    result = run("annotate", str(tmp_path / "DRY_RUN.xlsx"), "-o", str(tmp_path / "none" / "out.xlsx"))
    assert result.exit_code == 2
    assert result.output == f"annexa-check: error: {tmp_path / 'none'}: output folder does not exist\n"


def test_a_macro_workbook_needs_an_xlsm_copy(tmp_path: Path) -> None:
    result = run("annotate", str(tmp_path / "DRY_RUN.xlsm"), "-o", str(tmp_path / "out.xlsx"))
    assert result.exit_code == 2
    assert result.output == (
        f"annexa-check: error: '{tmp_path / 'out.xlsx'}': the copy of a macro workbook (.xlsm) must be a file "
        "name ending in .xlsm\n"
    )


def test_pseudonymise_is_refused_with_the_reason(tmp_path: Path) -> None:
    source = council_workbook(tmp_path / "DRY_RUN.xlsx")
    result = run("annotate", str(source), "--pseudonymise")
    assert result.exit_code == 2
    assert result.output == (
        "annexa-check: error: --pseudonymise cannot apply to annotate: the marked copy is the council's own "
        "workbook, real child IDs and all; use validate --pseudonymise for a list to share\n"
    )
    assert not (tmp_path / "DRY_RUN.checked.xlsx").exists()


def test_a_workbook_too_large_to_edit_in_memory_is_refused_naming_the_limit(tmp_path: Path) -> None:
    source = council_workbook(tmp_path / "DRY_RUN.xlsx")
    cells = count_cells(source)
    assert cells == 138  # the 137 cells holding a value (1 + 58 + 78), and H3, which holds only a note
    settings_file = tmp_path / "annexa-check.toml"
    settings_file.write_text(f"[limits]\nmax_edit_cells = {cells - 1}\n", encoding="utf-8")
    result = run("annotate", str(source), "--config", str(settings_file))
    assert result.exit_code == 2
    assert result.output == (
        f"annexa-check: error: {source}: holds {cells:,} cells; annotating loads every one into memory "
        f"(about 0.0 GB), more than the {cells - 1:,}-cell limit allows; check it with validate instead, or "
        "raise the limit with max_edit_cells under [limits] in the settings file\n"
    )
    assert not (tmp_path / "DRY_RUN.checked.xlsx").exists()
    settings_file.write_text(f"[limits]\nmax_edit_cells = {cells}\n", encoding="utf-8")
    assert run("annotate", str(source), "--config", str(settings_file), "-q").exit_code == 0
    assert (tmp_path / "DRY_RUN.checked.xlsx").exists()  # the default name, beside the workbook


def test_annotate_returns_what_it_did(tmp_path: Path) -> None:
    source = council_workbook(tmp_path / "DRY_RUN.xlsx")
    done = annotate(
        source, tmp_path / "copy.xlsx", Settings(date(2025, 3, 31)), select=("CIN001", "CIN003", "AX001")
    )
    assert (done.findings, done.cells, done.unplaced, done.dropped) == (11, 2, 9, [])
    assert done.report.totals.errors == 2


def test_help_has_an_example() -> None:
    result = run("annotate", "--help")
    assert result.exit_code == 0
    assert "  Example: annexa-check annotate DRY_RUN.xlsx -o DRY_RUN.checked.xlsx\n" in result.output
    assert "  --pseudonymise" not in result.output  # refused, so not offered among the options
