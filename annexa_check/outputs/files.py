"""The files a run writes from its `Report`: the exception list (CSV, Excel), the JSON summary,
JUnit XML and Markdown, each written atomically and never over the workbook being checked.

The exception-list writers write the findings table itself. None of them look at the workbook again.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from annexa_check.errors import AnnexaError
from annexa_check.findings.table import FINDING_COLUMNS
from annexa_check.report.model import Report

OUTPUT_SUFFIXES = (".csv", ".xlsx", ".json", ".xml", ".md")
_UNSAFE_START = ("=", "+", "-", "@", "\t", "\r")


def _executable(text: str) -> bool:
    """Would a spreadsheet run this as a formula? A plain signed number (`-5`) it would not."""
    return text.startswith(_UNSAFE_START) and not (text[0] in "+-" and _is_number(text))


def _neutralise(text: str | None) -> str | None:
    """Stop a spreadsheet treating a CSV value as a formula: prefix with an apostrophe."""
    if text and _executable(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _atomic_write(path: Path, write: Callable[[Path], object], protect: Path | None) -> None:
    """Write to a temporary file beside the target, then rename: never a half-written file.

    The data is flushed to disk before the rename, so a crash or power cut leaves the old
    file or the new one. The workbook being checked is refused under any name that
    reaches it (another spelling, a symbolic or hard link).
    """
    if protect is not None and _same_file(path, protect):
        raise AnnexaError(f"{path}: refusing to overwrite the workbook being checked")
    if not path.parent.exists():
        raise AnnexaError(f"{path.parent}: output folder does not exist")
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        write(Path(tmp))
        os.chmod(tmp, _file_mode(path))
        with open(tmp, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise AnnexaError(f"{path}: cannot write the output ({exc.strerror or exc})") from exc
    finally:
        if tmp is not None and Path(tmp).exists():
            Path(tmp).unlink()


def _same_file(path: Path, other: Path) -> bool:
    if path.resolve() == other.resolve():
        return True
    try:
        return path.exists() and os.path.samefile(path, other)
    except OSError:
        return False


def _file_mode(path: Path) -> int:
    """The permissions a plainly created file would get: an existing file's, else 0666 less the umask.

    The temporary file is created private (0600); an exception list on a shared drive
    must be as readable as any other file written there.
    """
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_text(path: Path, text: str, protect: Path | None = None) -> None:
    """A text output (JSON, JUnit, Markdown), written atomically as UTF-8."""
    _atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"), protect)


def json_text(document: dict[str, Any]) -> str:
    """The one way a JSON document is printed or written: indented, UTF-8, keys in a stable order."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_json(report: Report, path: Path) -> None:
    write_text(path, json_text(report.as_dict()), report.workbook)


EXPORT_COLUMNS = [*FINDING_COLUMNS, "reference_date"]


def _export_rows(report: Report) -> list[tuple]:
    """The exception list: the findings table plus the reference date, which every output echoes."""
    stamped = report.findings.with_columns(pl.lit(report.reference_date.isoformat()).alias("reference_date"))
    return stamped.select(EXPORT_COLUMNS).rows()


def _csv_to(handle: Any, columns: list[str], rows: list[tuple]) -> None:
    out = csv.writer(handle)
    out.writerow(columns)
    for row in rows:
        out.writerow([_neutralise(c) if isinstance(c, str) else ("" if c is None else c) for c in row])


def csv_text(report: Report) -> str:
    """The exception list as CSV text (for stdout: no byte-order mark)."""
    buffer = io.StringIO(newline="")
    _csv_to(buffer, EXPORT_COLUMNS, _export_rows(report))
    return buffer.getvalue()


def write_table_csv(path: Path, columns: list[str], rows: list[tuple], protect: Path | None = None) -> None:
    """A child-level list as CSV that Excel opens correctly, with nothing a spreadsheet would execute."""

    def write(target: Path) -> None:
        with target.open("w", newline="", encoding="utf-8-sig") as handle:  # BOM: Excel reads UTF-8
            _csv_to(handle, columns, rows)

    _atomic_write(path, write, protect)


def write_csv(report: Report, path: Path) -> None:
    write_table_csv(path, EXPORT_COLUMNS, _export_rows(report), report.workbook)


_WIDTHS = {
    "message": 70,
    "value": 24,
    "column": 34,
    "team": 24,
    "worker": 22,
    "error_type": 30,
    "reference_date": 14,
}


def xlsx_book(target: Path) -> Any:
    """An xlsxwriter workbook that writes every string as text: never a formula, link or number."""
    import xlsxwriter

    return xlsxwriter.Workbook(
        str(target), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )


def write_table(
    book: Any,
    name: str,
    columns: list[str],
    rows: list[tuple],
    widths: dict[str, int],
    wrap: tuple[str, ...] = ("message",),
) -> Any:
    """One sheet of a table for people: header frozen, filter on, readable widths, nothing executable."""
    sheet = book.add_worksheet(name)
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    wrapped = book.add_format({"text_wrap": True, "valign": "top"})
    top = book.add_format({"valign": "top"})
    # Excel's quote prefix: shown as typed, and still text if someone edits the cell
    quoted = book.add_format({"valign": "top", "quote_prefix": True})
    for c, column in enumerate(columns):
        sheet.write_string(0, c, column, bold)
        sheet.set_column(c, c, widths.get(column, 12), wrapped if column in wrap else top)
    for r, row in enumerate(rows, start=1):
        for c, cell in enumerate(row):
            if cell is None:
                continue
            if isinstance(cell, int):
                sheet.write_number(r, c, cell)
            else:
                text = str(cell)
                sheet.write_string(r, c, text, quoted if _executable(text) else None)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    return sheet


def write_table_xlsx(
    path: Path, sheets: dict[str, tuple[list[str], list[tuple]]], protect: Path | None = None
) -> None:
    """Child-level lists for people, one table per sheet, written atomically."""

    def write(target: Path) -> None:
        book = xlsx_book(target)
        for name, (columns, rows) in sheets.items():
            write_table(book, name, columns, rows, _WIDTHS)
        book.close()

    _atomic_write(path, write, protect)


def write_xlsx(report: Report, path: Path) -> None:
    write_table_xlsx(path, {"Exceptions": (EXPORT_COLUMNS, _export_rows(report))}, report.workbook)


def suffix_problem(path: Path) -> str | None:
    """Why `path` cannot be an output, or None: checked before the work, not after it."""
    if path.suffix.lower() in OUTPUT_SUFFIXES:
        return None
    *most, last = OUTPUT_SUFFIXES
    return f"'{path}': --output must be a file name ending in {', '.join(most)} or {last}"


def write_output(report: Report, path: Path) -> None:
    """Write the exception list (csv/xlsx), the summary (json), JUnit XML (xml) or Markdown (md).

    The file extension chooses; JUnit and Markdown follow the report's verdict (the default policy's
    when it was not judged).
    """
    from annexa_check.outputs import formats

    problem = suffix_problem(path)
    if problem:
        raise AnnexaError(problem)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_csv(report, path)
    elif suffix == ".xlsx":
        write_xlsx(report, path)
    elif suffix == ".json":
        write_json(report, path)
    else:
        text = formats.junit(report) if suffix == ".xml" else formats.markdown(report)
        write_text(path, text, report.workbook)
