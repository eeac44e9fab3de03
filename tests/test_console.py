"""What `validate` prints, chosen by format in outputs/console.py, and the jobs the API makes of it."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from annexa_check.api.batch import Job, jobs_for
from annexa_check.outputs.console import batch_text, print_run, print_verdict, run_text
from annexa_check.outputs.files import csv_text, json_text
from annexa_check.report.model import Report
from annexa_check.report.policy import Policy
from annexa_check.settings.config import Settings


def _printed(draw) -> str:
    out = io.StringIO()
    draw(Console(file=out, width=120, no_color=True, highlight=False))
    return out.getvalue()


def test_machine_formats_are_the_writers_output(example_report: Report) -> None:
    assert run_text(example_report, "json") == json_text(example_report.as_dict())
    assert run_text(example_report, "csv") == csv_text(example_report)
    assert run_text(example_report, "markdown").startswith("### annexa-check failed: `")
    assert run_text(example_report, "junit").startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    with pytest.raises(ValueError, match="not a machine format: text"):
        run_text(example_report, "text")
    with pytest.raises(ValueError, match="not a batch format: csv"):
        batch_text({}, "csv", [], [])


def test_a_policy_that_is_not_the_default_is_printed_after_the_summary(example_report: Report) -> None:
    judged = example_report.judged(
        Policy("never", {"missing_ethnicity": 1}).judge(example_report.counts_as_dict())
    )
    assert judged.verdict is not None and not judged.verdict.passed
    text = _printed(lambda console: print_run(judged, ["Wrote out.csv"], console))
    lines = text.splitlines()
    assert lines[-3:-1] == ["Wrote out.csv", "Policy failed (--fail-on never):"]
    assert lines[-1].startswith("  missing_ethnicity: ") and lines[-1].endswith("records, more than --max 1")
    default = example_report.judged(Policy().judge(example_report.counts_as_dict()))
    assert "Policy" not in _printed(lambda console: print_run(default, [], console))


def test_a_passed_policy_says_so() -> None:
    verdict = Policy("never").judge({})
    assert _printed(lambda console: print_verdict(console, verdict)) == "Policy passed (--fail-on never).\n"


def test_a_batch_names_each_workbooks_files_after_it(tmp_path: Path) -> None:
    asked = Job(
        Path(),
        Settings(date(2025, 3, 31)),
        "auto",
        (),
        (),
        Policy(),
        outputs=(tmp_path / "exceptions.csv",),
        split_by="team",
        out_dir=tmp_path / "teams",
        report_path=tmp_path / "example_report.html",
        progress=True,
        keep_result=True,
    )
    march, april = tmp_path / "march.xlsx", tmp_path / "april.xlsx"
    [one] = jobs_for([march], asked, single=True)
    assert (one.workbook, one.outputs, one.out_dir, one.progress, one.keep_result) == (
        march,
        (tmp_path / "exceptions.csv",),
        tmp_path / "teams",
        True,
        True,
    )
    batch = jobs_for([march, april], asked, single=False)
    assert [j.outputs for j in batch] == [
        (tmp_path / "exceptions.march.csv",),
        (tmp_path / "exceptions.april.csv",),
    ]
    assert [j.out_dir for j in batch] == [tmp_path / "teams" / "march", tmp_path / "teams" / "april"]
    assert [j.report_path for j in batch] == [
        tmp_path / "example_report.march.html",
        tmp_path / "example_report.april.html",
    ]
    assert not any(j.progress or j.keep_result for j in batch)
