"""Workbooks shaped like councils' own extracts, built from the generator's clean output by changing cells.

The generator writes what the template asks for; a real extract differs in ways the
generator never produces: ages as year fractions or as "6 years", a failed lookup (#N/A)
down a whole column, a column the query never fills, codes in the system's own spelling,
extra system columns, and dates written by SQL as text. Each shape here is one such change,
applied to every data row of the named columns, so its expected findings are exact.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl

from annexa_check.annex.headers import HeaderMatcher
from annexa_check.catalogue.spec import load_spec
from example_returns.generate import Manifest, generate

SEED = 11
CHILDREN = 120
FRACTION = 0.138261465  # the year fraction an age computed in days/365.25 keeps
Change = Callable[[Any], Any]


def clean(path: Path, children: int = CHILDREN) -> Manifest:
    """The generator's clean workbook in a council's extract style (headers in row 1)."""
    return generate(path, seed=SEED, children=children, style="extract")


def _columns(sheet: Any, list_key: str) -> dict[str, int]:
    """Column key -> 1-based column number, from the header row as written."""
    matcher = HeaderMatcher(load_spec().lists[list_key].columns)
    found = {}
    for cell in sheet[1]:
        key = matcher.match(str(cell.value)) if cell.value is not None else None
        if key is not None:
            found.setdefault(key, cell.column)
    return found


def transform(
    source: Path,
    target: Path,
    manifest: Manifest,
    changes: dict[tuple[str, str], Change],
    *,
    extra_columns: dict[str, Any] | None = None,
    keep_rows: dict[str, int] | None = None,
) -> Path:
    """Copy `source` to `target`, applying `changes[(list, column)]` to every data cell of that column.

    `extra_columns` appends system columns (header -> value) to every sheet; `keep_rows` cuts
    a list to its first rows, as a small published sample has them.
    """
    book = openpyxl.load_workbook(source)
    for list_key, sheet_name in manifest.sheets.items():
        sheet = book[sheet_name]
        if keep_rows and list_key in keep_rows and sheet.max_row > 1 + keep_rows[list_key]:
            sheet.delete_rows(2 + keep_rows[list_key], sheet.max_row)
        columns = _columns(sheet, list_key)
        for (lst, key), change in changes.items():
            if lst not in (list_key, "*") or key not in columns:
                continue
            for row in range(2, sheet.max_row + 1):
                cell = sheet.cell(row, columns[key])
                cell.value = change(cell.value)
        for header, value in (extra_columns or {}).items():
            col = sheet.max_column + 1
            sheet.cell(1, col).value = header
            for row in range(2, sheet.max_row + 1):
                sheet.cell(row, col).value = value
    book.save(target)
    return target


def fractional_age(value: Any) -> Any:
    return None if value is None else round(float(value) + FRACTION, 9)


def age_in_words(value: Any) -> Any:
    return None if value is None else f"{int(float(value))} years"


def lookup_failed(value: Any) -> str:
    return "#N/A"  # openpyxl stores this as an Excel error cell, as a failed VLOOKUP leaves it


def emptied(value: Any) -> None:
    return None


def sql_date(value: Any) -> Any:
    """A date as SQL Server's default text conversion writes it: `2024-05-03 00:00:00`."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d 00:00:00")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d 00:00:00")
    if isinstance(value, str) and len(value) == 10 and value[2] == "/" and value[5] == "/":
        return f"{value[6:]}-{value[3:5]}-{value[:2]} 00:00:00"
    return value


def system_gender(value: Any) -> Any:
    """Gender as a case-management system's own code list writes it (M, F, U)."""
    if value is None:
        return None
    text = str(value).strip().lower()
    for marker, code in (("female", "F"), ("male", "M")):
        if marker in text:
            return code
    return "U"
