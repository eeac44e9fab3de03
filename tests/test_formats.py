"""CI outputs: JSON valid against the published schema, JUnit one case per rule, Markdown, CSV."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from builders import write_lists, write_xlsx
from conftest import CIN_CHILD, REF, SPELLING, Month, run

from annexa_check.catalogue.spec import Spec
from example_returns.generate import generate

EXAMPLE = Path(__file__).resolve().parent.parent / "example_returns" / "example_dry_run.xlsx"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(
        (files("annexa_check") / "schemas" / "summary.schema.json").read_text(encoding="utf-8")
    )
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """List 6 only: 7 missing primary needs, 1 missing ethnicity (and 10 missing lists, warnings)."""
    rows = [{**CIN_CHILD, "child_id": f"C{n}", "primary_need": None} for n in range(1, 8)]
    rows.append({**CIN_CHILD, "child_id": "C8", "ethnicity": None})
    return write_lists(tmp_path / "small.xlsx", {"list_6": rows})


def test_real_output_validates_against_the_schema(
    validator: jsonschema.Draft202012Validator, two_months: tuple[Month, Month], tmp_path: Path
) -> None:
    clean = tmp_path / "clean.xlsx"
    generate(clean, seed=5, children=60)
    for workbook in (clean, two_months[0].path, EXAMPLE):
        result = run("validate", str(workbook), "--reference-date", REF, "--format", "json")
        report = json.loads(result.stdout)
        validator.validate(report)
        assert report["schema_version"] == "1.2"
        assert report["policy"]["passed"] is (result.exit_code == 0)
    assert (
        json.loads(
            run("validate", str(clean), "--reference-date", REF, "--format", "json", *SPELLING).stdout
        )["counts"]
        == {}
    )


def test_the_schema_rejects_a_wrong_document(validator: jsonschema.Draft202012Validator) -> None:
    report = json.loads(run("validate", str(EXAMPLE), "--reference-date", REF, "--format", "json").stdout)
    report["totals"]["errors"] = "56"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(report)
    del report["totals"]
    assert not validator.is_valid(report)


def test_junit_has_one_case_per_selected_rule(small: Path, spec: Spec) -> None:
    result = run("validate", str(small), "--reference-date", REF, "--format", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name").split()[0] for c in cases] == [r.code for r in spec.rules]
    failed = {c.get("name").split()[0]: c.find("failure") for c in cases if c.find("failure") is not None}
    assert sorted(failed) == ["CIN001", "ETH001"]
    assert (root.get("tests"), root.get("failures"), suite.get("failures")) == (
        str(len(spec.rules)),
        "2",
        "2",
    )
    need = failed["CIN001"]
    assert need.get("type") == "error"
    assert need.get("message") == "7 records, 7 children: missing_primary_need (error)"
    lines = need.text.splitlines()
    assert len(lines) == 6  # the first five records, then how many more
    assert lines[0] == (
        "List 6 row 2, child C1, Primary Need Code: Primary Need Code is blank. "
        "Record the child's latest primary need (N1-N9, or N0 if not stated)."
    )
    assert lines[-1] == "... and 2 more in the exception list"
    # warnings (the ten missing lists) do not fail the default policy: reported, not failed
    missing_list = next(c for c in cases if c.get("name").startswith("AX001"))
    assert missing_list.find("failure") is None
    assert missing_list.find("system-out").text.startswith(
        "10 records, 0 children: missing_list (warning), within the policy"
    )
    warned = ET.fromstring(
        run(
            "validate", str(small), "--reference-date", REF, "--format", "junit", "--fail-on", "warning"
        ).stdout
    )
    assert warned.get("failures") == "3"


def test_junit_counts_only_the_selected_rules_and_marks_skipped_ones(tmp_path: Path, spec: Spec) -> None:
    columns = [c for c in spec.lists["list_6"].columns_for("2023") if c.key != "primary_need"]
    row = {**CIN_CHILD, "child_id": "C1"}
    path = write_xlsx(
        tmp_path / "no_need.xlsx",
        {"List 6": [[c.header for c in columns], [row.get(c.key) for c in columns]]},
    )
    result = run("validate", str(path), "--reference-date", REF, "--format", "junit", "--select", "CIN")
    assert result.exit_code == 0
    root = ET.fromstring(result.stdout)
    cases = root.find("testsuite").findall("testcase")
    assert [c.get("name").split()[0] for c in cases] == [
        r.code for r in spec.rules if r.code.startswith("CIN")
    ]
    skipped = {
        c.get("name").split()[0]: c.find("skipped").get("message")
        for c in cases
        if c.find("skipped") is not None
    }
    assert skipped == {
        "CIN001": "List 6: column(s) not found: primary_need",
        "CIN002": "List 6: column(s) not found: primary_need",
        "CIN010": "List 6: column(s) not found: primary_need",
        "CIN017": "List 6: List 8 is not in the workbook",
    }
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == (str(len(cases)), "0", "4")


def test_markdown_summary(small: Path) -> None:
    result = run(
        "validate",
        str(small),
        "--reference-date",
        REF,
        "--format",
        "markdown",
        "--max",
        "missing_ethnicity=1",
    )
    assert result.exit_code == 1
    assert result.stdout == (
        f"### annexa-check failed: `{small}`\n"
        "\n"
        "Reference date 2025-03-31 · template 2023 · 1 of 11 lists found · policy `--fail-on error` "
        "`--max missing_ethnicity=1`\n"
        "\n"
        "**8 errors in 2 types across 8 children; 10 lists incomplete.**\n"
        "\n"
        "| Error type | Severity | Records | Children | Fails the run |\n"
        "|---|---|--:|--:|---|\n"
        "| `missing_primary_need` | error | 7 | 7 | yes |\n"
        "| `missing_ethnicity` | error | 1 | 1 | no |\n"
        "| `missing_list` | warning | 10 | 0 | no |\n"
        "\n"
        "1 rule could not run (columns missing).\n"
    )
    text = run("validate", str(small), "--reference-date", REF, "--max", "missing_ethnicity=1")
    assert "1 rule could not run (columns missing); see --format json." in text.stdout.splitlines()


def test_outputs_are_deterministic_and_match_stdout(tmp_path: Path) -> None:
    written = {
        fmt: tmp_path / f"out{suffix}"
        for fmt, suffix in (("json", ".json"), ("junit", ".xml"), ("markdown", ".md"), ("csv", ".csv"))
    }
    outputs = [arg for path in written.values() for arg in ("-o", str(path))]
    assert run("validate", str(EXAMPLE), "--reference-date", REF, "-q", *outputs).exit_code == 1
    for fmt, path in written.items():  # a second run prints what the first one wrote
        printed = run("validate", str(EXAMPLE), "--reference-date", REF, "--format", fmt)
        assert printed.exit_code == 1
        encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
        assert path.read_text(encoding=encoding).replace("\r\n", "\n") == printed.stdout.replace("\r\n", "\n")
    assert written["csv"].read_bytes().startswith(b"\xef\xbb\xbf")  # the file is for Excel; stdout is not


def test_an_unknown_output_suffix_is_refused_before_the_work(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "missing.xlsx"), "-o", "out.txt")
    assert result.exit_code == 2
    assert result.stderr == (
        "annexa-check: error: 'out.txt': --output must be a file name ending in .csv, .xlsx, .json, .xml, .md or .parquet\n"
    )


def test_github_annotations_one_per_error_type_key_types_first(tmp_path: Path) -> None:
    rows = [
        {**CIN_CHILD, "child_id": "C1", "primary_need": ""},  # missing_primary_need (key)
        {**CIN_CHILD, "child_id": "C2", "primary_need": "", "ethnicity": ""},  # + missing_ethnicity (key)
        {**CIN_CHILD, "child_id": "C3", "ethnicity": "Martian"},  # invalid_ethnicity (another error)
    ]
    workbook = write_lists(tmp_path / "cin, march: draft.xlsx", {"list_6": rows})
    result = run(
        "validate", str(workbook), "--reference-date", REF, *SPELLING, "--ignore", "missing_list",
        "--format", "github",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    file = str(workbook).replace(",", "%2C").replace(":", "%3A")
    report = json.loads(
        run("validate", str(workbook), "--reference-date", REF, *SPELLING, "--ignore", "missing_list",
            "--format", "json").stdout
    )  # fmt: skip
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert errors[:3] == [
        f"::error file={file},title=Missing primary need%3A 2 records::2 records, 2 children "
        "(missing_primary_need, error); 'annexa-check explain missing_primary_need' says what is wrong "
        "and how to fix it",
        f"::error file={file},title=Missing ethnicity%3A 1 record::1 record, 1 child (missing_ethnicity, "
        "error); 'annexa-check explain missing_ethnicity' says what is wrong and how to fix it",
        f"::error file={file},title=Invalid ethnicity%3A 1 record::1 record, 1 child (invalid_ethnicity, "
        "error); 'annexa-check explain invalid_ethnicity' says what is wrong and how to fix it",
    ]
    annotations = [line for line in result.stdout.splitlines() if not line.startswith("::notice ")]
    assert len(annotations) == len(report["counts"])  # one per error type, no more
    levels = {line.split(" ", 1)[0] for line in annotations}
    assert levels <= {"::error", "::warning"}
    totals = report["totals"]
    assert result.stdout.splitlines()[-1] == (
        f"::notice file={file},title=annexa-check failed::{totals['errors']} error records and "
        f"{totals['warnings']} warning records; {totals['children_with_errors']} children with errors; "
        f"reference date {REF}"
    )


def test_github_annotations_for_a_batch_name_the_workbook_that_could_not_be_read(tmp_path: Path) -> None:
    folder = tmp_path / "returns"
    folder.mkdir()
    write_lists(folder / "a.xlsx", {"list_6": [{**CIN_CHILD, "child_id": "C1", "primary_need": ""}]})
    (folder / "b.xlsx").write_bytes(b"not a workbook")
    result = run("validate", str(folder), "--reference-date", REF, *SPELLING, "--format", "github")
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"::error file={folder / 'a.xlsx'},title=Missing primary need%3A 1 record::")
    unread = [line for line in lines if f"file={folder / 'b.xlsx'}" in line]
    assert len(unread) == 1
    assert unread[0].startswith(f"::error file={folder / 'b.xlsx'},title=annexa-check could not check it::")
