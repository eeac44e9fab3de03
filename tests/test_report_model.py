"""The report model: built once per run, its `as_dict()` is the JSON summary, writers only render it."""

from __future__ import annotations

import polars as pl

from annexa_check.report.model import Report, Totals, headline_of
from annexa_check.report.policy import Policy


def test_headline_totals_and_counts_of_the_example(example_report: Report) -> None:
    assert example_report.headline == "56 errors in 13 types across 52 children; 0 lists incomplete."
    assert example_report.totals.findings == 56
    assert example_report.totals.errors == 56
    assert example_report.totals.warnings == 0
    assert example_report.totals.lists_found == 11
    assert len(example_report.counts) == 13
    assert sum(c.count for c in example_report.counts.values()) == 56
    assert example_report.counts_table.height == 13


def test_as_dict_is_the_json_summary(example_report: Report) -> None:
    document = example_report.as_dict()
    assert list(document) == [
        "schema_version",
        "tool",
        "workbook",
        "reference_date",
        "template",
        "lists",
        "ignored_sheets",
        "counts",
        "totals",
        "rules_skipped",
        "notes",
        "config",
    ]
    assert document["totals"] == {
        "findings": 56,
        "errors": 56,
        "warnings": 0,
        "error_types": 13,
        "children_with_errors": 52,
        "lists_found": 11,
        "lists_incomplete": 0,
    }
    assert document["reference_date"] == "2025-03-31"
    assert list(document["lists"]["list_1"]) == [
        "name",
        "title",
        "found",
        "sheet",
        "found_by",
        "header_row",
        "rows",
        "matched_columns",
        "missing_columns",
        "unrecognised_columns",
        "duplicate_columns",
        "problem",
    ]


def test_a_judged_report_carries_its_policy(example_report: Report) -> None:
    verdict = Policy("error", {"missing_ethnicity": 100}).judge(example_report.counts_as_dict())
    document = example_report.judged(verdict).as_dict()
    assert document["policy"]["fail_on"] == "error"
    assert document["policy"]["max"] == {"missing_ethnicity": 100}
    assert document["policy"]["passed"] is False
    assert "policy" not in example_report.as_dict()


def test_expected_values_are_computed_once_per_report(example_report: Report) -> None:
    assert example_report.exceptions is example_report.exceptions
    assert example_report.exceptions.height == 56
    assert example_report.exceptions["expected"].null_count() == 0


def test_pseudonymised_report_keeps_the_counts_and_replaces_the_ids(example_report: Report) -> None:
    hidden = example_report.with_pseudonyms(b"k" * 32)
    assert hidden.pseudonymised and not example_report.pseudonymised
    assert hidden.as_dict() == example_report.as_dict()
    original = set(example_report.findings["child_id"].drop_nulls())
    assert original and not original & set(hidden.findings["child_id"].drop_nulls())
    assert example_report.with_pseudonyms(None) is example_report


def test_counts_by_list_add_up_to_the_totals(example_report: Report) -> None:
    by_list = example_report.counts_by_list
    assert by_list["list"].to_list() == sorted(by_list["list"].to_list())
    per_type = example_report.counts_by_list_and_type
    assert per_type.group_by("list").agg(pl.col("count").sum()).sort("list")["count"].to_list() == (
        by_list["count"].to_list()
    )
    [everything] = example_report.counts_in_all_lists.iter_rows(named=True)
    assert everything == {"list": "All lists", "severity": "error", "count": 56, "children": 52}


def test_counts_by_team_keep_findings_without_a_team_apart(example_report: Report) -> None:
    teams = {
        r["team"]: (r["count"], r["children"]) for r in example_report.counts_by_team.iter_rows(named=True)
    }
    assert len(teams) == 11
    assert teams["(no team recorded)"] == (7, 7)
    assert teams["Children in Care Team 1"] == (10, 9)
    assert teams["Leaving Care Team"] == (8, 8)
    assert sum(count for count, _children in teams.values()) == 56


def test_the_headline_reads_as_english_at_one_and_in_thousands() -> None:
    """The line to paste into an email: `1 error in 1 type across 1 child`, `1,234 errors`."""
    one = Totals(
        findings=1,
        errors=1,
        warnings=0,
        error_types=1,
        children_with_errors=1,
        lists_found=1,
        lists_incomplete=1,
    )
    assert headline_of(one) == "1 error in 1 type across 1 child; 1 list incomplete."
    many = Totals(
        findings=2500,
        errors=1234,
        warnings=9,
        error_types=13,
        children_with_errors=1001,
        lists_found=11,
        lists_incomplete=0,
    )
    assert headline_of(many) == "1,234 errors in 13 types across 1,001 children; 0 lists incomplete."
    clean = Totals(
        findings=1,
        errors=0,
        warnings=1,
        error_types=0,
        children_with_errors=0,
        lists_found=11,
        lists_incomplete=0,
    )
    assert headline_of(clean) == "No errors found (1 warning); 0 lists incomplete."
