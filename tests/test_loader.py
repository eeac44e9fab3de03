"""Finding the lists in a workbook: sheets, header rows, columns, Excel row numbers, lost cells."""

from __future__ import annotations

import os
import sys
import threading
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from builders import SAFE, TEMPLATE_2019, Date, Formula, write_xlsx

from annexa_check.catalogue.spec import load_spec
from annexa_check.errors import InputError
from annexa_check.outputs.terminal import _own_terminal
from annexa_check.read import loader
from annexa_check.read.loader import ROW, _reader_quiet, detect_template, load_workbook, template_evidence

SPEC = load_spec()
EXAMPLE = Path(__file__).resolve().parent.parent / "example_returns" / "example_dry_run.xlsx"
TEMPLATE_SHEETS = ["Front_Sheet", "FAQ_and_changes", "Guidance", "Codes_used"]


def headers(list_key: str, template: str = "2019") -> list[str]:
    return [col.header for col in SPEC.lists[list_key].columns_for(template)]


def row_for(list_key: str, values: dict[str, Any], template: str = "2019") -> list[Any]:
    """A data row in template column order, from values given by column key."""
    return [values.get(col.key) for col in SPEC.lists[list_key].columns_for(template)]


def load(path: Path):
    return load_workbook(path, SPEC)


def column(loaded, key: str) -> list[Any]:
    return loaded.frame[key].to_list()


# ---------------------------------------------------------------------------- official template


@pytest.mark.skipif(not TEMPLATE_2019.is_file(), reason="the official 2019 template is not available here")
def test_official_2019_template_loads_every_list():
    workbook = load(TEMPLATE_2019)
    assert workbook.ignored_sheets == TEMPLATE_SHEETS
    assert workbook.sheets == TEMPLATE_SHEETS + [f"List_{n}" for n in range(1, 12)]
    assert workbook.notes == []
    assert detect_template(workbook) == "2019"
    for n in range(1, 12):
        loaded = workbook.lists[f"list_{n}"]
        assert (loaded.sheet, loaded.found_by, loaded.header_row, loaded.rows) == (
            f"List_{n}",
            "sheet name",
            2,
            0,
        )
        assert loaded.problem is None
        assert loaded.unrecognised == []
        assert loaded.duplicates == []
        assert [c.key for c in loaded.spec.columns_for("2019") if c.key not in loaded.matched] == []
    assert workbook.lists["list_9"].matched["la_in_touch"] == "LA In Touch"
    assert workbook.lists["list_8"].matched["cla_end_date"] == "Date Ceased to be Looked After"


# ---------------------------------------------------------------------------- extract layouts


def test_extract_sheet_names_header_row_1_and_excel_row_numbers(tmp_path):
    list_1 = [
        headers("list_1"),
        row_for("list_1", {"child_id": "C1", "contact_date": "01/02/2024"}),
        row_for("list_1", {"child_id": "C2"}),
        [],  # Excel row 4: nothing at all
        ["  ", "\u00a0", None, " "],  # Excel row 5: only spaces
        row_for("list_1", {"child_id": "C5", "gender": "a) Male"}),
    ]
    list_6 = [headers("list_6"), [], [], row_for("list_6", {"child_id": "C9"})]
    list_8 = [headers("list_8"), row_for("list_8", {"child_id": "C7"})]
    path = write_xlsx(tmp_path / "x.xlsx", {"List 1 - Contacts": list_1, "list_6": list_6, "List 8": list_8})
    workbook = load(path)

    assert [(k, v.sheet) for k, v in workbook.lists.items() if v.present] == [
        ("list_1", "List 1 - Contacts"),
        ("list_6", "list_6"),
        ("list_8", "List 8"),
    ]
    assert workbook.ignored_sheets == []
    contacts = workbook.lists["list_1"]
    assert (contacts.found_by, contacts.header_row, contacts.rows) == ("sheet name", 1, 3)
    assert column(contacts, ROW) == [2, 3, 6]
    assert column(contacts, "child_id") == ["C1", "C2", "C5"]
    assert column(contacts, "contact_date") == ["01/02/2024", None, None]
    assert column(contacts, "gender") == [None, None, "a) Male"]
    assert column(workbook.lists["list_6"], ROW) == [4]
    assert column(workbook.lists["list_8"], ROW) == [2]
    assert column(workbook.lists["list_8"], "child_id") == ["C7"]


def test_title_and_blank_row_above_headers(tmp_path):
    rows = [["List 6: Children in Need"], [], headers("list_6"), row_for("list_6", {"child_id": "A"})]
    rows.append(row_for("list_6", {"child_id": "B"}))
    loaded = load(write_xlsx(tmp_path / "t.xlsx", {"List_6": rows})).lists["list_6"]
    assert loaded.header_row == 3
    assert column(loaded, ROW) == [4, 5]
    assert column(loaded, "child_id") == ["A", "B"]
    assert loaded.unrecognised == []


@pytest.mark.parametrize(("blank_rows", "found"), [(19, True), (20, False)])
def test_header_row_is_looked_for_in_the_first_20_rows(tmp_path, blank_rows, found):
    rows = [["Title"]] + [[] for _ in range(blank_rows - 1)] + [headers("list_2"), ["C1"]]
    loaded = load(write_xlsx(tmp_path / "deep.xlsx", {"List 2": rows})).lists["list_2"]
    assert loaded.present is found
    assert loaded.header_row == (blank_rows + 1 if found else None)


def test_two_sheets_for_one_list_keep_the_first_and_say_so(tmp_path):
    rows = [headers("list_3"), ["C1"]]
    workbook = load(write_xlsx(tmp_path / "two.xlsx", {"List 3": rows, "List_3": rows}))
    assert workbook.lists["list_3"].sheet == "List 3"
    assert workbook.notes == ["sheet 'List_3' also looks like List 3; used 'List 3'"]
    assert workbook.ignored_sheets == ["List_3"]


# ---------------------------------------------------------------------------- found by headers


def test_unhelpfully_named_sheets_found_by_their_headers(tmp_path):
    sheets = {
        "Sheet3": [headers("list_4"), ["A4"]],
        "Sheet7": [headers("list_6"), ["A6"]],
        # Only columns every list has: says nothing about which list it is.
        "Lookup": [["Child Unique ID", "Gender", "Ethnicity", "Date of Birth"], ["X"]],
    }
    workbook = load(write_xlsx(tmp_path / "h.xlsx", sheets))
    assert [(k, v.sheet, v.found_by) for k, v in workbook.lists.items() if v.sheet] == [
        ("list_4", "Sheet3", "headers"),
        ("list_6", "Sheet7", "headers"),
    ]
    assert column(workbook.lists["list_4"], "child_id") == ["A4"]
    assert column(workbook.lists["list_6"], "child_id") == ["A6"]
    assert workbook.ignored_sheets == ["Lookup"]


@pytest.mark.parametrize(("list_key", "other"), [("list_4", "list_6"), ("list_6", "list_4")])
def test_list_4_and_list_6_are_not_mistaken_for_each_other(tmp_path, list_key, other):
    workbook = load(write_xlsx(tmp_path / "one.xlsx", {"Data": [headers(list_key), ["C1"]]}))
    assert (workbook.lists[list_key].sheet, workbook.lists[list_key].found_by) == ("Data", "headers")
    assert (workbook.lists[other].sheet, workbook.lists[other].present) == (None, False)
    assert [k for k, v in workbook.lists.items() if v.sheet] == [list_key]


# ---------------------------------------------------------------------------- cell values


def test_child_ids_and_dates_read_as_text(tmp_path):
    rows = [
        headers("list_1"),
        [123, None, None, Date(datetime(2010, 5, 3))],
        [123.0, None, None, "03/05/2010"],
        ["00123", None, None, Date(datetime(2010, 5, 3, 13, 30))],
        [1234567890123, None, None, 40301],
        [123.5],
    ]
    loaded = load(write_xlsx(tmp_path / "ids.xlsx", {"List_1": rows})).lists["list_1"]
    assert column(loaded, "child_id") == ["123", "123", "00123", "1234567890123", "123.5"]
    assert column(loaded, "date_of_birth") == [
        "03/05/2010",  # a real date cell, shown as Excel shows it
        "03/05/2010",
        "2010-05-03 13:30:00",
        "40301",
        None,
    ]


# ---------------------------------------------------------------------------- the report


def test_report_of_matched_missing_unrecognised_and_duplicated_columns(tmp_path):
    names = [h for h in headers("list_3") if h != "Referral NFA?"] + ["Notes", "Ethnicity", None]
    data = ["C1", "a) Male", "a) WBRI", None, None, None, None, None, "T", "W", "n", "b) WIRI", "stray"]
    loaded = load(write_xlsx(tmp_path / "r.xlsx", {"List_3": [names, data]})).lists["list_3"]

    assert loaded.matched == {
        "child_id": "Child Unique ID",
        "gender": "Gender",
        "ethnicity": "Ethnicity",
        "date_of_birth": "Date of Birth",
        "age": "Age of Child (Years)",
        "referral_date": "Date of referral",
        "referral_source": "Referral Source",
        "referrals_last_12_months": "Number of Referrals in Last 12 Months",
        "allocated_team": "Allocated Team",
        "allocated_worker": "Allocated Worker",
    }
    assert [c.key for c in loaded.spec.columns_for("2019") if c.key not in loaded.matched] == ["referral_nfa"]
    assert loaded.unrecognised == ["Notes", "(no header, column M)"]
    assert [header for _, header, _ in loaded.duplicates] == ["Ethnicity"]
    assert loaded.frame.columns == [ROW, *loaded.matched]
    assert column(loaded, "ethnicity") == ["a) WBRI"]
    assert loaded.problem is None


def test_a_blank_headed_empty_column_is_not_reported(tmp_path):
    rows = [["Child Unique ID", None, "Gender", "Ethnicity"], ["C1", None, "a) Male"]]
    loaded = load(write_xlsx(tmp_path / "gap.xlsx", {"List 1": rows})).lists["list_1"]
    assert loaded.unrecognised == []
    assert column(loaded, "gender") == ["a) Male"]


@pytest.mark.parametrize(
    "header_cells",
    [["Name", "Address", "Phone"], ["Child Unique ID", "Gender", "Comments"]],
    ids=["unrelated", "only-two-matches"],
)
def test_header_row_not_found(tmp_path, header_cells):
    rows = [header_cells, ["a", "b", "c"]]
    workbook = load(write_xlsx(tmp_path / "p.xlsx", {"List_3": rows}))
    loaded = workbook.lists["list_3"]
    assert loaded.problem == (
        "no header row found in the first 20 rows (looked for headers such as 'Child Unique ID')"
    )
    assert (loaded.sheet, loaded.found_by, loaded.header_row, loaded.present) == (
        "List_3",
        "sheet name",
        None,
        False,
    )
    assert workbook.ignored_sheets == []


# ---------------------------------------------------------------------------- template year


@pytest.mark.parametrize(("template", "ncols"), [("2023", 17), ("2019", 13)])
def test_detect_template_from_list_9(tmp_path, template, ncols):
    names = headers("list_9", template)
    assert len(names) == ncols
    workbook = load(write_xlsx(tmp_path / "l9.xlsx", {"List 9": [names, ["C1"]]}))
    assert detect_template(workbook) == template
    assert len(workbook.lists["list_9"].matched) == ncols


def test_detect_template_without_list_9(tmp_path):
    workbook = load(write_xlsx(tmp_path / "no9.xlsx", {"List 1": [headers("list_1"), ["C1"]]}))
    assert detect_template(workbook) is None


def test_the_template_is_chosen_with_its_reason(tmp_path):
    """The load report says which layout List 9's headers show, naming a header that shows it."""
    l9_2023 = load(write_xlsx(tmp_path / "a.xlsx", {"List 9": [headers("list_9", "2023"), ["C1"]]}))
    assert template_evidence(l9_2023) == (
        "2023",
        "2023/24: List 9 has 'Latest Date of Contact' and 3 more columns that the 2023/24 layout added",
    )
    only_pa = [*headers("list_9", "2019"), "Allocated Personal Adviser"]  # a system's spelling of one of them
    l9_pa = load(write_xlsx(tmp_path / "b.xlsx", {"List 9": [only_pa, ["C1"]]}))
    assert template_evidence(l9_pa) == (
        "2023",
        "2023/24: List 9 has 'Allocated Personal Adviser' that the 2023/24 layout added",
    )
    l9_2019 = load(write_xlsx(tmp_path / "c.xlsx", {"List 9": [headers("list_9", "2019"), ["C1"]]}))
    assert template_evidence(l9_2019) == (
        "2019",
        "2019: List 9 has none of the 4 columns the 2023/24 layout added (such as 'Latest Date of Contact')",
    )
    no_9 = load(write_xlsx(tmp_path / "d.xlsx", {"List 1": [headers("list_1"), ["C1"]]}))
    assert template_evidence(no_9) is None


# ---------------------------------------------------------------------------- recovered cells


def _sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


def test_error_cells_and_cached_formulas_from_column_b(tmp_path):
    rows = [
        headers("list_6"),
        row_for("list_6", {"child_id": "C1", "allocated_worker": Formula("=NA()", "#N/A")}),
        row_for("list_6", {"child_id": "C2", "age": Formula("=1+1", 2), "allocated_worker": "Ann"}),
        row_for("list_6", {"allocated_team": Formula("=1/0", "#DIV/0!")}),
    ]
    path = write_xlsx(tmp_path / "e.xlsx", {"List_6": rows}, first_col=1)
    xml = _sheet_xml(path)
    assert '<c r="O2" t="e"><f>NA()</f><v>#N/A</v></c>' in xml
    assert '<c r="F3"><f>1+1</f><v>2</v></c>' in xml

    loaded = load(path).lists["list_6"]
    assert column(loaded, ROW) == [2, 3, 4]
    assert column(loaded, "allocated_worker") == ["#N/A", "Ann", None]
    assert column(loaded, "allocated_team") == [None, None, "#DIV/0!"]
    assert column(loaded, "age") == [None, "2", None]
    assert column(loaded, "child_id") == ["C1", "C2", None]


def _openpyxl_list_1(path: Path, cells: dict[str, Any]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "List_1"
    sheet.append(headers("list_1"))
    for ref, value in cells.items():
        sheet[ref] = value
    book.save(path)
    return path


def test_formula_without_cached_value_is_recovered(tmp_path):
    path = _openpyxl_list_1(tmp_path / "f.xlsx", {"A2": "C1", "B3": "=1+1", "A4": "C3", "C4": "a) WBRI"})
    assert '<c r="B3"><f>1+1</f><v /></c>' in _sheet_xml(path)
    loaded = load(path).lists["list_1"]
    assert column(loaded, ROW) == [2, 3, 4]
    assert column(loaded, "gender") == [None, "=1+1", None]
    assert column(loaded, "child_id") == ["C1", None, "C3"]


def test_formula_only_last_row_is_recovered(tmp_path):
    path = _openpyxl_list_1(tmp_path / "last.xlsx", {"A2": "C1", "B3": "=1+1"})
    loaded = load(path).lists["list_1"]
    assert column(loaded, ROW) == [2, 3]
    assert column(loaded, "gender") == [None, "=1+1"]


# ---------------------------------------------------------------------------- unreadable input


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.xlsx", None, "{path}: file not found"),
        ("empty.xlsx", b"", "{path}: the file is empty"),
        (
            "renamed.xlsx",
            b"Child Unique ID,Gender\nC1,a) Male\n",
            "{path}: not a valid .xlsx file (no zip package inside: a CSV or text file renamed, "
            "or a damaged or truncated copy)",
        ),
        (
            "returns.txt",
            b"Child Unique ID\n",
            "{path}: not an Excel workbook (expected .xlsx, .xlsm, .xls, .ods)",
        ),
    ],
)
def test_unreadable_files(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as exc:
        load(path)
    assert str(exc.value) == message.format(path=path)


def test_a_folder_is_not_a_workbook(tmp_path):
    folder = tmp_path / "returns.xlsx"
    folder.mkdir()
    with pytest.raises(InputError) as exc:
        load(folder)
    assert str(exc.value) == f"{folder}: is a folder, not a workbook"


def test_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    with pytest.raises(InputError) as exc:
        load(path)
    assert str(exc.value) == f"{path}: a zip file, but not an Excel workbook (it has no xl/workbook.xml)"


def test_chart_sheets_are_left_alone(tmp_path, capfd):
    path = tmp_path / "chart.xlsx"
    book = xlsxwriter.Workbook(str(path), SAFE)
    sheet = book.add_worksheet("Data")
    sheet.write_row(0, 0, headers("list_6"))
    sheet.write_row(1, 0, ["C1"])
    chart = book.add_chart({"type": "bar"})
    chart.add_series({"values": "=Data!$A$1:$A$2"})
    book.add_chartsheet("Chart1").set_chart(chart)
    book.close()
    workbook = load(path)
    assert workbook.lists["list_6"].sheet == "Data"
    assert workbook.ignored_sheets == ["Chart1"]
    assert workbook.notes == []
    assert capfd.readouterr().err == ""  # the reader is never asked to read the chart


def test_the_terminal_is_given_back_after_sheets_are_read_on_several_threads():
    """The reader's output is kept off descriptor 2 while any thread reads (see _ReaderQuiet)."""
    before, python_side = os.fstat(2), sys.stderr
    workbook = load_workbook(EXAMPLE, SPEC)
    after = os.fstat(2)
    assert sum(1 for loaded in workbook.lists.values() if loaded.present) == 11
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)
    assert sys.stderr is python_side


def test_without_threads_the_sheets_are_scanned_and_read_in_turn(monkeypatch):
    """A process that cannot start a thread (a batch worker under a tight memory cap) still reads
    the workbook, the same way, one step after another."""
    threaded = load_workbook(EXAMPLE, SPEC)

    def no_thread(_thread: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_thread)
    alone = load_workbook(EXAMPLE, SPEC)
    assert [loaded.rows for loaded in alone.lists.values()] == [
        450,
        36,
        120,
        102,
        32,
        150,
        30,
        60,
        34,
        10,
        19,
    ]
    for key, loaded in threaded.lists.items():
        assert loaded.frame is not None and alone.lists[key].frame is not None
        assert alone.lists[key].frame.equals(loaded.frame)


def test_the_progress_bar_draws_on_its_own_copy_of_stderr(tmp_path, monkeypatch):
    """While the reader runs, descriptor 2 points at a scratch file (its panic text is dropped);
    the bar keeps drawing on the terminal through its own descriptor."""
    terminal = (tmp_path / "terminal.txt").open("w")
    saved = os.dup(2)
    os.dup2(terminal.fileno(), 2)
    try:
        monkeypatch.setattr(sys, "stderr", os.fdopen(2, "w", closefd=False))
        own = _own_terminal()
        assert own is not None and own.fileno() != 2
        with _reader_quiet():
            own.write("Reading List_8")
            own.flush()
            os.write(2, b"thread panicked at 'C123'")
        own.close()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        terminal.close()
    assert (tmp_path / "terminal.txt").read_text() == "Reading List_8"


def test_a_process_sharing_the_cores_reads_without_threads(monkeypatch):
    """A batch's worker (share_cores) scans and reads in turn: other workers keep the cores busy."""
    monkeypatch.setattr(loader, "_CORES", loader._Cores())
    threaded = load_workbook(EXAMPLE, SPEC)
    loader.share_cores()
    started: list[str] = []
    start = threading.Thread.start
    monkeypatch.setattr(
        threading.Thread, "start", lambda thread: started.append(thread.name) or start(thread)
    )
    alone = load_workbook(EXAMPLE, SPEC)
    assert started == []
    for key, loaded in threaded.lists.items():
        assert loaded.frame is not None and alone.lists[key].frame is not None
        assert alone.lists[key].frame.equals(loaded.frame)
