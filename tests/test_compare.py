"""Month over month: two generated months, the second with some errors fixed and some new."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from builders import CHILD, write_lists
from conftest import REF, REFERENCE_DATE, SPELLING, Month, record, run

from annexa_check.api.changes import compare_runs
from annexa_check.errors import AnnexaError
from annexa_check.findings.table import HISTORY_COLUMNS
from annexa_check.outputs.files import COLUMN_WORDS


def injected(month: Month) -> set[tuple[str, str, str]]:
    """(error type, list, child) of every error the generator put in a month."""
    return {(i.error_type, f"List {i.list_key.split('_')[1]}", i.child_id) for i in month.manifest.injected}


def test_two_workbooks_new_resolved_and_still_open(two_months: tuple[Month, Month], tmp_path: Path) -> None:
    march, april = two_months
    out = tmp_path / "changes.csv"
    result = run(
        "compare",
        str(march.path),
        str(april.path),
        "--reference-date",
        REF,
        *SPELLING,
        "--format",
        "json",
        "-o",
        str(out),
    )
    assert result.exit_code == 1, result.output  # 3 new missing ethnicities: a key error type
    report = json.loads(result.stdout)
    assert (report["fail_on_new"], report["passed"]) == ("key", False)
    assert report["totals"] == {"new": 3, "resolved": 2, "still_open": 9}
    assert report["by_error_type"] == {
        "missing_closure_reason": {"new": 0, "resolved": 0, "still_open": 2},
        "missing_ethnicity": {"new": 3, "resolved": 0, "still_open": 0},
        "missing_placement_location": {"new": 0, "resolved": 0, "still_open": 3},
        "missing_primary_need": {"new": 0, "resolved": 2, "still_open": 4},
    }
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    found = {(r["status"], r["error_type"], r["list"], r["child_id"]) for r in rows}
    before, after = injected(march), injected(april)
    expected = (
        {("new", *k) for k in after - before}
        | {("resolved", *k) for k in before - after}
        | {("still_open", *k) for k in before & after}
    )
    assert found == expected
    assert len(expected) == 14  # 3 new + 2 resolved + 9 still open, each a different child and type
    # per team, the same problems counted by the team they belong to
    teams: dict[str, dict[str, int]] = {}
    for r in rows:
        team = teams.setdefault(r["team"] or "(no team recorded)", {"new": 0, "resolved": 0, "still_open": 0})
        team[r["status"]] += 1
    assert report["by_team"] == dict(sorted(teams.items()))
    assert sum(t["still_open"] for t in report["by_team"].values()) == 9


def test_recorded_runs_compare_like_the_workbooks(two_months: tuple[Month, Month], tmp_path: Path) -> None:
    march, april = two_months
    store = tmp_path / "history.sqlite"
    for month in (march, april):
        record(month.path, store)
    out = tmp_path / "changes.xlsx"
    result = run("compare", "1", "2", *SPELLING, "--history", str(store), "-o", str(out))
    assert result.exit_code == 1, result.output
    assert (
        result.stdout.splitlines()[0]
        == "run 1 (march.xlsx, reference date 2025-03-31) → run 2 (april.xlsx, reference date 2025-03-31)"
    )
    assert "3 new, 2 resolved, 9 still open." in result.stdout
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["By error type", "By team", "New", "Resolved", "Still open"]
    sizes = {name: book[name].max_row - 1 for name in ("New", "Resolved", "Still open")}
    assert sizes == {"New": 3, "Resolved": 2, "Still open": 9}
    header = [c.value for c in next(book["New"].iter_rows(max_row=1))]
    assert header == [COLUMN_WORDS[c] for c in HISTORY_COLUMNS]  # headers in words
    assert header[:4] == ["Fingerprint", "Error type", "Rule", "Severity"]
    new_children = {row[6] for row in book["New"].iter_rows(min_row=2, values_only=True)}
    assert new_children == {k[2] for k in injected(april) - injected(march)}

    # both runs have the same reference date: a date is ambiguous, an id is not
    ambiguous = run("compare", REF, "2", "--history", str(store))
    assert ambiguous.exit_code == 2
    assert (
        ambiguous.stderr
        == f"annexa-check: error: {store}: 2 runs have reference date {REF} (ids 1, 2); give a run id\n"
    )
    missing = run("compare", "1", "7", "--history", str(store))
    assert missing.stderr == f"annexa-check: error: {store}: no recorded run 7 (see 'annexa-check history')\n"
    mixed = run(
        "compare",
        "1",
        str(april.path),
        "--history",
        str(store),
        "--reference-date",
        REF,
        *SPELLING,
        "--format",
        "json",
    )
    assert json.loads(mixed.stdout)["totals"] == {"new": 3, "resolved": 2, "still_open": 9}


def test_rows_that_moved_are_the_same_problems(tmp_path: Path) -> None:
    child = {"gender": "a) Male", "ethnicity": "", "date_of_birth": "01/06/2012", "age": 12}
    rows = [{**child, "child_id": f"C{n}", "contact_date": "01/03/2025"} for n in range(1, 4)]
    first = write_lists(tmp_path / "march.xlsx", {"list_1": rows})
    second = write_lists(
        tmp_path / "april.xlsx", {"list_1": [rows[2], {**rows[0], "ethnicity": "a) WBRI"}, rows[1]]}
    )
    result = run("compare", str(first), str(second), "--reference-date", REF, "--format", "json")
    assert json.loads(result.stdout)["by_error_type"]["missing_ethnicity"] == {
        "new": 0,
        "resolved": 1,
        "still_open": 2,
    }


def test_an_argument_that_is_neither_workbook_nor_run(tmp_path: Path) -> None:
    result = run("compare", "march", "april", "--history", str(tmp_path / "h.sqlite"))
    assert result.exit_code == 2
    assert (
        result.stderr
        == "annexa-check: error: 'march' is not a workbook, a run id or the reference date of a recorded run\n"
    )
    result = run("compare", str(tmp_path / "x.xlsx"), "2", "-o", str(tmp_path / "changes.txt"))
    assert (
        result.stderr
        == f"annexa-check: error: '{tmp_path / 'changes.txt'}': --output must be a file name ending in .csv, .xlsx or .json\n"
    )


def _no_history() -> Path:
    raise AssertionError("the history was opened for two workbooks")


def test_the_api_compares_two_workbooks_without_opening_the_history(two_months: tuple[Month, Month]) -> None:
    march, april = two_months
    comparison = compare_runs(
        str(march.path),
        str(april.path),
        reference_date=REFERENCE_DATE,
        select=(),
        ignore=("non_standard_code",),
        store=_no_history,
    )
    assert comparison.as_dict()["totals"] == {"new": 3, "resolved": 2, "still_open": 9}
    assert (comparison.old.label, comparison.new.label) == (march.path.name, april.path.name)


def test_the_api_refuses_a_side_that_is_neither_workbook_nor_run(tmp_path: Path) -> None:
    with pytest.raises(AnnexaError) as refused:
        compare_runs(
            str(tmp_path / "gone.xlsx"),
            "7",
            reference_date=REFERENCE_DATE,
            select=(),
            ignore=(),
            store=_no_history,
        )
    assert str(refused.value) == (
        f"'{tmp_path / 'gone.xlsx'}' is not a workbook, a run id or the reference date of a recorded run"
    )


def test_compare_exit_code_follows_fail_on_new(two_months: tuple[Month, Month]) -> None:
    march, april = two_months
    both = (str(march.path), str(april.path), "--reference-date", REF, *SPELLING)
    failed = run("compare", *both)
    assert failed.exit_code == 1
    assert failed.stdout.splitlines()[-1] == "New problems fail --fail-on-new key: missing_ethnicity 3."
    assert run("compare", *both, "--fail-on-new", "never").exit_code == 0
    assert run("compare", *both, "--fail-on-new", "error").exit_code == 1
    # the two missing primary needs fixed in April are new when the months are swapped
    back = run("compare", str(april.path), str(march.path), "--reference-date", REF, *SPELLING)
    assert back.exit_code == 1
    assert back.stdout.splitlines()[-1] == "New problems fail --fail-on-new key: missing_primary_need 2."
    ignored = run(
        "compare", str(april.path), str(march.path), "--reference-date", REF, *SPELLING, "--ignore", "CIN"
    )
    assert ignored.exit_code == 0, ignored.output
    same = run("compare", str(april.path), str(april.path), "--reference-date", REF, *SPELLING)
    assert same.exit_code == 0
    assert "0 new, 0 resolved, 12 still open." in same.stdout  # April's 4 + 3 + 2 + 3 injected


def test_compare_uses_the_settings_file_and_a_date_for_each_side(
    two_months: tuple[Month, Month], tmp_path: Path
) -> None:
    march, april = two_months
    settings = tmp_path / "council.toml"
    settings.write_text(
        f'reference_date = "{REF}"\nignore = ["non_standard_code", "missing_ethnicity"]\n', encoding="utf-8"
    )
    result = run(
        "compare",
        str(march.path),
        str(april.path),
        "--config",
        str(settings),
        "--old-reference-date",
        "2025-02-28",
        "--format",
        "json",
    )
    report = json.loads(result.stdout)
    assert result.exit_code == 0, result.output  # the new ethnicities are ignored by the settings file
    assert report["new"]["reference_date"] == REF  # from the settings file
    assert report["old"]["reference_date"] == "2025-02-28"
    assert "missing_ethnicity" not in report["by_error_type"]
    assert report["by_error_type"]["missing_primary_need"] == {"new": 0, "resolved": 2, "still_open": 4}
    # --select on the command line replaces the file's selection, as in validate
    only = run(
        "compare",
        str(march.path),
        str(april.path),
        "--config",
        str(settings),
        "--select",
        "CLA",
        "--format",
        "json",
    )
    assert set(json.loads(only.stdout)["by_error_type"]) == {"missing_placement_location"}
    bad = run("compare", str(march.path), str(april.path), "--config", str(settings), "--no-config")
    assert bad.exit_code == 2
    assert bad.stderr == "annexa-check: error: --config and --no-config contradict each other; give one\n"


def test_the_last_line_counts_with_thousands_separators_as_the_tables_do(tmp_path: Path) -> None:
    """1,200 new findings read as the table above them and the HTML report write them: 1,200, not 1200."""
    old = write_lists(tmp_path / "march.xlsx", {"list_6": [{**CHILD, "child_id": "C0"}]})
    rows = [{**CHILD, "child_id": f"C{n}", "ethnicity": None} for n in range(1, 1201)]
    new = write_lists(tmp_path / "april.xlsx", {"list_6": rows})
    result = run("compare", str(old), str(new), "--reference-date", REF, "--no-config", "--select", "ETH001")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert "1,200 new, 0 resolved, 0 still open." in lines
    assert lines[-1] == "New problems fail --fail-on-new key: missing_ethnicity 1,200."


def test_compare_takes_validates_reader_options(tmp_path: Path) -> None:
    """--verbose and --max-unpacked-mb, as validate, annotate and fix take them, for a workbook side."""
    from test_hostile_read import HEADER, xlsx

    old = write_lists(tmp_path / "march.xlsx", {"list_6": [{**CHILD, "child_id": "C0"}]})
    broken = xlsx(tmp_path / "april.xlsx", HEADER + '<row r="2">' + '<c r="A2" t="e"><v>#N/A</v>' * 50)
    quiet = run("compare", str(old), str(broken), "--reference-date", REF, "--no-config")
    assert quiet.exit_code == 2
    assert quiet.stderr == (
        f"annexa-check: error: {broken}: sheet 'List_6' cannot be read; --verbose shows the reader's own message\n"
    )
    told = run("compare", str(old), str(broken), "--reference-date", REF, "--no-config", "-v")
    assert told.exit_code == 2
    assert told.stderr.startswith(
        f"annexa-check: error: {broken}: sheet 'List_6' cannot be read (calamine error: "
    )
    rows = [{**CHILD, "child_id": f"C{n}"} for n in range(5000)]  # about 1.5 MB of sheet XML
    large = write_lists(tmp_path / "may.xlsx", {"list_6": rows})
    limited = run(
        "compare", str(old), str(large), "--reference-date", REF, "--no-config", "--max-unpacked-mb", "1"
    )
    assert limited.exit_code == 2
    assert limited.stderr.startswith(f"annexa-check: error: {large}: a ")
    assert "above the 1 MB limit" in limited.stderr and limited.stderr.count("\n") == 1
    unlimited = run("compare", str(old), str(large), "--reference-date", REF, "--no-config")
    assert (unlimited.exit_code, unlimited.stderr) == (1, "")  # checked: new key errors, not refused
