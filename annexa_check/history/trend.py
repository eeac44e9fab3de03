"""Counts per error type over recorded runs: a table, and a chart for a board paper.

The chart needs matplotlib (the `chart` extra): it is imported only when a chart is
asked for, with the Agg backend (no display needed), and written without dates or
random ids so the same history gives the same files.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl

from annexa_check.errors import AnnexaError
from annexa_check.findings.table import KEY_ERROR_TYPES
from annexa_check.history.store import Run


def trend_table(runs: list[Run], counts: pl.DataFrame) -> pl.DataFrame:
    """One row per error type, one column per run (`run N`), records in each; 0 when absent."""
    ids = [run.id for run in runs]
    chosen = counts.filter(pl.col("run_id").is_in(ids))
    types = sorted(set(chosen["error_type"].to_list()))
    table = pl.DataFrame({"error_type": types}, schema={"error_type": pl.String})
    for run in runs:
        column = chosen.filter(pl.col("run_id") == run.id).select(
            "error_type", pl.col("count").alias(_name(run))
        )
        table = table.join(column, on="error_type", how="left")
    return table.fill_null(0)


def _name(run: Run) -> str:
    return f"run {run.id}"


def chart_description(runs: list[Run], table: pl.DataFrame) -> str:
    """The chart in words (its text alternative): each key error type's records, first run to last."""
    from annexa_check.report.model import type_words

    counts = {row["error_type"]: row for row in table.iter_rows(named=True)}
    first, last = runs[0], runs[-1]
    parts = [
        f"{type_words(key)}: {counts.get(key, {}).get(_name(first), 0):,} on {first.reference_date}, "
        f"{counts.get(key, {}).get(_name(last), 0):,} on {last.reference_date}"
        for key in KEY_ERROR_TYPES
    ]
    return (
        f"Records of the nine key error types in {len(runs)} recorded run{'s' if len(runs) != 1 else ''}, "
        "by reference date. " + "; ".join(parts) + "."
    )


def write_chart(runs: list[Run], table: pl.DataFrame, stem: Path) -> list[Path]:
    """Write `stem`.png and `stem`.svg: records of the nine key error types over the runs' reference dates.

    The axis is a calendar, so a month with no recorded run shows as a gap, not as the next
    point; the types are named in words; the text alternative (`chart_description`) is in
    both files' metadata.
    """
    try:
        import matplotlib
    except ImportError:
        raise AnnexaError(
            'the chart needs matplotlib: pip install "annexa-check[chart]" (the table needs nothing more)'
        ) from None
    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from annexa_check.outputs.files import atomic_writes
    from annexa_check.report.model import type_words

    if not runs:
        raise AnnexaError("no recorded runs to chart")
    counts = {row["error_type"]: row for row in table.iter_rows(named=True)}
    days = [date.fromisoformat(run.reference_date) for run in runs]
    description = chart_description(runs, table)
    title = "Annex A dry run: records of the nine key error types"
    with plt.rc_context({"svg.hashsalt": "annexa-check", "font.size": 9}):
        figure, axes = plt.subplots(figsize=(9, 5), dpi=120)
        for key in KEY_ERROR_TYPES:
            values = [counts.get(key, {}).get(_name(run), 0) for run in runs]
            axes.plot(mdates.date2num(days), values, marker="o", label=type_words(key))
        axes.xaxis.set_major_locator(mdates.MonthLocator())
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        if days[0] == days[-1]:
            axes.set_xlim(
                float(mdates.date2num(days[0] - timedelta(days=20))),
                float(mdates.date2num(days[-1] + timedelta(days=20))),
            )
        axes.set_xlabel("Reference date")
        axes.set_ylabel("Records")
        axes.set_title(title)
        axes.set_ylim(bottom=0)
        axes.grid(axis="y", alpha=0.3)
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        figure.autofmt_xdate()
        figure.tight_layout()
        files = []
        for kind, metadata in (
            ("png", {"Software": None, "Title": title, "Description": description}),
            ("svg", {"Date": None, "Creator": None, "Title": title, "Description": description}),
        ):
            path = stem.with_suffix(f".{kind}")

            def save(target: Path, kind: str = kind, metadata: dict[str, str | None] = metadata) -> None:
                figure.savefig(target, format=kind, metadata=metadata)

            files.append((path, save))
        atomic_writes(files, None)  # both, or neither
        plt.close(figure)
    return [path for path, _save in files]
