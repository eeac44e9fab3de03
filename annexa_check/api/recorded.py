"""The history from the API: runs recorded (`validate --record`), and their trend (`trend`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from annexa_check.errors import AnnexaError
from annexa_check.history import store as history
from annexa_check.history.store import Run
from annexa_check.history.trend import trend_table

if TYPE_CHECKING:
    from annexa_check.api.batch import Outcome


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


def record_outcomes(store: Path, outcomes: Iterable[Outcome]) -> None:
    """Record each workbook that was checked (its summary and its findings, as written) in `store`."""
    for outcome in outcomes:
        if outcome.report is not None and outcome.findings is not None:
            history.record(store, outcome.report, outcome.findings)
