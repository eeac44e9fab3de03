"""The terminal view of a run: a progress bar while it works, then the lists, findings by list, headline."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from annexa_check.engine.check import Progress as ProgressCallback
from annexa_check.errors import printable
from annexa_check.report.model import Report
from annexa_check.version import __version__

PROGRESS_DELAY = 0.5  # seconds: a check quicker than this shows no bar at all


def shown(text: object) -> str:
    """User data (a path, sheet, team or header) as console markup that prints exactly as written.

    Every place the terminal view echoes something from a workbook, a path or a settings file
    goes through here: one line, no control characters, and brackets that rich would read as
    markup (`[/]`, `[bold]`) kept literally.
    """
    return escape(printable(text))


def new_table(title: str, columns: Sequence[str], right: Collection[str] = ()) -> Table:
    """A table in the one house style; columns named in `right` (numbers) are right-aligned."""
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for name in columns:
        table.add_column(name, justify="right" if name in right else "left")
    return table


def frame_table(title: str, frame: pl.DataFrame) -> Table:
    """A polars frame as a table: headings from the column names, numbers right-aligned."""
    names = {c: c.replace("_", " ").capitalize() for c in frame.columns}
    numeric = {names[c] for c, dtype in frame.schema.items() if dtype.is_numeric()}
    table = new_table(shown(title), list(names.values()), numeric)
    for row in frame.iter_rows():
        table.add_row(*(f"{cell:,}" if isinstance(cell, int) else shown(cell) for cell in row))
    return table


def _counts_table(title: str, counts: dict[str, dict[str, Any]]) -> Table:
    table = new_table(title, ["Error type", "Severity", "Records", "Children"], {"Records", "Children"})
    for key, c in sorted(
        counts.items(), key=lambda kv: (kv[1]["severity"] != "error", -kv[1]["count"], kv[0])
    ):
        colour = "red" if c["severity"] == "error" else "yellow"
        table.add_row(shown(key), f"[{colour}]{c['severity']}[/]", f"{c['count']:,}", f"{c['children']:,}")
    return table


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[ProgressCallback | None]:
    """A progress callback drawing a bar on stderr, only on a terminal and only once work takes a moment.

    Nothing is drawn when stderr is piped (logs, CI) or for a quick check; the bar
    disappears when the work is done, so the summary reads the same either way.
    """
    own = _own_terminal()
    console = Console(stderr=True) if own is None else Console(file=own)
    if not enabled or not console.is_terminal:
        if own is not None:
            own.close()
        yield None
        return
    bar = Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = bar.add_task("Starting", total=None)
    lock = threading.Lock()
    state = {"shown": False, "finished": False}

    def show() -> None:
        with lock:
            if not state["finished"]:
                bar.start()
                state["shown"] = True

    timer = threading.Timer(PROGRESS_DELAY, show)
    timer.daemon = True

    def update(step: str, done: int, total: int) -> None:
        bar.update(task, description=step, completed=done, total=total)

    timer.start()
    try:
        yield update
    finally:
        timer.cancel()
        with lock:
            state["finished"] = True
            if state["shown"]:
                bar.stop()
        if own is not None:
            own.close()


def _own_terminal() -> TextIO | None:
    """A copy of stderr's descriptor for the bar alone: while the reader runs, descriptor 2
    itself points elsewhere (read/loader.py keeps the reader's panic text off the terminal)."""
    try:
        return os.fdopen(os.dup(sys.stderr.fileno()), "w", encoding=sys.stderr.encoding or "utf-8")
    except (AttributeError, OSError, ValueError):  # stderr is not a file (a notebook, a test's capture)
        return None


def render(report: Report, console: Console) -> None:
    """Print a run (its lists, findings grouped by list, headline) for a person at a terminal.

    Colour only when it is one: rich drops the styles when output is piped.
    """
    console.print(
        f"[bold]annexa-check[/] {__version__}  ·  {shown(report.workbook)}\n"
        f"Reference date {report.reference_date.isoformat()}  ·  "
        f"template {report.template} ({report.template_source})"
    )
    lead = report.extract_lead
    if lead is not None:
        console.print(f"[bold red]{shown(lead)}[/]")
        for f in report.extract_faults.iter_rows(named=True):
            console.print(f"  {shown(f['list'])}, {shown(f['column'])}: {shown(f['message'])}")

    loaded = new_table(
        "Lists loaded",
        ["List", "Sheet", "Header row", "Rows", "Missing columns", "Unrecognised"],
        right={"Header row", "Rows", "Missing columns", "Unrecognised"},
    )
    for lst in report.lists.values():
        if not lst.found and lst.sheet:
            loaded.add_row(f"{lst.name} {lst.title}", shown(lst.sheet), "[red]not found[/]", "", "", "")
            continue
        if not lst.found:
            loaded.add_row(f"{lst.name} {lst.title}", "[yellow]not found[/]", "", "", "", "")
            continue
        missing = len(lst.missing_columns)
        loaded.add_row(
            f"{lst.name} {lst.title}",
            shown(lst.sheet),
            str(lst.header_row or "-"),
            f"{lst.rows:,}",
            f"[red]{missing}[/]" if missing else "0",
            str(len(lst.unrecognised_columns)),
        )
    console.print(loaded)
    if report.config:
        render_config(report.config, console)

    if report.findings.height:
        console.print(_by_list(report))
    if report.skipped:
        n = len(report.skipped)
        console.print(
            f"[yellow]{n} rule{'s' if n != 1 else ''} could not run[/] (columns missing); see --format json."
        )
    for note in report.notes:
        console.print(f"[yellow]note:[/] {shown(note)}")
    style = "bold red" if report.totals.errors else "bold green"
    console.print(f"[{style}]{report.headline}[/]")


def render_batch(document: dict[str, Any], console: Console) -> None:
    """Print a batch: one line per workbook, what was skipped, and the combined counts."""
    batch = document["batch"]
    numbers = ["Errors", "Warnings", "Children with errors"]
    table = new_table("Workbooks", ["Workbook", "Result", *numbers], numbers)
    for item in document["results"]:
        if "error" in item:
            table.add_row(shown(item["workbook"]), "[red]could not check[/]", "", "", "")
            continue
        totals = item["totals"]
        state = "[green]passed[/]" if item["policy"]["passed"] else "[red]failed[/]"
        table.add_row(
            shown(item["workbook"]),
            state,
            f"{totals['errors']:,}",
            f"{totals['warnings']:,}",
            f"{totals['children_with_errors']:,}",
        )
    console.print(table)
    for skipped in batch["skipped_files"]:
        console.print(f"[yellow]skipped[/] {shown(skipped['path'])}: {skipped['reason']}")
    if document["counts"]:
        console.print(_counts_table("All workbooks by error type", document["counts"]))
    failed = batch["checked"] - batch["passed"]
    style = "bold red" if failed or batch["could_not_check"] else "bold green"
    console.print(
        f"[{style}]{batch['workbooks']} workbooks at reference date {document['reference_date']}: "
        f"{batch['passed']} passed, {failed} failed, {batch['could_not_check']} could not be checked.[/]"
    )


def _by_list(report: Report) -> Table:
    """Findings grouped by list: per list its records and distinct children, then each error type in it."""
    titles = {lst.name: lst.title for lst in report.lists.values()}
    order = {lst.name: i for i, lst in enumerate(report.lists.values())}
    per_list = report.counts_by_list
    per_type = report.counts_by_list_and_type
    table = Table(title="Findings by list", title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("List / error type")
    table.add_column("Severity")
    table.add_column("Records", justify="right")  # the word the headline, Markdown and JSON use
    table.add_column("Children", justify="right")
    everything = report.counts_in_all_lists
    groups = sorted(per_list.iter_rows(named=True), key=lambda r: order.get(r["list"], 99))
    for lst in [*groups, *everything.iter_rows(named=True)]:
        name = lst["list"]
        if name == "All lists":
            table.add_section()
            types = report.counts_table
        else:
            types = per_type.filter(pl.col("list") == name)
        table.add_row(
            f"[bold]{name} {titles.get(name, '')}[/]",
            "",
            f"[bold]{lst['count']:,}[/]",
            f"[bold]{lst['children']:,}[/]",
        )
        for c in types.sort(["severity", "count", "error_type"], descending=[False, True, False]).iter_rows(
            named=True
        ):
            colour = "red" if c["severity"] == "error" else "yellow"
            table.add_row(
                f"  {c['error_type']}",
                f"[{colour}]{c['severity']}[/]",
                f"{c['count']:,}",
                f"{c['children']:,}",
            )
    return table


def render_config(config: dict[str, Any], console: Console) -> None:
    """What the council's settings file changed: a value read through a synonym is never silent."""
    console.print(f"Settings from {printable(config['file'])}", markup=False)
    lines = [
        f"  {h['list']}: header '{h['header']}' read as {h['column']}" for h in config["header_aliases_used"]
    ]
    lines += [
        f"  {s['list']} {s['column']}: '{s['synonym']}' read as {s['code']} "
        f"in {s['cells']:,} cell{'s' if s['cells'] != 1 else ''}"
        for s in config["synonyms_applied"]
    ]
    if config["severity"]:
        lines.append("  severity: " + ", ".join(f"{k} = {v}" for k, v in config["severity"].items()))
    for key in ("select", "ignore"):
        if config[key]:
            lines.append(f"  {key}: {', '.join(config[key])}")
    if config["reference_date"]:
        lines.append(f"  reference date: {config['reference_date']}")
    for line in lines:
        console.print(printable(line), markup=False, highlight=False)
