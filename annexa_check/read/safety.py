"""A cheap look at a file before the spreadsheet reader is given it.

The reader (calamine) trusts what a workbook declares: a sheet that declares, or holds a
cell at, XFD1048576 makes it reserve hundreds of gigabytes and abort the whole process
(no exception to catch), and a zip bomb drives it to gigabytes of memory. So before the
real read this module tells the format from the file's first bytes, reads the zip
directory, and streams every part once (never holding one in memory) to check declared
and real sizes and each sheet's extent against `Limits`; a legacy .xls has its
workbook stream's records walked the same way. Every refusal is one line naming the
file (and sheet), the limit and how to raise it; none quotes a cell.

The same pass notes which worksheets may hold error cells or formulas, so the cell scan
in `cells.py` does not decompress them a second time.
"""

from __future__ import annotations

import errno
import re
import struct
import threading
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import IO

from annexa_check.errors import InputError
from annexa_check.read.cells import (
    EXCEL_COLUMNS,
    EXCEL_ROWS,
    DeclaresEntities,
    SheetWalk,
    column_index,
    column_letter,
    parse_ref,
    safe_parser,
    sheet_parts,
)

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 compound file: legacy .xls, or an encrypted workbook
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
SUFFIX_FORMAT = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}
_FORMAT_NAME = {"xlsx": ".xlsx workbook", "xls": "legacy .xls workbook", "ods": "OpenDocument spreadsheet"}
_FORMAT_SUFFIX = {"xlsx": ".xlsx", "xls": ".xls", "ods": ".ods"}
_ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
_XLS_STREAMS = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))
# A canonical part (as Excel, openpyxl and xlsxwriter write every one): every cell opens
# `<c r="B7"`, the reference first, double-quoted, upper case, within the grid's digit
# count; no comment, CDATA or DTD, no prefixed cell, row or dimension. Anything else
# sends the part to the full XML walk (`SheetWalk`).
_PREFIXED = re.compile(rb":(?:c|f|row|dimension|sheetData)[\t\n\r />]")
_CANON_REF = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"')
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]{1,3})([1-9][0-9]{0,6})(?::([A-Z]{1,3})([1-9][0-9]{0,6}))?"')
_ODD_DIMENSION = re.compile(
    rb'<dimension(?! ref="[A-Z]{1,3}[1-9][0-9]{0,6}(?::[A-Z]{1,3}[1-9][0-9]{0,6})?"[\t\n\r />])'
)
_FORMULA = re.compile(rb"<f[\t\n\r />]")
_MAX_HITS = 10_000  # cells that each raise the extent seen so far: past this, the part gets the full walk
_HEAD = 64 * 1024
_TAIL = 128  # longer than any pattern above, so none is missed at a chunk boundary
_CHUNK = 1 << 20
MB = 1_000_000
_RATIO_FLOOR = 10 * MB  # small parts may pack very well (a blank sheet) without harm


@dataclass(frozen=True)
class Limits:
    """Ceilings a workbook must stay under before it is read (documented in the README).

    Each is a key of the settings file's `[limits]` table (`max_unpacked_mb` also at its
    top level, and as `--max-unpacked-mb`, which wins), so a council with a genuine
    workbook past one can raise it; every refusal names the limit and how to raise it.
    `max_unpacked_mb` is the one a genuine return can meet (a million rows unpacks to
    about 560 MB).
    """

    max_unpacked_mb: int = 1000  # everything inside the zip, unpacked
    max_sheet_cells: int = 50_000_000  # rows x columns one sheet may span (1,048,576 x 47)
    max_ratio: int = 1000  # unpacked / packed size of one part over 10 MB (XML packs 5-20 times)
    max_parts: int = 10_000  # files inside the zip (a workbook has tens)
    max_strings: int = 50_000_000  # entries a shared-strings table may declare (the reader reserves them)
    max_repeated_cells: int = 1_000_000  # .ods: cells that exist only as copies of a repeated one
    max_memory_mb: int = 8000  # one workbook's worker process, in a run of several (api/batch.py)
    max_seconds: int = 1800  # one workbook's check, in a run of several
    max_upload_mb: int | None = None  # one upload to `annexa-check serve` (None: max_unpacked_mb)
    max_edit_cells: int = 5_000_000  # cells annotate loads to edit a copy (about 430 bytes each in memory)
    max_fix_rows: int = 500_000  # rows fix holds to write a corrected copy (about 0.4 GB per 100,000)


DEFAULT_LIMITS = Limits()
LIMIT_UNITS = {
    "max_unpacked_mb": "megabytes",
    "max_sheet_cells": "cells",
    "max_ratio": "times",
    "max_parts": "files",
    "max_strings": "entries",
    "max_repeated_cells": "cells",
    "max_memory_mb": "megabytes",
    "max_seconds": "seconds",
    "max_upload_mb": "megabytes",
    "max_edit_cells": "cells",
    "max_fix_rows": "rows",
}
_LIMIT_OPTIONS = {
    "max_unpacked_mb": "--max-unpacked-mb",
    "max_upload_mb": "--max-upload-mb",
    "max_fix_rows": "fix's --max-rows",
}


def raise_with(name: str) -> str:
    """How to raise one of the `Limits`: its command-line option where one exists, and its setting."""
    setting = f"{name} under [limits] in the settings file"
    option = _LIMIT_OPTIONS.get(name)
    return f"raise the limit with {option}, or {setting}" if option else f"raise the limit with {setting}"


@dataclass
class Inspection:
    """What the pre-check learnt about a file it let through."""

    format: str  # "xlsx", "xls" or "ods"
    marked_sheets: set[str] = field(default_factory=set)  # xlsx sheets that may hold errors or formulas
    scans: SheetScans | None = None  # with `defer`: the worksheets, still being scanned (else all done)


def inspect(path: Path, limits: Limits = DEFAULT_LIMITS, *, defer: bool = False) -> Inspection:
    """Refuse a file the reader cannot read safely, with a one-line reason; else say what it is.

    `defer`: an xlsx workbook's worksheets are scanned on a thread (`Inspection.scans`), so
    the reader can load each as soon as it has passed; the rest of the package has passed
    when this returns.
    """
    _check_path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD)
    except PermissionError:
        raise InputError(
            f"{path}: cannot be opened (permission denied); if it is open in Excel, close it or check a copy"
        ) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be opened ({exc.strerror or type(exc).__name__})") from None
    expected = SUFFIX_FORMAT[path.suffix.lower()]
    if head.startswith(CFB_MAGIC):
        _check_compound(path, expected, limits)
        return Inspection(format="xls")
    if not head.startswith(ZIP_MAGIC):
        raise InputError(_not_a_workbook(path, head))
    try:
        return _check_zip(path, expected, limits, defer)
    except (InputError, MemoryError):
        raise
    except Exception as exc:  # any fault in the zip structure: truncated, corrupt data, bad checksum
        _raise_if_out_of_memory(exc)
        raise _damaged(path) from None


def _check_path(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a workbook")
    if path.name.startswith("~$"):
        raise InputError(
            f"{path}: an Excel lock file, not a workbook (Excel keeps one beside a workbook "
            "while it is open); check the workbook itself"
        )
    if path.suffix.lower() not in SUFFIX_FORMAT:
        raise InputError(f"{path}: not an Excel workbook (expected {', '.join(SUFFIX_FORMAT)})")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")


def _not_a_workbook(path: Path, head: bytes) -> str:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:2048].lower()
    suffix = path.suffix.lower()
    if b"urn:schemas-microsoft-com:office:spreadsheet" in start:
        kind = "an XML Spreadsheet 2003 file"
    elif start.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")):
        kind = "a web page (HTML)"
    else:
        package = "zip package" if SUFFIX_FORMAT[suffix] != "xls" else "workbook"
        return (
            f"{path}: not a valid {suffix} file (no {package} inside: a CSV or text file renamed, "
            "or a damaged or truncated copy)"
        )
    return (
        f"{path}: {kind} with an {suffix} name, not a workbook (some systems export reports this way); "
        "open it in Excel and save it as .xlsx"
    )


def _misnamed(path: Path, actual: str) -> InputError:
    return InputError(
        f"{path}: is really a {_FORMAT_NAME[actual]} named {path.suffix}; "
        f"rename it to {path.stem}{_FORMAT_SUFFIX[actual]}"
    )


def _check_compound(path: Path, expected: str, limits: Limits) -> None:
    """An OLE2 file is an encrypted (password-protected) workbook or a legacy .xls.

    Its directory may sit anywhere in the file, so the stream names (UTF-16) are looked
    for in the whole of it, a megabyte at a time. An .xls then has its workbook stream
    walked (`_check_biff`): the reader trusts the sheet sizes it declares.
    """
    if path.stat().st_size > limits.max_unpacked_mb * MB:
        raise InputError(too_big(path, path.stat().st_size, limits))
    found: set[bytes] = set()
    with path.open("rb") as handle:
        window = b""
        while chunk := handle.read(_CHUNK):
            window = window[-_TAIL:] + chunk
            found.update(n for n in (*_ENCRYPTED_STREAMS, *_XLS_STREAMS) if n in window)
    if found & set(_ENCRYPTED_STREAMS):
        raise InputError(f"{path}: the workbook is password-protected; save an unprotected copy")
    if not found & set(_XLS_STREAMS):
        raise InputError(f"{path}: not an Excel workbook (an Office file of another kind, such as a .doc)")
    if expected != "xls":
        raise _misnamed(path, "xls")
    with path.open("rb") as handle:
        try:
            _check_biff(path, _Compound(handle).stream(("workbook", "book")), limits)
        except (_Damaged, struct.error):
            raise InputError(
                f"{path}: the workbook is damaged (its compound file structure is corrupt); "
                "copy it again or re-save it in Excel"
            ) from None


class _Damaged(Exception):
    """The compound file's own structure (header, allocation table, directory) does not hold together."""


class _Compound:
    """Just enough of an OLE2 compound file to stream one named stream, a run of sectors at a time.

    Every sector number is checked against the file, and every chain is bounded by the
    number of sectors, so a looping or out-of-range table ends in `_Damaged`, never a hang.
    """

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        handle.seek(0, 2)
        self.size = handle.tell()
        handle.seek(0)
        header = handle.read(512)
        if len(header) < 512:
            raise _Damaged
        shift, mini_shift = struct.unpack_from("<HH", header, 30)
        if shift not in (9, 12) or mini_shift != 6:
            raise _Damaged
        self.sector = 1 << shift
        # sectors after the header (the last one perhaps short)
        self.sectors = max(-(-self.size // self.sector) - 1, 0)
        fat_count, self.first_dir = struct.unpack_from("<II", header, 44)
        self.cutoff, self.first_minifat, _, difat_next, difat_count = struct.unpack_from("<IIIII", header, 56)
        if fat_count > self.sectors:
            raise _Damaged
        fat_sectors = list(struct.unpack_from("<109I", header, 76)[:fat_count])
        per = self.sector // 4
        for _ in range(min(difat_count, self.sectors)):
            if len(fat_sectors) >= fat_count:
                break
            entries = struct.unpack(f"<{per}I", self._read(difat_next, self.sector))
            fat_sectors += entries[: per - 1]
            difat_next = entries[-1]
        self.fat = array("I", b"".join(self._read(n, self.sector) for n in fat_sectors[:fat_count]))

    def _read(self, sector: int, length: int) -> bytes:
        if sector >= self.sectors:
            raise _Damaged
        self.handle.seek((sector + 1) * self.sector)
        data = self.handle.read(length)
        if len(data) < length:
            raise _Damaged
        return data

    def _chain(self, start: int, table: array[int]) -> Iterator[int]:
        sector, seen = start, bytearray(len(table))
        while sector < 0xFFFFFFFA:  # up there: the end of the chain (or a free or special sector)
            if sector >= len(table) or seen[sector]:  # outside the table, or a loop
                raise _Damaged
            seen[sector] = 1
            yield sector
            sector = table[sector]

    def _runs(self, start: int, size: int) -> Iterator[bytes]:
        """A stream in the regular sectors: consecutive sectors read together, up to a megabyte."""
        left, first, count = size, -1, 0
        for sector in self._chain(start, self.fat):
            if count and sector == first + count and count * self.sector < _CHUNK:
                count += 1
                continue
            if count:
                data = self._read(first, min(count * self.sector, left))
                left -= len(data)
                yield data
            first, count = sector, 1
            if left <= 0:
                return
        if count and left > 0:
            yield self._read(first, min(count * self.sector, left))

    def stream(self, names: tuple[str, ...]) -> Iterator[bytes]:
        """The named stream (the first directory entry matching, ignoring case), in pieces."""
        directory = b"".join(self._runs(self.first_dir, len(self.fat) * self.sector))
        root_start, root_size = 0, 0
        for offset in range(0, len(directory) - 127, 128):
            entry = directory[offset : offset + 128]
            length, kind = struct.unpack_from("<HB", entry, 64)
            name = entry[: max(min(length, 64) - 2, 0)].decode("utf-16-le", "replace").casefold()
            start, size = struct.unpack_from("<IQ", entry, 116)
            if self.sector == 512:  # version 3 files: the high half may hold garbage
                size &= 0xFFFFFFFF
            if kind == 5:
                root_start, root_size = start, size
            elif kind == 2 and name in names:
                if size >= self.cutoff:
                    return self._runs(start, size)
                return self._mini(start, size, root_start, root_size)
        raise _Damaged

    def _mini(self, start: int, size: int, root_start: int, root_size: int) -> Iterator[bytes]:
        """A small stream, kept in 64-byte sectors inside the root entry's own stream."""
        minifat = array("I", b"".join(self._runs(self.first_minifat, len(self.fat) * self.sector)))
        container = b"".join(self._runs(root_start, min(root_size, len(self.fat) * self.sector)))
        data = b"".join(container[n * 64 : n * 64 + 64] for n in self._chain(start, minifat))[:size]
        if len(data) < size:
            raise _Damaged
        return iter([data])


_BIFF_BOF, _BIFF_SHEET, _BIFF_DIMENSIONS, _BIFF_SST = 0x0809, 0x0085, 0x0200, 0x00FC
# records that hold one cell (row and column first) and those that hold a run (last column at the end)
_BIFF_CELLS = frozenset((0x0006, 0x00FD, 0x0203, 0x027E, 0x0201, 0x0204, 0x0205, 0x00D6, 0x0406))
_BIFF_RUNS = frozenset((0x00BD, 0x00BE))
_RECORD = struct.Struct("<HHHH").unpack_from  # type, length, then a cell's row and column (or BOF's fields)


@dataclass
class _BiffSheet:
    """What one worksheet substream of an .xls declares and holds."""

    name: str
    max_row: int = 0  # 1-based, as Excel numbers rows
    max_col: int = -1


def _check_biff(path: Path, stream: Iterator[bytes], limits: Limits) -> None:
    """Each sheet's declared (DIMENSIONS) and real extent, and the shared-strings count, of an .xls.

    The reader reserves what DIMENSIONS declares and allocates the rectangle its cells
    span, and BIFF's 32-bit rows and 16-bit columns reach far past its own 65,536 x 256
    grid, so both are held to `max_sheet_cells`. Records are walked as the stream
    arrives (a record is at most 8,228 bytes); a cell record costs one unpack and two
    comparisons unless it reaches past the extent so far.
    """
    names: dict[int, str] = {}
    sheet = _NO_SHEET
    biff8 = True
    buffer, consumed, position = b"", 0, 0
    for piece in stream:
        buffer = buffer[position:] + piece
        consumed += position
        position, end = 0, len(buffer)
        while position + 8 <= end:
            kind, length, row, col = _RECORD(buffer, position)
            body = position + 4
            if body + length > end:
                break
            position = body + length
            if kind in _BIFF_CELLS:
                if length >= 4 and (row >= sheet.max_row or col > sheet.max_col):
                    _reach(path, sheet, row, col, limits)
            elif kind in _BIFF_RUNS:
                if length >= 6 and sheet is not _NO_SHEET:
                    _reach(path, sheet, row, struct.unpack_from("<H", buffer, position - 2)[0], limits)
            elif kind == _BIFF_BOF and length >= 4:
                if col == 0x0005:  # the workbook globals: BIFF8 (Excel 97 on) or older
                    biff8 = row == 0x0600
                at = consumed + body - 4
                sheet = _BiffSheet(names.get(at, f"sheet {len(names) + 1}")) if col == 0x0010 else _NO_SHEET
            elif kind == _BIFF_SHEET and length >= 8:
                offset = struct.unpack_from("<I", buffer, body)[0]
                names[offset] = _biff_name(buffer[body + 6 : position], biff8)
            elif kind == _BIFF_DIMENSIONS and sheet is not _NO_SHEET:
                _declared(path, sheet, buffer[body:position], limits)
            elif kind == _BIFF_SST and length >= 8:
                total, unique = struct.unpack_from("<II", buffer, body)
                _check_string_count(path, {"count": total, "uniqueCount": unique}, limits)


def _biff_name(data: bytes, biff8: bool) -> str:
    """A sheet name as BOUNDSHEET writes it: a length, a 16-bit flag (BIFF8), the characters."""
    if len(data) < 2:
        return "?"
    count, wide = data[0], biff8 and data[1] & 1
    raw = data[2 : 2 + count * 2] if wide else data[1 + biff8 : 1 + biff8 + count]
    return raw.decode("utf-16-le" if wide else "latin-1", "replace")[:64]


def _declared(path: Path, sheet: _BiffSheet, data: bytes, limits: Limits) -> None:
    """DIMENSIONS: first row, one past the last row, first column, one past the last column."""
    if len(data) >= 12:
        first_row, end_row, first_col, end_col = struct.unpack_from("<IIHH", data)
    elif len(data) >= 8:  # BIFF5 and older: 16-bit rows
        first_row, end_row, first_col, end_col = struct.unpack_from("<HHHH", data)
    else:
        return
    if end_row > first_row and end_col > first_col:
        _check_span(path, sheet.name, (first_row + 1, first_col), (end_row, end_col - 1), limits)
    elif end_row or end_col:  # an empty sheet declares zeros; anything else inverted is not a sheet
        farthest = (max(end_row, first_row + 1), max(end_col - 1, first_col))
        _check_span(path, sheet.name, (1, 0), farthest, limits)


_NO_SHEET = _BiffSheet("", max_row=1 << 32, max_col=1 << 16)  # a chart or macro substream: no cell counts


def _reach(path: Path, sheet: _BiffSheet, row: int, col: int, limits: Limits) -> None:
    """A cell at (0-based row, column) that may lie past the sheet's extent so far."""
    sheet.max_row, sheet.max_col = max(sheet.max_row, row + 1), max(sheet.max_col, col)
    _check_span(path, sheet.name, (1, 0), (sheet.max_row, sheet.max_col), limits)


def _check_zip(path: Path, expected: str, limits: Limits, defer: bool = False) -> Inspection:
    with zipfile.ZipFile(path) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        check_declared_sizes(path, infos, limits)
        names = {info.filename for info in infos}
        if "xl/workbook.bin" in names:
            raise InputError(
                f"{path}: a binary .xlsb workbook, which annexa-check does not read; "
                "open it in Excel and save it as .xlsx (Excel Workbook)"
            )
        if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
            if expected != "ods":
                raise _misnamed(path, "ods")
            _stream_parts(path, archive, infos, limits, {}, ods=True)
            return Inspection(format="ods")
        if "xl/workbook.xml" not in names:
            raise InputError(f"{path}: a zip file, but not an Excel workbook (it has no xl/workbook.xml)")
        if expected != "xlsx":
            raise _misnamed(path, "xlsx")
        sheets = {part: sheet for sheet, part in sheet_parts(archive).items()}
        if not defer:
            marked, _ = _stream_parts(path, archive, infos, limits, sheets)
            return Inspection(format="xlsx", marked_sheets=marked)
        package = [info for info in infos if info.filename not in sheets]
        _, budget = _stream_parts(path, archive, package, limits, {})
        later = [info for info in infos if info.filename in sheets]
        return Inspection(format="xlsx", scans=SheetScans(path, later, sheets, limits, budget))


def check_declared_sizes(path: Path, infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """What the zip directory declares, before anything is unpacked."""
    if len(infos) > limits.max_parts:
        raise InputError(
            f"{path}: the zip package holds {len(infos):,} files, more than the {limits.max_parts:,}-file "
            "limit (a workbook has tens); refused as unsafe to open; "
            f"if it is genuine, {raise_with('max_parts')}"
        )
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_unpacked_mb * MB:
        raise InputError(too_big(path, declared, limits))
    for info in infos:
        ratio = info.file_size // max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > limits.max_ratio:
            raise InputError(
                f"{path}: '{info.filename}' unpacks to {ratio:,} times its packed size, more than the "
                f"{limits.max_ratio:,}-times limit (a zip bomb); refused as unsafe to open; "
                f"if it is genuine, {raise_with('max_ratio')}"
            )


def too_big(path: Path, unpacked: int, limits: Limits) -> str:
    return (
        f"{path}: a {_size(path.stat().st_size)} file that unpacks to {_size(unpacked)} or more, above the "
        f"{limits.max_unpacked_mb:,} MB limit (a zip bomb, or far larger than an Annex A return); "
        f"if the workbook is genuine, {raise_with('max_unpacked_mb')}"
    )


def _size(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n >= MB else f"{max(n // 1000, 1):,} KB"


def _stream_parts(
    path: Path,
    archive: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    limits: Limits,
    sheets: dict[str, str],
    ods: bool = False,
    budget: int | None = None,
) -> tuple[set[str], int]:
    """Unpack every part once, as a stream: real sizes, each worksheet's extent, declared counts.

    A part may declare less than it holds; Python's zip reader stops at the declared size
    and then fails the checksum, so the excess is never unpacked. Returns the sheets that
    may hold error cells or formulas, and what is left of the unpacked budget.
    """
    budget = limits.max_unpacked_mb * MB if budget is None else budget
    marked: set[str] = set()
    for info in infos:
        sheet = sheets.get(info.filename)
        unpacked, has_markers = _stream_part(path, archive, info, limits, sheet, budget, ods)
        if sheet is not None and has_markers:
            marked.add(sheet)
        budget -= unpacked
    return marked, budget


def _stream_part(
    path: Path,
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    limits: Limits,
    sheet: str | None,
    budget: int,
    ods: bool,
) -> tuple[int, bool]:
    """One part of `_stream_parts`: (bytes unpacked, whether a worksheet may hold errors or formulas)."""
    name = info.filename.casefold()
    try:
        if sheet is not None:
            return _scan_sheet(path, sheet, budget, limits, partial(archive.open, info))
        with archive.open(info) as stream:
            if ods and name == "content.xml":
                return _walk_ods(path, stream, budget, limits), False
            if not ods and name.rpartition("/")[2] == "sharedstrings.xml":
                return _check_strings(path, stream, budget, limits), False
            return _drain(path, stream, budget, limits), False
    except (InputError, MemoryError):
        raise
    except DeclaresEntities:
        where = f"sheet '{sheet}'" if sheet else f"part '{info.filename}'"
        raise InputError(
            f"{path}: {where} declares a document type (DTD), which a workbook never has; "
            "refused as unsafe to open"
        ) from None
    except Exception as exc:
        _raise_if_out_of_memory(exc)
        where = f"sheet '{sheet}'" if sheet else f"part '{info.filename}'"
        raise InputError(
            f"{path}: the workbook is damaged ({where} is corrupt); copy it again or re-save it in Excel"
        ) from None


class SheetScans:
    """The worksheets' share of the pre-check, run on a thread beside the reader.

    A large workbook's worksheets take seconds to unpack and scan, about half as long as
    the reader takes to load them, and the scan holds the interpreter while the reader
    does not; so the loader lets the reader start on a sheet as soon as that sheet has
    passed (`passed`), instead of after the last one. Everything else in the package
    (sizes, ratios, the shared-strings count) has passed before the reader opens the
    file, and no sheet reaches the reader unscanned. The worksheets are scanned in the
    package's order, as `inspect` scans them, so a workbook with two faults is refused
    for the same one.
    """

    def __init__(
        self, path: Path, infos: list[zipfile.ZipInfo], sheets: dict[str, str], limits: Limits, budget: int
    ) -> None:
        self.path, self.infos, self.sheets, self.limits, self.budget = path, infos, sheets, limits, budget
        self._done: dict[str, bool] = {}  # sheet -> may hold errors or formulas
        self._error: BaseException | None = None
        self._finished = False
        self._stopping = False
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = threading.Thread(
            target=self._run, name="annexa-check pre-check", daemon=True
        )
        try:
            self._thread.start()
        except RuntimeError:  # no thread to be had (a process under a tight memory cap): scan now, here
            self._thread = None
            self._run()

    def _run(self) -> None:
        try:
            with zipfile.ZipFile(self.path) as archive:
                for info in self.infos:
                    if self._stopping:
                        break
                    sheet = self.sheets[info.filename]
                    part = (self.path, archive, info, self.limits, sheet, self.budget, False)
                    unpacked, markers = _stream_part(*part)
                    self.budget -= unpacked
                    with self._changed:
                        self._done[sheet] = markers
                        self._changed.notify_all()
        except BaseException as exc:  # handed to the thread that waits: the refusal is its to report
            if _out_of_memory(exc):
                exc = MemoryError(str(exc))
            self._error = exc if isinstance(exc, (InputError, MemoryError)) else _damaged(self.path)
        finally:
            with self._changed:
                self._finished = True
                self._changed.notify_all()

    def passed(self, sheet: str) -> bool:
        """Wait until `sheet` has passed (whether it may hold errors or formulas), or raise its refusal.

        A sheet that is not a worksheet part (a chart sheet) waits for the whole scan.
        """
        with self._changed:
            self._changed.wait_for(lambda: sheet in self._done or self._error is not None or self._finished)
            if sheet in self._done:
                return self._done[sheet]
        self.finish()  # raises the refusal that stopped the scan, if one did
        return False

    def finish(self) -> set[str]:
        """Wait for every worksheet; raise the first refusal, else return the sheets marked."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return {sheet for sheet, markers in self._done.items() if markers}

    def stop(self) -> None:
        """Stop at the next part (the check failed elsewhere) and wait for the thread to end."""
        self._stopping = True
        if self._thread is not None:
            self._thread.join()


def _out_of_memory(exc: BaseException) -> bool:
    """The process ran out of memory (a batch worker's cap), which is not the file's fault:
    zlib says so as its error -4 (Z_MEM_ERROR), the system as ENOMEM."""
    if isinstance(exc, zlib.error):
        return str(exc).startswith("Error -4 ")
    return isinstance(exc, OSError) and exc.errno == errno.ENOMEM


def _raise_if_out_of_memory(exc: Exception) -> None:
    if _out_of_memory(exc):
        raise MemoryError(str(exc)) from exc


def _damaged(path: Path) -> InputError:
    return InputError(
        f"{path}: the workbook is damaged or incomplete (its zip package is truncated or corrupt); "
        "copy it again or re-save it in Excel"
    )


def unpacked_chunks(path: Path, stream: IO[bytes], budget: int, limits: Limits) -> Iterator[bytes]:
    """A part a megabyte at a time, refused as soon as the whole package passes the unpacked limit."""
    unpacked = 0
    while chunk := stream.read(_CHUNK):
        unpacked += len(chunk)
        if unpacked > budget:
            raise InputError(too_big(path, limits.max_unpacked_mb * MB - budget + unpacked, limits))
        yield chunk


def _drain(path: Path, stream: IO[bytes], budget: int, limits: Limits) -> int:
    return sum(len(chunk) for chunk in unpacked_chunks(path, stream, budget, limits))


def _scan_sheet(
    path: Path, sheet: str, budget: int, limits: Limits, reopen: Callable[[], IO[bytes]]
) -> tuple[int, bool]:
    """A worksheet's extent and whether it may hold error cells or formulas; returns (bytes, markers).

    Most parts are canonical (every cell `<c r="B7"`, no comments or prefixes), and for
    them the highest row and column come from a search for a cell beyond the highest
    seen so far, which runs in C and rarely finds one. A part that is not canonical
    anywhere gets the full XML walk (`SheetWalk`), which places every cell as the
    reader would.
    """
    fast = _canonical_extent(path, sheet, budget, limits, reopen)
    if fast is not None:
        return fast
    walk = SheetWalk()
    unpacked = 0
    with reopen() as stream:
        for chunk in unpacked_chunks(path, stream, budget, limits):
            unpacked += len(chunk)
            walk.feed(chunk)
            _check_walk(path, sheet, walk, limits)
        walk.feed(b"", final=True)
    _check_walk(path, sheet, walk, limits)
    if walk.dimension is not None:
        corners = [parse_ref(corner) for corner in walk.dimension.split(":", 1)]
        if all(corners) and len(corners) in (1, 2):
            top, bottom = corners[0], corners[-1]
            assert top is not None and bottom is not None
            _check_span(path, sheet, top, bottom, limits)
    return unpacked, walk.markers


def _check_walk(path: Path, sheet: str, walk: SheetWalk, limits: Limits) -> None:
    if walk.bad_ref is not None:
        raise InputError(
            f"{path}: the workbook is damaged (sheet '{sheet}' has a malformed cell reference, "
            f"'{walk.bad_ref}'); re-save it in Excel"
        )
    if walk.outside is not None:
        _outside(path, sheet, walk.outside)
    if walk.max_col >= 0:
        _check_span(path, sheet, (1, 0), (walk.max_row, walk.max_col), limits)


def _outside(path: Path, sheet: str, ref: str) -> None:
    raise InputError(
        f"{path}: the workbook is damaged (sheet '{sheet}' has a cell outside Excel's grid, at {ref}); "
        "re-save it in Excel"
    )


@dataclass
class _Canonical:
    """A fast pass over one part: the farthest cell found, and whether the part is still canonical.

    The first pass (`exact` False) looks, in C, for an odd cell or a canonical one whose
    reference is longer (more letters or more digits) than the farthest so far; a
    sheet written in order has about ten. That bounds the extent by the lengths seen
    (`upper_bound`); only a sheet whose bound passes the limit gets the `exact` pass,
    which finds every cell right of or below the farthest so far.
    """

    exact: bool = False
    max_row: int = 0
    max_col: int = -1
    in_data: bool = False
    markers: bool = False
    hits: int = 0

    def examine(self, window: bytes, final: bool) -> bool:
        """Take in one window; False when the part is not canonical (or too disordered to be quick).

        A match whose last bytes may lie in the next chunk (within `_TAIL // 2` of the
        end) is left to the next window, which overlaps this one by `_TAIL`.
        """
        near_end = len(window) if final else len(window) - _TAIL // 2
        if not self.exact:
            if (b"!" in window and b"<!" in window) or _PREFIXED.search(window):
                return False
            if not self.in_data:
                odd = _ODD_DIMENSION.search(window)
                if odd and odd.start() < near_end:
                    return False
                self.in_data = b"<sheetData" in window
            self.markers = self.markers or b't="e"' in window or bool(_FORMULA.search(window))
        cut = len(window)
        while (cut := window.rfind(b'<c r="', 0, cut)) >= 0:  # the last whole cell: usually the farthest
            if last := _CANON_REF.match(window, cut):
                self._reach(last)
                break
        position = 0
        while (hit := self._pattern().search(window, position)) is not None:
            if hit.start() >= near_end:
                break
            found = _CANON_REF.match(window, hit.start())
            self.hits += 1
            if found is None or self.hits > _MAX_HITS:
                return False
            self._reach(found)
            position = hit.start() + 1
        return True

    def _pattern(self) -> re.Pattern[bytes]:
        if self.exact:
            return _cells_beyond(self.max_col, self.max_row)
        return _cells_longer(*self._lengths())

    def _lengths(self) -> tuple[int, int]:
        return (len(column_letter(self.max_col)) if self.max_col >= 0 else 0), len(str(self.max_row or ""))

    def _reach(self, cell: re.Match[bytes]) -> None:
        self.max_row = max(self.max_row, int(cell.group(2)))
        self.max_col = max(self.max_col, column_index(cell.group(1)))

    def upper_bound(self) -> int:
        """The most cells the sheet can span when no reference is longer than the farthest's."""
        letters, digits = self._lengths()
        return (10**digits - 1) * sum(26**n for n in range(1, letters + 1))


def _canonical_extent(
    path: Path, sheet: str, budget: int, limits: Limits, reopen: Callable[[], IO[bytes]]
) -> tuple[int, bool] | None:
    """The fast passes: (bytes, markers) for a canonical part, or None when it is not one.

    The reader takes the dimension only before `<sheetData>`, so it is looked for there.
    """
    state = _Canonical()
    unpacked = 0
    window = b""
    with reopen() as stream:
        for chunk in unpacked_chunks(path, stream, budget, limits):
            unpacked += len(chunk)
            window = window[-_TAIL:] + chunk
            if not state.in_data and (dimension := _DIMENSION.search(window)):
                left, top, right, bottom = dimension.groups()
                first = (int(top), column_index(left))
                _check_span(path, sheet, first, (int(bottom or top), column_index(right or left)), limits)
            if not state.examine(window, final=False):
                return None
            _check_canonical(path, sheet, state, window, limits)
    if not state.examine(window[-_TAIL:], final=True):
        return None
    _check_canonical(path, sheet, state, window, limits)
    if state.upper_bound() > limits.max_sheet_cells:
        exact = _Canonical(exact=True, max_row=state.max_row, max_col=state.max_col)
        window = b""
        with reopen() as stream:
            while chunk := stream.read(_CHUNK):
                window = window[-_TAIL:] + chunk
                if not exact.examine(window, final=False):
                    return None
                _check_canonical(path, sheet, exact, window, limits)
        if not exact.examine(window[-_TAIL:], final=True):
            return None
        _check_canonical(path, sheet, exact, window, limits)
    return unpacked, state.markers


def _check_canonical(path: Path, sheet: str, state: _Canonical, window: bytes, limits: Limits) -> None:
    if state.max_col >= EXCEL_COLUMNS or state.max_row > EXCEL_ROWS:
        _outside(path, sheet, _first_outside(window))
    if state.max_col >= 0:
        _check_span(path, sheet, (1, 0), (state.max_row, state.max_col), limits)


def _first_outside(window: bytes) -> str:
    for found in _CANON_REF.finditer(window):
        if column_index(found.group(1)) >= EXCEL_COLUMNS or int(found.group(2)) > EXCEL_ROWS:
            return (found.group(1) + found.group(2)).decode()
    return "?"  # not reached: the cell that raised the extent is in this window


@lru_cache(maxsize=64)
def _cells_longer(letters: int, digits: int) -> re.Pattern[bytes]:
    """An odd cell, or a canonical one whose reference has more letters or digits than given."""
    odd = rb'<c(?:[\t\n\r>/]| (?!r=")| r="'
    if not letters or not digits:
        return re.compile(odd + rb")")
    return re.compile(odd + rb"(?![A-Z]{1,%d}+[1-9][0-9]{0,%d}+\"))" % (letters, digits - 1))


@lru_cache(maxsize=256)
def _cells_beyond(max_col: int, max_row: int) -> re.Pattern[bytes]:
    """A canonical cell right of `max_col` or below `max_row`."""
    columns = _greater(column_letter(max_col) if max_col >= 0 else "", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3)
    rows = _greater(str(max_row) if max_row else "", "0123456789", 7, first="123456789")
    return re.compile(rb'<c r="(?:(?:' + columns + rb")[1-9]|[A-Z]{1,3}+(?:" + rows + rb')")')


def _greater(shown: str, alphabet: str, longest: int, first: str | None = None) -> bytes:
    """A regex for the strings of `alphabet` up to `longest` long that sort after `shown` as numbers do."""
    first = first or alphabet
    options = []
    if len(shown) < longest:
        options.append(
            f"[{first[0]}-{first[-1]}][{alphabet[0]}-{alphabet[-1]}]{{{len(shown)},{longest - 1}}}"
        )
    for i, ch in enumerate(shown):
        allowed = (first if i == 0 else alphabet)[(first if i == 0 else alphabet).index(ch) + 1 :]
        if allowed:
            rest = len(shown) - i - 1
            options.append(
                f"{re.escape(shown[:i])}[{allowed[0]}-{allowed[-1]}][{alphabet[0]}-{alphabet[-1]}]{{{rest}}}"
            )
    return "|".join(options).encode() if options else b"(?!)"


def _check_span(
    path: Path, sheet: str, top_left: tuple[int, int], bottom_right: tuple[int, int], limits: Limits
) -> None:
    """Refuse a sheet spanning more cells than the limit; corners are (Excel row, 0-based column)."""
    rows = abs(bottom_right[0] - top_left[0]) + 1
    cols = abs(bottom_right[1] - top_left[1]) + 1
    if rows * cols > limits.max_sheet_cells:
        ref = f"{_letters(top_left[1])}{top_left[0]}:{_letters(bottom_right[1])}{bottom_right[0]}"
        raise InputError(
            f"{path}: sheet '{sheet}' spans {ref} ({rows * cols:,} cells), above the "
            f"{limits.max_sheet_cells:,}-cell limit; delete the stray cells far from the data "
            f"(Ctrl+End in Excel shows the last one) and save again, or {raise_with('max_sheet_cells')}"
        )


def _letters(column: int) -> str:
    return column_letter(column) if column < 1_000_000 else "(far past XFD)"


class _Declared(Exception):
    """Stops the walk of a shared-strings table once its first element has been seen."""


def _check_strings(path: Path, stream: IO[bytes], budget: int, limits: Limits) -> int:
    """The shared-strings table's declared counts: the reader reserves room for that many up front."""
    declared: dict[str, str] = {}

    def start(_name: str, attrs: dict[str, str]) -> None:
        declared.update(attrs)
        raise _Declared

    parser = safe_parser()
    parser.StartElementHandler = start
    unpacked = 0
    looking = True
    for chunk in unpacked_chunks(path, stream, budget, limits):
        unpacked += len(chunk)
        if looking:
            try:
                parser.Parse(chunk, False)
            except _Declared:
                looking = False
    counts = {a: declared.get(a, "0").strip() for a in ("uniqueCount", "count")}
    _check_string_count(path, {a: int(v) if v.isdigit() else 0 for a, v in counts.items()}, limits)
    return unpacked


def _check_string_count(path: Path, counts: dict[str, int], limits: Limits) -> None:
    """A shared-strings table's declared counts (`uniqueCount` first): the reader reserves that many."""
    for attribute in ("uniqueCount", "count"):
        if (count := counts[attribute]) > limits.max_strings:
            raise InputError(
                f"{path}: the shared strings table declares {count:,} entries ({attribute}), above the "
                f"{limits.max_strings:,}-entry limit; refused as unsafe to open; if it is genuine, "
                f"{raise_with('max_strings')}"
            )


_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


@dataclass
class _OdsTables:
    """Running counts of the OpenDocument table being read.

    The reader copies a repeated cell that holds a value once per repeat (a repeated
    empty cell costs it nothing), so what it allocates is the extent of the valued
    cells, repeats included; and every copy costs as much time as a written cell.
    """

    path: Path
    limits: Limits
    table: str = ""
    row: int = 0  # rows of this table before the current one, repeats counted
    rows: int = 0  # extent of valued cells
    cols: int = 0
    copies: int = 0  # valued cells that exist only as repeats
    row_repeat: int = 1
    col: int = 0  # columns of this row before the current cell
    row_cols: int = 0
    row_valued: int = 0
    cell_repeat: int = 0
    cell_valued: bool = False
    in_cell: bool = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == f"{_TABLE} table":
            self.table, self.row, self.rows, self.cols, self.copies = (
                attrs.get(f"{_TABLE} name", "")[:64],
                0,
                0,
                0,
                0,
            )
        elif name == f"{_TABLE} table-row":
            self.row_repeat = _repeat(attrs, f"{_TABLE} number-rows-repeated")
            self.col = self.row_cols = self.row_valued = 0
        elif name in (f"{_TABLE} table-cell", f"{_TABLE} covered-table-cell"):
            self.in_cell, self.cell_repeat = True, _repeat(attrs, f"{_TABLE} number-columns-repeated")
            self.cell_valued = f"{_OFFICE} value-type" in attrs
        elif self.in_cell:
            self.cell_valued = True  # content (a paragraph) without a declared type

    def end(self, name: str) -> None:
        if name in (f"{_TABLE} table-cell", f"{_TABLE} covered-table-cell"):
            self.in_cell = False
            if self.cell_valued:
                self.row_cols = self.col + self.cell_repeat
                self.row_valued += self.cell_repeat
                self.copies += self.cell_repeat - 1
            self.col += self.cell_repeat
        elif name == f"{_TABLE} table-row":
            if self.row_valued:
                self.rows, self.cols = self.row + self.row_repeat, max(self.cols, self.row_cols)
                self.copies += (self.row_repeat - 1) * self.row_valued
            self.row += self.row_repeat
            self._check()

    def _check(self) -> None:
        cells = self.rows * self.cols
        if cells > self.limits.max_sheet_cells:
            raise InputError(
                f"{self.path}: sheet '{self.table}' spans {self.rows:,} rows by {self.cols:,} columns "
                f"({cells:,} cells, counting repeated rows and columns), above the "
                f"{self.limits.max_sheet_cells:,}-cell limit; refused as unsafe to open; if it is genuine, "
                f"{raise_with('max_sheet_cells')}"
            )
        if self.copies > self.limits.max_repeated_cells:
            raise InputError(
                f"{self.path}: sheet '{self.table}' repeats cells into {self.copies:,} copies, above the "
                f"{self.limits.max_repeated_cells:,}-copy limit (rows of a return are not copies of each "
                f"other); refused as unsafe to open; if it is genuine, {raise_with('max_repeated_cells')}"
            )


def _repeat(attrs: dict[str, str], name: str) -> int:
    value = attrs.get(name, "1").strip()
    return int(value) if value.isdigit() else 1


def _walk_ods(path: Path, stream: IO[bytes], budget: int, limits: Limits) -> int:
    """Each table's extent in an OpenDocument spreadsheet, repeats counted, never expanded.

    The reader expands `table:number-rows-repeated` and `table:number-columns-repeated`
    into real cells, so a few bytes can declare billions of them.
    """
    parser = safe_parser(namespaces=True)
    tables = _OdsTables(path, limits)
    parser.StartElementHandler = tables.start
    parser.EndElementHandler = tables.end
    unpacked = 0
    for chunk in unpacked_chunks(path, stream, budget, limits):
        unpacked += len(chunk)
        parser.Parse(chunk, False)
    parser.Parse(b"", True)
    return unpacked
