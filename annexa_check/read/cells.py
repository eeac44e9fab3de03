"""Cell-level detail the fast reader drops: Excel error values and unsaved formulas.

calamine returns an error cell (`#N/A`) and a formula with no saved result as an empty
cell, which would make a broken lookup look like a blank field. Reading the sheet XML
directly recovers them. A first streaming pass only looks for the two markers, so a
sheet without errors or formulas (every SQL extract) costs one decompression and no parse.
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from xml.etree import ElementTree

if TYPE_CHECKING:  # polars is imported where it is used: the pre-check (safety.py) needs none of it
    import polars as pl

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MARKERS = re.compile(rb't="e"|<f[ >/]')
QUICK_MARKERS = (b't="e"', b"<f")  # a cheap superset of _MARKERS for the first pass
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_CELL_TYPE = re.compile(rb'\bt="([a-zA-Z]+)"')
_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.S)
_VALUE = re.compile(rb"<v\b[^>]*?(?:/>|>(.*?)</v>)", re.S)
_CHUNK = 1 << 20


@dataclass
class CellScan:
    """Recovered cells of one sheet, keyed by (Excel row, 0-based absolute column)."""

    values: dict[tuple[int, int], str] = field(default_factory=dict)

    @property
    def last_row(self) -> int:
        return max((row for row, _ in self.values), default=0)

    def patch(self, series: pl.Series, rows: pl.Series, column: int) -> pl.Series:
        """Put recovered text into a column where the reader gave nothing."""
        import polars as pl

        wanted = {r: v for (r, c), v in self.values.items() if c == column}
        if not wanted:
            return series
        patch = rows.replace_strict(wanted, default=None, return_dtype=pl.String)
        return pl.select(pl.coalesce(series, patch)).to_series().alias(series.name)


def column_index(letters: bytes) -> int:
    """The 0-based column of Excel's letters (b"A" -> 0, b"AA" -> 26)."""
    index = 0
    for ch in letters.upper():
        index = index * 26 + (ch - 64)
    return index - 1


def column_letter(index: int) -> str:
    """Excel's letters for a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> path of its XML part inside the package."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL_NS}Relationship")}
    out = {}
    for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
        target = targets.get(sheet.get(f"{_REL_NS}id"), "")
        if not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        out[sheet.get("name", "")] = part
    return out


def _has_markers(archive: zipfile.ZipFile, part: str) -> bool:
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            window = tail + chunk
            if any(marker in window for marker in QUICK_MARKERS):
                return True
            tail = chunk[-8:]
    return False


def _scan_part(data: bytes) -> CellScan:
    scan = CellScan()
    seen: set[int] = set()
    for marker in _MARKERS.finditer(data):
        start = data.rfind(b"<c ", 0, marker.start())
        if start < 0 or start in seen:
            continue
        seen.add(start)
        head_end = data.find(b">", start)
        if data[head_end - 1 : head_end] == b"/":
            body_end = head_end + 1
        else:
            body_end = data.find(b"</c>", head_end)
            body_end = len(data) if body_end < 0 else body_end
        head, body = data[start:head_end], data[head_end + 1 : body_end]
        ref = _CELL_REF.search(head)
        if ref is None:
            continue
        key = (int(ref.group(2)), column_index(ref.group(1)))
        cell_type = _CELL_TYPE.search(head)
        value = _VALUE.search(body)
        cached = value.group(1) if value and value.group(1) is not None else None
        if cell_type and cell_type.group(1) == b"e":
            scan.values[key] = html.unescape((cached or b"#N/A").decode("utf-8", "replace"))
            continue
        formula = _FORMULA.search(body)
        if formula is None:
            continue
        is_string = cell_type is not None and cell_type.group(1) == b"str"
        if cached is None or (cached == b"" and not is_string):  # with a saved result, the reader has it
            text = formula.group(1)
            scan.values[key] = "=" + (
                html.unescape(text.decode("utf-8", "replace")) if text else "(shared formula)"
            )
    return scan


def chart_sheets(path: Path) -> set[str]:
    """Names of chart sheets (xlsx/xlsm): they hold no cells, and the reader complains when asked to."""
    if not zipfile.is_zipfile(path):
        return set()
    try:
        with zipfile.ZipFile(path) as archive:
            return {name for name, part in sheet_parts(archive).items() if "/chartsheets/" in part}
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return set()


def scan_cells(path: Path, sheets: list[str], marked: set[str] | None = None) -> dict[str, CellScan]:
    """Error values and unsaved formulas on the given sheets (xlsx/xlsm only).

    `marked`, when the pre-check (safety.py) has already streamed the sheets, names those
    that may hold either; the others are not decompressed again.
    """
    if not zipfile.is_zipfile(path):
        return {}
    out: dict[str, CellScan] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            parts = sheet_parts(archive)
            for sheet in sheets:
                part = parts.get(sheet)
                if part is None or part not in archive.namelist():
                    continue
                found = sheet in marked if marked is not None else _has_markers(archive, part)
                if found:
                    out[sheet] = _scan_part(archive.read(part))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return {}  # the main reader has already accepted the file; lose only this detail
    return out
