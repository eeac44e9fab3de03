"""Small synthetic workbooks for tests, written cell by cell with xlsxwriter."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import xlsxwriter

from annexa_check.catalogue.spec import load_spec

# One child's demographics as every list records them (team and worker: Lists 3-9).
CHILD = {
    "gender": "a) Male",
    "ethnicity": "a) WBRI",
    "date_of_birth": "01/06/2012",
    "age": 12,
    "disability": "b) No",
    "allocated_team": "Team North",
    "allocated_worker": "Worker A",
}
SAFE = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
# Ofsted's official template, kept beside the repository (../shared/reference).
TEMPLATE_2019 = (
    Path(__file__).resolve().parents[2] / "shared" / "reference" / "ofsted-annex-a-template-2019.xlsx"
)


class Formula(NamedTuple):
    """A formula cell, with the cached result xlsxwriter saves alongside it."""

    text: str
    value: Any = None


class Date(NamedTuple):
    """A real Excel date cell (a serial number with a date format)."""

    when: datetime


def write_xlsx(
    path: Path, sheets: dict[str, list[list[Any]]], first_col: int = 0, hidden: tuple[str, ...] = ()
) -> Path:
    """One sheet per entry; rows from Excel row 1, cells from column `first_col` (0 = A).

    Text is written as text, numbers as numbers, `Date` and `datetime` as real date
    cells, `Formula` as a formula with its cached value.
    """
    book = xlsxwriter.Workbook(str(path), SAFE)
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        if name in hidden:
            sheet.hide()
        for r, row in enumerate(rows):
            for c, value in enumerate(row, start=first_col):
                if value is None:
                    continue
                if isinstance(value, Formula):
                    sheet.write_formula(r, c, value.text, None, value.value)
                elif isinstance(value, (Date, datetime)):
                    sheet.write_datetime(r, c, value.when if isinstance(value, Date) else value, date_format)
                elif isinstance(value, (int, float)):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
    book.close()
    return path


def write_lists(path: Path, lists: dict[str, list[dict[str, Any]]], *, template: str = "2023") -> Path:
    """One sheet per list (named like `List 6`), template headers in row 1, rows given by column key."""
    spec = load_spec()
    sheets = {}
    for key, rows in lists.items():
        columns = spec.lists[key].columns_for(template)
        sheets[spec.lists[key].name] = [[c.header for c in columns]] + [
            [row.get(c.key) for c in columns] for row in rows
        ]
    return write_xlsx(path, sheets)


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>'
)


def write_ods(path: Path, table_xml: str, sheet: str = "List_6") -> Path:
    """A minimal OpenDocument spreadsheet written by hand, so a test controls every element of its one table."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS} office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{sheet}">{table_xml}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        archive.writestr("content.xml", content)
    return path


def rename_sheet(source: Path, target: Path, old: str, new: bytes) -> Path:
    """A copy of `source` whose sheet `old` is named `new` (XML-escaped bytes), which may hold characters
    Excel and xlsxwriter refuse in a sheet name (`[`, `]`, a newline) or start with `=`."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/workbook.xml":
                data = data.replace(f'name="{old}"'.encode(), b'name="' + new + b'"')
            out.writestr(item, data)
    return target
