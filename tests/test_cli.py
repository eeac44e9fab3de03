"""The command line as a data officer and a CI job use it: output, files and exit codes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from builders import CHILD, write_lists, write_xlsx
from click.testing import CliRunner

from annexa_check.cli.main import main

CIN_OPEN = {
    **CHILD,
    "child_id": "C1",
    "cin_start_date": "01/01/2025",
    "primary_need": "N1 - Abuse or neglect",
    "case_status": "c) Child in need plan",
}


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    rows = [
        CIN_OPEN,
        {**CIN_OPEN, "child_id": "C2", "primary_need": None, "allocated_team": "Team South"},
        {
            **CIN_OPEN,
            "child_id": "C3",
            "ethnicity": None,
            "cin_closure_date": "01/02/2025",
            "case_status": "e) Closed episode",
        },
        {**CIN_OPEN, "child_id": "C4", "ethnicity": "@SUM(1+1)"},
        {**CIN_OPEN, "child_id": "C5", "ethnicity": "=1+1"},
    ]
    return write_lists(tmp_path / "dry run.xlsx", {"list_6": rows})


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_json_summary_and_exit_code(workbook: Path) -> None:
    result = run(
        "validate", str(workbook), "--reference-date", "2025-03-31", "--format", "json", "--ignore", "AX001"
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["reference_date"] == "2025-03-31"
    assert report["workbook"] == str(workbook)
    assert report["template"] == {
        "year": "2023",
        "source": "2023/24, the default: the workbook has no List 9, whose headers tell the layouts apart",
    }
    assert report["lists"]["list_6"]["rows"] == 5
    assert report["lists"]["list_6"]["sheet"] == "List 6"
    assert report["lists"]["list_6"]["missing_columns"] == []
    assert report["lists"]["list_6"]["matched_columns"]["case_status"] == "Case status"
    assert len(report["lists"]["list_6"]["matched_columns"]) == 14
    assert report["lists"]["list_8"]["found"] is False
    assert report["counts"] == {
        "formula_without_value": {"count": 1, "children": 1, "severity": "error"},
        "invalid_ethnicity": {"count": 1, "children": 1, "severity": "error"},
        "missing_closure_reason": {"count": 1, "children": 1, "severity": "error"},
        "missing_ethnicity": {"count": 1, "children": 1, "severity": "error"},
        "missing_primary_need": {"count": 1, "children": 1, "severity": "error"},
    }
    assert report["totals"]["errors"] == 5
    assert report["totals"]["children_with_errors"] == 4


def test_text_summary_ends_with_the_headline(workbook: Path) -> None:
    result = run("validate", str(workbook), "--reference-date", "2025-03-31", "--select", "CIN,ETH")
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "4 errors in 4 types across 3 children; 10 lists incomplete."
    assert "Reference date 2025-03-31" in result.stdout


def test_no_errors_exits_zero(tmp_path: Path) -> None:
    path = write_lists(tmp_path / "clean.xlsx", {"list_6": [CIN_OPEN]})
    result = run("validate", str(path), "--reference-date", "2025-03-31", "--format", "json")
    assert result.exit_code == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["totals"]["errors"] == 0
    assert report["counts"]["missing_list"] == {"count": 10, "children": 0, "severity": "warning"}


def test_csv_exception_list(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "exceptions.csv"
    result = run(
        "validate",
        str(workbook),
        "--reference-date",
        "2025-03-31",
        "-o",
        str(out),
        "--select",
        "CIN001,ETH,AX004",
    )
    assert result.exit_code == 1
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [
        "error_type", "rule", "severity", "list", "row", "child_id", "column", "value", "message", "team", "worker",
        "sheet", "fingerprint", "scope", "reference_date",
    ]  # fmt: skip
    assert [r[:7] + r[9:11] for r in rows[1:]] == [
        [
            "missing_primary_need",
            "CIN001",
            "error",
            "List 6",
            "3",
            "C2",
            "Primary Need Code",
            "Team South",
            "Worker A",
        ],
        ["missing_ethnicity", "ETH001", "error", "List 6", "4", "C3", "Ethnicity", "Team North", "Worker A"],
        ["invalid_ethnicity", "ETH002", "error", "List 6", "5", "C4", "Ethnicity", "Team North", "Worker A"],
        [
            "formula_without_value",
            "AX004",
            "error",
            "List 6",
            "6",
            "C5",
            "Ethnicity",
            "Team North",
            "Worker A",
        ],
    ]
    assert [r[7] for r in rows[1:]] == ["", "", "'@SUM(1+1)", "'=1+1"]  # a spreadsheet must not run them
    assert [len(r[12]) for r in rows[1:]] == [16] * 4  # fingerprints
    assert {r[13] for r in rows[1:]} == {"record"}  # each about one row, for the team that holds it
    assert {r[14] for r in rows[1:]} == {"2025-03-31"}


def test_xlsx_exception_list_is_for_people(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "exceptions.xlsx"
    result = run(
        "validate", str(workbook), "--reference-date", "2025-03-31", "-o", str(out), "--select", "ETH,AX004"
    )
    assert result.exit_code == 1
    sheet = openpyxl.load_workbook(out)["Exceptions"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:O4"
    assert [c.value for c in sheet[1]][:6] == [
        "Error type",
        "Rule",
        "Severity",
        "List",
        "Excel row",
        "Child ID",
    ]
    assert [(sheet.cell(r, 8).value, sheet.cell(r, 8).data_type) for r in (3, 4)] == [
        ("@SUM(1+1)", "s"),
        ("=1+1", "s"),
    ]  # text, not live formulas
    assert sheet["E2"].value == 4  # Excel row numbers stay numbers


def test_output_never_overwrites_the_workbook(workbook: Path) -> None:
    before = workbook.read_bytes()
    result = run("validate", str(workbook), "-o", str(workbook))
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"annexa-check: error: {workbook}: refusing to overwrite the workbook being checked\n"
    )
    assert workbook.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "missing.xlsx"], "annexa-check: error: missing.xlsx: file not found\n"),
        (
            ["validate", "{wb}", "-o", "out.txt"],
            "annexa-check: error: 'out.txt': --output must be a file name ending in .csv, .xlsx, .json, .xml, .md or .parquet\n",
        ),
        (
            ["validate", "{wb}", "--select", "NOPE"],
            "annexa-check: error: 'NOPE' is not a rule code, code prefix or error type (see 'annexa-check rules')\n",
        ),
        (
            ["explain", "ZZ999"],
            "annexa-check: error: no rule or error type 'ZZ999' (see 'annexa-check rules')\n",
        ),
        (
            ["validate", "{wb}", "--select", "CIN001", "--ignore", "CIN"],
            "annexa-check: error: --select and --ignore leave no rule to run\n",
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line(workbook: Path, args: list[str], message: str) -> None:
    result = run(*[a.replace("{wb}", str(workbook)) for a in args])
    assert result.exit_code == 2
    assert result.stderr == message
    assert result.stdout == ""


def test_bad_reference_date_is_a_usage_error(workbook: Path) -> None:
    result = run("validate", str(workbook), "--reference-date", "31/03/2025")
    assert result.exit_code == 2
    assert "'31/03/2025' is not a date in the form YYYY-MM-DD" in result.stderr


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "renamed.xlsx"
    path.write_text("Child Unique ID,Ethnicity\nC1,WBRI\n", encoding="utf-8")
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"annexa-check: error: {path}: not a valid .xlsx file (no zip package inside: "
        "a CSV or text file renamed, or a damaged or truncated copy)\n"
    )


def test_explain_prints_the_rule() -> None:
    result = run("explain", "cla003")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "CLA003  Placement provider is blank for a placement that needs one"
    assert lines[1:3] == ["error type: missing_placement_provider", "severity: error"]
    assert (
        "only when: placement_type is a valid code other than T0, T1, T2, T3, T4, Z1, Z11, Z12, Z13, Z14"
        in lines
    )


def test_rules_lists_the_catalogue() -> None:
    result = run("rules", "--list", "9")
    assert result.exit_code == 0
    for code in ("CL001", "CL004", "ETH001"):
        assert code in result.stdout
    assert "CIN001" not in result.stdout


def test_the_top_level_help_starts_with_an_example() -> None:
    """A new user's first `annexa-check --help` shows a command to run, as every command's help does."""
    lines = CliRunner().invoke(main, ["--help"], terminal_width=100).stdout.splitlines()
    assert lines[2:7] == [
        "  Check an Ofsted Annex A dry-run workbook before it is submitted.",
        "",
        "  Example: annexa-check validate dry_run.xlsx --reference-date 2025-03-31",
        "",
        "  Each command's -h shows its options, each with an example.",
    ]


def test_rules_takes_every_template_year_validate_takes() -> None:
    """`validate --template 2024` names the 2023/24 layout, so `rules --template 2024` lists its pack."""
    year_2024, year_2023 = run("rules", "--template", "2024"), run("rules", "--template", "2023")
    assert year_2024.exit_code == 0
    assert year_2024.stdout == year_2023.stdout
    assert year_2024.stdout.splitlines()[-1] == "271 rules (199 errors, 72 warnings)"
    assert run("rules", "--template", "2019").stdout.splitlines()[-1] == "265 rules (195 errors, 70 warnings)"


def test_a_missing_output_folder_is_refused_once_before_a_batch(workbook: Path, tmp_path: Path) -> None:
    """With a folder of workbooks, -o or --report into no folder is one line, not one per workbook."""
    folder = tmp_path / "returns"
    folder.mkdir()
    for name in ("march.xlsx", "april.xlsx"):
        (folder / name).write_bytes(workbook.read_bytes())
    missing = tmp_path / "no such folder"
    for option in (["-o", str(missing / "exceptions.csv")], ["--report", str(missing / "r.html")]):
        result = run("validate", str(folder), "--reference-date", "2025-03-31", *option)
        assert result.exit_code == 2
        assert result.stderr == f"annexa-check: error: {missing}: output folder does not exist\n"
        assert result.stdout == ""


def test_workbook_without_any_list_is_refused(tmp_path: Path) -> None:
    """A wrong file must not pass a pipeline with nothing but 'list missing' warnings."""
    path = write_xlsx(tmp_path / "budget.xlsx", {"Budget": [["Cost centre", "Amount"]], "Notes": []})
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"annexa-check: error: {path}: no Annex A list found (sheets: 'Budget', 'Notes'); expected sheets "
        "named like List_1 ... List_11 or with the template's column headers\n"
    )


def test_output_problems_are_one_line(workbook: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no such folder" / "out.csv"
    result = run("validate", str(workbook), "-o", str(missing))
    assert result.exit_code == 2
    assert result.stderr == f"annexa-check: error: {missing.parent}: output folder does not exist\n"
    taken = tmp_path / "taken.csv"
    taken.mkdir()  # a folder where the file should go: the rename fails
    result = run("validate", str(workbook), "-o", str(taken))
    assert result.exit_code == 2
    assert result.stderr == f"annexa-check: error: {taken}: is a folder; give a file name to write\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_sheet_without_headers_is_an_error_not_a_missing_list(tmp_path: Path) -> None:
    """Every child on that sheet went unchecked: a pipeline must not pass it."""
    import openpyxl as xl

    book = xl.Workbook()
    sheet = book.active
    sheet.title = "List 6"
    for i in range(21):
        sheet.append([f"note {i}"])
    sheet.append(["Child Unique ID", "Ethnicity", "Primary Need Code"])
    path = tmp_path / "notes_first.xlsx"
    book.save(path)
    result = run("validate", str(path), "--format", "json", "--select", "AX009")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["counts"] == {"list_without_headers": {"count": 1, "children": 0, "severity": "error"}}
    assert report["lists"]["list_6"]["found"] is False
    assert report["lists"]["list_6"]["sheet"] == "List 6"


def test_duplicate_column_is_reported(tmp_path: Path) -> None:
    rows = [
        ["Child Unique ID", "Ethnicity", "Primary Need Code", "Ethnicity"],
        ["C1", "a) WBRI", "N1", "junk"],
    ]
    path = write_xlsx(tmp_path / "dupe.xlsx", {"List 6": rows})
    out = tmp_path / "out.csv"
    result = run("validate", str(path), "--select", "AX010", "-o", str(out))
    assert result.exit_code == 0  # a warning
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["error_type"], r["column"], r["message"]) for r in rows] == [
        (
            "duplicate_column",
            "Ethnicity",
            "'Ethnicity' appears again in column D; only column B was checked. Remove or rename the extra column.",
        )
    ]


def test_implausible_reference_date_is_refused(workbook: Path) -> None:
    result = run("validate", str(workbook), "--reference-date", "1990-01-01")
    assert result.exit_code == 2
    assert "1990-01-01 is not a plausible reference date (expected between 2000-01-01 and " in result.stderr


def test_explain_an_error_type_prints_each_of_its_rules() -> None:
    result = run("explain", "invalid_care_leaver_eligibility")
    assert result.exit_code == 0
    titles = [block.splitlines()[0] for block in result.stdout.strip().split("\n\n")]
    assert titles == [
        "CL001  Eligibility category is blank",
        "CL002  Eligibility category is not a valid code",
        "CL003  Eligibility category contradicts the young person's age",
    ]


def test_outputs_get_ordinary_file_permissions(workbook: Path, tmp_path: Path) -> None:
    """Written through a private temporary file, but readable like any file the user writes."""
    import os

    old = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.csv"
        kept = tmp_path / "kept.csv"
        kept.write_text("old")
        kept.chmod(0o640)
        assert run("validate", str(workbook), "-o", str(fresh), "-o", str(kept)).exit_code == 1
    finally:
        os.umask(old)
    assert fresh.stat().st_mode & 0o777 == 0o644
    assert kept.stat().st_mode & 0o777 == 0o640
    assert kept.read_text(encoding="utf-8-sig").startswith("error_type,")


def test_a_list_on_a_hidden_sheet_is_noted(tmp_path: Path) -> None:
    rows = [["Child Unique ID", "Ethnicity", "Primary Need Code"], ["C1", "a) WBRI", "N1"]]
    path = write_xlsx(tmp_path / "hidden.xlsx", {"Front": [], "List 6": rows}, hidden=("List 6",))
    report = json.loads(run("validate", str(path), "--format", "json", "--select", "ETH").stdout)
    assert report["notes"] == ["List 6 was read from the hidden sheet 'List 6'"]
    assert report["lists"]["list_6"]["rows"] == 1


def test_help_and_version_import_nothing_heavy() -> None:
    """`--help` and `--version` answer at once: the command line imports polars, pydantic and the
    rule data only when a command needs them."""
    import subprocess
    import sys

    probe = (
        "import sys; from annexa_check.cli.main import main\n"
        "for arg in (['--version'], ['--help'], ['validate', '--help'], ['rules', '--help']):\n"
        "    try:\n"
        "        main(arg)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in ('polars', 'pydantic', 'yaml', 'pandera', 'xlsxwriter') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[]"
