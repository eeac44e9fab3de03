"""The one account of a run, built from the findings table and the load report.

`summary()` is the machine-readable document (`--format json`); the terminal, Markdown
and HTML views render the same numbers. Nothing here looks at the workbook again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from annexa_check.catalogue.spec import SEVERITIES
from annexa_check.engine.check import CheckResult
from annexa_check.findings.table import distinct_people
from annexa_check.version import __version__

if TYPE_CHECKING:
    from annexa_check.report.policy import Verdict


SCHEMA_VERSION = "1.1"


def summary(result: CheckResult, verdict: Verdict | None = None) -> dict[str, Any]:
    """The run as one JSON-ready object (schema in schemas/summary.schema.json, documented in the README).

    With a verdict, the exit policy and its outcome are included, so a pipeline can read why it failed.
    """
    counts = {
        row["error_type"]: {"count": row["count"], "children": row["children"], "severity": row["severity"]}
        for row in result.counts().iter_rows(named=True)
    }
    findings = result.findings
    lists = {}
    for key, loaded in result.workbook.lists.items():
        expected = loaded.spec.columns_for(result.template)
        lists[key] = {
            "name": loaded.spec.name,
            "title": loaded.spec.title,
            "found": loaded.present,
            "sheet": loaded.sheet,
            "found_by": loaded.found_by,
            "header_row": loaded.header_row,
            "rows": loaded.rows,
            "matched_columns": dict(loaded.matched),
            "missing_columns": [c.header for c in expected if loaded.present and c.key not in loaded.matched],
            "unrecognised_columns": loaded.unrecognised,
            "duplicate_columns": [f"{header} (column {letter})" for _, header, letter in loaded.duplicates],
            "problem": loaded.problem,
        }
    errors = findings.filter(pl.col("severity") == "error")
    by_severity = {
        severity: sum(c["count"] for c in counts.values() if c["severity"] == severity)
        for severity in SEVERITIES
    }
    report = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "annexa-check", "version": __version__},
        "workbook": str(result.workbook.path),
        "reference_date": result.reference_date.isoformat(),
        "template": {"year": result.template, "source": result.template_source},
        "lists": lists,
        "ignored_sheets": result.workbook.ignored_sheets,
        "counts": counts,
        "totals": {
            "findings": findings.height,
            "errors": by_severity["error"],
            "warnings": by_severity["warning"],
            "error_types": sum(1 for c in counts.values() if c["severity"] == "error"),
            "children_with_errors": distinct_people(errors),
            "lists_found": sum(1 for lst in lists.values() if lst["found"]),
            "lists_incomplete": sum(
                1 for lst in lists.values() if not lst["found"] or lst["missing_columns"]
            ),
        },
        "rules_skipped": [{"rule": s.rule, "list": s.list, "reason": s.reason} for s in result.skipped],
        "notes": result.workbook.notes,
        "config": result.config,
    }
    if verdict is not None:
        report["policy"] = verdict.as_dict()
    return report


def headline(report: dict[str, Any]) -> str:
    """The sentence a data officer pastes into an email, from a `summary()`."""
    data = report["totals"]
    lists = f"{data['lists_incomplete']} list{'s' if data['lists_incomplete'] != 1 else ''} incomplete"
    if data["errors"] == 0:
        warn = f"{data['warnings']} warning{'s' if data['warnings'] != 1 else ''}"
        return f"No errors found ({warn}); {lists}."
    return (
        f"{data['errors']} errors in {data['error_types']} types across "
        f"{data['children_with_errors']} children; {lists}."
    )
