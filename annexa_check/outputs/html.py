"""The one-file HTML report for the director's data-quality meeting, from the findings table.

It has to open from a shared drive or an email attachment on a locked-down laptop, so
everything is inline (styles, script, an SVG chart) and a Content-Security-Policy
forbids the page from fetching anything. The summary tables are real HTML, so the report reads
without script, with a screen reader and on paper. The child-level table holds every
finding as one compact JSON block and shows a page at a time (its first page is HTML
too), so a report of a million findings stays a page a browser opens at once; search,
filters and sorting run over every finding in the page's own script.

Where the history holds an earlier run of the same workbook, the report also shows the
change since then, from this run's findings and the stored run (never the older workbook).
The report is written before this run is recorded, so a run is never its own previous run.
"""

from __future__ import annotations

import json
from datetime import date
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from annexa_check.catalogue.expected import EXPECTED
from annexa_check.catalogue.spec import Spec
from annexa_check.findings.table import KEY_ERROR_TYPES
from annexa_check.outputs.files import write_text
from annexa_check.report.change import NO_TEAM, Comparison, allocation
from annexa_check.report.model import (
    KEY_GROUP,
    OTHER_ERRORS,
    Report,
    categories,
    type_group,
    type_order,
    type_words,
)
from annexa_check.version import __version__

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
_CHILD_HEADERS = (
    "Child ID",
    "List",
    "Row",
    "Column",
    "Value",
    "What is wrong",
    "Error type",
    "Team",
    "Worker",
)
_BAR_COLOURS = {"error": "#a4262c", "warning": "#8a5a00"}  # both over 4.5:1 against white


def _asset(name: str) -> str:
    return (resources.files("annexa_check") / "report_assets" / name).read_text(encoding="utf-8")


def _children(n: int) -> str:
    return f"{n:,} {'child' if n == 1 else 'children'}"


def _by_largest(counts: pl.DataFrame) -> pl.DataFrame:
    return counts.sort(["severity", "count", "error_type"], descending=[False, True, False])


def _chart(counts: pl.DataFrame, spec: Spec) -> str:
    """Horizontal bars of records by error type, in words: the nine key types first, then other
    errors, then warnings by category, each group headed. Inline SVG, no script needed; its text
    alternative (title and description) lists every bar."""
    rows = list(_in_order(counts, spec).iter_rows(named=True))
    label_w, bar_w, row_h = 270, 380, 26
    top = max((r["count"] for r in rows), default=1) or 1
    groups = [r["__group"] for r in rows]
    heads = sum(1 for i, g in enumerate(groups) if i == 0 or g != groups[i - 1])
    height = row_h * (len(rows) + heads) + 8
    described = "; ".join(
        f"{type_words(r['error_type'])} ({r['__group']}): {_records(r['count'])}" for r in rows
    )
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="chart-title chart-desc" '
        f'viewBox="0 0 {label_w + bar_w + 70} {height}" width="100%" preserveAspectRatio="xMinYMin meet">',
        '<title id="chart-title">Records by error type: key error types first, then other errors, then '
        "warnings</title>",
        f'<desc id="chart-desc">{escape(described)}</desc>',
    ]
    y = 4
    for i, r in enumerate(rows):
        if i == 0 or groups[i] != groups[i - 1]:
            parts.append(f'<text class="group" x="0" y="{y + 17}">{escape(groups[i])}</text>')
            y += row_h
        width = max(2, round(bar_w * r["count"] / top))
        colour = _BAR_COLOURS[r["severity"]]
        words = escape(type_words(r["error_type"]))
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{words}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{width}" height="{row_h - 8}" fill="{colour}">'
            f"<title>{words}: {_records(r['count'])}</title></rect>"
            f'<text x="{label_w + width + 6}" y="{y + 17}">{r["count"]:,}</text>'
        )
        y += row_h
    parts.append("</svg>")
    return "".join(parts)


def _records(count: int) -> str:
    """`1 record`, `12 records`: a screen reader reads the chart's words as they are written."""
    return f"{count:,} record{'s' if count != 1 else ''}"


def _in_order(counts: pl.DataFrame, spec: Spec) -> pl.DataFrame:
    """Counts in the order every output uses, with each type's group in words (warnings by category)."""
    ordered = type_order(counts, spec)
    kinds = categories(spec)
    group = [
        {KEY_GROUP: "Key error types", OTHER_ERRORS: "Other errors"}[type_group(t, sev)]
        if sev == "error"
        else f"Warnings: {kinds.get(t, 'other')}"
        for t, sev in ordered.select("error_type", "severity").iter_rows()
    ]
    return ordered.with_columns(pl.Series("__group", group, dtype=pl.String))


def _table(caption: str, headers: list[str], rows: list[list[Any]], numeric: set[int]) -> str:
    head = "".join(
        f'<th scope="col"{" class=num" if i in numeric else ""}>{escape(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            (
                f'<th scope="row">{escape(str(c))}</th>'
                if i == 0
                else f"<td{' class=num' if i in numeric else ''}>"
                + escape(f"{c:,}" if isinstance(c, int) else str(c))
                + "</td>"
            )
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f"<table><caption>{escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _long_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def _signed(n: int) -> str:
    """A change as text, so up and down never rest on colour: +3, −12 (a true minus sign), 0."""
    return f"+{n:,}" if n > 0 else f"\u2212{-n:,}" if n < 0 else "0"


def _change_headline(change: pl.DataFrame, key_total: int, when: str) -> str:
    """Beside the headline: 'down 12 from 62 on 28 February 2025'."""
    before = int(change.filter(pl.col("error_type").is_in(KEY_ERROR_TYPES))["previous"].sum())
    moved = key_total - before
    if moved == 0:
        words = f"the same as {when}"
    else:
        words = f"{'up' if moved > 0 else 'down'} {abs(moved):,} from {before:,} {when}"
    return f'<span class="change" id="key-change"> \u2014 {words}</span>'


def _change_section(comparison: Comparison, since: str) -> str:
    """Per error type (previous, now, change, new, resolved) and per team (new, resolved, still open)."""
    change = comparison.change_by_error_type().sort(
        ["severity", "now", "previous", "error_type"], descending=[False, True, True, False]
    )
    type_rows = [
        [r["error_type"], r["previous"], r["now"], _signed(r["change"]), r["new"], r["resolved"]]
        for r in change.iter_rows(named=True)
    ]
    teams = comparison.by_team().sort([pl.col("team") == NO_TEAM, pl.col("team")])
    team_rows = [[r["team"], r["new"], r["resolved"], r["still_open"]] for r in teams.iter_rows(named=True)]
    totals = {status: comparison.part(status).height for status in ("new", "resolved", "still_open")}
    type_table = _table(
        "Records per error type: previous run, now and the change",
        ["Error type", "Previous", "Now", "Change", "New", "Resolved"],
        type_rows,
        {1, 2, 3, 4, 5},
    )
    team_table = _table(
        "Findings per allocated team: new, resolved and still open",
        ["Team", "New", "Resolved", "Still open"],
        team_rows,
        {1, 2, 3},
    )
    return f"""<section aria-labelledby="change-h" id="change">
<h2 id="change-h">Change since {escape(since)}</h2>
<p id="change-summary">Compared with {escape(comparison.old.label)} in the history:
{totals["new"]:,} new, {totals["resolved"]:,} resolved, {totals["still_open"]:,} still open.
Problems are matched by child and record, so a row that moved is still the same problem;
a resolved problem counts for the team it had.</p>
<div class="two">
<div>{type_table}</div>
<div>{team_table}</div>
</div>
</section>"""


PAGE_ROWS = 100  # rows the child-level table shows at a time


def _options(values: list[str], labels: list[str] | None = None) -> str:
    return "".join(
        f'<option value="{escape(v)}">{escape(label)}</option>'
        for v, label in zip(values, labels or values, strict=True)
    )


def _type_options(ordered: pl.DataFrame) -> str:
    """The error-type filter: types in words, grouped as the chart groups them."""
    parts, current = [], None
    for error_type, group in ordered.select("error_type", "__group").iter_rows():
        if group != current:
            parts.append(("</optgroup>" if current else "") + f'<optgroup label="{escape(group)}">')
            current = group
        parts.append(_options([error_type], [type_words(error_type)]))
    return "".join(parts) + ("</optgroup>" if current else "")


_FIELDS = ("child_id", "list", "row", "column", "value", "message", "error_type", "team", "worker", "rule")
_CODED = (
    "list",
    "column",
    "message",
    "error_type",
    "team",
    "worker",
    "rule",
    "severity",
    "__team",
    "__group",
)


def _child_data(findings: pl.DataFrame) -> tuple[str, pl.DataFrame]:
    """The child-level table as one compact JSON block: a column per field, repeated texts (lists,
    types, teams, messages…) stored once and referred to by number; and the rows in display order.

    Embedded as `application/json`, so it is data, never run; `<` is written as an escape so
    nothing in a cell can end the block. The columns of numbers are spelt by polars, not
    one Python number at a time: at 280,000 findings they are three million numbers.
    """

    def dumps(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def numbers(column: pl.Series) -> str:
        spelt = column.cast(pl.String).fill_null("null").str.join(",").item()
        return f"[{spelt or ''}]"

    words: dict[str, list[str]] = {}
    columns = {name: dumps(findings[name].fill_null("").to_list()) for name in ("child_id", "value")}
    columns["row"] = numbers(findings["row"])
    for name in _CODED:
        values = findings[name].fill_null("")
        distinct = values.unique(maintain_order=True)
        words[name] = distinct.to_list()
        columns[name] = numbers(values.cast(pl.Enum(distinct)).to_physical())
    words["type_words"] = [type_words(t) for t in words["error_type"]]
    parts = [f'"rows":{findings.height}', f'"dict":{dumps(words)}']
    parts += [f"{dumps(name)}:{text}" for name, text in columns.items()]
    text = "{" + ",".join(parts) + "}"
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"), findings


def _child_rows(findings: pl.DataFrame) -> str:
    """The first page of the table as HTML, as the script renders it: readable without script."""
    rows = []
    for f in findings.head(PAGE_ROWS).iter_rows(named=True):
        cells = [
            f["child_id"] or "",
            f["list"],
            "" if f["row"] is None else str(f["row"]),
            f["column"],
            f["value"] or "",
            f["message"],
        ]
        rows.append(
            "<tr>"
            + "".join(f"<td>{escape(c)}</td>" for c in cells)
            + f'<td><a href="#rule-{escape(f["rule"])}">{escape(type_words(f["error_type"]))}</a></td>'
            + "".join(f"<td>{escape(c or '')}</td>" for c in (f["team"], f["worker"]))
            + "</tr>"
        )
    return "".join(rows)


def _extract_section(report: Report) -> str:
    """The lead when the extract itself is at fault, each fault once, before any child's row; the
    extract's warnings (a list not found, codes in a non-standard form) folded below it."""
    lead = report.extract_lead
    warnings = report.findings.filter((pl.col("scope") == "extract") & (pl.col("severity") == "warning"))
    if lead is None and warnings.height == 0:
        return ""

    def items(found: pl.DataFrame) -> str:
        return "".join(
            f"<li><strong>{escape(f['list'])}, {escape(f['column'])}</strong>: {escape(f['message'])}</li>"
            for f in found.iter_rows(named=True)
        )

    heading = "Fix the extract first" if lead is not None else "The extract"
    body = f"<p>{escape(lead)}</p>\n<ul>{items(report.extract_faults)}</ul>" if lead is not None else ""
    if warnings.height:
        words = "warning" if warnings.height == 1 else "warnings"
        body += (
            f"\n<details><summary>{warnings.height:,} extract-level {words} (a list not found, codes "
            f"written in a non-standard form): not in the child-level table</summary>"
            f"<ul>{items(warnings)}</ul></details>"
        )
    return f"""<section aria-labelledby="extract-h" id="extract" class="extract">
<h2 id="extract-h">{heading}</h2>
{body}
</section>"""


def render_html(report: Report) -> str:
    """The whole report as one HTML document; with the report's comparison, the change since that run too."""
    ordered = _in_order(report.counts_table, report.spec)
    rank = {t: i for i, t in enumerate(ordered["error_type"].to_list())}
    groups = dict(ordered.select("error_type", "__group").iter_rows())
    findings = report.exceptions.with_columns(
        allocation("team").alias("__team"),
        pl.col("error_type").replace_strict(rank, default=len(rank), return_dtype=pl.Int64).alias("__rank"),
        pl.col("error_type").replace_strict(groups, default="", return_dtype=pl.String).alias("__group"),
        pl.col("list").str.extract(r"(\d+)").cast(pl.Int64, strict=False).alias("__list"),
    ).sort("__rank", "__list", "row", "rule", nulls_last=True, maintain_order=True)
    counts = report.counts_table
    key = _by_largest(counts.filter(pl.col("error_type").is_in(KEY_ERROR_TYPES)))
    key_total = int(key["count"].sum()) if key.height else 0
    titles = report.titles(report.findings)  # a key type may be all one extract fault: no child row
    when = f"{report.reference_date.day} {report.reference_date:%B %Y}"

    key_items = (
        "".join(
            f"<li><strong>{r['count']:,}</strong> {escape(r['error_type'].replace('_', ' '))} "
            f'<span class="muted">({escape(titles[r["error_type"]])}; '
            f"{_children(r['children'])})</span></li>"
            for r in key.iter_rows(named=True)
        )
        or "<li>None of the nine key error types was found.</li>"
    )

    per_list = {r["list"]: r for r in report.counts_by_list.iter_rows(named=True)}
    list_rows = [
        [
            f"{lst.name} {lst.title}",
            lst.rows if lst.found else "not found",
            per_list.get(lst.name, {}).get("count", 0),
            per_list.get(lst.name, {}).get("children", 0),
        ]
        for lst in report.lists.values()
    ]
    teams = report.counts_by_team.sort(
        [pl.col("team") == NO_TEAM, pl.col("count"), pl.col("team")], descending=[False, True, False]
    )
    team_rows = [[r["team"], r["count"], r["children"]] for r in teams.iter_rows(named=True)]

    rules = {code: report.rule(code) for code in findings["rule"].unique().to_list()}
    # in a stable order: a look-back rule says when each finding's date was due, so a column can have many
    fixes = (
        findings.select("rule", "list", "column", EXPECTED).unique().sort("rule", "list", "column", EXPECTED)
    )
    fix_rows, anchored = [], set()
    for code, lst, col, exp in fixes.iter_rows():
        anchor = "" if code in anchored else f' id="rule-{escape(code)}" tabindex="-1"'
        anchored.add(code)
        fix_rows.append(
            f'<tr{anchor}><th scope="row">{escape(code)}</th>'
            f"<td>{escape(rules[code].error_type)}</td><td>{escape(rules[code].title)}</td>"
            f"<td>{escape(lst)}: {escape(col)}</td><td>{escape(exp)}</td></tr>"
        )

    type_options = _type_options(ordered)
    list_options = _options(sorted(findings["list"].unique().to_list(), key=lambda n: int(n.split()[1])))
    team_options = _options(sorted(findings["__team"].unique().to_list(), key=lambda t: (t == NO_TEAM, t)))
    note = (
        '<p class="note">Child IDs in this report are pseudonymised with a keyed hash; '
        "the performance team can match them to records.</p>"
        if report.pseudonymised
        else ""
    )
    chart = _chart(counts, report.spec) if counts.height else "<p>No findings.</p>"
    data, findings = _child_data(findings)
    key_rows = findings.filter(pl.col("error_type").is_in(KEY_ERROR_TYPES)).height
    extract_section = _extract_section(report)
    key_words = "key error" if key_total == 1 else "key errors"
    change_headline = change_section = ""
    comparison = report.comparison
    if comparison is not None:
        # a re-run for the same reference date (after fixes) is named as such, not by its date
        earlier = comparison.old.reference_date < report.reference_date.isoformat()
        since = _long_date(comparison.old.reference_date) if earlier else "the previous check"
        change_headline = _change_headline(
            comparison.change_by_error_type(), key_total, f"on {since}" if earlier else f"at {since}"
        )
        change_section = _change_section(comparison, since)
    list_table = _table(
        "Rows checked and records with findings, per list",
        ["List", "Rows", "Records", "Children"],
        list_rows,
        {1, 2, 3},
    )
    team_table = _table(
        "Records with findings, per allocated team", ["Team", "Records", "Children"], team_rows, {1, 2}
    )
    child_headers = "".join(
        f'<th scope="col" aria-sort="none"><button type="button">{h}</button></th>' for h in _CHILD_HEADERS
    )
    fix_headers = "".join(
        f'<th scope="col">{h}</th>' for h in ("Rule", "Error type", "Checks", "Where", "A correct value")
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Annex A dry-run check: {escape(report.workbook.name)}, {escape(when)}</title>
<style>{_asset("report.css")}</style>
</head>
<body>
<a class="skip" href="#children">Skip to the child-level table</a>
<main>
<header>
<p class="eyebrow">Annex A dry-run check · {escape(report.workbook.name)} ·
reference date {escape(when)} · template {escape(report.template)}</p>
<h1 id="headline"><span id="key-errors">{key_total:,}</span> {key_words} in this dry run{change_headline}</h1>
<p class="lede" id="summary-line">{escape(report.headline)}</p>
{note}
<ol class="key-types" aria-label="Key errors by type, largest first">{key_items}</ol>
</header>
{extract_section}
{change_section}
<section aria-labelledby="chart-h"><h2 id="chart-h">Records by error type</h2>{chart}</section>
<div class="two">
<section aria-labelledby="lists-h"><h2 id="lists-h">By list</h2>
{list_table}
</section>
<section aria-labelledby="teams-h"><h2 id="teams-h">By team</h2>
{team_table}
</section>
</div>
<section aria-labelledby="children-h" id="children"><h2 id="children-h">Child-level findings</h2>
<p class="muted">One row per finding (one problem on one record). It opens on the nine key error types;
choose what to show, search and filter over every finding; {PAGE_ROWS} rows a page.</p>
<form class="controls" role="search" onsubmit="return false">
<label>Show <select id="filter-group"><option value="key" selected>Key error types</option>
<option value="error">All errors</option><option value="warning">Warnings</option>
<option value="">Everything</option></select></label>
<label>Search <input type="search" id="filter-text" placeholder="child ID, worker, value…"></label>
<label>Error type <select id="filter-type"><option value="">All types</option>{type_options}</select></label>
<label>List <select id="filter-list"><option value="">All lists</option>{list_options}</select></label>
<label>Team <select id="filter-team"><option value="">All teams</option>{team_options}</select></label>
<button type="button" id="filter-reset">Clear filters</button>
</form>
<p id="shown" aria-live="polite">Showing {key_rows:,} of {findings.height:,} findings</p>
<div class="scroll"><table id="findings" data-total="{findings.height}" data-page="{PAGE_ROWS}">
<caption class="visually-hidden">Findings: one row per problem. Column headers sort every finding.</caption>
<thead><tr>{child_headers}</tr></thead>
<tbody>{_child_rows(findings.filter(pl.col("error_type").is_in(KEY_ERROR_TYPES)))}</tbody>
</table></div>
<nav class="pager" aria-label="Pages of findings">
<button type="button" id="page-first">First</button> <button type="button" id="page-prev">Previous</button>
<span id="page-at">Page 1 of {max(1, -(-key_rows // PAGE_ROWS)):,}</span>
<button type="button" id="page-next">Next</button> <button type="button" id="page-last">Last</button>
</nav>
<script type="application/json" id="findings-data">{data}</script>
</section>
<section aria-labelledby="fix-h"><h2 id="fix-h">What a correct value looks like</h2>
<table><caption class="visually-hidden">For each rule that found something: a correct value</caption>
<thead><tr>{fix_headers}</tr></thead>
<tbody>{"".join(fix_rows)}</tbody></table>
</section>
<footer><p>Generated by annexa-check {escape(__version__)}
from {escape(report.workbook.name)}.
This file contains child-level data: store and share it as your data-protection policy requires.</p></footer>
</main>
<script>{_asset("report.js")}</script>
</body>
</html>
"""


def write_html(report: Report, path: Path) -> None:
    """Write the report atomically, never over the workbook being checked.

    The report's comparison (this run against the previous one, made by the API) adds the
    change section; the HTML writer itself never opens the history.
    """
    text = render_html(report)
    write_text(path, text, report.workbook)
