"""The recorded runs of the history, and their trend: what `history` and `trend` print."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from annexa_check.errors import AnnexaError
from annexa_check.history import store as history
from annexa_check.history.store import Run
from annexa_check.history.trend import trend_table


@dataclass(frozen=True)
class Trend:
    """Records per error type (one column per run) over the chosen runs, oldest first."""

    runs: list[Run]
    table: pl.DataFrame


def trend_of(store: Path, *, last: int | None = None, workbook_name: str | None = None) -> Trend:
    """The trend over the last `last` runs of workbooks named `workbook_name` (default: every run)."""
    recorded = history.runs(store)
    if workbook_name:
        recorded = [run for run in recorded if Path(run.workbook).name == workbook_name]
    if last:
        recorded = recorded[-last:]
    if not recorded:
        raise AnnexaError(f"{store}: no recorded runs{' of ' + workbook_name if workbook_name else ''}")
    return Trend(recorded, trend_table(recorded, history.run_counts(store)))
