"""Team-manager exception workbooks: one per team or worker, opened and checked with openpyxl."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from builders import CHILD as BASE
from builders import write_lists
from click.testing import CliRunner

from annexa_check.cli.main import main
from annexa_check.engine.check import check_workbook
from annexa_check.findings.pseudonym import KEY_VARIABLE, pseudonym
from annexa_check.outputs.teams import file_names, safe_stem, write_split
from annexa_check.report.model import build_report

EXAMPLE = Path(__file__).resolve().parents[1] / "example_returns" / "example_dry_run.xlsx"
REFERENCE = date(2025, 3, 31)
HEADERS = [
    "Child ID",
    "List",
    "Excel row",
    "Column",
    "Current value",
    "What is wrong",
    "What a correct value looks like",
    "Error type",
    "Rule",
    "Severity",
]
KEY = "a-test-key-of-some-length"
CHILD = {
    **BASE,
    "allocated_team": None,
    "allocated_worker": None,
    "cin_start_date": "01/01/2025",
    "primary_need": "N1",
    "case_status": "c) Child in need plan",
}


@pytest.fixture(scope="module")
def example(example_report):
    return example_report


def _rows(path: Path, sheet: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))


def test_one_workbook_per_team_adding_up_to_the_full_list(example, tmp_path: Path) -> None:
    written = write_split(example, "team", tmp_path)
    assert [p.name for p in written] == [
        "Assessment Team North.xlsx",
        "Assessment Team South.xlsx",
        "Child Protection Team 1.xlsx",
        "Children in Care Team 1.xlsx",
        "Children in Care Team 2.xlsx",
        "Children in Need Team 1.xlsx",
        "Children in Need Team 2.xlsx",
        "Disabled Children's Team.xlsx",
        "Front Door Team.xlsx",
        "Leaving Care Team.xlsx",
        "(no team recorded).xlsx",
    ]
    per_file = {}
    for path in written:
        book = openpyxl.load_workbook(path)
        assert book.sheetnames == ["Summary", "Errors", "Warnings"]
        assert book.active.title == "Summary"
        rows = []
        for name in ("Errors", "Warnings"):
            sheet = book[name]
            assert sheet.freeze_panes == "A2"
            found = list(sheet.iter_rows(values_only=True))
            found = [r for r in found if any(c is not None for c in r)]
            assert sheet.auto_filter.ref == f"A1:K{max(len(found), 2)}"
            assert list(found[0]) == [*HEADERS, "Worker"]
            assert sheet.column_dimensions["F"].width > 50  # "What is wrong" readable
            if len(found) > 1:
                assert sheet["F2"].alignment.wrap_text
            # printed: landscape A4, one page wide, the header row on every page, team and date on top
            assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
            assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0
            assert sheet.print_title_rows == "$1:$1"
            assert sheet.oddHeader.left.text == f"Team: {path.stem}".replace("&", "&&")
            assert sheet.oddHeader.right.text == "Reference date 31/03/2025"
            rows += found[1:]
        per_file[path.stem] = rows
    assert {k: len(v) for k, v in per_file.items()} == {
        "Assessment Team North": 5,
        "Assessment Team South": 2,
        "Child Protection Team 1": 1,
        "Children in Care Team 1": 10,
        "Children in Care Team 2": 6,
        "Children in Need Team 1": 1,
        "Children in Need Team 2": 1,
        "Disabled Children's Team": 10,
        "Front Door Team": 5,
        "Leaving Care Team": 8,
        "(no team recorded)": 7,
    }
    assert sum(len(v) for v in per_file.values()) == example.findings.height == 56
    # Lists 1, 2, 10 and 11 have no team column: all of their findings have no team recorded
    assert sorted({r[1] for r in per_file["(no team recorded)"]}) == [
        "List 1",
        "List 10",
        "List 11",
        "List 2",
    ]


def test_a_finding_row_says_what_is_wrong_and_what_is_right(example, tmp_path: Path) -> None:
    [path] = [p for p in write_split(example, "team", tmp_path) if p.stem == "Leaving Care Team"]
    rows = _rows(path, "Errors")
    [row] = [r for r in rows[1:] if r[8] == "CL001"]
    assert row == (
        "554958",
        "List 9",
        22,
        "Eligibility Category",
        None,
        "Eligibility Category is blank. Record whether the young person is a relevant, former relevant, "
        "qualifying (or, from 2023, eligible) care leaver.",
        "One of a) Relevant child, b) Former relevant child, c) Qualifying care leaver, d) Eligible child",
        "Invalid care leaver eligibility",
        "CL001",
        "error",
        "Yusuf Rudd",
    )
    summary = _rows(path, "Summary")
    assert summary[0][0] == "Annex A exceptions for Leaving Care Team"
    assert summary[1][:2] == ("Team", "Leaving Care Team")
    assert summary[2][:2] == ("Reference date", "31/03/2025")
    assert summary[5][:2] == ("Findings", "8 (8 on the 'Errors' sheet, 0 on 'Warnings')")
    assert summary[6][:2] == ("Records", 8)
    assert summary[7][:2] == ("Children", 8)
    assert summary[8][1].startswith("Start with Missing ethnicity (1 record): Ethnicity is blank.")
    table = summary[summary.index(("Error type", "What it means", "Group", "Records", "Children")) + 1 :]
    # the nine key error types first (in their fixed order), then other errors by records in the whole
    # run (invalid_ethnicity has 2), so every team's workbook lists them in the same order
    assert [(r[0], r[2], r[3], r[4]) for r in table] == [
        ("Missing ethnicity", "Key error type", 1, 1),
        ("Invalid care leaver eligibility", "Key error type", 3, 3),
        ("Missing accommodation suitability", "Key error type", 1, 1),
        ("Invalid ethnicity", "Other error", 1, 1),
        ("Excel error value", "Other error", 1, 1),
        ("Invalid placement type", "Other error", 1, 1),
    ]
    # rows in the same order: key types first
    errors = [r[7] for r in rows[1:] if r[0] is not None]
    assert errors == [
        "Missing ethnicity",
        "Invalid care leaver eligibility",
        "Invalid care leaver eligibility",
        "Invalid care leaver eligibility",
        "Missing accommodation suitability",
        "Invalid ethnicity",
        "Excel error value",
        "Invalid placement type",
    ]


def test_split_by_worker_has_a_team_column(example, tmp_path: Path) -> None:
    written = write_split(example, "worker", tmp_path)
    assert len(written) == 24
    total = 0
    for path in written:
        for name in ("Errors", "Warnings"):
            rows = [r for r in _rows(path, name) if any(c is not None for c in r)]
            assert list(rows[0]) == [*HEADERS, "Team"]
            total += len(rows) - 1
    assert total == 56
    assert (tmp_path / "_N_A.xlsx").exists()  # the worker cell held the Excel error #N/A


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("Team A/B: North?", "Team A_B_ North_"),
        ("CON", "CON_"),
        ("  Équipe Sud.  ", "Equipe Sud"),
        ('<>:"|*', "_"),
        ("x" * 200, "x" * 80),
    ],
)
def test_file_names_are_safe_on_windows(name: str, stem: str) -> None:
    assert safe_stem(name) == stem


def test_clashing_file_names_stay_distinct_and_stable() -> None:
    names = file_names(["Team A/B", "Team A:B", "North"])
    assert names["North"] == "North.xlsx"
    assert names["Team A/B"] != names["Team A:B"]
    assert names["Team A/B"].startswith("Team A_B-") and names["Team A/B"].endswith(".xlsx")
    assert file_names(["Team A:B", "Team A/B", "North"]) == names


def test_text_that_excel_would_run_is_written_as_text(tmp_path: Path) -> None:
    rows = [
        {**CHILD, "child_id": "C1", "ethnicity": "=HYPERLINK(1)", "allocated_team": "=Team"},
        {**CHILD, "child_id": "C2", "ethnicity": "+1", "allocated_team": "@Team"},
        {**CHILD, "child_id": "C3", "ethnicity": "-x", "allocated_team": "-Team"},
    ]
    book = write_lists(tmp_path / "in.xlsx", {"list_6": rows})
    result = check_workbook(book, reference_date=REFERENCE, select=["ETH002", "AX004"])
    out = tmp_path / "out"
    written = write_split(build_report(result), "team", out)
    values: set[str] = set()
    # "=" and "@" are not kept in file names; the two teams still get distinct, stable names
    assert sorted(p.name for p in written) == ["-Team.xlsx", "_Team-27035d.xlsx", "_Team-ac8f3d.xlsx"]
    for path in written:
        with zipfile.ZipFile(path) as z:
            sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert all("<f>" not in s for s in sheets)  # no formula anywhere
        cells = list(openpyxl.load_workbook(path)["Errors"].iter_rows(min_row=2, min_col=5, max_col=5))
        assert all(c.data_type == "s" for (c,) in cells)
        values |= {c.value for (c,) in cells}
    assert values == {"=HYPERLINK(1)", "+1", "-x", "=Team"}  # "=Team" itself: a formula with no value


def test_pseudonymised_workbooks_hide_ids_and_never_hold_the_key(tmp_path: Path, monkeypatch) -> None:
    rows = [{**CHILD, "child_id": "ZQ7731", "primary_need": None}, {**CHILD, "child_id": "ZQ7731"}]
    book = write_lists(tmp_path / "in.xlsx", {"list_6": rows})
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "validate",
            str(book),
            "--reference-date",
            "2025-03-31",
            "--select",
            "CIN001,AX008",
            "--split-by",
            "team",
            "--out-dir",
            str(out),
            "--pseudonymise",
            "-o",
            str(tmp_path / "all.csv"),
        ],
    )
    assert result.exit_code == 1, result.output
    hidden = pseudonym("ZQ7731", KEY.encode())
    rows = _rows(out / "(no team recorded).xlsx", "Errors")[1:]
    # the key error type (missing primary need) first, then the duplicate rows
    duplicate = (hidden, "AX008", hidden)
    assert [(r[0], r[8], r[4]) for r in rows] == [(hidden, "CIN001", None), duplicate, duplicate]
    assert rows[1][5] == (
        f"Child {hidden} appears on more than one row; this list holds one row per child (the most recent episode)."
    )
    assert "Pseudonymised" in str(_rows(out / "(no team recorded).xlsx", "Summary"))
    plain = check_workbook(book, reference_date=REFERENCE, select=["CIN001", "AX008"]).findings["fingerprint"]
    with (tmp_path / "all.csv").open(encoding="utf-8-sig") as handle:
        keyed = [line.split(",")[12] for line in handle.read().splitlines()[1:]]
    assert len(keyed) == 3 and not set(keyed) & set(plain)  # the unkeyed hash of an ID is not written
    assert [k[16:] for k in keyed] == [p[16:] for p in plain]
    for path in [*out.iterdir(), tmp_path / "all.csv"]:
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                data = b"".join(z.read(n) for n in z.namelist())
        assert b"ZQ7731" not in data
        assert KEY.encode() not in data


def test_pseudonymise_without_a_key_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    book = write_lists(tmp_path / "in.xlsx", {"list_6": [{**CHILD, "child_id": "C1"}]})
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["validate", str(book), "--split-by", "team", "--out-dir", str(out), "--pseudonymise"]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"annexa-check: error: --pseudonymise needs a secret key in the environment variable {KEY_VARIABLE} "
        "(keep the same key from run to run to get the same pseudonyms)\n"
    )
    assert not out.exists()
    monkeypatch.setenv(KEY_VARIABLE, "short")
    result = CliRunner().invoke(
        main, ["validate", str(book), "--report", str(tmp_path / "r.html"), "--pseudonymise"]
    )
    assert result.exit_code == 2
    assert "too short: use at least 16 characters" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--split-by", "team"], "--split-by team needs --out-dir, the folder for the workbooks"),
        (["--out-dir", "x"], "--out-dir is the folder for --split-by team|worker; add --split-by"),
        (["--report", "r.pdf"], "'r.pdf': --report must be a file name ending in .html"),
        (
            ["--pseudonymise"],
            "--pseudonymise applies to files written with -o, --split-by or --report; none given",
        ),
    ],
)
def test_option_mistakes_are_one_line_errors(tmp_path: Path, args: list[str], message: str) -> None:
    book = write_lists(tmp_path / "in.xlsx", {"list_6": [{**CHILD, "child_id": "C1"}]})
    result = CliRunner().invoke(main, ["validate", str(book), *args])
    assert result.exit_code == 2
    assert result.stderr == f"annexa-check: error: {message}\n"


def test_out_dir_that_is_a_file_is_refused(example, tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("keep me")
    with pytest.raises(Exception, match="--out-dir must be a folder"):
        write_split(example, "team", target)
    assert target.read_text() == "keep me"


def test_expected_values_come_from_the_rule(example) -> None:
    table = example.exceptions  # the expected column, computed once per run
    by_rule = dict(table.select("rule", "expected").unique().iter_rows())
    assert by_rule["AX005"] == "A date: an Excel date or dd/mm/yyyy text, e.g. 01/09/2024"
    assert by_rule["CLA008"] == "One of a) In, b) Out"
    assert by_rule["CIN001"].startswith("One of N1, N2, N3, N4, N5, N6, N7, N8, N9, N0 ")
    assert by_rule["CL003"] == (
        "The category that fits the age at the reference date: a) Relevant child if aged 16-17; "
        "d) Eligible child if aged 16-17; b) Former relevant child if aged 18 or over; "
        "c) Qualifying care leaver if aged 16-25"
    )
    assert table.filter(pl.col("expected").is_null()).height == 0


def test_terminal_groups_findings_by_list(tmp_path: Path) -> None:
    rows = [
        {**CHILD, "child_id": "C1", "primary_need": None, "ethnicity": None},
        {**CHILD, "child_id": "C2", "primary_need": None},
    ]
    book = write_lists(
        tmp_path / "in.xlsx", {"list_6": rows, "list_7": [{**CHILD, "child_id": "C3", "ethnicity": None}]}
    )
    result = CliRunner().invoke(
        main, ["validate", str(book), "--reference-date", "2025-03-31", "--select", "CIN001,ETH001"]
    )
    assert result.exit_code == 1
    lines = [line.rstrip() for line in result.stdout.splitlines() if "┼" not in line]
    start = lines.index("Findings by list")
    assert (
        " ".join(lines[start + 1].replace("┃", " ").split()) == "List / error type Severity Records Children"
    )
    assert [" ".join(line.replace("│", " ").split()) for line in lines[start + 3 : start + 11]] == [
        "List 6 Children in Need 2 2",
        "missing_primary_need error 2 2",
        "missing_ethnicity error 1 1",
        "List 7 Child protection 1 1",
        "missing_ethnicity error 1 1",
        "All lists 3 3",
        "missing_ethnicity error 2 2",
        "missing_primary_need error 2 2",
    ]
    assert lines[-1] == "4 errors in 2 types across 3 children; 9 lists incomplete."


@pytest.mark.parametrize(
    "command", ["validate", "compare", "annotate", "fix", "serve", "settings", "rules", "history", "trend"]
)
def test_every_option_of_every_command_has_an_example(command: str) -> None:
    """A new user reads -h for what to type: each option shows one, as the command itself does."""
    text = CliRunner().invoke(main, [command, "--help"], terminal_width=200).stdout
    usage, options = text.split("Options:")
    assert "Example: annexa-check " + command in " ".join(usage.split())
    for block in re.split(r"\n  (?=-)", options)[1:]:
        if not block.startswith("-h, --help"):
            assert "Example:" in block, block


def test_every_validate_option_has_an_example() -> None:
    text = CliRunner().invoke(main, ["validate", "--help"], terminal_width=200).stdout.split("Options:")[1]
    options = re.findall(r"^\s+(?:-\w, )?(--[\w-]+)", text, flags=re.MULTILINE)
    assert "--split-by" in options and "--report" in options
    for option in options:
        if option == "--help":
            continue
        block = text.split(option, 1)[1].split("\n  -", 1)[0]
        assert "Example:" in block, option
