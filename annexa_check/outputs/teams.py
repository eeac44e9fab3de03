"""Exception workbooks for team managers: one .xlsx per team (or worker), from the findings table.

Each team manager fixes their own team's records, so each gets only their rows and only
the columns needed to find and fix them (data minimisation): no other team's children,
no sheet internals. A workbook opens on a summary (what to fix first), then the errors
(the nine key types first) and the warnings, each with what is wrong and what a correct
value looks like, ready to print. File names are derived from the
team name alone, so the same team gets the same file every month and it opens on Windows.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Any

import polars as pl

from annexa_check.catalogue.expected import EXPECTED
from annexa_check.errors import AnnexaError
from annexa_check.findings.table import counts_by, distinct_people, distinct_records
from annexa_check.outputs.files import (
    COLUMN_WORDS,
    atomic_writes,
    close_book,
    write_cell,
    write_frame_table,
    xlsx_book,
)
from annexa_check.report.change import allocation, unallocated
from annexa_check.report.model import WARNINGS, Report, categories, type_group, type_order, type_words

SPLITS = ("team", "worker")
SUMMARY_SHEET, ERRORS_SHEET, WARNINGS_SHEET = "Summary", "Errors", "Warnings"

# The findings-table columns a team manager reads, in order (headers in words: COLUMN_WORDS).
_COLUMNS = [
    "child_id",
    "list",
    "row",
    "column",
    "value",
    "message",
    EXPECTED,
    "error_type",
    "rule",
    "severity",
]
_OTHER = {"team": "worker", "worker": "team"}  # the other allocation, to hand work out
_WIDTHS = {
    "Child ID": 16,
    "List": 8,
    "Excel row": 9,
    "Column": 28,
    "Current value": 22,
    "What is wrong": 60,
    "What a correct value looks like": 50,
    "Error type": 30,
    "Rule": 8,
    "Severity": 9,
    "Worker": 22,
    "Team": 24,
}
_WRAP = ("What is wrong", "What a correct value looks like", "Column", "Current value", "Error type")
HEADER_NAME_MAX = 60  # characters of a team's name in the printed page header (Excel allows 255 in all)

_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)
_NOT_SAFE = re.compile(r"[^A-Za-z0-9 ._'()&,+-]+")
MAX_STEM = 80


def safe_stem(name: str) -> str:
    """A file name (without .xlsx) for a team: readable, and valid on Windows, macOS and Linux."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem = _NOT_SAFE.sub("_", ascii_name)
    stem = re.sub(r"\s+", " ", stem).strip(" .")[:MAX_STEM].strip(" .")
    if not stem:
        stem = "_"
    if _WINDOWS_RESERVED.match(stem.split(".")[0]):
        stem += "_"
    return stem


def file_names(groups: list[str]) -> dict[str, str]:
    """A distinct file name per group; names that clash (ignoring case) get a short stable suffix."""
    stems = {g: safe_stem(g) for g in groups}
    clashes: dict[str, int] = {}
    for stem in stems.values():
        clashes[stem.casefold()] = clashes.get(stem.casefold(), 0) + 1
    names = {}
    for group, stem in stems.items():
        if clashes[stem.casefold()] > 1:
            stem += "-" + hashlib.sha256(group.encode("utf-8")).hexdigest()[:6]
        names[group] = stem + ".xlsx"
    return names


def _ordered(report: Report) -> pl.DataFrame:
    """The run's error types in the order every output shows them, with their group in words."""
    ordered = type_order(report.counts_table, report.spec)
    kinds = categories(report.spec)
    group = [
        type_group(t, sev) if sev == "error" else f"{WARNINGS} ({kinds.get(t, 'other')})"
        for t, sev in ordered.select("error_type", "severity").iter_rows()
    ]
    return ordered.with_columns(
        pl.Series("__group_words", group, dtype=pl.String),
        pl.int_range(pl.len()).alias("__rank"),
    )


def _summary_rows(
    report: Report, by: str, group: str, findings: pl.DataFrame, order: pl.DataFrame
) -> list[tuple]:
    counts = counts_by(findings, "error_type").join(
        order.select("error_type", "__rank", "__group_words"), on="error_type", how="left"
    )
    counts = counts.sort("__rank")
    titles = report.titles(findings)
    first = counts.row(0, named=True)
    errors = findings.filter(pl.col("severity") == "error").height
    rows: list[tuple] = [
        (f"Annex A exceptions for {group}", None, None, None, None),
        (by.capitalize(), group, None, None, None),
        ("Reference date", report.reference_date.strftime("%d/%m/%Y"), None, None, None),
        ("Workbook checked", report.workbook.name, None, None, None),
        ("Template", report.template, None, None, None),
        (
            "Findings",
            f"{findings.height} ({errors} on the '{ERRORS_SHEET}' sheet, {findings.height - errors} on "
            f"'{WARNINGS_SHEET}')",
            None,
            None,
            None,
        ),
        ("Records", distinct_records(findings), None, None, None),
        ("Children", distinct_people(findings), None, None, None),
        (
            "What to do first",
            f"Start with {type_words(first['error_type'])} ({first['count']} record"
            f"{'s' if first['count'] != 1 else ''}): {titles[first['error_type']]}. Then work down the "
            "table below: the nine key error types first, then other errors, then warnings. Each row of "
            f"the '{ERRORS_SHEET}' and '{WARNINGS_SHEET}' sheets says what is wrong and what a correct "
            "value looks like.",
            None,
            None,
            None,
        ),
    ]
    if report.pseudonymised:
        rows.append(
            (
                "Child IDs",
                "Pseudonymised (keyed hash): ask the performance team to match them",
                None,
                None,
                None,
            )
        )
    rows += [(None,) * 5, ("Error type", "What it means", "Group", "Records", "Children")]
    rows += [
        (type_words(c["error_type"]), titles[c["error_type"]], c["__group_words"], c["count"], c["children"])
        for c in counts.iter_rows(named=True)
    ]
    return rows


def _print_setup(sheet: Any, by: str, group: str, report: Report) -> None:
    """Landscape A4, one page wide, the header row on every page, the team and date in the page header."""

    def text(value: str) -> str:
        return value.replace("&", "&&")  # "&" starts a header code in Excel

    name = group if len(group) <= HEADER_NAME_MAX else group[: HEADER_NAME_MAX - 1] + "…"
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # as wide as one page, as long as it takes
    sheet.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    sheet.set_header(
        f"&L{text(by.capitalize())}: {text(name)}&CAnnex A exceptions: {text(sheet.name)}"
        f"&RReference date {report.reference_date.strftime('%d/%m/%Y')}"
    )
    sheet.set_footer("&LPrinted &D&RPage &P of &N")


def _write_summary(book: Any, rows: list[tuple]) -> Any:
    sheet = book.add_worksheet(SUMMARY_SHEET)
    bold = {"bold": True, "valign": "top"}
    title = {"bold": True, "font_size": 14}
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    header = {"bold": True, "bg_color": "#DDEBF7", "border": 1}
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 70, wrap)
    sheet.set_column(2, 2, 24, wrap)
    sheet.set_column(3, 4, 10)
    table_start = next(i for i, row in enumerate(rows) if row[0] == "Error type")
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            style = title if r == 0 else header if r == table_start else bold if c == 0 else None
            write_cell(book, sheet, r, c, cell, style)
    sheet.activate()
    return sheet


def write_split(report: Report, by: str, out_dir: Path) -> list[Path]:
    """One exception workbook per team or worker in `out_dir` (created if needed); returns the files.

    Each holds a summary, the team's errors (the nine key types first, then other errors) and
    its warnings on a sheet of their own (grouped by category), every sheet set up to print.
    The findings are ordered and split into teams once (a sort and one partition), so a run
    with hundreds of thousands of findings writes its workbooks in about the time of writing
    one exception list.
    """
    if by not in SPLITS:
        raise AnnexaError(f"--split-by must be one of {', '.join(SPLITS)}, not '{by}'")
    if out_dir.exists() and not out_dir.is_dir():
        raise AnnexaError(f"{out_dir}: --out-dir must be a folder, and this is a file")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AnnexaError(f"{out_dir}: cannot create the output folder ({exc.strerror or exc})") from exc
    order = _ordered(report)
    other = _OTHER[by]
    columns = [*_COLUMNS, other]
    headers = [COLUMN_WORDS[c] for c in columns]
    words = {t: type_words(t) for t in order["error_type"]}
    findings = (
        report.exceptions.with_columns(allocation(by).alias("__group"))
        .join(order.select("error_type", "__rank"), on="error_type", how="left")
        .with_columns(
            pl.col("list").str.extract(r"(\d+)").cast(pl.Int64, strict=False).alias("__list"),
            pl.col("error_type").replace_strict(words, default=pl.col("error_type")),
            pl.col("error_type").alias("__type"),
        )
        .sort("__rank", "__list", "row", "rule", nulls_last=True, maintain_order=True)
    )
    parts = findings.partition_by("__group", as_dict=True, maintain_order=True)
    groups = sorted((key[0] for key in parts), key=lambda g: (g == unallocated(by), g.casefold()))
    names = file_names(groups)
    files = []
    for group in groups:
        part = parts[(group,)]
        errors = part.filter(pl.col("severity") == "error")
        warnings = part.filter(pl.col("severity") != "error")
        summary = _summary_rows(
            report, by, group, part.with_columns(pl.col("__type").alias("error_type")), order
        )
        sheets = {ERRORS_SHEET: errors.select(columns), WARNINGS_SHEET: warnings.select(columns)}

        def write(
            target: Path, group: str = group, summary: list[tuple] = summary, sheets: dict = sheets
        ) -> None:
            book = xlsx_book(target)
            _print_setup(_write_summary(book, summary), by, group, report)
            for name, frame in sheets.items():
                sheet = write_frame_table(book, name, headers, frame, _WIDTHS, wrap=_WRAP)
                _print_setup(sheet, by, group, report)
                sheet.repeat_rows(0)
            close_book(book, target)

        files.append((out_dir / names[group], write))
    atomic_writes(files, report.workbook)  # the whole set, or (on any failure) none of it
    return [path for path, _write in files]
