"""`annexa-check fix`: the corrected copy opened with openpyxl, cell by cell, with its Changes and Still to fix."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from builders import Date, Formula, write_xlsx
from conftest import EXAMPLE, REF, REFERENCE_DATE, run

from annexa_check.api.fix import fix_workbook
from annexa_check.catalogue.spec import load_spec
from annexa_check.engine.check import check_workbook
from annexa_check.findings.table import KEY_ERROR_TYPES
from annexa_check.settings.config import load_settings

# A contacts extract as a case-management system writes it: its own sheet name and title, header aliases,
# two columns swapped, a system column, bare codes, a settings-file synonym, SQL and ISO dates, a number ID.
CONTACTS = [
    ["Contacts extract, run 2025-03-31"],
    [
        "Child ID",
        "Gender",
        "Ethnicity",
        "DOB",
        "Age of Child (Years)",
        "Contact Source",
        "Date of Contact",
        "System Ref",
    ],
    [12345, "Male", "WBRI", "2024-05-03 00:00:00", 0, "6", "03/05/2024", "SYS-1"],
    [
        "00123",
        "b) Female",
        "White British",
        Date(datetime(2015, 2, 1)),
        10,
        "q) 6: Police",
        "2024-06-01",
        "SYS-2",
    ],
    [],
    ["C0007", "c) Not stated/recorded (or unborn)", None, None, None, "Nonsense", "05/13/2024", "SYS-3"],
    ["C0008", "a) male", "a) WBRI", "03/05/24", 9, "a) 1A: Individual", "31/02/2024", None],
    [
        "C0009",
        "a) Male",
        "a) WBRI",
        "2024-05-03 10:30:00",
        0,
        "a) 1A: Individual",
        Date(datetime(2024, 7, 1)),
        "=SUM(1)",
    ],
]
# Children in care, on the template's sheet: a temporary placement with no provider and an open
# episode with no end reason are legal, and must stay blank.
IN_CARE = [
    ["List 8: Children in care"],
    [
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age of Child (Years)",
        "Date Started to be Looked After",
        "Placement Type",
        "Placement Provider",
        "Date Ceased to be Looked After",
        "Reason Ceased to be Looked After",
    ],
    [
        "C0100",
        "a) Male",
        "a) WBRI",
        Date(datetime(2010, 1, 1)),
        15,
        Date(datetime(2024, 1, 1)),
        "w) T0: Temporary placement",
        None,
        None,
        None,
    ],
    ["C0101", "b) Female", "a) WBRI", Date(datetime(2012, 3, 4)), 13, "01/02/2024", "U4", "PR4", None, None],
]
SETTINGS = '[codesets.ethnicity.synonyms]\n"White British" = "WBRI"\n'


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def fixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, object]:
    """The dry run, its hash before the run, and the corrected copy (with the settings file's synonym)."""
    folder = tmp_path_factory.mktemp("fix")
    source = write_xlsx(
        folder / "dry_run.xlsx",
        {"Front_Sheet": [["Local authority", "Synthetic LA"]], "List 1": CONTACTS, "List_8": IN_CARE},
    )
    (folder / "annexa-check.toml").write_text(SETTINGS, encoding="utf-8")
    before = _sha(source)
    ready = folder / "READY.xlsx"
    result = run(
        "fix",
        str(source),
        "-o",
        str(ready),
        "--reference-date",
        REF,
        "--config",
        str(folder / "annexa-check.toml"),
    )
    assert result.exit_code == 0, result.output
    return source, ready, before, result


def _rows(path: Path, sheet: str) -> list[tuple]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()


def test_the_copy_has_the_template_sheets_in_order_and_the_input_is_untouched(fixed) -> None:
    source, ready, before, result = fixed
    book = openpyxl.load_workbook(ready)
    assert book.sheetnames == ["Front_Sheet", *[f"List_{n}" for n in range(1, 12)], "Changes", "Still to fix"]
    assert _sha(source) == before
    assert result.output.splitlines() == [
        f"Wrote {ready} (2023 template): 55 change(s) on its 'Changes' sheet; 43 finding(s) still to fix "
        "(30 error(s)) on its 'Still to fix' sheet",
        "  Front_Sheet: copied as values (its formatting is not kept)",
        "  List_1: kept 'System Ref' in column H",
    ]


def test_list_cells_are_written_in_the_template_form_and_nothing_else_changes(fixed) -> None:
    _, ready, _, _ = fixed
    sheet = openpyxl.load_workbook(ready)["List_1"]
    assert sheet["A1"].value == "List 1: Contacts"
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:H1"]
    assert [c.value for c in sheet[2]] == [
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age of Child (Years)",
        "Date of Contact",
        "Contact Source",
        "System Ref",
    ]
    cells = {
        c.coordinate: (c.value, c.number_format, c.data_type)
        for row in sheet.iter_rows(min_row=3)
        for c in row
    }
    # row 3: a number ID as text, bare codes in their template form, SQL and dd/mm/yyyy text dates as real dates
    assert cells["A3"] == ("12345", "General", "s")
    assert cells["B3"][0] == "a) Male" and cells["C3"][0] == "a) WBRI" and cells["G3"][0] == "q) 6: Police"
    assert cells["D3"] == (datetime(2024, 5, 3), "dd/mm/yyyy", "d")
    assert cells["F3"] == (datetime(2024, 5, 3), "dd/mm/yyyy", "d")
    assert cells["E3"] == (0, "General", "n")
    assert cells["H3"][0] == "SYS-1"
    # row 4: leading zeros kept, the settings file's synonym, a real date shown dd/mm/yyyy, ISO text -> date
    assert cells["A4"][0] == "00123" and cells["C4"][0] == "a) WBRI"
    assert cells["D4"] == (datetime(2015, 2, 1), "dd/mm/yyyy", "d")
    assert cells["F4"] == (datetime(2024, 6, 1), "dd/mm/yyyy", "d")
    # row 5: the blank row stays, so every later row keeps its number
    assert all(cells[f"{c}5"][0] is None for c in "ABCDEFGH")
    # row 6: blanks stay blank (an unborn child with no date of birth), an unknown code and US order stay
    assert [cells[f"{c}6"][0] for c in "ABCDEFGH"] == [
        "C0007",
        "c) Not stated/recorded (or unborn)",
        None,
        None,
        None,
        "05/13/2024",
        "Nonsense",
        "SYS-3",
    ]
    # row 7: a case-only difference is not a change; a two-digit year and an impossible date stay text
    assert [cells[f"{c}7"][0] for c in "BDF"] == ["a) male", "03/05/24", "31/02/2024"]
    assert cells["D7"][2] == "s" and cells["F7"][2] == "s"
    # row 8: a time of day other than midnight is not a date alone; text that looks like a formula stays text
    assert cells["D8"] == ("2024-05-03 10:30:00", "General", "s")
    assert cells["F8"] == (datetime(2024, 7, 1), "dd/mm/yyyy", "d")
    assert cells["H8"][0] == "=SUM(1)" and cells["H8"][2] == "s"
    assert sheet.max_row == 8


def test_legal_look_alikes_stay_blank_and_missing_template_columns_are_added(fixed) -> None:
    _, ready, _, _ = fixed
    rows = _rows(ready, "List_8")
    spec = load_spec()
    headers = [c.header for c in spec.lists["list_8"].columns_for("2023")]
    assert rows[0][0] == "List 8: Children in care"
    assert list(rows[1]) == headers
    by_header = [dict(zip(headers, row, strict=False)) for row in rows[2:]]
    temporary, bare = by_header
    assert temporary["Placement Type"] == "w) T0: Temporary placement"
    assert temporary["Placement Provider"] is None
    assert temporary["Date Ceased to be Looked After"] is None
    assert temporary["Reason Ceased to be Looked After"] is None
    assert bare["Placement Type"] == "d) U4: Foster placement - long term"
    assert bare["Placement Provider"] == "e) PR4: Private provision"
    assert bare["Date Started to be Looked After"] == datetime(2024, 2, 1)
    assert bare["Placement Location"] is None  # added, blank


def test_every_change_is_logged(fixed) -> None:
    _, ready, _, _ = fixed
    rows = _rows(ready, "Changes")
    assert rows[0] == ("sheet", "cell", "column", "before", "after", "why")
    contacts = [r for r in rows[1:] if r[0] == "List_1"]
    assert contacts == [
        ("List_1", None, None, "List 1", "List_1", "the template's sheet name"),
        (
            "List_1",
            "A1",
            None,
            "Contacts extract, run 2025-03-31",
            "List 1: Contacts",
            "the template's title row",
        ),
        (
            "List_1",
            "A2",
            "Child Unique ID",
            "Child ID",
            "Child Unique ID",
            "header alias of 'Child Unique ID'",
        ),
        ("List_1", "D2", "Date of Birth", "DOB", "Date of Birth", "header alias of 'Date of Birth'"),
        ("List_1", "F2", "Date of Contact", "Date of Contact", "Date of Contact", "moved from column G"),
        ("List_1", "G2", "Contact Source", "Contact Source", "Contact Source", "moved from column F"),
        ("List_1", "A3", "Child Unique ID", "12345", "12345", "a child ID written as a number"),
        ("List_1", "B3", "Gender", "Male", "a) Male", "AX011"),
        ("List_1", "C3", "Ethnicity", "WBRI", "a) WBRI", "AX011"),
        ("List_1", "D3", "Date of Birth", "2024-05-03 00:00:00", "03/05/2024", "a date written as text"),
        ("List_1", "F3", "Date of Contact", "03/05/2024", "03/05/2024", "a date written as text"),
        ("List_1", "G3", "Contact Source", "6", "q) 6: Police", "AX011"),
        ("List_1", "C4", "Ethnicity", "White British", "a) WBRI", "AX011"),
        ("List_1", "F4", "Date of Contact", "2024-06-01", "01/06/2024", "AX005"),
    ]
    in_care = [r for r in rows[1:] if r[0] == "List_8" and r[1][-1] != "2"]
    assert in_care == [
        (
            "List_8",
            "H4",
            "Date Started to be Looked After",
            "01/02/2024",
            "01/02/2024",
            "a date written as text",
        ),
        ("List_8", "W4", "Placement Type", "U4", "d) U4: Foster placement - long term", "AX011"),
        ("List_8", "X4", "Placement Provider", "PR4", "e) PR4: Private provision", "AX011"),
    ]
    headers = [r for r in rows[1:] if r[0] == "List_8" and r[1][-1] == "2"]
    assert len([r for r in headers if r[5] == "a template column the list did not have: added, blank"]) == 24
    assert [r[:2] + r[5:] for r in headers if r[5].startswith("moved")] == [
        ("List_8", "H2", "moved from column F"),
        ("List_8", "T2", "moved from column I"),
        ("List_8", "U2", "moved from column J"),
        ("List_8", "W2", "moved from column G"),
        ("List_8", "X2", "moved from column H"),
    ]
    empty = [r for r in rows[1:] if r[5].endswith("the template's empty sheet")]
    assert [r[0] for r in empty] == [
        "List_2",
        "List_3",
        "List_4",
        "List_5",
        "List_6",
        "List_7",
        "List_9",
        "List_10",
        "List_11",
    ]
    assert empty[0] == (
        "List_2",
        "A1",
        None,
        None,
        "List 2: Early Help",
        "List 2 is not in the workbook: the template's empty sheet",
    )
    assert len(rows) - 1 == 55  # as the command line counted them


def test_still_to_fix_is_what_a_check_of_the_copy_finds(fixed) -> None:
    source, ready, _, _ = fixed
    rows = _rows(ready, "Still to fix")
    assert rows[0] == ("sheet", "cell", "column", "child", "value", "rule", "severity", "what is wrong")
    settings = load_settings(
        load_spec(), config_path=source.parent / "annexa-check.toml", reference_date=REFERENCE_DATE
    )
    again = check_workbook(ready, reference_date=REFERENCE_DATE, config=settings.config)
    assert [(r[0], r[5], r[7]) for r in rows[1:]] == list(
        again.findings.select("sheet", "rule", "message").iter_rows()
    )
    assert rows[1:4] == [
        (
            "List_1",
            "F3",
            "Date of Contact",
            "12345",
            "03/05/2024",
            "CON005",
            "warning",
            "Date of Contact 03/05/2024 is more than six months before the reference date; List 1 holds contacts from the last six months. Check the date or drop the row from the extract.",
        ),
        (
            "List_1",
            "F4",
            "Date of Contact",
            "00123",
            "01/06/2024",
            "CON005",
            "warning",
            "Date of Contact 01/06/2024 is more than six months before the reference date; List 1 holds contacts from the last six months. Check the date or drop the row from the extract.",
        ),
        (
            "List_1",
            "F6",
            "Date of Contact",
            "C0007",
            "05/13/2024",
            "AX005",
            "error",
            "'Date of Contact' value '05/13/2024' is not a date. Use an Excel date or dd/mm/yyyy text.",
        ),
    ]
    assert again.findings.filter(pl.col("error_type") == "non_standard_code").height == 0


def test_a_second_fix_changes_nothing(fixed, tmp_path: Path) -> None:
    _, ready, _, _ = fixed
    again = tmp_path / "READY2.xlsx"
    result = run(
        "fix",
        str(ready),
        "-o",
        str(again),
        "--reference-date",
        REF,
        "--config",
        str(ready.parent / "annexa-check.toml"),
    )
    assert result.exit_code == 0, result.output
    assert _rows(again, "Changes") == [("sheet", "cell", "column", "before", "after", "why")]
    first, second = openpyxl.load_workbook(ready), openpyxl.load_workbook(again)
    for name in [f"List_{n}" for n in range(1, 12)]:
        assert [[(c.value, c.number_format) for c in row] for row in first[name].iter_rows()] == [
            [(c.value, c.number_format) for c in row] for row in second[name].iter_rows()
        ], name
    assert _rows(again, "Still to fix") == _rows(ready, "Still to fix")


def test_the_example_keeps_its_key_error_counts_and_loses_its_spelling_warnings(tmp_path: Path) -> None:
    ready = tmp_path / "READY.xlsx"
    result = run("fix", str(EXAMPLE), "-o", str(ready), "--reference-date", REF, "--no-config", "-q")
    assert result.exit_code == 0 and result.output == ""
    before = check_workbook(EXAMPLE, reference_date=REFERENCE_DATE).counts()
    after = check_workbook(ready, reference_date=REFERENCE_DATE).counts()

    def key_counts(counts: pl.DataFrame) -> dict[str, int]:
        return {k: n for k, n in counts.select("error_type", "count").iter_rows() if k in KEY_ERROR_TYPES}

    assert key_counts(after) == key_counts(before)
    assert sum(key_counts(before).values()) == 50
    assert "non_standard_code" in before["error_type"].to_list()
    assert "non_standard_code" not in after["error_type"].to_list()


def test_a_sql_extract_with_a_system_column(tmp_path: Path) -> None:
    """SQL writes dates as `2024-05-03 00:00:00` text; the system's own key column is kept after the template's."""
    headers = [
        "Extract Key",
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age of Child (Years)",
        "Date of Contact",
        "Contact Source",
    ]
    rows = [
        ["K1", "C1", "a) Male", "a) WBRI", "2014-05-03 00:00:00", 10, "2025-03-01 00:00:00", "q) 6: Police"]
    ]
    source = write_xlsx(tmp_path / "sql.xlsx", {"List_1": [headers, *rows]})
    ready = tmp_path / "READY.xlsx"
    assert (
        run("fix", str(source), "-o", str(ready), "--reference-date", REF, "--no-config", "-q").exit_code == 0
    )
    assert _rows(ready, "List_1") == [
        ("List 1: Contacts", None, None, None, None, None, None, None),
        (
            "Child Unique ID",
            "Gender",
            "Ethnicity",
            "Date of Birth",
            "Age of Child (Years)",
            "Date of Contact",
            "Contact Source",
            "Extract Key",
        ),
        ("C1", "a) Male", "a) WBRI", datetime(2014, 5, 3), 10, datetime(2025, 3, 1), "q) 6: Police", "K1"),
    ]
    changes = _rows(ready, "Changes")[1:]
    assert [c for c in changes if c[0] == "List_1"] == [
        ("List_1", "A1", None, None, "List 1: Contacts", "the template's title row"),
        (
            "List_1",
            None,
            None,
            "data from row 2",
            "data from row 3",
            "the template's layout: title on row 1, headers on row 2",
        ),
        *[
            ("List_1", f"{letter}2", header, header, header, f"moved from column {was}")
            for letter, header, was in zip("ABCDEFG", headers[1:], "BCDEFGH", strict=True)
        ],
        (
            "List_1",
            "H2",
            "Extract Key",
            "column A",
            "column H",
            "not a template column: kept after the template's",
        ),
        ("List_1", "D3", "Date of Birth", "2014-05-03 00:00:00", "03/05/2014", "a date written as text"),
        ("List_1", "F3", "Date of Contact", "2025-03-01 00:00:00", "01/03/2025", "a date written as text"),
    ]


def test_refusals_are_one_line(fixed, tmp_path: Path) -> None:
    source, _, before, _ = fixed
    cases = [
        (
            ["--pseudonymise", "-o", str(tmp_path / "r.xlsx")],
            "--pseudonymise cannot be used with fix: the corrected copy is the return itself, with the real child IDs ChAT needs",
        ),
        (["-o", str(source)], f"{source}: refusing to overwrite the workbook being fixed; name another file"),
        (
            ["-o", str(tmp_path / "r.csv")],
            f"'{tmp_path / 'r.csv'}': the corrected copy must be a file name ending in .xlsx",
        ),
        (["-o", str(tmp_path / "none" / "r.xlsx")], f"{tmp_path / 'none'}: output folder does not exist"),
        (
            ["-o", str(tmp_path / "r.xlsx"), "--max-rows", "5"],
            f"{source}: 7 rows on its lists; fix holds every row in memory and takes at most 5 (about 0.4 GB per 100,000 rows); raise the limit with --max-rows",
        ),
    ]
    for options, message in cases:
        result = run("fix", str(source), "--reference-date", REF, "--no-config", *options)
        assert result.exit_code == 2, result.output
        assert result.output == f"annexa-check: error: {message}\n"
    legacy = tmp_path / "dry_run.xls"
    legacy.write_bytes(b"")
    result = run("fix", str(legacy), "-o", str(tmp_path / "r.xlsx"))
    assert (
        result.output
        == f"annexa-check: error: {legacy}: fix reads .xlsx and .xlsm workbooks; save it as .xlsx first\n"
    )
    pipe = tmp_path / "pipe.xlsx"
    os.mkfifo(pipe)
    result = run("fix", str(pipe), "-o", str(tmp_path / "r.xlsx"))
    assert result.output == (
        f"annexa-check: error: {pipe}: is not a regular file (a pipe, socket or device); give a workbook file\n"
    )
    assert _sha(source) == before
    assert not (tmp_path / "r.xlsx").exists()


def test_error_values_and_unsaved_formulas_are_kept_as_their_text(tmp_path: Path) -> None:
    """Neither has a value to copy; written as the validator reads them, the copy is checked alike."""
    headers = [c.header for c in load_spec().lists["list_1"].columns_for("2023")]
    row = ["C1", Formula("=1/0", "#DIV/0!"), "a) WBRI", "01/01/2020", 5, "01/03/2025", Formula('="x"', "")]
    source = write_xlsx(tmp_path / "odd.xlsx", {"List_1": [headers, row]})
    ready = tmp_path / "READY.xlsx"
    assert (
        run("fix", str(source), "-o", str(ready), "--reference-date", REF, "--no-config", "-q").exit_code == 0
    )
    book = openpyxl.load_workbook(ready)
    assert [(c.value, c.data_type, c.quotePrefix) for c in book["List_1"][3]][1::5] == [
        ("#DIV/0!", "s", False),
        ('="x"', "s", True),
    ]
    why = "an Excel error value or a formula without a saved result, written as its text"
    assert [r for r in _rows(ready, "Changes") if r[5] == why] == [
        ("List_1", "B3", "Gender", None, "#DIV/0!", why),
        ("List_1", "G3", "Contact Source", None, '="x"', why),
    ]
    counts = {
        k: n
        for k, n in check_workbook(ready, reference_date=REFERENCE_DATE)
        .counts()
        .select("error_type", "count")
        .iter_rows()
    }
    assert counts["excel_error_value"] == 1 and counts["formula_without_value"] == 1


def test_a_chosen_template_year_decides_the_headers_and_progress_is_told(fixed, tmp_path: Path) -> None:
    source, _, _, _ = fixed
    told: list[str] = []
    settings = load_settings(load_spec(), no_config=True, reference_date=REFERENCE_DATE)
    result = fix_workbook(
        source,
        tmp_path / "READY.xlsx",
        settings,
        template="2019",
        progress=lambda step, done, total: told.append(step),
    )
    assert result.template == "2019"
    care_leavers = _rows(tmp_path / "READY.xlsx", "List_9")
    assert list(care_leavers[1]) == [c.header for c in load_spec().lists["list_9"].columns_for("2019")]
    assert len(care_leavers[1]) == len(load_spec().lists["list_9"].columns_for("2023")) - 4
    for step in (
        "Copying List_1",
        "Writing a draft List_1",
        "Checking the corrected copy",
        "Writing List_11",
    ):
        assert step in told
