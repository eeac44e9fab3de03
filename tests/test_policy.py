"""The exit policy a pipeline sets: --fail-on severity and --max thresholds per error type."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import write_lists
from conftest import CIN_CHILD, REF, run

from annexa_check.errors import AnnexaError
from annexa_check.report.policy import Policy, parse_maxima

COUNTS = {
    "missing_primary_need": {"count": 3, "children": 3, "severity": "error"},
    "missing_list": {"count": 10, "children": 0, "severity": "warning"},
}


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    """List 6 only: 3 missing primary needs (errors) and 10 missing lists (warnings)."""
    rows = [{**CIN_CHILD, "child_id": f"C{n}", "primary_need": None} for n in range(1, 4)]
    return write_lists(tmp_path / "dry run.xlsx", {"list_6": rows})


def test_judge() -> None:
    assert Policy().judge(COUNTS).reasons == ("missing_primary_need: 3 records (error)",)
    assert Policy("warning").judge(COUNTS).failing == ("missing_list", "missing_primary_need")
    assert Policy("never").judge(COUNTS).passed
    within = Policy("error", {"missing_primary_need": 3}).judge(COUNTS)
    assert (within.passed, within.reasons) == (True, ())
    over = Policy("never", {"missing_list": 9}).judge(COUNTS)
    assert over.reasons == ("missing_list: 10 records, more than --max 9",)
    one = {"invalid_date": {"count": 1, "children": 1, "severity": "error"}}
    assert Policy().judge(one).reasons == ("invalid_date: 1 record (error)",)
    many = {"missing_list": {"count": 1200, "children": 0, "severity": "warning"}}
    assert Policy("never", {"missing_list": 999}).judge(many).reasons == (
        "missing_list: 1,200 records, more than --max 999",
    )


@pytest.mark.parametrize(
    ("options", "exit_code"),
    [
        ((), 1),
        (("--fail-on", "never"), 0),
        (("--max", "missing_primary_need=3"), 0),
        (("--max", "missing_primary_need=2"), 1),
        (("--max", "missing_primary_need=3", "--fail-on", "warning"), 1),
        (("--max", "missing_primary_need=3", "--fail-on", "warning", "--max", "missing_list=10"), 0),
        (("--select", "AX001"), 0),
        (("--select", "AX001", "--fail-on", "warning"), 1),
    ],
)
def test_exit_codes(workbook: Path, options: tuple[str, ...], exit_code: int) -> None:
    result = run("validate", str(workbook), "--reference-date", REF, "-q", *options)
    assert result.exit_code == exit_code, result.output


def test_the_verdict_is_in_the_json_and_the_text(workbook: Path) -> None:
    result = run(
        "validate",
        str(workbook),
        "--reference-date",
        REF,
        "--format",
        "json",
        "--max",
        "missing_primary_need=2",
    )
    assert json.loads(result.stdout)["policy"] == {
        "fail_on": "error",
        "max": {"missing_primary_need": 2},
        "passed": False,
        "reasons": ["missing_primary_need: 3 records, more than --max 2"],
    }
    text = run("validate", str(workbook), "--reference-date", REF, "--max", "missing_primary_need=2").stdout
    assert text.splitlines()[-2:] == [
        "Policy failed (--fail-on error):",
        "  missing_primary_need: 3 records, more than --max 2",
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nonsense=3", "--max 'nonsense=3': 'nonsense' is not an error type (see 'annexa-check rules')"),
        (
            "missing_ethnicity",
            "--max 'missing_ethnicity': expected ERROR_TYPE=N with N a whole number, e.g. missing_ethnicity=150",
        ),
        (
            "missing_ethnicity=-1",
            "--max 'missing_ethnicity=-1': expected ERROR_TYPE=N with N a whole number, e.g. missing_ethnicity=150",
        ),
    ],
)
def test_a_bad_threshold_is_a_usage_error(workbook: Path, value: str, message: str) -> None:
    result = run("validate", str(workbook), "--max", value)
    assert result.exit_code == 2
    assert result.stderr == f"annexa-check: error: {message}\n"
    with pytest.raises(AnnexaError):
        parse_maxima([value], ["missing_ethnicity"])
