"""Small synthetic workbooks for tests: rows given by column key, headers taken from the spec."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from annexa_check.spec import load_spec

SAFE = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}


def write_lists(path: Path, lists: dict[str, list[dict[str, Any]]], *, template: str = "2023") -> Path:
    """One sheet per list (named like `List 6`), headers in row 1, data from row 2.

    A `datetime` value becomes a real Excel date cell; text is written as text.
    """
    spec = load_spec()
    book = xlsxwriter.Workbook(str(path), SAFE)
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for key, rows in lists.items():
        lst = spec.lists[key]
        sheet = book.add_worksheet(lst.name)
        columns = lst.columns_for(template)
        for c, col in enumerate(columns):
            sheet.write_string(0, c, col.header)
        for r, row in enumerate(rows, start=1):
            for c, col in enumerate(columns):
                value = row.get(col.key)
                if value is None:
                    continue
                if isinstance(value, datetime):  # a real Excel date cell
                    sheet.write_datetime(r, c, value, date_format)
                elif isinstance(value, (int, float)):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
    book.close()
    return path
