"""Cell-level detail the fast reader drops: Excel error values and unsaved formulas.

calamine returns an error cell (`#N/A`) and a formula with no saved result as an empty
cell, which would make a broken lookup look like a blank field. Reading the sheet XML
directly recovers them. The pre-check (safety.py) has already streamed every sheet and
noted which may hold either, so a sheet without errors or formulas (every SQL extract)
is not decompressed again.

`SheetWalk` is the one reading of a worksheet's XML as XML (expat, streamed): where
every cell is, written or implied, whatever the quoting, spacing, prefixes or comments,
in one linear pass with memory bounded by what it collects.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree
from xml.parsers import expat

if TYPE_CHECKING:  # polars is imported where it is used: the pre-check (safety.py) needs none of it
    import polars as pl

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REF = re.compile(r"\s*([A-Za-z]+)([0-9]+)\s*")
_CHUNK = 1 << 20
_UNREADABLE = (zipfile.BadZipFile, KeyError, ElementTree.ParseError, expat.ExpatError, OSError)
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384


class DeclaresEntities(Exception):
    """The XML has a document type declaration: a workbook never does, and entities can be bombs."""


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


def safe_parser(namespaces: bool = False) -> expat.XMLParserType:
    """An expat parser that refuses any document type declaration (so no entity is ever expanded).

    With `namespaces`, element and attribute names arrive as "namespace-uri local-name".
    """
    parser = expat.ParserCreate(namespace_separator=" ") if namespaces else expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_args: object) -> None:
        raise DeclaresEntities

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    return parser


def parse_ref(ref: str) -> tuple[int, int] | None:
    """(Excel row, 0-based column) of a reference such as "B7" or "b7"; None if it is not one."""
    found = _REF.fullmatch(ref)
    if found is None:
        return None
    letters = found.group(1).upper()
    if len(letters) > 4:
        return int(found.group(2)), 1 << 40
    return int(found.group(2)), column_index(letters.encode())


class SheetWalk:
    """One streamed pass over a worksheet part: each cell's position, as the reader would place it.

    A cell without `r` sits one column right of the cell before it in its row (a row
    without `r` one row below the row before it); the extent is the highest row and
    column any cell takes. With `collect`, error values and unsaved formulas are kept.
    """

    def __init__(self, collect: bool = False) -> None:
        self.row = 0  # Excel row of the current <row>
        self.col = -1  # 0-based column of the last cell in this row
        self.max_row = 0
        self.max_col = -1
        self.dimension: str | None = None
        self.bad_ref: str | None = None  # the first reference that is not one
        self.outside: str | None = None  # the first cell outside Excel's grid
        self.markers = False  # a cell holds an error value or a formula
        self.scan = CellScan() if collect else None
        self._in_cell = False
        self._cell_type: str | None = None
        self._key = (0, 0)
        self._formula: list[str] | None = None
        self._value: list[str] | None = None
        self._text: list[str] | None = None
        self._parser = safe_parser()
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        if collect:
            self._parser.CharacterDataHandler = self._chars

    def feed(self, chunk: bytes, final: bool = False) -> None:
        self._parser.Parse(chunk, final)

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "c":
            ref = attrs.get("r")
            if ref is None:
                row, col = max(self.row, 1), self.col + 1
            else:
                parsed = parse_ref(ref)
                if parsed is None:
                    self.bad_ref = self.bad_ref or ref[:12]
                    return
                row, col = parsed
            self.col = col
            if (row > EXCEL_ROWS or col >= EXCEL_COLUMNS or row < 1) and self.outside is None:
                self.outside = (ref.strip() if ref is not None else f"{column_letter(col)}{row}")[:12]
            if row > self.max_row:
                self.max_row = row
            if col > self.max_col:
                self.max_col = col
            self._in_cell, self._key = True, (row, col)
            self._cell_type = attrs.get("t")
            self._formula = self._value = None
            if self._cell_type == "e":
                self.markers = True
        elif local == "row":
            ref = attrs.get("r")
            if ref is None:
                self.row += 1
            elif ref.strip().isdigit():
                self.row = int(ref)
            else:
                self.bad_ref = self.bad_ref or f"row {ref[:12]}"
            self.col = -1
        elif self._in_cell and local == "f":
            self.markers = True
            self._formula = self._text = []
        elif self._in_cell and local == "v":
            self._value = self._text = []
        elif local == "dimension" and self.dimension is None:
            self.dimension = attrs.get("ref", "")

    def _chars(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def _end(self, name: str) -> None:
        local = name.rpartition(":")[2]
        if local in ("f", "v"):
            self._text = None
        elif local == "c" and self._in_cell:
            self._in_cell = False
            if self.scan is not None:
                self._keep()

    def _keep(self) -> None:
        assert self.scan is not None
        cached = "".join(self._value) if self._value is not None else None
        if self._cell_type == "e":
            self.scan.values[self._key] = cached or "#N/A"
        elif self._formula is not None:
            is_string = self._cell_type == "str"
            if cached is None or (cached == "" and not is_string):  # with a saved result, the reader has it
                text = "".join(self._formula)
                self.scan.values[self._key] = "=" + (text if text else "(shared formula)")


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the package part holding it, as the reader finds it.

    A relationship's target is resolved against xl/ (or the root, when absolute) and
    matched to the package's names without regard to letter case, as the reader does;
    a sheet whose part is missing is left out.
    """
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL_NS}Relationship")}
    names = {name.casefold(): name for name in archive.namelist()}
    out = {}
    for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
        target = targets.get(sheet.get(f"{_REL_NS}id"), "")
        if not target:
            continue
        joined = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        part = names.get(posixpath.normpath(joined).casefold())
        if part is not None:
            out[sheet.get("name", "")] = part
    return out


def walk_part(archive: zipfile.ZipFile, part: str, walk: SheetWalk) -> SheetWalk:
    """Stream one part through a walk, a megabyte at a time."""
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            walk.feed(chunk)
    walk.feed(b"", final=True)
    return walk


def chart_sheets(path: Path) -> set[str]:
    """Names of chart sheets (xlsx/xlsm): they hold no cells, and the reader complains when asked to."""
    if not zipfile.is_zipfile(path):
        return set()
    try:
        with zipfile.ZipFile(path) as archive:
            return {name for name, part in sheet_parts(archive).items() if "/chartsheets/" in part.lower()}
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return set()


def scan_cells(path: Path, sheets: list[str], marked: set[str]) -> dict[str, CellScan]:
    """Error values and unsaved formulas on the given sheets that the pre-check marked (xlsx/xlsm only)."""
    wanted = [sheet for sheet in sheets if sheet in marked]
    if not wanted or not zipfile.is_zipfile(path):
        return {}
    out: dict[str, CellScan] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            parts = sheet_parts(archive)
            for sheet in wanted:
                if sheet in parts:
                    scan = walk_part(archive, parts[sheet], SheetWalk(collect=True)).scan
                    assert scan is not None
                    out[sheet] = scan
    except (
        zipfile.BadZipFile,
        KeyError,
        ElementTree.ParseError,
        expat.ExpatError,
        DeclaresEntities,
        OSError,
    ):
        return {}  # the main reader has already accepted the file; lose only this detail
    return out
