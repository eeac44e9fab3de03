"""Exception workbooks for team managers: one .xlsx per team (or worker), from the findings table.

Each team manager fixes their own team's records, so each gets only their rows and only
the columns needed to find and fix them (data minimisation): no other team's children,
no sheet internals. A workbook opens on a summary (what to fix first), then the findings
with what is wrong and what a correct value looks like. File names are derived from the
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
from annexa_check.findings.table import counts_by, distinct_people
from annexa_check.outputs.files import atomic_writes, write_cell, write_table, xlsx_book
from annexa_check.report.change import allocation, unallocated
from annexa_check.report.model import Report

SPLITS = ("team", "worker")
SUMMARY_SHEET, FINDINGS_SHEET = "Summary", "Findings"

# Findings-table column -> the header a team manager reads; the order they appear in.
_COLUMNS = {
    "child_id": "Child ID",
    "list": "List",
    "row": "Excel row",
    "column": "Column",
    "value": "Current value",
    "message": "What is wrong",
    EXPECTED: "What a correct value looks like",
    "error_type": "Error type",
    "rule": "Rule",
    "severity": "Severity",
}
_OTHER = {"team": ("worker", "Worker"), "worker": ("team", "Team")}  # the other allocation, to hand work out
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
_WRAP = ("What is wrong", "What a correct value looks like", "Column", "Current value")

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


def _summary_rows(report: Report, by: str, group: str, findings: pl.DataFrame) -> list[tuple]:
    counts = counts_by(findings, "error_type").sort(
        [pl.col("severity"), pl.col("count"), pl.col("error_type")], descending=[False, True, False]
    )
    titles = report.titles(findings)
    first = counts.row(0, named=True)
    errors = counts.filter(pl.col("severity") == "error")["count"].sum()
    rows: list[tuple] = [
        (f"Annex A exceptions for {group}", None, None, None, None),
        (by.capitalize(), group, None, None, None),
        ("Reference date", report.reference_date.strftime("%d/%m/%Y"), None, None, None),
        ("Workbook checked", report.workbook.name, None, None, None),
        ("Template", report.template, None, None, None),
        ("Problems to fix", f"{findings.height} rows ({errors} errors)", None, None, None),
        ("Children", distinct_people(findings), None, None, None),
        (
            "What to do first",
            f"Start with {first['error_type']} ({first['count']} record(s)): {titles[first['error_type']]}. "
            "Then work down the table below, largest error type first; each row of the "
            f"'{FINDINGS_SHEET}' sheet says what is wrong and what a correct value looks like.",
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
    rows += [(None,) * 5, ("Error type", "What it means", "Severity", "Records", "Children")]
    rows += [
        (c["error_type"], titles[c["error_type"]], c["severity"], c["count"], c["children"])
        for c in counts.iter_rows(named=True)
    ]
    return rows


def _write_summary(book: Any, rows: list[tuple]) -> None:
    sheet = book.add_worksheet(SUMMARY_SHEET)
    bold = {"bold": True, "valign": "top"}
    title = {"bold": True, "font_size": 14}
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    header = {"bold": True, "bg_color": "#DDEBF7", "border": 1}
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 70, wrap)
    sheet.set_column(2, 4, 10)
    table_start = next(i for i, row in enumerate(rows) if row[0] == "Error type")
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            style = title if r == 0 else header if r == table_start else bold if c == 0 else None
            write_cell(book, sheet, r, c, cell, style)
    sheet.activate()


def write_split(report: Report, by: str, out_dir: Path) -> list[Path]:
    """One exception workbook per team or worker in `out_dir` (created if needed); returns the files."""
    if by not in SPLITS:
        raise AnnexaError(f"--split-by must be one of {', '.join(SPLITS)}, not '{by}'")
    if out_dir.exists() and not out_dir.is_dir():
        raise AnnexaError(f"{out_dir}: --out-dir must be a folder, and this is a file")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AnnexaError(f"{out_dir}: cannot create the output folder ({exc.strerror or exc})") from exc
    findings = report.exceptions.with_columns(allocation(by).alias("__group"))
    groups = sorted(
        findings["__group"].unique().to_list(), key=lambda g: (g == unallocated(by), g.casefold())
    )
    names = file_names(groups)
    other, other_header = _OTHER[by]
    columns = [*_COLUMNS, other]
    headers = [*_COLUMNS.values(), other_header]
    files = []
    for group in groups:
        part = findings.filter(pl.col("__group") == group)
        rows = part.select(columns).rows()
        summary = _summary_rows(report, by, group, part)

        def write(target: Path, rows: list[tuple] = rows, summary: list[tuple] = summary) -> None:
            book = xlsx_book(target)
            _write_summary(book, summary)
            write_table(book, FINDINGS_SHEET, headers, rows, _WIDTHS, wrap=_WRAP)
            book.close()

        files.append((out_dir / names[group], write))
    atomic_writes(files, report.workbook)  # the whole set, or (on any failure) none of it
    return [path for path, _write in files]
