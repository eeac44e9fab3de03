"""Counts per error type over recorded runs: a table, and a chart for a board paper.

The chart needs matplotlib (the `chart` extra): it is imported only when a chart is
asked for, with the Agg backend (no display needed), and written without dates or
random ids so the same history gives the same files.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from annexa_check.errors import AnnexaError
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


def write_chart(runs: list[Run], table: pl.DataFrame, stem: Path, top: int = 9) -> list[Path]:
    """Write `stem`.png and `stem`.svg: records per error type (the `top` largest now) over the runs."""
    try:
        import matplotlib
    except ImportError:
        raise AnnexaError(
            'the chart needs matplotlib: pip install "annexa-check[chart]" (the table needs nothing more)'
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from annexa_check.outputs.files import atomic_writes

    if not runs:
        raise AnnexaError("no recorded runs to chart")
    latest = _name(runs[-1])
    shown = table.sort([latest, "error_type"], descending=[True, False]).head(top)
    labels = [f"{run.reference_date}\n(run {run.id})" for run in runs]
    with plt.rc_context({"svg.hashsalt": "annexa-check", "font.size": 9}):
        figure, axes = plt.subplots(figsize=(9, 5), dpi=120)
        for row in shown.iter_rows(named=True):
            axes.plot(labels, [row[_name(run)] for run in runs], marker="o", label=row["error_type"])
        axes.set_ylabel("Records")
        axes.set_title("Annex A dry run: records per error type")
        axes.set_ylim(bottom=0)
        axes.grid(axis="y", alpha=0.3)
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        figure.tight_layout()
        files = []
        for kind, metadata in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
            path = stem.with_suffix(f".{kind}")

            def save(target: Path, kind: str = kind, metadata: dict[str, None] = metadata) -> None:
                figure.savefig(target, format=kind, metadata=metadata)

            files.append((path, save))
        atomic_writes(files, None)  # both, or neither
        plt.close(figure)
    return [path for path, _save in files]
