"""Lists that never were a workbook: a folder or zip of CSV extracts, or data frames in memory.

Councils that build Annex A with SQL hold the lists as CSV files or frames long before
anyone makes a workbook. Each container is turned into the grid of text a sheet would
give (row i of the grid is row i + 1 of the sheet), then the workbook loader's own
name matching, header recognition, cleaning and row numbering take over, so the same
cells give the same findings whatever they arrived in.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from annexa_check.annex.model import Layout
from annexa_check.errors import InputError
from annexa_check.read.loader import (
    HEADER_SEARCH_ROWS,
    LoadedList,
    LoadedWorkbook,
    list_by_headers,
    lists_by_name,
    load_workbook,
    read_list,
)
from annexa_check.read.safety import DEFAULT_LIMITS, MB, Limits, check_declared_sizes, unpacked_chunks

EXTRACT_SUFFIXES = (".csv", ".tsv", ".txt")
_UTF8_LETTER = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")  # a multi-byte UTF-8 sequence (before the first fault)
Frames = Mapping[str, pl.DataFrame]
Source = Path | str | Frames


def load_source(
    source: Source,
    spec: Layout,
    on_sheet: Callable[[str, int, int], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> LoadedWorkbook:
    """Read whatever holds the lists: a workbook, a folder or .zip of CSV files, or a mapping of frames."""
    if isinstance(source, Mapping):
        return load_frames(source, spec)
    path = Path(source)
    if path.is_dir() or path.suffix.lower() == ".zip":
        return load_extracts(path, spec, on_sheet, limits)
    return load_workbook(path, spec, on_sheet, limits)


# ---------------------------------------------------------------------------- CSV extracts


def load_extracts(
    path: Path | str,
    spec: Layout,
    on_sheet: Callable[[str, int, int], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> LoadedWorkbook:
    """Read a folder or .zip of CSV files, one per list, recognised by file name or else by headers.

    The load report's sheet for each list is its file name.
    """
    path = Path(path)
    if path.is_dir():
        files = _folder_files(path)
    elif path.suffix.lower() == ".zip":
        files = _zip_files(path, limits)
    elif path.exists():
        raise InputError(f"{path}: not a folder or a .zip of CSV files")
    else:
        raise InputError(f"{path}: folder not found")
    if not files:
        raise InputError(
            f"{path}: no CSV files found (expected one file per list, named like List_1.csv ... List_11.csv)"
        )
    grids = {name: _grid(where, data) for name, (where, data) in files.items()}
    names = list(grids)
    notes: list[str] = []
    assigned = lists_by_name(names, spec, notes, kind="file")
    lists = {key: LoadedList(spec=lst) for key, lst in spec.lists.items()}
    for key in assigned:
        lists[key].found_by = "file name"
    for name in names:
        if name in assigned.values():
            continue
        found = list_by_headers(grids[name].head(HEADER_SEARCH_ROWS), spec, assigned)
        if found is not None:
            assigned[found] = name
            lists[found].found_by = "headers"
    if not assigned:
        shown = ", ".join(f"'{n}'" for n in names[:6]) + (", ..." if len(names) > 6 else "")
        raise InputError(
            f"{path}: no Annex A list found (files: {shown}); expected files named like List_1.csv ... "
            "List_11.csv or with the template's column headers"
        )
    for done, (key, name) in enumerate(assigned.items()):
        if on_sheet is not None:
            on_sheet(name, done, len(assigned))
        lists[key].sheet = name
        grid = grids[name]
        read_list(lists[key], grid, list(range(grid.width)))
    ignored = [n for n in names if n not in assigned.values()]
    return LoadedWorkbook(path=path, lists=lists, sheets=names, ignored_sheets=ignored, notes=notes)


def _is_extract(name: str) -> bool:
    base = name.rpartition("/")[2]
    return (
        base.lower().endswith(EXTRACT_SUFFIXES)
        and not base.startswith(("._", "~$"))
        and not name.startswith("__MACOSX/")
    )


def _folder_files(path: Path) -> dict[str, tuple[str, bytes]]:
    """File name -> (how to name it in a message, its bytes), for the CSV files directly in a folder."""
    files = {}
    for child in sorted(path.iterdir(), key=lambda p: p.name.casefold()):
        if child.is_file() and _is_extract(child.name):
            try:
                files[child.name] = (str(child), child.read_bytes())
            except OSError as exc:
                raise InputError(
                    f"{child}: cannot be opened ({exc.strerror or type(exc).__name__})"
                ) from None
    return files


def _zip_files(path: Path, limits: Limits) -> dict[str, tuple[str, bytes]]:
    """The CSV files in a zip, unpacked under the same limits as a workbook's zip package."""
    if not path.exists():
        raise InputError(f"{path}: file not found")
    files: dict[str, tuple[str, bytes]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            check_declared_sizes(path, infos, limits)
            budget = limits.max_unpacked_mb * MB
            for info in sorted(infos, key=lambda i: i.filename.casefold()):
                if not _is_extract(info.filename):
                    continue
                name = info.filename.rpartition("/")[2]
                where = f"{path}: '{info.filename}'"
                if info.flag_bits & 0x1:
                    raise InputError(
                        f"{where} is password-protected; extract it, or zip it without a password"
                    )
                if name in files:
                    raise InputError(f"{where}: a second file named '{name}' in the zip; keep one")
                with archive.open(info) as stream:
                    data = b"".join(unpacked_chunks(path, stream, budget, limits))
                budget -= len(data)
                files[name] = (where, data)
    except (InputError, MemoryError):
        raise
    except zipfile.BadZipFile:
        raise InputError(f"{path}: not a zip file, or a damaged one; copy it again") from None
    except Exception:  # truncated data, bad checksum, an unsupported compression method
        raise InputError(f"{path}: the zip file is damaged or incomplete; copy it again") from None
    return files


def _decode(where: str, data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else Windows-1252, as Excel writes CSV files.

    A file is read as Windows-1252 only when nothing in it is UTF-8 beyond plain ASCII: a
    byte-order mark or a well-formed accented letter says the file is UTF-8, and reading it
    as Windows-1252 would turn every such letter into two wrong ones without a word. So a
    file that is neither, or mixes the two, is refused at the first byte that does not fit.
    UTF-16 (Excel's "Unicode Text") is refused by its mark, or at its first NUL byte.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            f"{where}: is UTF-16 text, which is not read; save it as CSV UTF-8 (comma delimited)"
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"{where}: cannot be decoded: byte 0x00 at offset {nul} is not text; save it as CSV UTF-8"
        )
    mark = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        return data[mark:].decode("utf-8")
    except UnicodeDecodeError as exc:
        start = mark + exc.start  # an offset in the file, counting the mark
    if mark or _UTF8_LETTER.search(data, 0, start):
        raise InputError(
            f"{where}: cannot be decoded: byte 0x{data[start]:02X} at offset {start} is not UTF-8, "
            "though the text before it is; save it as CSV UTF-8"
        ) from None
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{where}: cannot be decoded: byte 0x{data[exc.start]:02X} at offset {exc.start} is "
            "neither UTF-8 nor Windows-1252; save it as CSV UTF-8"
        ) from None


def _separator(text: str) -> str:
    """Tab or comma: whichever the first rows (where the header row is looked for) use more.

    A comma inside a tab-separated name, or a title row above the headers, cannot outvote
    the separator every row repeats.
    """
    head = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    return "\t" if head.count("\t") > head.count(",") else ","


def _grid(where: str, data: bytes) -> pl.DataFrame:
    """Every field as text, one frame row per record, so row i is record i + 1 as a spreadsheet shows it.

    Python's csv reader keeps blank lines (as empty rows) and rows with more or fewer fields
    than the header; both would shift or lose cells in a reader that needs a rectangle.
    """
    text = _decode(where, data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(text))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"{where}: line {reader.line_num}: cannot be read as CSV ({exc})") from None
    width = max((len(row) for row in rows), default=0)
    names = [f"column_{i}" for i in range(width)]
    padded = [row if len(row) == width else row + [""] * (width - len(row)) for row in rows]
    grid = pl.DataFrame(padded, schema=dict.fromkeys(names, pl.String), orient="row")
    return grid.with_columns(
        pl.when(pl.col(n) != "").then(pl.col(n)).alias(n) for n in names
    )  # blank -> null


# ---------------------------------------------------------------------------- data frames


def load_frames(frames: Frames, spec: Layout, name: str = "frames") -> LoadedWorkbook:
    """Read lists already in memory: list key ("list_1" ... "list_11") -> a polars DataFrame.

    Column names are the headers. Values of any type are first written as the workbook
    reader writes the same cell (`cell_text`), so a real date, an integer or a float ID
    is checked exactly as it would be in a workbook. The load report's sheet is the key.
    """
    if not frames:
        raise InputError(f"{name}: no lists given (expected list keys list_1 ... list_11 with their frames)")
    lists = {key: LoadedList(spec=lst) for key, lst in spec.lists.items()}
    for key, frame in frames.items():
        if key not in spec.lists:
            raise InputError(f"{name}: unknown list key {key!r} (expected list_1 ... list_11)")
        if not isinstance(frame, pl.DataFrame):
            raise InputError(f"{name}: {key} is a {type(frame).__name__}, not a polars DataFrame")
        loaded = lists[key]
        loaded.sheet, loaded.found_by = key, "list key"
        header = pl.DataFrame({f"column_{i}": [str(c)] for i, c in enumerate(frame.columns)})
        body = pl.DataFrame(
            [cell_text(frame.to_series(i), f"{name}: {key}").alias(f"column_{i}") for i in range(frame.width)]
        )
        grid = pl.concat([header, body]) if frame.width else header
        read_list(loaded, grid, list(range(frame.width)), named_columns=True)
    return LoadedWorkbook(path=Path(name), lists=lists, sheets=list(frames), ignored_sheets=[], notes=[])


def cell_text(series: pl.Series, where: str = "") -> pl.Series:
    """A column of any type as the workbook reader renders the same cells as text.

    A date reads `2024-01-31 00:00:00` (the loader then shows it as `31/01/2024` in a date
    column, as for a real Excel date), a datetime keeps its time, an integer and a float with
    nothing after the point have no `.0`, and a boolean is `true`/`false`.
    """
    dtype = series.dtype
    if dtype == pl.String:
        return series
    if dtype == pl.Null:
        return series.cast(pl.String)
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        _refuse_out_of_range(series, where)
    if dtype == pl.Date:
        return series.dt.strftime("%Y-%m-%d 00:00:00")
    if isinstance(dtype, pl.Datetime):
        whole = series.dt.strftime("%Y-%m-%d %H:%M:%S")
        millis = series.dt.strftime(".%3f")
        fraction = series.dt.nanosecond() > 0
        return (
            pl.select(pl.when(fraction).then(whole + millis).otherwise(whole)).to_series().alias(series.name)
        )
    if dtype == pl.Boolean:
        return series.replace_strict({True: "true", False: "false"}, return_dtype=pl.String)
    if dtype.is_float():
        # NaN is a frame's "missing" (no workbook cell holds one), so it reads as an empty cell
        return series.fill_nan(None).map_elements(_float_text, return_dtype=pl.String, skip_nulls=True)
    if dtype.is_integer() or dtype.is_decimal() or isinstance(dtype, (pl.Categorical, pl.Enum)):
        return series.cast(pl.String)
    raise InputError(
        f"{where}: column '{series.name}' holds {dtype} values, which no workbook cell can; "
        "give it as text, a number or a date"
    )


_DAYS_SHOWN = (
    95_000_000  # days either side of 1970 polars can write as text (±260,000 years); past it, it panics
)
_PER_DAY = {"ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def _refuse_out_of_range(series: pl.Series, where: str) -> None:
    """A date or datetime so far from today that no calendar shows it is refused with one line:
    writing it as text aborts inside polars (a panic, not an error), and no workbook cell holds one."""
    days = series.to_physical().cast(pl.Int64)
    dtype = series.dtype
    if isinstance(dtype, pl.Datetime):
        days = days // _PER_DAY[dtype.time_unit or "us"]
    far = days.abs() > _DAYS_SHOWN
    if far.any():
        index = far.arg_true()[0]
        raise InputError(
            f"{where}: column '{series.name}' holds a date hundreds of thousands of years away at index "
            f"{index}, which no workbook cell can; give a real date"
        )


def _float_text(value: Any) -> str:
    """A float as the reader writes a number cell: shortest digits, never an exponent, no trailing `.0`."""
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
