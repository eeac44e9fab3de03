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
    if report.get("config"):
        render_config(report["config"], console)

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


def render_config(config: dict[str, Any], console: Console) -> None:
    """What the council's settings file changed: a value read through a synonym is never silent."""
    console.print(f"Settings from {config['file']}", markup=False)
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
        console.print(line, markup=False, highlight=False)
