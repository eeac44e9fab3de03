"""What `validate` and `compare` print on stdout: one run, a batch or a comparison, as asked.

The command line only chooses; everything printed is rendered here from the report
model (one run) or the batch document (several), never from the workbook again.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.console import Console

from annexa_check.outputs import formats
from annexa_check.outputs.files import csv_text, json_text
from annexa_check.outputs.terminal import frame_table, render, render_batch
from annexa_check.report.change import Comparison
from annexa_check.report.model import Report
from annexa_check.report.policy import Verdict

MACHINE_FORMATS = ("json", "csv", "junit", "markdown")


def stdout_console() -> Console:
    """The console for people; piped to a log or file, it need not wrap at 80 columns."""
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)
    return console


def run_text(report: Report, fmt: str) -> str:
    """One run for a script or CI: the JSON summary, the CSV exception list, JUnit XML or Markdown."""
    if fmt == "json":
        return json_text(report.as_dict())
    if fmt == "csv":
        return csv_text(report)
    if fmt == "junit":
        return formats.junit(report)
    if fmt == "markdown":
        return formats.markdown(report)
    raise ValueError(f"not a machine format: {fmt}")


def print_run(report: Report, lines: list[str], console: Console) -> None:
    """One run for a person: the summary, the files written, and the policy when it is not the default."""
    render(report, console)
    for line in lines:
        console.print(line)
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
        return formats.junit_document(suites)
    if fmt == "markdown":
        return formats.markdown_batch(document, parts)
    raise ValueError(f"not a batch format: {fmt}")


def print_batch(document: dict[str, Any], lines: list[str], console: Console) -> None:
    """A batch for a person: one line per workbook, the combined counts, then the files written."""
    render_batch(document, console)
    for line in lines:
        console.print(line)


def print_comparison(comparison: Comparison, written: Iterable[Path], console: Console) -> None:
    """A comparison for a person: both sides, per error type and per team, totals, the files written."""
    totals = comparison.as_dict()["totals"]
    console.print(f"[bold]{comparison.old.label}[/] → [bold]{comparison.new.label}[/]")
    for title, table in (("By error type", comparison.by_error_type()), ("By team", comparison.by_team())):
        console.print(frame_table(title, table))
    console.print(
        f"[bold]{totals['new']} new, {totals['resolved']} resolved, {totals['still_open']} still open.[/]"
    )
    for path in written:
        console.print(f"Wrote {path}")
