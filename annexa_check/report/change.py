"""Month over month: which problems are new, which were resolved, which are still open.

Problems are matched by fingerprint, so a child's problem is the same problem next
month even if the rows moved. The counts per error type and per team answer the
director's question (are we getting better, and where?); the child-level lists tell
each team what to fix. Either side may be a workbook checked now or a recorded run;
this module only compares findings, it never opens either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from annexa_check.findings.table import HISTORY_COLUMNS, counts_by_type

STATUSES = ("new", "resolved", "still_open")


def unallocated(by: str) -> str:
    """The label for findings with no team (or worker) recorded: Lists 1, 2, 10, 11 and blanks."""
    return f"(no {by} recorded)"


NO_TEAM = unallocated("team")


def allocation(by: str) -> pl.Expr:
    """The team or worker a finding belongs to, never confused with findings that have none.

    Blank is `unallocated(by)`; a team really named like that label (or `Unallocated`, or
    anything else) keeps its own name, and one spelled exactly like the label is quoted,
    so the two are counted, listed and written to files apart.
    """
    text = pl.col(by).str.strip_chars()
    label = unallocated(by)
    return (
        pl.when(text.is_null() | (text == ""))
        .then(pl.lit(label))
        .when(text == label)
        .then(pl.lit(f'"{label}"'))
        .otherwise(text)
    )


@dataclass(frozen=True)
class Side:
    """One side of a comparison: its findings (HISTORY_COLUMNS) and how to name it."""

    label: str
    reference_date: str
    findings: pl.DataFrame


@dataclass(frozen=True)
class Comparison:
    old: Side
    new: Side
    changes: pl.DataFrame  # HISTORY_COLUMNS + status; the newer side's row/team for still-open problems

    def part(self, status: str) -> pl.DataFrame:
        return self.changes.filter(pl.col("status") == status).drop("status")

    def by_error_type(self) -> pl.DataFrame:
        """Records per error type and status (a record counts once per error type, as in a run's counts)."""
        return self._pivot("error_type", lambda part: counts_by_type(part).select("error_type", "count"))

    def change_by_error_type(self) -> pl.DataFrame:
        """Per error type: records before and now, the change, then `by_error_type`'s split.

        Before and now are counted as a run counts them, so they match each run's own totals.
        """

        def records(side: Side, name: str) -> pl.DataFrame:
            counts = counts_by_type(side.findings)
            return counts.select("error_type", pl.col("count").cast(pl.Int64).alias(name))

        sides = pl.concat([side.findings.select("error_type", "severity") for side in (self.old, self.new)])
        severity = sides.group_by("error_type").agg(pl.col("severity").min())  # "error" before "warning"
        table = (
            severity.join(records(self.old, "previous"), on="error_type", how="left")
            .join(records(self.new, "now"), on="error_type", how="left")
            .join(self.by_error_type(), on="error_type", how="left")
            .fill_null(0)
        )
        return table.with_columns((pl.col("now") - pl.col("previous")).alias("change")).select(
            "error_type", "severity", "previous", "now", "change", *STATUSES
        )

    def by_team(self) -> pl.DataFrame:
        """Findings per team and status (the team as recorded on the side the problem was seen)."""

        def count(part: pl.DataFrame) -> pl.DataFrame:
            return part.group_by(allocation("team").alias("team")).agg(pl.len().cast(pl.Int64).alias("count"))

        return self._pivot("team", count)

    def _pivot(self, key: str, count: Callable[[pl.DataFrame], pl.DataFrame]) -> pl.DataFrame:
        columns = [
            count(self.part(status)).select(pl.col(key), pl.col("count").cast(pl.Int64).alias(status))
            for status in STATUSES
        ]
        table = columns[0]
        for other in columns[1:]:
            table = table.join(other, on=key, how="full", coalesce=True)
        return table.fill_null(0).sort(key)

    def as_dict(self) -> dict[str, Any]:
        """The comparison for scripts: both sides, totals, per error type and per team."""
        return {
            "old": {"label": self.old.label, "reference_date": self.old.reference_date},
            "new": {"label": self.new.label, "reference_date": self.new.reference_date},
            "totals": {status: self.part(status).height for status in STATUSES},
            "by_error_type": {r.pop("error_type"): r for r in self.by_error_type().iter_rows(named=True)},
            "by_team": {r.pop("team"): r for r in self.by_team().iter_rows(named=True)},
        }


def compare(old: Side, new: Side) -> Comparison:
    """Match the two sides' findings by fingerprint."""
    before, after = old.findings.select(HISTORY_COLUMNS), new.findings.select(HISTORY_COLUMNS)
    changes = pl.concat(
        [
            after.join(before, on="fingerprint", how="anti").with_columns(pl.lit("new").alias("status")),
            before.join(after, on="fingerprint", how="anti").with_columns(pl.lit("resolved").alias("status")),
            after.join(before, on="fingerprint", how="semi").with_columns(
                pl.lit("still_open").alias("status")
            ),
        ]
    )
    return Comparison(old, new, changes.select("status", *HISTORY_COLUMNS))
