"""What the commands print on stdout: one run, a batch, a comparison, the recorded runs, a trend.

The command line only chooses; everything printed is rendered here from the report
model (one run) or the batch document (several), never from the workbook again.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import polars as pl

from annexa_check.errors import decodable
from annexa_check.outputs import formats
from annexa_check.outputs.files import csv_text, json_text
from annexa_check.report.change import Comparison
from annexa_check.report.model import Report
from annexa_check.report.policy import Verdict

if TYPE_CHECKING:  # the terminal library only for people: a script's JSON or CSV never imports it
    from rich.console import Console


class Run(Protocol):
    """A recorded run as the history gives it (history.store.Run): printed, never opened here."""

    @property
    def id(self) -> int: ...
    @property
    def workbook(self) -> str: ...
    @property
    def reference_date(self) -> str: ...


def stdout_console() -> Console:
    """The console for people; piped to a log or file, it need not wrap at 80 columns."""
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=120)
    return console


def run_text(report: Report, fmt: str) -> str:
    """One run for a script or CI: the JSON summary, the CSV exception list, JUnit XML or Markdown."""
    if fmt == "json":
        return json_text(report.as_dict())
    if fmt == "csv":
        return decodable(csv_text(report))
    if fmt == "junit":
        return decodable(formats.junit(report))
    if fmt == "markdown":
        return decodable(formats.markdown(report))
    if fmt == "github":
        return decodable(formats.github(report.as_dict()))
    raise ValueError(f"not a machine format: {fmt}")


def print_run(report: Report, lines: list[str], console: Console) -> None:
    """One run for a person: the summary, the files written, and the policy when it is not the default."""
    from annexa_check.outputs.terminal import render, shown

    render(report, console)
    for line in lines:
        console.print(shown(line))
    verdict = report.verdict
    if verdict is not None and (verdict.maxima or verdict.fail_on != "error"):
        print_verdict(console, verdict)


def print_verdict(console: Console, verdict: Verdict) -> None:
    if verdict.passed:
        console.print(f"[bold green]Policy passed[/] (--fail-on {verdict.fail_on}).")
        return
    console.print(f"[bold red]Policy failed[/] (--fail-on {verdict.fail_on}):")
    for reason in verdict.reasons:
        console.print(f"  {reason}")


def batch_text(document: dict[str, Any], fmt: str, suites: list[ET.Element], parts: list[str]) -> str:
    """A batch for a script or CI: the combined JSON, one JUnit file of every suite, or Markdown."""
    if fmt == "json":
        return json_text(document)
    if fmt == "junit":
        return decodable(formats.junit_document(suites))
    if fmt == "markdown":
        return decodable(formats.markdown_batch(document, parts))
    if fmt == "github":
        return decodable(formats.github(document))
    raise ValueError(f"not a batch format: {fmt}")


def print_batch(document: dict[str, Any], lines: list[str], console: Console) -> None:
    """A batch for a person: one line per workbook, the combined counts, then the files written."""
    from annexa_check.outputs.terminal import render_batch, shown

    render_batch(document, console)
    for line in lines:
        console.print(shown(line))


def print_comparison(comparison: Comparison, written: Iterable[Path], console: Console) -> None:
    """A comparison for a person: both sides, per error type and per team, totals, the files written."""
    from annexa_check.outputs.terminal import frame_table, shown

    totals = comparison.as_dict()["totals"]
    console.print(f"[bold]{shown(comparison.old.label)}[/] → [bold]{shown(comparison.new.label)}[/]")
    for title, table in (("By error type", comparison.by_error_type()), ("By team", comparison.by_team())):
        console.print(frame_table(title, table))
    console.print(
        f"[bold]{totals['new']:,} new, {totals['resolved']:,} resolved, "
        f"{totals['still_open']:,} still open.[/]"
    )
    for path in written:
        console.print(f"Wrote {shown(path)}")


def runs_json(store: Path, runs: Sequence[Run]) -> str:
    """The recorded runs for a script."""
    return json_text({"history": str(store), "runs": [vars(run) for run in runs]})


def print_runs(store: Path, runs: Sequence[Run], columns: list[str], console: Console) -> None:
    """The recorded runs for a person: a table (`columns`, less the version and template), oldest first."""
    from annexa_check.outputs.terminal import frame_table

    frame = pl.DataFrame([vars(run) for run in runs], schema=columns)
    console.print(frame_table(f"Runs recorded in {store}", frame.drop("tool_version", "template")))


def trend_text(runs: Sequence[Run], table: pl.DataFrame, fmt: str) -> str:
    """A trend for a script: JSON (the runs, then records per error type and run) or the table as CSV."""
    if fmt == "csv":
        return table.write_csv()
    if fmt == "json":
        chosen = [{"id": r.id, "workbook": r.workbook, "reference_date": r.reference_date} for r in runs]
        counts = {row.pop("error_type"): row for row in table.iter_rows(named=True)}
        return json_text({"runs": chosen, "counts": counts})
    raise ValueError(f"not a trend format: {fmt}")


def print_trend(runs: Sequence[Run], table: pl.DataFrame, console: Console) -> None:
    """A trend for a person: records per error type and run, then which run is which."""
    from annexa_check.outputs.terminal import frame_table, shown

    console.print(frame_table("Records per error type", table))
    for run in runs:
        console.print(f"run {run.id}: {shown(Path(run.workbook).name)}, reference date {run.reference_date}")
