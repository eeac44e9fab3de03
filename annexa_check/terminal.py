"""The terminal view of a run: what was loaded, counts by error type, the headline."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from annexa_check.report import headline


def render(report: dict[str, Any], console: Console) -> None:
    """Print a `summary()` for a person at a terminal (colour only when it is one)."""
    template = report["template"]
    console.print(
        f"[bold]annexa-check[/] {report['tool']['version']}  ·  {report['workbook']}\n"
        f"Reference date {report['reference_date']}  ·  template {template['year']} ({template['source']})"
    )

    loaded = Table(title="Lists loaded", title_justify="left", show_edge=False, pad_edge=False)
    for name, justify in (
        ("List", "left"),
        ("Sheet", "left"),
        ("Header row", "right"),
        ("Rows", "right"),
        ("Missing columns", "right"),
        ("Unrecognised", "right"),
    ):
        loaded.add_column(name, justify=justify)  # type: ignore[arg-type]
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

    counts = sorted(
        report["counts"].items(), key=lambda kv: (kv[1]["severity"] != "error", -kv[1]["count"], kv[0])
    )
    if counts:
        table = Table(title="Findings by error type", title_justify="left", show_edge=False, pad_edge=False)
        table.add_column("Error type")
        table.add_column("Severity")
        table.add_column("Records", justify="right")
        table.add_column("Children", justify="right")
        for key, c in counts:
            colour = "red" if c["severity"] == "error" else "yellow"
            table.add_row(key, f"[{colour}]{c['severity']}[/]", f"{c['count']:,}", f"{c['children']:,}")
        console.print(table)
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
    table = Table(title="Workbooks", title_justify="left", show_edge=False, pad_edge=False)
    for name, justify in (
        ("Workbook", "left"),
        ("Result", "left"),
        ("Errors", "right"),
        ("Warnings", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    table.add_column("Children with errors", justify="right")
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
        counts = Table(
            title="All workbooks by error type", title_justify="left", show_edge=False, pad_edge=False
        )
        counts.add_column("Error type")
        counts.add_column("Severity")
        counts.add_column("Records", justify="right")
        counts.add_column("Children", justify="right")
        for key, c in sorted(document["counts"].items(), key=lambda kv: (-kv[1]["count"], kv[0])):
            counts.add_row(key, c["severity"], f"{c['count']:,}", f"{c['children']:,}")
        console.print(counts)
    failed = batch["checked"] - batch["passed"]
    style = "bold red" if failed or batch["could_not_check"] else "bold green"
    console.print(
        f"[{style}]{batch['workbooks']} workbooks: {batch['passed']} passed, {failed} failed, "
        f"{batch['could_not_check']} could not be checked.[/]"
    )
