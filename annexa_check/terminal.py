"""The terminal view of a run: what was loaded, counts by error type, the headline."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import polars as pl
from rich.console import Console
from rich.table import Table

from annexa_check.report import headline


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
    table = new_table(title, list(names.values()), numeric)
    for row in frame.iter_rows():
        table.add_row(*(f"{cell:,}" if isinstance(cell, int) else str(cell) for cell in row))
    return table


def _counts_table(title: str, counts: dict[str, dict[str, Any]]) -> Table:
    table = new_table(title, ["Error type", "Severity", "Records", "Children"], {"Records", "Children"})
    for key, c in sorted(
        counts.items(), key=lambda kv: (kv[1]["severity"] != "error", -kv[1]["count"], kv[0])
    ):
        colour = "red" if c["severity"] == "error" else "yellow"
        table.add_row(key, f"[{colour}]{c['severity']}[/]", f"{c['count']:,}", f"{c['children']:,}")
    return table


def render(report: dict[str, Any], console: Console) -> None:
    """Print a `summary()` for a person at a terminal (colour only when it is one)."""
    template = report["template"]
    console.print(
        f"[bold]annexa-check[/] {report['tool']['version']}  ·  {report['workbook']}\n"
        f"Reference date {report['reference_date']}  ·  template {template['year']} ({template['source']})"
    )

    loaded = new_table(
        "Lists loaded",
        ["List", "Sheet", "Header row", "Rows", "Missing columns", "Unrecognised"],
        right={"Header row", "Rows", "Missing columns", "Unrecognised"},
    )
    for lst in report["lists"].values():
        if not lst["found"] and lst["sheet"]:
            loaded.add_row(f"{lst['name']} {lst['title']}", lst["sheet"], "[red]not found[/]", "", "", "")
            continue
        if not lst["found"]:
            loaded.add_row(f"{lst['name']} {lst['title']}", "[yellow]not found[/]", "", "", "", "")
            continue
        missing = len(lst["missing_columns"])
        loaded.add_row(
            f"{lst['name']} {lst['title']}",
            lst["sheet"],
            str(lst["header_row"] or "-"),
            f"{lst['rows']:,}",
            f"[red]{missing}[/]" if missing else "0",
            str(len(lst["unrecognised_columns"])),
        )
    console.print(loaded)

    if report["counts"]:
        console.print(_counts_table("Findings by error type", report["counts"]))
    skipped = report["rules_skipped"]
    if skipped:
        console.print(
            f"[yellow]{len(skipped)} rule(s) could not run[/] (columns missing); see --format json."
        )
    for note in report["notes"]:
        console.print(f"[yellow]note:[/] {note}")
    style = "bold red" if report["totals"]["errors"] else "bold green"
    console.print(f"[{style}]{headline(report)}[/]")


def render_batch(document: dict[str, Any], console: Console) -> None:
    """Print a batch: one line per workbook, what was skipped, and the combined counts."""
    batch = document["batch"]
    numbers = ["Errors", "Warnings", "Children with errors"]
    table = new_table("Workbooks", ["Workbook", "Result", *numbers], numbers)
    for item in document["results"]:
        if "error" in item:
            table.add_row(item["workbook"], "[red]could not check[/]", "", "", "")
            continue
        totals = item["totals"]
        state = "[green]passed[/]" if item["policy"]["passed"] else "[red]failed[/]"
        table.add_row(
            item["workbook"],
            state,
            f"{totals['errors']:,}",
            f"{totals['warnings']:,}",
            f"{totals['children_with_errors']:,}",
        )
    console.print(table)
    for skipped in batch["skipped_files"]:
        console.print(f"[yellow]skipped:[/] {skipped['path']} ({skipped['reason']})")
    if document["counts"]:
        console.print(_counts_table("All workbooks by error type", document["counts"]))
    failed = batch["checked"] - batch["passed"]
    style = "bold red" if failed or batch["could_not_check"] else "bold green"
    console.print(
        f"[{style}]{batch['workbooks']} workbooks: {batch['passed']} passed, {failed} failed, "
        f"{batch['could_not_check']} could not be checked.[/]"
    )
