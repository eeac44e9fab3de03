"""A cheap look at a file before the spreadsheet reader is given it.

The reader (calamine) trusts what a workbook declares: a sheet that declares, or holds a
cell at, XFD1048576 makes it reserve hundreds of gigabytes and abort the whole process
(no exception to catch), and a zip bomb drives it to gigabytes of memory. So before the
real read this module tells the format from the file's first bytes, reads the zip
directory, and streams every part once (never holding one in memory) to check declared
and real sizes and each sheet's extent against `Limits`. Every refusal is one line
naming the file (and sheet) and what to do about it; none quotes a cell.

The same pass notes which worksheets may hold error cells or formulas, so the cell scan
in `cells.py` does not decompress them a second time.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO

from annexa_check.errors import InputError
from annexa_check.read.cells import QUICK_MARKERS, column_index, column_letter, sheet_parts

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 compound file: legacy .xls, or an encrypted workbook
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
SUFFIX_FORMAT = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}
_FORMAT_NAME = {"xlsx": ".xlsx workbook", "xls": "legacy .xls workbook", "ods": "OpenDocument spreadsheet"}
_FORMAT_SUFFIX = {"xlsx": ".xlsx", "xls": ".xls", "ods": ".ods"}
_ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
_XLS_STREAMS = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))
_DIMENSION = re.compile(rb'<dimension\b[^>]*?\bref="([A-Za-z]{1,3})(\d{1,9})(?::([A-Za-z]{1,3})(\d{1,9}))?"')
_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})(\d{1,9})"')
# A cell the first-and-last view would miss: a column past ZZ (702), or a row with more
# digits than the last row seen so far (cells come in row order, so in Excel's own files
# nothing matches), or, once rows reach 1,000,000, a row past Excel's last (1,048,576).
_ROW_PAST_EXCEL = (
    rb"(?:\d{8,}|10(?:4(?:8(?:5(?:7[7-9]|[89]\d)|[6-9]\d\d)|9\d{3})|[5-9]\d{4})|1[1-9]\d{5}|[2-9]\d{6})"
)
_FAR_CELL = {
    digits: re.compile(
        rb'r="([A-Z]{3,}|[A-Z]{1,2}(?='
        + (rb"\d{%d,}" % (digits + 1) if digits < 7 else _ROW_PAST_EXCEL)
        + rb'"))(\d+)"'
    )
    for digits in range(1, 8)
}
_ANY_ROW = re.compile(rb'<c\b[^>]*?\br="[A-Z]+(\d+)"')
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
_HEAD = 64 * 1024
_TAIL = 4096
_CHUNK = 1 << 20
MB = 1_000_000
_RATIO_FLOOR = 10 * MB  # small parts may pack very well (a blank sheet) without harm


@dataclass(frozen=True)
class Limits:
    """Ceilings a workbook must stay under before it is read (documented in the README).

    `max_unpacked_mb` is the one a genuine return can meet (a million rows unpacks to
    about 560 MB); `--max-unpacked-mb` or `max_unpacked_mb` in the settings file sets
    it (the command line wins).
    """

    max_unpacked_mb: int = 1000  # everything inside the zip, unpacked
    max_sheet_cells: int = 50_000_000  # rows x columns one sheet may span (1,048,576 x 47)
    max_ratio: int = 1000  # unpacked / packed size of one part over 10 MB (XML packs 5-20 times)
    max_parts: int = 10_000  # files inside the zip (a workbook has tens)


DEFAULT_LIMITS = Limits()


@dataclass
class Inspection:
    """What the pre-check learnt about a file it let through."""

    format: str  # "xlsx", "xls" or "ods"
    marked_sheets: set[str] = field(default_factory=set)  # xlsx sheets that may hold errors or formulas


def inspect(path: Path, limits: Limits = DEFAULT_LIMITS) -> Inspection:
    """Refuse a file the reader cannot read safely, with a one-line reason; else say what it is."""
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
        return _check_zip(path, expected, limits)
    except InputError:
        raise
    except Exception:  # any fault in the zip structure: truncated, corrupt data, bad checksum
        raise InputError(
            f"{path}: the workbook is damaged or incomplete (its zip package is truncated or corrupt); "
            "copy it again or re-save it in Excel"
        ) from None


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
    for in the whole of it; the format caps an .xls at 65,536 rows, so that is cheap.
    """
    if path.stat().st_size > limits.max_unpacked_mb * MB:
        raise InputError(_too_big(path, path.stat().st_size, limits))
    content = path.read_bytes()
    if any(name in content for name in _ENCRYPTED_STREAMS):
        raise InputError(f"{path}: the workbook is password-protected; save an unprotected copy")
    if not any(name in content for name in _XLS_STREAMS):
        raise InputError(f"{path}: not an Excel workbook (an Office file of another kind, such as a .doc)")
    if expected != "xls":
        raise _misnamed(path, "xls")


def _check_zip(path: Path, expected: str, limits: Limits) -> Inspection:
    with zipfile.ZipFile(path) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        _check_declared_sizes(path, infos, limits)
        names = {info.filename for info in infos}
        if "xl/workbook.bin" in names:
            raise InputError(
                f"{path}: a binary .xlsb workbook, which annexa-check does not read; "
                "open it in Excel and save it as .xlsx (Excel Workbook)"
            )
        if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
            if expected != "ods":
                raise _misnamed(path, "ods")
            _stream_parts(path, archive, infos, limits, {})
            return Inspection(format="ods")
        if "xl/workbook.xml" not in names:
            raise InputError(f"{path}: a zip file, but not an Excel workbook (it has no xl/workbook.xml)")
        if expected != "xlsx":
            raise _misnamed(path, "xlsx")
        sheets = {part: sheet for sheet, part in sheet_parts(archive).items() if part in names}
        return Inspection(format="xlsx", marked_sheets=_stream_parts(path, archive, infos, limits, sheets))


def _check_declared_sizes(path: Path, infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """What the zip directory declares, before anything is unpacked."""
    if len(infos) > limits.max_parts:
        raise InputError(
            f"{path}: the zip package holds {len(infos):,} files, more than the {limits.max_parts:,} "
            "a workbook plausibly has; refused as unsafe to open"
        )
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_unpacked_mb * MB:
        raise InputError(_too_big(path, declared, limits))
    for info in infos:
        ratio = info.file_size // max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > limits.max_ratio:
            raise InputError(
                f"{path}: '{info.filename}' unpacks to {ratio:,} times its packed size "
                f"(more than {limits.max_ratio:,}: a zip bomb); refused as unsafe to open"
            )


def _too_big(path: Path, unpacked: int, limits: Limits) -> str:
    return (
        f"{path}: a {_size(path.stat().st_size)} file that unpacks to {_size(unpacked)} or more, above the "
        f"{limits.max_unpacked_mb:,} MB limit (a zip bomb, or far larger than an Annex A return); "
        "if the workbook is genuine, raise the limit with --max-unpacked-mb"
    )


def _size(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n >= MB else f"{max(n // 1000, 1):,} KB"


def _stream_parts(
    path: Path,
    archive: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    limits: Limits,
    sheets: dict[str, str],
) -> set[str]:
    """Unpack every part once, as a stream: real sizes, and each worksheet's extent.

    A part may declare less than it holds; Python's zip reader stops at the declared size
    and then fails the checksum, so the excess is never unpacked. Returns the sheets that
    may hold error cells or formulas.
    """
    budget = limits.max_unpacked_mb * MB
    marked: set[str] = set()
    for info in infos:
        sheet = sheets.get(info.filename)
        try:
            with archive.open(info) as stream:
                if sheet is None:
                    unpacked = _drain(path, stream, budget, limits)
                else:
                    reopen = partial(archive.open, info)
                    unpacked, has_markers = _scan_sheet(path, sheet, stream, budget, limits, reopen)
                    if has_markers:
                        marked.add(sheet)
        except InputError:
            raise
        except Exception:
            where = f"sheet '{sheet}'" if sheet else f"part '{info.filename}'"
            raise InputError(
                f"{path}: the workbook is damaged ({where} is corrupt); copy it again or re-save it in Excel"
            ) from None
        budget -= unpacked
    return marked


def _drain(path: Path, stream: IO[bytes], budget: int, limits: Limits) -> int:
    unpacked = 0
    while chunk := stream.read(_CHUNK):
        unpacked += len(chunk)
        if unpacked > budget:
            raise InputError(_too_big(path, limits.max_unpacked_mb * MB - budget + unpacked, limits))
    return unpacked


def _scan_sheet(
    path: Path, sheet: str, stream: IO[bytes], budget: int, limits: Limits, reopen: Callable[[], IO[bytes]]
) -> tuple[int, bool]:
    """One pass over a worksheet's XML: declared dimension, first and last cell, far cells, markers.

    Excel writes cells in order, so the first and last give the extent; a cell written out
    of order far away is caught by the cheap far-cell search (`_FAR_CELL`), and a column
    past ZZ anywhere costs a second pass for the exact last row.
    """
    head = stream.read(_HEAD)
    dimension = _DIMENSION.search(head)
    if dimension is not None:
        left, top, right, bottom = dimension.groups()
        _check_extent(path, sheet, (left, top), (right or left, bottom or top), limits)
    first = _CELL.search(head)
    last = None
    widest = lowest = -1
    markers = False
    unpacked, window = len(head), head
    while True:
        markers = markers or any(marker in window for marker in QUICK_MARKERS)
        cut = window.rfind(b"<c ")
        if cut >= 0 and (found := _CELL.match(window, cut)):
            last = found
        digits = min(len(last.group(2)) if last is not None else 1, 7)
        for far in _FAR_CELL[digits].finditer(window):
            column, row = column_index(far.group(1)), int(far.group(2))
            if column >= EXCEL_COLUMNS or row > EXCEL_ROWS:
                raise InputError(
                    f"{path}: the workbook is damaged (sheet '{sheet}' has a cell outside Excel's grid, "
                    f"at {far.group(1).decode()[:8]}{row}); re-save it in Excel"
                )
            widest, lowest = max(widest, column), max(lowest, row)
        if first is None:
            first = _CELL.search(window)
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        unpacked += len(chunk)
        if unpacked > budget:
            raise InputError(_too_big(path, limits.max_unpacked_mb * MB - budget + unpacked, limits))
        window = window[-_TAIL:] + chunk
    if first is not None and last is not None:
        if widest >= 702:
            with reopen() as again:
                lowest = max(lowest, _last_row(again))
        right = max(column_index(last.group(1)), widest)
        bottom = max(int(last.group(2)), lowest)
        top_left = (first.group(1), first.group(2))
        _check_extent(path, sheet, top_left, (column_letter(right).encode(), str(bottom).encode()), limits)
    return unpacked, markers


def _last_row(stream: IO[bytes]) -> int:
    """The highest row any cell names (a full pass, for the rare sheet that needs it)."""
    lowest, window = 0, b""
    while chunk := stream.read(_CHUNK):
        window = window[-_TAIL:] + chunk
        lowest = max(lowest, *(int(row) for row in _ANY_ROW.findall(window)), 0)
    return lowest


def _check_extent(
    path: Path, sheet: str, top_left: tuple[bytes, bytes], bottom_right: tuple[bytes, bytes], limits: Limits
) -> None:
    rows = abs(int(bottom_right[1]) - int(top_left[1])) + 1
    cols = abs(column_index(bottom_right[0]) - column_index(top_left[0])) + 1
    if rows * cols > limits.max_sheet_cells:
        ref = f"{top_left[0].decode()}{int(top_left[1])}:{bottom_right[0].decode()}{int(bottom_right[1])}"
        raise InputError(
            f"{path}: sheet '{sheet}' spans {ref.upper()} ({rows * cols:,} cells), above the "
            f"{limits.max_sheet_cells:,}-cell limit; delete the stray cells far from the data "
            "(Ctrl+End in Excel shows the last one) and save again"
        )
