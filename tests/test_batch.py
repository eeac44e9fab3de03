"""Several workbooks in one run: a folder or a list, one combined summary, per-workbook results."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from conftest import REF, REFERENCE_DATE, SPELLING, Month, run

from annexa_check.api.batch import Job, expand, run_batch
from annexa_check.read.safety import Limits
from annexa_check.settings.config import Settings


def test_a_folder_of_workbooks(two_months: tuple[Month, Month], tmp_path: Path) -> None:
    folder = tmp_path / "partnership"
    folder.mkdir()
    for month in two_months:
        shutil.copy(month.path, folder / month.path.name)
    (folder / "~$march.xlsx").write_bytes(b"lock")
    (folder / ".hidden.xlsx").write_bytes(b"hidden")
    (folder / "broken.xlsx").write_bytes(b"not a workbook at all")
    (folder / "notes.txt").write_text("minutes", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    result = run(
        "validate",
        str(folder),
        "--reference-date",
        REF,
        *SPELLING,
        "--jobs",
        "2",  # the process pool itself (a batch this small would otherwise run in one process)
        "--format",
        "json",
        "-o",
        str(out / "exceptions.csv"),
    )
    assert result.exit_code == 2  # one workbook could not be read; the others were still checked
    assert result.stderr.startswith(f"annexa-check: error: {folder / 'broken.xlsx'}: ")
    assert len(result.stderr.splitlines()) == 1
    document = json.loads(result.stdout)
    schema = json.loads(
        (files("annexa_check") / "schemas" / "summary.schema.json").read_text(encoding="utf-8")
    )
    jsonschema.validate(document, schema)
    assert document["batch"] == {
        "workbooks": 3,
        "checked": 2,
        "could_not_check": 1,
        "passed": 0,
        "skipped_files": [
            {"path": str(folder / ".hidden.xlsx"), "reason": "hidden file"},
            {"path": str(folder / "notes.txt"), "reason": "not a workbook"},
            {
                "path": str(folder / "~$march.xlsx"),
                "reason": "Excel lock file (the workbook is open in Excel)",
            },
        ],
    }
    assert [r["workbook"] for r in document["results"]] == [
        str(folder / n) for n in ("april.xlsx", "broken.xlsx", "march.xlsx")
    ]
    assert document["results"][1]["error"] == result.stderr.removeprefix("annexa-check: error: ").rstrip("\n")
    assert document["counts"] == {
        "missing_closure_reason": {"count": 4, "children": 4, "severity": "error"},
        "missing_ethnicity": {"count": 3, "children": 3, "severity": "error"},
        "missing_placement_location": {"count": 6, "children": 6, "severity": "error"},
        "missing_primary_need": {"count": 10, "children": 10, "severity": "error"},
    }
    assert document["totals"] == {"findings": 23, "errors": 23, "warnings": 0, "children_with_errors": 23}
    assert sorted(p.name for p in out.iterdir()) == ["exceptions.april.csv", "exceptions.march.csv"]
    assert len((out / "exceptions.march.csv").read_text(encoding="utf-8-sig").splitlines()) == 1 + 11


def test_a_list_of_workbooks_as_junit(two_months: tuple[Month, Month], tmp_path: Path) -> None:
    missing = tmp_path / "gone.xlsx"
    paths = [str(m.path) for m in two_months]
    result = run(
        "validate",
        *paths,
        str(missing),
        "--reference-date",
        REF,
        *SPELLING,
        "--format",
        "junit",
        "--select",
        "CIN001,CIN003",
    )
    assert result.exit_code == 2
    root = ET.fromstring(result.stdout)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "annexa-check march.xlsx",
        "annexa-check april.xlsx",
        f"annexa-check {missing}",
    ]
    assert [(s.get("tests"), s.get("failures"), s.get("errors")) for s in suites] == [
        ("2", "2", "0"),
        ("2", "2", "0"),
        ("1", "0", "1"),
    ]
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "4", "1")


def test_a_text_summary_and_csv_refused(two_months: tuple[Month, Month]) -> None:
    paths = [str(m.path) for m in two_months]
    result = run(
        "validate",
        *paths,
        "--reference-date",
        REF,
        *SPELLING,
        "--max",
        "missing_primary_need=4",
        "--max",
        "missing_placement_location=3",
        "--max",
        "missing_closure_reason=2",
        "--max",
        "missing_ethnicity=3",
    )
    assert result.exit_code == 1  # march has 6 missing primary needs
    assert result.stdout.splitlines()[-1] == (
        f"2 workbooks at reference date {REF}: 1 passed, 1 failed, 0 could not be checked."
    )
    markdown = run("validate", *paths, "--reference-date", REF, *SPELLING, "--format", "markdown")
    assert markdown.stdout.splitlines()[0] == (
        f"## annexa-check: 2 workbooks at reference date {REF}, 0 passed, 2 failed, 0 could not be checked"
    )
    refused = run("validate", *paths, "--format", "csv")
    assert refused.exit_code == 2
    assert (
        refused.stderr
        == "annexa-check: error: --format csv prints one exception list; for several workbooks use -o exceptions.csv\n"
    )


def test_expand_searches_one_folder_level(tmp_path: Path) -> None:
    (tmp_path / "b.XLSX").write_bytes(b"")
    (tmp_path / "a.xlsm").write_bytes(b"")
    (tmp_path / "older").mkdir()
    named = tmp_path / "elsewhere.xlsx"
    assert expand([tmp_path, named]) == (
        [tmp_path / "a.xlsm", tmp_path / "b.XLSX", named],
        [(tmp_path / "older", "folder (sub-folders are not searched)")],
    )


# ---------------------------------------------------------------------------- one workbook cannot sink the run


JSON_JOBS = ("--format", "json", "--jobs")


def _jobs(paths: list[Path], limits: Limits | None = None) -> list[Job]:
    from annexa_check.report.policy import Policy

    return [
        Job(
            path,
            Settings(REFERENCE_DATE, limits=limits or Limits()),
            "auto",
            (),
            ("non_standard_code",),
            Policy("error", {}),
        )
        for path in paths
    ]


def test_a_worker_that_dies_costs_only_its_workbook(two_months: tuple[Month, Month], tmp_path: Path) -> None:
    """A check that kills its process (here: a memory limit no check fits in) is one line; the rest stand."""
    march, april = (m.path for m in two_months)
    doomed = tmp_path / "doomed.xlsx"
    shutil.copy(march, doomed)
    jobs = _jobs([march, doomed, april])
    # Under a 1 MB cap a spawned worker usually dies at once, but now and then hangs at start-up
    # instead; its time limit stops it, and either way it costs only its own workbook.
    doomed_limits = Limits(max_memory_mb=1, max_seconds=30)
    jobs[1] = replace(jobs[1], settings=Settings(REFERENCE_DATE, limits=doomed_limits))
    for workers in (1, 2):
        outcomes = run_batch(jobs, workers)
        assert [o.error is None for o in outcomes] == [True, False, True]
        assert [o.report["totals"]["errors"] for o in (outcomes[0], outcomes[2])] == [11, 12]  # type: ignore[index]
        error = outcomes[1].error or ""
        assert error.startswith(f"{doomed}: ") and "\n" not in error
        assert "1 MB" in error or "longer than the 30-second limit" in error


def test_a_worker_past_the_time_limit_is_stopped(two_months: tuple[Month, Month]) -> None:
    march, april = (m.path for m in two_months)
    jobs = _jobs([march, april])
    jobs[0] = replace(jobs[0], settings=Settings(REFERENCE_DATE, limits=Limits(max_seconds=0)))
    outcomes = run_batch(jobs, 1)
    assert outcomes[0].error == (
        f"{march}: checking it took longer than the 0-second limit and was stopped; "
        "the workbook is far larger or more complex than an Annex A return; if it is genuine, raise the limit "
        "with max_seconds under [limits] in the settings file"
    )
    assert outcomes[1].error is None and outcomes[1].report is not None


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_folder_with_hostile_workbooks_survives(
    two_months: tuple[Month, Month], tmp_path: Path, jobs: str
) -> None:
    """As a user runs it (its own process): the hostile files are one line each, the good ones are checked."""
    from test_hostile_read import HEADER, xlsx

    folder = tmp_path / "partnership"
    folder.mkdir()
    for month in two_months:
        shutil.copy(month.path, folder / month.path.name)
    xlsx(folder / "far.xlsx", HEADER + "<row r='1048576'><c r='XFD1048576'/></row>")
    strings = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="4294967295"/>'
    )
    xlsx(folder / "strings.xlsx", HEADER, extra={"xl/sharedStrings.xml": strings})
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "annexa_check",
            "validate",
            str(folder),
            "--reference-date",
            REF,
            *SPELLING,
            *JSON_JOBS,
            jobs,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"annexa-check: error: {folder / 'far.xlsx'}: sheet 'List_6' spans A1:XFD1048576 (17,179,869,184 cells), "
        "above the 50,000,000-cell limit; delete the stray cells far from the data (Ctrl+End in Excel shows "
        "the last one) and save again, or raise the limit with max_sheet_cells under [limits] in the settings file",
        f"annexa-check: error: {folder / 'strings.xlsx'}: the shared strings table declares 4,294,967,295 "
        "entries (uniqueCount), above the 50,000,000-entry limit; refused as unsafe to open; if it is genuine, "
        "raise the limit with max_strings under [limits] in the settings file",
    ]
    document = json.loads(done.stdout)
    assert document["batch"]["checked"] == 2 and document["batch"]["could_not_check"] == 2
    assert document["totals"]["errors"] == 23


def test_skipped_files_are_one_plain_line_each(tmp_path: Path) -> None:
    """`skipped PATH: REASON`, the reason's own brackets not nested inside another pair."""
    from builders import CHILD, write_lists

    folder = tmp_path / "returns"
    folder.mkdir()
    write_lists(folder / "march.xlsx", {"list_6": [{**CHILD, "child_id": "C1"}]})
    (folder / "~$march.xlsx").write_bytes(b"lock")
    (folder / "notes.txt").write_text("minutes", encoding="utf-8")
    result = run("validate", str(folder), "--reference-date", REF, "--no-config", "--select", "ETH001")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())  # the terminal wraps long paths
    assert f"skipped {folder / 'notes.txt'}: not a workbook skipped " in text
    assert f"skipped {folder / '~$march.xlsx'}: Excel lock file (the workbook is open in Excel) " in text
