"""`fix`: a template-conformant copy of a dry run for ChAT, every change logged, nothing guessed.

Each list is written on the template's sheet, under its title row, with the template's
headers in the template's order for the run's template year; columns the template lacks
are kept after them. Only values the validator already recognises are rewritten: codes
that AX011 (`non_standard_code`) reads as a template code, text dates in an unambiguous
form, child IDs held as numbers. Everything else is written exactly as it was read, and
no row is added, dropped or reordered. The copy is then checked again, so its
`Still to fix` sheet says what only a case record can fix.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from annexa_check.annex import values as v
from annexa_check.annex.headers import normalise_header
from annexa_check.annex.model import Column, ListSpec
from annexa_check.api.library import _renamed, workbook_problem
from annexa_check.engine.check import CheckResult, Progress, check_workbook
from annexa_check.engine.run import run_rules
from annexa_check.errors import AnnexaError, InputError
from annexa_check.outputs.files import _os_error, atomic_writes, write_cell, xlsx_book
from annexa_check.read.cells import chart_sheets, column_index, column_letter
from annexa_check.read.loader import ROW, LoadedList
from annexa_check.read.safety import raise_with
from annexa_check.settings.config import Settings

CHANGES_SHEET = "Changes"
STILL_SHEET = "Still to fix"
CHANGE_COLUMNS = ["sheet", "cell", "column", "before", "after", "why"]
STILL_COLUMNS = ["sheet", "cell", "column", "child", "value", "rule", "severity", "what is wrong"]
FIX_SUFFIXES = (".xlsx", ".xlsm")  # Excel workbooks; the copy is always .xlsx (a macro is not data)
# Rows across the lists one fix holds in memory: about 0.4 GB at peak per 100,000 rows (benchmarks/fix.py).
EXCEL_ROWS = 1_048_576
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm:ss"
_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})(?: 00:00:00(?:\.0+)?)?$")  # as SQL extracts write a date
_CODE_FORM = "code_form"
_NOT_ITS_LIST = "a template sheet name; the sheet is not its list"
_NOT_A_SHEET_NAME = (
    "a sheet name Excel does not allow ([ ] : * ? / \\, a quote at either end, over 31 characters) "
    "or one taken"
)
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_NAME_MAX = 31  # characters in a sheet's name
_EMPTY = "the template's empty sheet"
_ADDED = "a template column the list did not have: added, blank"
_TEXT_DATE = "a date written as text"
_UNREAD = "an Excel error value or a formula without a saved result, written as its text"


@dataclass(frozen=True)
class Change:
    """One logged change: where in the corrected copy, what it was, what it is, and why."""

    sheet: str
    cell: str
    column: str
    before: str
    after: str
    why: str


@dataclass
class FixResult:
    """What `fix_workbook` wrote: the change log and the re-check of the corrected copy."""

    path: Path
    changes: list[Change]
    still: pl.DataFrame  # the findings of the corrected copy
    template: str
    notes: list[str] = field(default_factory=list)


@dataclass
class _Sheet:
    """One sheet of the corrected copy, as cell values (None: blank) and the columns holding dates."""

    name: str
    rows: list[list[Any]]
    title: str | None = None  # written merged across the headers on row 1
    date_columns: frozenset[int] = frozenset()
    headers: list[str] = field(default_factory=list)


def _check(
    path: Path,
    settings: Settings,
    template: str,
    select: Iterable[str],
    ignore: Iterable[str],
    progress: Progress | None,
) -> CheckResult:
    """The findings for one workbook: the one place `fix` asks for a check, as `validate` runs it."""
    return check_workbook(
        path,
        reference_date=settings.reference_date,
        template=template,
        select=select,
        ignore=ignore,
        config=settings.config,
        progress=progress,
        limits=settings.limits,
    )


def default_output(workbook: Path) -> Path:
    """`DRY_RUN.xlsx` -> `DRY_RUN.ready.xlsx`, beside it (always .xlsx: a macro is not data)."""
    return workbook.with_name(f"{workbook.stem}.ready.xlsx")


def fix_problem(source: Path, target: Path) -> str | None:
    """Why `fix` cannot read `source` or write `target` (None: it can), said before any work."""
    unreadable = workbook_problem(source)
    if unreadable:
        return unreadable
    if source.suffix.lower() in (".xls", ".ods", ".xlsb", ".csv"):
        return f"{source}: fix reads .xlsx and .xlsm workbooks; save it as .xlsx first"
    if source.suffix.lower() not in FIX_SUFFIXES:
        return f"{source}: fix reads .xlsx and .xlsm workbooks"
    if target.suffix.lower() != ".xlsx":
        return f"'{target}': the corrected copy must be a file name ending in .xlsx"
    if target.exists() and source.exists() and os.path.samefile(target, source):
        return f"{target}: refusing to overwrite the workbook being fixed; name another file"
    if not target.parent.is_dir():
        return f"{target.parent}: output folder does not exist"
    return None


def fix_workbook(
    source: Path,
    target: Path,
    settings: Settings,
    *,
    template: str = "auto",
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    progress: Progress | None = None,
) -> FixResult:
    """Write the corrected copy of `source` to `target` (atomically, never over `source`).

    The same settings, template and selection as `validate` take part: the settings file's
    synonyms decide which codes are recognised, and the re-check uses the same selection.
    """
    problem = fix_problem(source, target)
    if problem:
        raise AnnexaError(problem)
    select, ignore = list(select), list(ignore)
    with _renamed(source, None) as readable:  # a name not in UTF-8 is read through a link, told as given
        assert isinstance(readable, Path)
        result = _check(readable, settings, template, select, ignore, progress)
        return fix_checked(
            readable, target, settings, result, select=select, ignore=ignore, progress=progress
        )


def fix_checked(
    source: Path,
    target: Path,
    settings: Settings,
    result: CheckResult,
    *,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    progress: Progress | None = None,
    drafts: Path | None = None,
) -> FixResult:
    """`fix_workbook` from a check of `source` already run (`result`, with its loaded workbook), as
    the serve page has one: the corrected copy needs the loaded lists, not a second check of them.

    The re-check of the draft measures ages at `result`'s reference date, so it judges the copy
    as the first check judged the workbook. The draft is written in a folder made inside `drafts`
    (default: the system's temporary folder), so a caller with a private folder keeps it there.
    """
    problem = fix_problem(source, target)
    if problem:
        raise AnnexaError(problem)
    settings = replace(settings, reference_date=result.reference_date)
    select, ignore = list(select), list(ignore)
    rows = sum(loaded.rows for loaded in result.workbook.lists.values())
    if rows > settings.limits.max_fix_rows:
        raise AnnexaError(
            f"{source}: {rows:,} rows on its lists; fix holds every row in memory and takes at most "
            f"{settings.limits.max_fix_rows:,} (about 0.4 GB per 100,000 rows); {raise_with('max_fix_rows')}"
        )
    forms = _code_fixes(result)
    changes: list[Change] = []
    notes: list[str] = []
    sheets = _corrected_sheets(source, result, forms, changes, notes, progress)
    with tempfile.TemporaryDirectory(prefix="annexa-check-fix-", dir=drafts) as folder:
        draft = Path(folder) / "corrected.xlsx"
        try:
            _write(draft, sheets, [], None, progress, "Writing a draft")
        except Exception as exc:  # a full or unwritable temporary folder, also as xlsxwriter reports it
            cause = _os_error(exc)
            if cause is None:
                raise
            raise AnnexaError(
                f"{Path(folder).parent}: cannot write the draft of the corrected copy there "
                f"({cause.strerror or cause}); free some space, or set TMPDIR to another folder"
            ) from exc
        if progress is not None:
            progress("Checking the corrected copy", 0, 1)
        again = _check(draft, settings, result.template, select, ignore, None)
    still = again.findings
    atomic_writes(
        [(target, lambda tmp: _write(tmp, sheets, changes, (still, sheets), progress, "Writing"))], source
    )
    return FixResult(target, changes, still, result.template, notes)


def _code_fixes(result: CheckResult) -> dict[tuple[str, str], dict[str, str]]:
    """(list key, column key) -> {value as read: the template's form}, for exactly what AX011 reports.

    AX011 runs on the loaded workbook whatever --select and --ignore say, so a code is
    rewritten only when the validator reads it as a template code written another way.
    """
    spec = result.spec
    rules = [r for r in spec.rules if r.check == _CODE_FORM]
    if not rules:
        return {}
    found, _ = run_rules(
        result.workbook, spec, template=result.template, reference_date=result.reference_date, rules=rules
    )
    by_name = {lst.name: lst for lst in spec.lists.values()}
    out: dict[tuple[str, str], dict[str, str]] = {}
    for list_name, header, value in found.select("list", "column", "value").iter_rows():
        lst = by_name[list_name]
        loaded = result.workbook.lists[lst.key]
        key = next(k for k, written in loaded.matched.items() if written == header)
        out.setdefault((lst.key, key), {})[value] = ""
    for (list_key, key), mapping in out.items():
        col = spec.lists[list_key].column(key)
        assert col is not None and col.codeset is not None
        codeset = spec.codesets[col.codeset]
        labels = {c.code: c.label for c in codeset.codes_for(result.template)}
        texts = pl.DataFrame({"value": list(mapping)})
        standard = texts.select(v.as_code("value", codeset, result.template)).to_series().to_list()
        for text, code in zip(texts["value"], standard, strict=True):
            mapping[text] = labels[code]
    return out


def _as_text(value: Any) -> str | None:
    """A cell value as the reader renders it (a whole number without `.0`), trimmed; blank -> None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _shown(value: Any) -> str:
    """A value as the change log shows it: dates as dd/mm/yyyy, whole numbers without `.0`."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0):
        value = value.date()
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


@lru_cache(maxsize=65_536)
def _text_date(text: str) -> date | None:
    """The date an unambiguous text writes: dd/mm/yyyy as the validator reads it, or ISO yyyy-mm-dd.

    A time of day other than midnight, a two-digit year, US order or an impossible date
    gives None: the text stays as it was.
    """
    iso = _ISO.match(text)
    if iso:
        try:
            return date.fromisoformat(iso.group(1))
        except ValueError:
            return None
    if re.match(r"^\d{4}-", text):  # a date with another time of day is not a date alone
        return None
    found = pl.DataFrame({"t": [text]}).select(v.as_date("t")).item()
    return found if isinstance(found, date) else None


def _corrected_sheets(
    source: Path,
    result: CheckResult,
    forms: dict[tuple[str, str], dict[str, str]],
    changes: list[Change],
    notes: list[str],
    progress: Progress | None,
) -> list[_Sheet]:
    """Every sheet of the corrected copy, in order: the other sheets as they were, then List_1 ... List_11."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(source))
    except Exception as exc:  # the reader has read it already; a failure here is the file's all the same
        raise InputError(f"{source}: cannot be opened to copy", detail=str(exc)) from exc
    try:
        workbook = result.workbook
        used = {loaded.sheet for loaded in workbook.lists.values() if loaded.header_row is not None}
        names = {_sheet_name(lst) for lst in result.spec.lists.values()}
        out: list[_Sheet] = []
        charts = chart_sheets(source)  # no cells to copy
        taken = {n.casefold() for n in (*names, CHANGES_SHEET, STILL_SHEET)}
        logs = {CHANGES_SHEET: CHANGE_COLUMNS, STILL_SHEET: STILL_COLUMNS}
        for name in book.sheet_names:
            if name in charts:
                notes.append(f"{name}: a chart sheet, not copied (the corrected copy holds values only)")
            if name in used or name in charts:
                continue
            values = _values(book, name)
            if name in logs and values[:1] == [logs[name]]:
                continue  # a log an earlier fix wrote: written anew, not kept twice
            kept = _kept_name(name, names, taken)
            if kept != name:
                why = _NOT_ITS_LIST if name in names else _NOT_A_SHEET_NAME
                changes.append(Change(kept, "", "", name, kept, why))
            out.append(_Sheet(kept, values))
            notes.append(f"{kept}: copied as values (its formatting is not kept)")
        total = sum(loaded.rows for loaded in workbook.lists.values())
        done = 0
        for key, lst in sorted(result.spec.lists.items(), key=lambda item: item[1].number):
            loaded = workbook.lists[key]
            if progress is not None:
                progress(f"Copying {_sheet_name(lst)}", done, max(total, 1))
            if loaded.sheet is None or loaded.header_row is None:
                out.append(_empty_list(lst, result.template, changes, loaded.sheet))
            else:
                out.append(_list_sheet(_values(book, loaded.sheet), lst, result, forms, changes, notes))
            done += loaded.rows
    finally:
        book.close()
    return out


def _kept_name(name: str, names: set[str], taken: set[str]) -> str:
    """The name a sheet that is not a list keeps in the copy: its own, unless Excel would refuse it
    (a character it forbids, a quote at either end, over 31 characters) or it is a template list's
    or another kept sheet's name (Excel compares names without case)."""
    legal = (_FORBIDDEN.sub("_", name).strip("'") or "Sheet")[:_NAME_MAX]
    if name in names:
        legal = f"{legal} (as it was)"[:_NAME_MAX]
    unique, n = legal, 2
    while unique.casefold() in taken:
        unique = f"{legal[: _NAME_MAX - len(f' ({n})')]} ({n})"
        n += 1
    taken.add(unique.casefold())
    return unique


def _sheet_name(lst: ListSpec) -> str:
    return f"List_{lst.number}"


def _title(lst: ListSpec) -> str:
    return f"{lst.name}: {lst.title}"


def _values(book: Any, name: str) -> list[list[Any]]:
    """A sheet's typed cell values from A1 (a blank is None), trailing blank rows and cells dropped."""
    try:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as exc:
        raise InputError(f"sheet '{name}' cannot be read to copy", detail=str(exc)) from exc
    grid = [[None if cell == "" else cell for cell in row] for row in rows]
    for row in grid:
        while row and row[-1] is None:
            row.pop()
    while grid and not grid[-1]:
        grid.pop()
    return grid


def _empty_list(lst: ListSpec, template: str, changes: list[Change], sheet: str | None) -> _Sheet:
    """A list the workbook does not have (or whose headers were not found): the template's empty sheet,
    so ChAT finds every list; a sheet without headers is kept beside it, under another name."""
    name = _sheet_name(lst)
    headers = [c.header for c in lst.columns_for(template)]
    missing = f"{lst.name} is not in the workbook" if sheet is None else f"no header row on sheet '{sheet}'"
    changes.append(Change(name, "A1", "", "", _title(lst), f"{missing}: {_EMPTY}"))
    return _Sheet(name, [], title=_title(lst), headers=headers)


def _list_sheet(
    whole: list[list[Any]],
    lst: ListSpec,
    result: CheckResult,
    forms: dict[tuple[str, str], dict[str, str]],
    changes: list[Change],
    kept: list[str],
) -> _Sheet:
    """One list on its template sheet: the template's title and headers, the data rows in their order."""
    loaded = result.workbook.lists[lst.key]
    assert loaded.header_row is not None and loaded.sheet is not None
    name = _sheet_name(lst)
    if loaded.sheet != name:
        changes.append(Change(name, "", "", loaded.sheet, name, "the template's sheet name"))
    above, grid = whole[: loaded.header_row - 1], whole[loaded.header_row - 1 :]
    header_cells = grid[0] if grid else []
    body = grid[1:]
    title = _title(lst)
    before_title = next((str(c) for row in above for c in row if c is not None), "")
    if before_title != title:
        changes.append(Change(name, "A1", "", before_title, title, "the template's title row"))
    if loaded.header_row + 1 != 3 and body:
        changes.append(
            Change(
                name,
                "",
                "",
                f"data from row {loaded.header_row + 1}",
                "data from row 3",
                "the template's layout: title on row 1, headers on row 2",
            )
        )
    columns = lst.columns_for(result.template)
    index = {key: column_index(letter.encode()) for key, letter in loaded.letters.items()}
    layout: list[tuple[Column | None, int | None, str]] = []  # (template column, input index, header)
    for out_col, col in enumerate(columns):
        source = index.get(col.key)
        layout.append((col, source, col.header))
        letter = column_letter(out_col)
        written = loaded.matched.get(col.key)
        if source is None:
            changes.append(
                Change(
                    name,
                    f"{letter}2",
                    col.header,
                    "",
                    col.header,
                    _ADDED,
                )
            )
            continue
        reasons = []
        if written != col.header:
            same = normalise_header(written) == normalise_header(col.header)
            reasons.append(
                "the template's spelling of the header" if same else f"header alias of '{col.header}'"
            )
        if source != out_col:
            reasons.append(f"moved from column {column_letter(source)}")
        if reasons:
            changes.append(
                Change(name, f"{letter}2", col.header, written or "", col.header, "; ".join(reasons))
            )
    taken = {i for _, i, _ in layout if i is not None}
    width = max((len(row) for row in grid), default=0)
    for source in range(width):
        if source in taken:
            continue
        header = header_cells[source] if source < len(header_cells) else None
        if header is None and not any(source < len(row) and row[source] is not None for row in body):
            continue
        shown = "" if header is None else str(header)
        out_col = len(layout)
        layout.append((None, source, shown))
        kept.append(f"{name}: kept '{shown or '(no header)'}' in column {column_letter(out_col)}")
        if source != out_col:
            changes.append(
                Change(
                    name,
                    f"{column_letter(out_col)}2",
                    shown,
                    f"column {column_letter(source)}",
                    f"column {column_letter(out_col)}",
                    "not a template column: kept after the template's",
                )
            )
    rows: list[list[Any]] = []
    unread = _unread_cells(loaded)
    for r, raw in enumerate(body, start=3):
        row: list[Any] = []
        excel_row = r - 3 + loaded.header_row + 1
        for out_col, (target, source, _header) in enumerate(layout):
            before = raw[source] if source is not None and source < len(raw) else None
            after, why = _converted(target, before, lst.key, forms)
            if before is None and target is not None and (excel_row, target.key) in unread:
                after, why = unread[(excel_row, target.key)], _UNREAD
            if why:
                changes.append(
                    Change(
                        name,
                        f"{column_letter(out_col)}{r}",
                        target.header if target else "",
                        _shown(before),
                        _shown(after),
                        why,
                    )
                )
            row.append(after)
        while row and row[-1] is None:
            row.pop()
        rows.append(row)
    dates = frozenset(i for i, (col, _, _) in enumerate(layout) if col is not None and col.type == "date")
    return _Sheet(name, rows, title=title, date_columns=dates, headers=[h for _, _, h in layout])


def _unread_cells(loaded: LoadedList) -> dict[tuple[int, str], str]:
    """(Excel row, column key) -> text, for cells the validator reads as an Excel error or an unsaved
    formula, which have no value to copy: they are written as that text, so the copy is checked alike."""
    frame = loaded.frame
    if frame is None:
        return {}
    out: dict[tuple[int, str], str] = {}
    for key in loaded.matched:
        odd = frame.filter(v.is_error(key) | v.is_formula(key)).select(ROW, key)
        out.update(((row, key), text) for row, text in odd.iter_rows())
    return out


def _converted(
    col: Column | None, value: Any, list_key: str, forms: dict[tuple[str, str], dict[str, str]]
) -> tuple[Any, str]:
    """The value to write for one cell, and why it changed ('' when it did not)."""
    if col is None or value is None:
        return value, ""
    if col.type == "code":
        text = _as_text(value)
        standard = forms.get((list_key, col.key), {}).get(text) if text is not None else None
        return (standard, "AX011") if standard is not None and standard != value else (value, "")
    if col.type == "date" and isinstance(value, str):
        day = _text_date(value.strip())
        if day is None:
            return value, ""
        return day, ("AX005" if _ISO.match(value.strip()) and " " not in value.strip() else _TEXT_DATE)
    if col.type == "id" and isinstance(value, int | float) and not isinstance(value, bool):
        return _as_text(value), "a child ID written as a number"
    return value, ""


def _write(
    path: Path,
    sheets: list[_Sheet],
    changes: list[Change],
    still: tuple[pl.DataFrame, list[_Sheet]] | None,
    progress: Progress | None = None,
    doing: str = "Writing",
) -> None:
    """Write the corrected copy (and, for the final file, its Changes and Still to fix sheets)."""
    book = xlsx_book(path)
    book.constant_memory = True  # rows are written in order: a row at a time, not a sheet, in memory
    day = book.add_format({"num_format": DATE_FORMAT})
    moment = book.add_format({"num_format": DATETIME_FORMAT})
    bold = book.add_format({"bold": True})
    for done, sheet in enumerate(sheets):
        if progress is not None:
            progress(f"{doing} {sheet.name}", done, len(sheets))
        out = book.add_worksheet(sheet.name)
        start = 0
        if sheet.title is not None:
            if len(sheet.headers) > 1:
                out.merge_range(0, 0, 0, len(sheet.headers) - 1, sheet.title, bold)
            else:
                out.write_string(0, 0, sheet.title, bold)
            for c, header in enumerate(sheet.headers):
                write_cell(book, out, 1, c, header)
            start = 2
        for r, row in enumerate(sheet.rows, start=start):
            for c, value in enumerate(row):
                _write_value(book, out, r, c, value, day, moment, c in sheet.date_columns)
    if still is not None:
        _table(book, CHANGES_SHEET, CHANGE_COLUMNS, [_change_row(c) for c in changes])
        findings, written = still
        _table(book, STILL_SHEET, STILL_COLUMNS, _still_rows(findings, written))
    book.close()


def _write_value(book: Any, out: Any, r: int, c: int, value: Any, day: Any, moment: Any, dated: bool) -> None:
    if value is None:
        return
    if isinstance(value, datetime):
        midnight = value.time() == time(0)
        out.write_datetime(r, c, value, day if midnight else moment)
    elif isinstance(value, date):
        out.write_datetime(r, c, datetime.combine(value, time(0)), day)
    elif isinstance(value, bool):
        out.write_boolean(r, c, value)
    elif isinstance(value, int | float):
        out.write_number(r, c, value)
    elif isinstance(value, time):
        out.write_string(r, c, value.isoformat())
    else:
        write_cell(book, out, r, c, str(value))


def _change_row(change: Change) -> tuple:
    return (change.sheet, change.cell, change.column, change.before, change.after, change.why)


def _still_rows(findings: pl.DataFrame, sheets: list[_Sheet]) -> list[tuple]:
    """The re-check's findings at their cells of the corrected copy (a header cell for a column finding)."""
    letters = {s.name: {h: column_letter(i) for i, h in enumerate(s.headers)} for s in sheets}
    rows = []
    for sheet, row, column, child, value, rule, severity, message in findings.select(
        "sheet", "row", "column", "child_id", "value", "rule", "severity", "message"
    ).iter_rows():
        letter = letters.get(sheet or "", {}).get(column or "")
        cell = "" if letter is None else f"{letter}{row if row is not None else 2}"
        rows.append((sheet or "", cell, column or "", child or "", value or "", rule, severity, message))
    return rows


def _table(book: Any, name: str, columns: list[str], rows: list[tuple]) -> None:
    """A log sheet: header frozen, filter on; past Excel's last row, the rest is counted, not written."""
    sheet = book.add_worksheet(name)
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    for c, column in enumerate(columns):
        sheet.write_string(0, c, column, header)
        sheet.set_column(c, c, 60 if column in ("what is wrong", "why") else 16)
    room = EXCEL_ROWS - 2
    for r, row in enumerate(rows[:room], start=1):
        for c, cell in enumerate(row):
            write_cell(book, sheet, r, c, cell or None)  # an empty part of the log is a blank cell
    if len(rows) > room:
        write_cell(book, sheet, room + 1, 0, f"... and {len(rows) - room:,} more, past Excel's last row")
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(min(len(rows), room), 1), len(columns) - 1)
