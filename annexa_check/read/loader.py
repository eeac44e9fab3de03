"""Workbook -> one polars frame of text per Annex A list, plus a report of what was found.

Every cell is read as text (calamine through fastexcel): type guessing from the first
rows silently nulls a late text value in a date column, so dates and numbers are parsed
later under the rules' control. Nothing here judges the data; it only finds the lists,
their header rows and columns, and records what could not be matched.
"""

from __future__ import annotations

import os
import queue
import re
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import fastexcel
import polars as pl

from annexa_check.annex.headers import HeaderMatcher
from annexa_check.annex.model import Layout, ListSpec
from annexa_check.annex.values import cleaned
from annexa_check.errors import InputError
from annexa_check.read.cells import CellScan, chart_sheets, column_letter, scan_cells
from annexa_check.read.safety import DEFAULT_LIMITS, Inspection, Limits, inspect

ROW = "__row"  # the Excel row number of each data row, as Excel shows it
HEADER_SEARCH_ROWS = 20
MIN_HEADER_MATCHES = 3
READ_THREADS = 2  # sheets read at once (the reader releases the interpreter lock)


@dataclass
class _Cores:
    alone: bool = True  # the check has the machine's cores to itself (see share_cores)


_CORES = _Cores()


def share_cores() -> None:
    """From now on this process is one of several checking workbooks at once (a batch's workers).

    It then scans and reads each sheet in turn, with no thread beside the check: the other
    workers keep every core busy, and threads would only contend with them for the cores.
    """
    _CORES.alone = False


_READER_DATE = r"^(\d{4})-(\d{2})-(\d{2}) 00:00:00$"
_SHEET_NUMBER = re.compile(r"^\s*list[\s_\-.]*0*(\d{1,2})(?!\d)", re.IGNORECASE)


@dataclass
class LoadedList:
    """One list as found in the workbook."""

    spec: ListSpec
    sheet: str | None = None
    found_by: str | None = None  # "sheet name" or "headers"
    header_row: int | None = None
    frame: pl.DataFrame | None = None
    matched: dict[str, str] = field(default_factory=dict)  # column key -> header as written
    unrecognised: list[str] = field(default_factory=list)
    letters: dict[str, str] = field(default_factory=dict)  # column key -> Excel column letter
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)  # (key, header, letter) not used
    problem: str | None = None  # why a sheet was found but could not be used

    @property
    def present(self) -> bool:
        return self.frame is not None

    @property
    def rows(self) -> int:
        return 0 if self.frame is None else self.frame.height


@dataclass
class LoadedWorkbook:
    path: Path
    lists: dict[str, LoadedList]
    sheets: list[str]
    ignored_sheets: list[str]
    notes: list[str] = field(default_factory=list)


def detect_template(workbook: LoadedWorkbook) -> str | None:
    """The template year from List 9's layout: the 2023/24 revision added four columns."""
    found = template_evidence(workbook)
    return found[0] if found else None


def template_evidence(workbook: LoadedWorkbook) -> tuple[str, str] | None:
    """The template year List 9's headers show, and why in words; None without a List 9.

    The 2023/24 revision changed List 9 alone, adding four columns, so one of them on List 9
    means 2023/24 and none of them means 2019. The other lists read the same in either.
    """
    care_leavers = workbook.lists.get("list_9")
    if care_leavers is None or not care_leavers.present:
        return None
    added = [c for c in care_leavers.spec.columns if "2019" not in c.templates]
    has = [care_leavers.matched[c.key] for c in added if c.key in care_leavers.matched]
    if has:
        first, *more = sorted(has, key=len)  # the shortest header reads best in one line
        also = f" and {len(more)} more column{'s' if len(more) > 1 else ''}" if more else ""
        return "2023", f"2023/24: List 9 has '{first}'{also} that the 2023/24 layout added"
    shortest = min((c.header for c in added), key=len)
    return (
        "2019",
        f"2019: List 9 has none of the {len(added)} columns the 2023/24 layout added (such as '{shortest}')",
    )


def _open(path: Path) -> fastexcel.ExcelReader:
    try:
        with _reader_quiet():
            return fastexcel.read_excel(str(path))
    except BaseException as exc:
        _reraise_interrupts(exc)
        reason = _first_line(exc)
        if "password" in reason.lower() or "encrypt" in reason.lower():
            raise InputError(f"{path}: the workbook is password-protected; save an unprotected copy") from exc
        raise InputError(f"{path}: cannot be read as a workbook", detail=reason) from exc


class _ReaderQuiet:
    """Keep the reader's own printing off the terminal while it runs, on any thread.

    A panic in the reader's Rust code prints its message (which can quote a cell) and a
    backtrace straight to the process's stderr before Python sees an exception; the
    exception itself is reported as one line. So while any thread is inside the reader,
    file descriptor 2 points at a scratch file, and what was printed there is dropped.
    Sheets are read on several threads at once, so the first one in points it away and
    the last one out points it back. (The progress bar draws on its own copy of the
    terminal, outputs/terminal.py, so it keeps drawing meanwhile.)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inside = 0
        self._saved = -1
        self._scratch: IO[bytes] | None = None

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._inside == 0:
                sys.stderr.flush()
                self._saved = os.dup(2)
                self._scratch = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the last one out
                os.dup2(self._scratch.fileno(), 2)
            self._inside += 1
        try:
            yield
        finally:
            with self._lock:
                self._inside -= 1
                if self._inside == 0:
                    os.dup2(self._saved, 2)
                    os.close(self._saved)
                    if self._scratch is not None:
                        self._scratch.close()
                        self._scratch = None


_reader_quiet = _ReaderQuiet()


def _reraise_interrupts(exc: BaseException) -> None:
    """The reader's failures include Rust panics, which Python sees as a BaseException.

    A date-formatted cell holding -1e20 is one. They are the file's fault, so they are
    reported as an unreadable file; only a real interrupt or exit is let through.
    """
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)):
        raise exc


def _first_line(exc: BaseException) -> str:
    """The reader's errors carry a multi-line context; the first line says what went wrong."""
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


@dataclass
class _Sheet:
    frame: pl.DataFrame  # every cell as text, from row 1: frame row i is Excel row i + 1
    offsets: list[int]  # the 0-based Excel column of each frame column
    visible: bool


def _read_sheet(reader: fastexcel.ExcelReader, path: Path, sheet: str, n_rows: int | None = None) -> _Sheet:
    try:
        with _reader_quiet():
            loaded = reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string", n_rows=n_rows)
            return _Sheet(
                frame=loaded.to_polars(),
                offsets=[c.absolute_index for c in loaded.available_columns()],
                visible=loaded.visible == "visible",
            )
    except BaseException as exc:
        _reraise_interrupts(exc)
        raise InputError(f"{path}: sheet '{sheet}' cannot be read", detail=_first_line(exc)) from exc


def _best_header_row(frame: pl.DataFrame, matcher: HeaderMatcher) -> tuple[int | None, int]:
    best_row, best_score = None, 0
    for i, row in enumerate(frame.head(HEADER_SEARCH_ROWS).iter_rows()):
        score = len({k for k in (matcher.match(v) for v in row) if k})
        if score > best_score:
            best_row, best_score = i, score
    return best_row, best_score


def _signature_score(frame: pl.DataFrame, lst: ListSpec, shared: set[str]) -> float:
    """The share of the list's own (non-shared) columns that one of the first rows names."""
    specific = [c for c in lst.columns if c.key not in shared]
    _, score = _best_header_row(frame, HeaderMatcher(tuple(specific)))
    return score / len(specific) if specific else 0.0


def _build_frame(
    raw: pl.DataFrame, offsets: list[int], header_idx: int, loaded: LoadedList, cells: CellScan | None
) -> None:
    matcher = HeaderMatcher(loaded.spec.columns)
    headers = raw.row(header_idx)
    body = raw.slice(header_idx + 1).with_row_index(ROW, offset=header_idx + 2)
    columns: dict[str, pl.Series] = {}
    for name, header, abs_col in zip(raw.columns, headers, offsets, strict=True):
        key = matcher.match(header)
        if header is None or not str(header).strip():
            if body[name].drop_nulls().len():
                loaded.unrecognised.append(f"(no header, column {column_letter(abs_col)})")
            continue
        if key is None:
            loaded.unrecognised.append(str(header))
            continue
        if key in columns:
            loaded.duplicates.append((key, str(header).strip(), column_letter(abs_col)))
            continue
        series = body[name]
        if cells is not None:
            series = cells.patch(series, body[ROW], abs_col)
        columns[key] = series.alias(key)
        loaded.matched[key] = str(header).strip()
        loaded.letters[key] = column_letter(abs_col)
    dates = [c.key for c in loaded.spec.columns if c.type == "date"]
    loaded.frame = clean_frame(pl.DataFrame([body[ROW].cast(pl.Int64), *columns.values()]), dates)
    loaded.header_row = header_idx + 1


def clean_frame(frame: pl.DataFrame, date_columns: Iterable[str] = ()) -> pl.DataFrame:
    """Trim every cell once (blank -> null) and drop rows with nothing in them.

    Rows keep their Excel row number in `ROW`, so dropping blank rows never shifts
    the row a finding points at. A real date cell, which the reader renders as
    `2024-01-31 00:00:00`, is shown as Excel shows it, `31/01/2024`.
    """
    values = [c for c in frame.columns if c != ROW]
    if not values:
        return frame
    dates = set(date_columns)
    frame = frame.with_columns(
        cleaned(c).str.replace(_READER_DATE, "${3}/${2}/${1}") if c in dates else cleaned(c) for c in values
    )
    return frame.filter(pl.any_horizontal(pl.col(values).is_not_null()))


def load_workbook(
    path: Path | str,
    spec: Layout,
    on_sheet: Callable[[str, int, int], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> LoadedWorkbook:
    """Find and read every Annex A list, once the pre-check (safety.py) has passed the file.

    `on_sheet(sheet, done, total)` reports progress.
    """
    path = Path(path)
    # before the reader: some files abort the process inside it. An xlsx workbook's sheets
    # are scanned on a thread while the reader loads those already passed (SheetScans).
    inspection = inspect(path, limits, defer=_CORES.alone)
    scans = inspection.scans
    try:
        workbook = _load(path, spec, on_sheet, inspection)
        if scans is not None:
            scans.finish()  # a sheet no list came from must pass too
        return workbook
    except Exception:
        if scans is not None:
            scans.finish()  # the pre-check's refusal comes first, as when it ran before the reader
        raise
    except BaseException:  # an interrupt or a signal: nothing more to report
        if scans is not None:
            scans.stop()
        raise


def _load(
    path: Path, spec: Layout, on_sheet: Callable[[str, int, int], None] | None, inspection: Inspection
) -> LoadedWorkbook:
    scans = inspection.scans
    spare: queue.SimpleQueue[fastexcel.ExcelReader] = queue.SimpleQueue()  # one reader per thread at a time

    def read_passed(sheet: str, n_rows: int | None = None) -> _Sheet:
        if scans is not None:
            scans.passed(sheet)
        try:
            reader = spare.get_nowait()
        except queue.Empty:
            reader = _open(path)  # a second thread's own: one reader cannot serve two at once
        try:
            return _read_sheet(reader, path, sheet, n_rows)
        finally:
            spare.put(reader)

    def marked(sheet: str) -> set[str]:
        if scans is None:
            return inspection.marked_sheets
        return {sheet} if scans.passed(sheet) else set()

    first = _open(path)
    sheets = list(first.sheet_names)
    spare.put(first)
    lists = {key: LoadedList(spec=lst) for key, lst in spec.lists.items()}
    notes: list[str] = []

    assigned = lists_by_name(sheets, spec, notes)
    for key in assigned:
        lists[key].found_by = "sheet name"

    charts = chart_sheets(path)
    for sheet in sheets:
        if sheet in assigned.values() or sheet in charts:
            continue
        try:
            preview = read_passed(sheet, n_rows=HEADER_SEARCH_ROWS).frame
        except InputError:
            notes.append(f"sheet '{sheet}' could not be read and was skipped")
            continue
        found = list_by_headers(preview, spec, assigned)
        if found is not None:
            assigned[found] = sheet
            lists[found].found_by = "headers"

    # The reader holds no interpreter lock: READ_THREADS sheets are read at once, each
    # built here as it arrives, in order, while the next are read.
    order = list(assigned.items())
    threads = READ_THREADS if _CORES.alone else 0
    ahead_by = max(threads, 1)
    with ThreadPoolExecutor(threads, "annexa-check reader") if threads else nullcontext() as pool:

        def ahead_of_time(sheet: str) -> Future[_Sheet]:
            if pool is not None:
                try:
                    return pool.submit(read_passed, sheet)
                except RuntimeError:  # no thread to be had (a tight memory cap): read it now, here
                    pass
            now: Future[_Sheet] = Future()
            try:
                now.set_result(read_passed(sheet))
            except Exception as exc:
                now.set_exception(exc)
            return now

        ahead = deque(ahead_of_time(sheet) for _, sheet in order[:ahead_by])
        try:
            for done, (key, sheet) in enumerate(order):
                if on_sheet is not None:
                    on_sheet(sheet, done, len(assigned))
                read = ahead.popleft().result()
                if done + ahead_by < len(order):
                    ahead.append(ahead_of_time(order[done + ahead_by][1]))
                loaded = lists[key]
                loaded.sheet = sheet
                raw = read.frame
                if not read.visible:
                    notes.append(f"{loaded.spec.name} was read from the hidden sheet '{sheet}'")
                cells = scan_cells(path, [sheet], marked(sheet)).get(sheet)
                if cells is not None and cells.last_row > raw.height:
                    # the reader ends the sheet at its last non-empty cell; unsaved formulas may lie below it
                    extra = cells.last_row - raw.height
                    raw = pl.concat(
                        [raw, pl.DataFrame({c: [None] * extra for c in raw.columns}, schema=raw.schema)]
                    )
                read_list(loaded, raw, read.offsets, cells)
        except BaseException:
            for pending in ahead:
                pending.cancel()
            raise

    if not assigned:
        shown = ", ".join(f"'{s}'" for s in sheets[:6]) + (", ..." if len(sheets) > 6 else "")
        raise InputError(
            f"{path}: no Annex A list found (sheets: {shown}); expected sheets named like List_1 ... List_11 "
            "or with the template's column headers"
        )
    ignored = [s for s in sheets if s not in assigned.values()]
    return LoadedWorkbook(path=path, lists=lists, sheets=sheets, ignored_sheets=ignored, notes=notes)


def lists_by_name(
    names: Iterable[str], spec: Layout, notes: list[str], kind: str = "sheet"
) -> dict[str, str]:
    """List key -> the sheet (or file) whose name starts with the list's number.

    `List_8`, `List 8`, `list 8 - children in care` (and `List_8.csv`) all name List 8;
    a second name for a list already taken is noted and left for header matching.
    """
    by_number = {lst.number: key for key, lst in spec.lists.items()}
    assigned: dict[str, str] = {}
    for name in names:
        m = _SHEET_NUMBER.match(name)
        key = by_number.get(int(m.group(1))) if m else None
        if key is None:
            continue
        if key in assigned:
            notes.append(f"{kind} '{name}' also looks like {spec.lists[key].name}; used '{assigned[key]}'")
            continue
        assigned[key] = name
    return assigned


def list_by_headers(preview: pl.DataFrame, spec: Layout, assigned: dict[str, str]) -> str | None:
    """The one list not yet assigned whose own headers a preview's first rows name best, if clearly so."""
    shared = _shared_keys(spec)
    scores = sorted(
        (
            (_signature_score(preview, lst, shared), key)
            for key, lst in spec.lists.items()
            if key not in assigned
        ),
        reverse=True,
    )
    if scores and scores[0][0] >= 0.5 and (len(scores) == 1 or scores[0][0] > scores[1][0]):
        return scores[0][1]
    return None


def read_list(
    loaded: LoadedList,
    raw: pl.DataFrame,
    offsets: list[int],
    cells: CellScan | None = None,
    *,
    named_columns: bool = False,
) -> None:
    """Find the header row in a grid of text (frame row i is row i + 1) and build the list's frame.

    Whatever the container (sheet, CSV file, data frame), the list is matched, cleaned
    and numbered here, so the same cells give the same findings. `named_columns`: the
    grid's first row is a data frame's column names, so there are no rows to search.
    """
    header_idx, score = _best_header_row(raw, HeaderMatcher(loaded.spec.columns))
    if header_idx is None or score < MIN_HEADER_MATCHES or (named_columns and header_idx != 0):
        searched = (
            f"fewer than {MIN_HEADER_MATCHES} of its column names are the list's headers"
            if named_columns
            else f"no header row found in the first {HEADER_SEARCH_ROWS} rows"
        )
        loaded.problem = f"{searched} (looked for headers such as '{loaded.spec.columns[0].header}')"
        return
    _build_frame(raw, offsets, header_idx, loaded, cells)


def _shared_keys(spec: Layout) -> set[str]:
    """Column keys that appear on most lists and so say nothing about which list a sheet is."""
    counts: dict[str, int] = {}
    for lst in spec.lists.values():
        for col in lst.columns:
            counts[col.key] = counts.get(col.key, 0) + 1
    return {k for k, n in counts.items() if n > 2}
