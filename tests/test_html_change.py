"""The HTML report shows the change since the workbook's previous recorded run, and nothing without one."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REF, SPELLING, Month, record, run

NAME = "dry_run.xlsx"  # a council saving each month's dry run under one name, in a folder per month


class Tables(HTMLParser):
    """Each table's caption and the text of its body rows."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: str | None = None
        self._rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in = ""
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._caption, self._rows = "", []
        elif tag in ("caption", "thead", "tbody"):
            self._in = tag
        elif tag == "tr" and self._in == "tbody":
            self._rows.append([])
        elif tag in ("th", "td") and self._in == "tbody":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table" and self._caption is not None:
            self.tables[self._caption] = self._rows
        elif tag in ("caption", "thead", "tbody"):
            self._in = ""

    def handle_data(self, data: str) -> None:
        if self._in == "caption" and self._caption is not None:
            self._caption += data
        elif self._cell is not None:
            self._cell.append(data)


@pytest.fixture
def months(two_months: tuple[Month, Month], tmp_path: Path) -> tuple[Path, Path]:
    """March and April under the same file name, one folder each."""
    paths = []
    for month, folder in zip(two_months, ("march", "april"), strict=True):
        (tmp_path / folder).mkdir()
        paths.append(Path(shutil.copy(month.path, tmp_path / folder / NAME)))
    return paths[0], paths[1]


def march_recorded(months: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """April's workbook and a store holding March's run."""
    store = tmp_path / "history.sqlite"
    record(months[0], store)
    return months[1], store


def report(workbook: Path, store: Path, out: Path, *extra: str) -> str:
    result = run(
        "validate", str(workbook), *SPELLING, "--history", str(store), "--report", str(out), "-q", *extra
    )
    assert result.exit_code == 1, result.output  # the generated errors fail the run
    return out.read_text(encoding="utf-8")


def change_tables(text: str) -> tuple[list[list[str]], list[list[str]]]:
    tables = Tables(text).tables
    return (
        tables["Records per error type: previous run, now and the change"],
        tables["Findings per allocated team: new, resolved and still open"],
    )


TEAMS_APRIL_VS_MARCH = [  # team, new, resolved, still open: 3 new, 2 resolved and 9 still open in all
    ["Assessment Team North", "0", "0", "1"],
    ["Assessment Team South", "1", "1", "1"],
    ["Child Protection Team 1", "0", "0", "1"],
    ["Child Protection Team 2", "0", "1", "1"],
    ["Children in Care Team 1", "0", "0", "3"],
    ["Children in Care Team 2", "1", "0", "1"],
    ["Disabled Children's Team", "0", "0", "1"],
    ["Leaving Care Team", "1", "0", "0"],
]


def test_the_second_month_shows_the_change_per_type_and_team(
    months: tuple[Path, Path], tmp_path: Path
) -> None:
    april, store = march_recorded(months, tmp_path)
    text = report(april, store, tmp_path / "april.html", "--reference-date", REF)

    # April's 12 key errors (4 primary need, 3 ethnicity, 2 closure reason, 3 placement location)
    # against March's 11 (6, 0, 2, 3); the headline numbers themselves are unchanged
    assert (
        '<h1 id="headline"><span id="key-errors">12</span> key errors in this dry run'
        '<span class="change" id="key-change"> \u2014 up 1 from 11 at the previous check</span></h1>'
    ) in text
    assert '<h2 id="change-h">Change since the previous check</h2>' in text  # same reference date
    assert (
        f"Compared with run 1 ({NAME}, reference date {REF}) in the history:\n"
        "3 new, 2 resolved, 9 still open."
    ) in text
    by_type, by_team = change_tables(text)
    assert by_type == [
        # error type, previous, now, change, new, resolved: largest now first
        ["missing_primary_need", "6", "4", "\u22122", "0", "2"],
        ["missing_placement_location", "3", "3", "0", "0", "0"],
        ["missing_ethnicity", "0", "3", "+3", "3", "0"],
        ["missing_closure_reason", "2", "2", "0", "0", "0"],
    ]
    assert by_team == TEAMS_APRIL_VS_MARCH
    # the same numbers compare gives for the two workbooks (team of a resolved problem: its old team)
    compared = run(
        "compare", str(months[0]), str(april), "--reference-date", REF, *SPELLING, "--format", "json"
    )
    expected = json.loads(compared.stdout)["by_team"]
    assert [
        [t, str(c["new"]), str(c["resolved"]), str(c["still_open"])] for t, c in expected.items()
    ] == by_team


def test_recording_this_run_does_not_make_it_its_own_previous_run(
    months: tuple[Path, Path], tmp_path: Path
) -> None:
    april, store = march_recorded(months, tmp_path)
    first = report(april, store, tmp_path / "first.html", "--reference-date", REF, "--record")
    assert "up 1 from 11 at the previous check" in first  # against March (run 1), not itself
    assert change_tables(first)[1] == TEAMS_APRIL_VS_MARCH
    listed = json.loads(run("history", "--history", str(store), "--format", "json").stdout)["runs"]
    assert [(r["id"], r["errors"]) for r in listed] == [(1, 11), (2, 12)]

    # a re-run with the same reference date compares with the latest run: nothing moved
    again = report(april, store, tmp_path / "again.html", "--reference-date", REF)
    assert '<span class="change" id="key-change"> \u2014 the same as at the previous check</span>' in again
    assert (
        f"Compared with run 2 ({NAME}, reference date {REF}) in the history:\n0 new, 0 resolved, 12 still open."
        in again
    )
    by_type, _ = change_tables(again)
    assert [row[3:] for row in by_type] == [["0", "0", "0"]] * 4


def test_no_previous_run_means_no_change_section(months: tuple[Path, Path], tmp_path: Path) -> None:
    march, april = months
    store = tmp_path / "history.sqlite"
    quiet = report(april, store, tmp_path / "none.html", "--reference-date", REF)
    assert not store.exists()  # reading for the report never creates the store
    record(march, store)
    renamed = tmp_path / "april" / "april.xlsx"
    shutil.copy(april, renamed)
    other_name = report(renamed, store, tmp_path / "other.html", "--reference-date", REF)
    earlier_date = report(april, store, tmp_path / "earlier.html", "--reference-date", "2025-03-30")
    for text in (quiet, other_name, earlier_date):
        assert 'id="change"' not in text and 'id="key-change"' not in text and "Change since" not in text
    assert '<span id="key-errors">12</span> key errors in this dry run</h1>' in other_name


def test_an_earlier_reference_date_is_named(months: tuple[Path, Path], tmp_path: Path) -> None:
    april, store = march_recorded(months, tmp_path)
    text = report(april, store, tmp_path / "may.html", "--reference-date", "2025-04-30")
    assert '<h2 id="change-h">Change since 31 March 2025</h2>' in text
    assert re.search(r'id="key-change"> \u2014 (up|down) \d+ from 11 on 31 March 2025</span></h1>', text)
