"""Month over month: which problems are new, which were resolved, which are still open.

Either side is a workbook (checked now) or a recorded run. Problems are matched by
fingerprint, so a child's problem is the same problem next month even if the rows
moved. The counts per error type and per team answer the director's question (are we
getting better, and where?); the child-level lists tell each team what to fix.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from annexa_check.findings.table import counts_by_type
from annexa_check.history import store as history
from annexa_check.history.store import Run
from annexa_check.report.change import STATUSES, Comparison, Side
from annexa_check.report.policy import Verdict, new_problems_policy

COMPARE_SUFFIXES = (".csv", ".xlsx", ".json")


def run_side(store: Path, run: Run, codes: list[str]) -> Side:
    """A recorded run as one side of a comparison, limited to the rules in `codes` (those run now),
    so a rule left out of one run does not look like problems resolved."""
    findings = history.run_findings(store, run.id).filter(pl.col("rule").is_in(codes))
    return Side(run.label, run.reference_date, findings)


def previous_run(store: Path, workbook: Path, reference_date: date) -> Run | None:
    """The run a new check of `workbook` is compared with, or None when there is none.

    A workbook's identity is its file name (as `trend --workbook` has it), so a council that
    saves each month's dry run under one name, or in a folder per month, is followed run to
    run while a shared history keeps councils apart. Of the recorded runs of that name with a
    reference date on or before this one, the latest (then the last recorded) is taken. No
    store yet means no previous run, not an error.
    """
    if not store.exists():
        return None
    when = reference_date.isoformat()
    same = [run for run in history.runs(store) if Path(run.workbook).name == workbook.name]
    earlier = [run for run in same if run.reference_date <= when]
    return max(earlier, key=lambda run: (run.reference_date, run.id), default=None)


def judge_new(comparison: Comparison, fail_on_new: str) -> Verdict:
    """Whether the problems new in the later run fail it (`compare --fail-on-new`)."""
    counts = counts_by_type(comparison.part("new")).iter_rows(named=True)
    found = {r["error_type"]: {"count": r["count"], "severity": r["severity"]} for r in counts}
    return new_problems_policy(fail_on_new).judge(found)


def write_changes(comparison: Comparison, path: Path, protect: tuple[Path, ...] = ()) -> None:
    """The child-level lists: xlsx with a summary and one sheet per status; csv with a status column."""
    from annexa_check.outputs.files import json_text, write_table_csv, write_table_xlsx, write_text

    suffix = path.suffix.lower()
    guard = next((p for p in protect if p.resolve() == path.resolve()), None)
    ordered = comparison.changes.sort("status", "list", "row", "rule", nulls_last=False)
    if suffix == ".csv":
        write_table_csv(path, ordered.columns, ordered.rows(), guard)
    elif suffix == ".xlsx":
        summary = comparison.by_error_type()
        teams = comparison.by_team()
        sheets = {
            "By error type": (summary.columns, summary.rows()),
            "By team": (teams.columns, teams.rows()),
        }
        for status, title in zip(STATUSES, ("New", "Resolved", "Still open"), strict=True):
            part = comparison.part(status).sort("list", "row", "rule", nulls_last=False)
            sheets[title] = (part.columns, part.rows())
        write_table_xlsx(path, sheets, guard)
    else:
        write_text(path, json_text(comparison.as_dict()), guard)
