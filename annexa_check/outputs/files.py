"""The files a run writes from its `Report`: the exception list (CSV, Excel, Parquet), the JSON summary,
JUnit XML and Markdown, each written atomically and never over the workbook being checked.

The exception-list writers write the findings table itself. None of them look at the workbook again.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from annexa_check.errors import AnnexaError, decodable
from annexa_check.findings.table import FINDING_COLUMNS
from annexa_check.report.model import Report

OUTPUT_SUFFIXES = (".csv", ".xlsx", ".json", ".xml", ".md", ".parquet")
_UNSAFE_START = ("=", "+", "-", "@", "\t", "\r")
_RISKY_START = r"^[=+\-@\t\r]"  # the same starts, as a pattern for polars


def _executable(text: str) -> bool:
    """Would a spreadsheet run this as a formula? A plain signed number (`-5`) it would not."""
    return text.startswith(_UNSAFE_START) and not (text[0] in "+-" and _is_number(text))


def neutralise(text: str | None) -> str | None:
    """The one guard against formula injection: text a spreadsheet would run gets an apostrophe.

    Every text cell written to a CSV goes through here; the xlsx writers use `write_cell`,
    which keeps the text as typed and marks it with Excel's quote prefix instead.
    """
    if text and _executable(text):
        return "'" + decodable(text)
    return decodable(text) if text else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# Excel holds at most this many characters in a cell and asks to repair a file with more; longer text
# is cut to fit, and ends with an ellipsis so a reader sees it was cut.
CELL_CHARS = 32_767


def write_cell(book: Any, sheet: Any, row: int, col: int, value: object, props: dict | None = None) -> None:
    """The one way a cell reaches an xlsx we write: numbers as numbers, anything else as text.

    Text is written with write_string, so it is never a formula, link or number whatever
    the workbook options; text a spreadsheet would run once edited (`=`, `+`, `-`, `@`,
    tab, CR) also gets Excel's quote prefix, which keeps it text, shown as typed.
    `props` is the cell's format (None: the column's).
    """
    if value is None:
        return
    if isinstance(value, int):
        sheet.write_number(row, col, value, _format(book, props))
        return
    text = decodable(str(value))
    if len(text) > CELL_CHARS:
        text = text[: CELL_CHARS - 1] + "…"
    if _executable(text):
        sheet.write_string(
            row, col, text, _format(book, {**(props or {"valign": "top"}), "quote_prefix": True})
        )
    else:
        sheet.write_string(row, col, text, _format(book, props))


def _format(book: Any, props: dict | None) -> Any:
    """One xlsxwriter format per distinct set of properties in a book (None: no format)."""
    if props is None:
        return None
    formats = book.__dict__.setdefault("_annexa_formats", {})
    key = tuple(sorted(props.items()))
    if key not in formats:
        formats[key] = book.add_format(props)
    return formats[key]


def _atomic_write(path: Path, write: Callable[[Path], object], protect: Path | None) -> None:
    """Write to a temporary file beside the target, then rename: never a half-written file."""
    atomic_writes([(path, write)], protect)


def atomic_writes(files: Sequence[tuple[Path, Callable[[Path], object]]], protect: Path | None) -> None:
    """Write each file to a temporary file beside it, then rename them all: no partial output.

    A set of files (a folder of team workbooks, a chart's PNG and SVG) is renamed only once
    every one of them is written, so a failure leaves the old set or the new one. The data
    is flushed to disk before the rename, so a crash or power cut leaves the old file or
    the new one. Temporary files are removed on every way out, including SIGTERM, SIGHUP
    and Ctrl-C (raised as exceptions, see the command line); one that a SIGKILL or power
    cut left behind is removed by the next run that writes the same file. The workbook
    being checked is refused under any name that reaches it (another spelling, a link).
    """
    for path, _write in files:
        if protect is not None and _same_file(path, protect):
            raise AnnexaError(f"{path}: refusing to overwrite the workbook being checked")
        if not path.parent.is_dir():
            raise AnnexaError(f"{path.parent}: output folder does not exist")
        if path.is_dir():
            raise AnnexaError(f"{path}: is a folder; give a file name to write")
    temporary: list[str] = []
    current = files[0][0] if files else Path()
    try:
        for current, write in files:
            _remove_stale(current)
            fd, tmp = tempfile.mkstemp(prefix=_temporary_prefix(current), suffix=".tmp", dir=current.parent)
            temporary.append(tmp)
            os.close(fd)
            write(Path(tmp))
            os.chmod(tmp, _file_mode(current))
            with open(tmp, "rb+") as written:
                os.fsync(written.fileno())
        for (current, _write), tmp in zip(files, temporary, strict=True):
            os.replace(tmp, current)
    except Exception as exc:
        cause = _os_error(exc)
        if cause is None:
            raise
        raise AnnexaError(f"{current}: cannot write the output ({cause.strerror or cause})") from exc
    finally:
        for tmp in temporary:
            with suppress(OSError):
                os.unlink(tmp)


def _os_error(exc: BaseException) -> OSError | None:
    """The system error behind a failed write, also when a library wraps it in its own type.

    xlsxwriter reports a full disk or a missing folder as FileCreateError(OSError(...)).
    """
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, OSError):
            return item
        todo += [*item.args, item.__cause__, item.__context__]
    return None


_STEM_BYTES = 180  # of the output's name kept in its temporary file's: the whole name stays under 255


def _temporary_prefix(path: Path) -> str:
    """`.<name>.<pid>.`: hidden, beside the output, and saying which process is writing it."""
    name = os.fsencode(path.name)[:_STEM_BYTES]
    return f".{os.fsdecode(name)}.{os.getpid()}."


STALE_SECONDS = 3600  # a temporary file of no known process is left this long before it is removed


def _remove_stale(path: Path) -> None:
    """Remove temporary files of `path` that an earlier, killed run left behind.

    Ours are `.<name>.<pid>.<random>.tmp`: one whose process no longer runs is stale. An
    older run's, without the process id, is removed once it is an hour old.
    """
    stem = os.fsdecode(os.fsencode(path.name)[:_STEM_BYTES])
    try:
        candidates = [p for p in path.parent.iterdir() if p.name.startswith(f".{stem}.")]
    except OSError:
        return
    ours = re.compile(rf"\.{re.escape(stem)}\.(?:(?P<pid>\d+)\.)?[A-Za-z0-9_]{{8}}\.tmp", re.DOTALL)
    for candidate in candidates:
        match = ours.fullmatch(candidate.name)
        if match is None:
            continue
        try:
            if match["pid"] is not None:
                if _running(int(match["pid"])):
                    continue
            elif time.time() - candidate.stat().st_mtime < STALE_SECONDS:
                continue
            candidate.unlink()
        except OSError:
            continue


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process (or a number too large to ask about): leave it
    return True


def _same_file(path: Path, other: Path) -> bool:
    if path.resolve() == other.resolve():
        return True
    try:
        return path.exists() and os.path.samefile(path, other)
    except OSError:
        return False


def _file_mode(path: Path) -> int:
    """The permissions a plainly created file would get: an existing file's, else 0666 less the umask.

    The temporary file is created private (0600); an exception list on a shared drive
    must be as readable as any other file written there.
    """
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_text(path: Path, text: str, protect: Path | None = None) -> None:
    """A text output (JSON, JUnit, Markdown), written atomically as UTF-8."""
    _atomic_write(path, lambda p: p.write_text(decodable(text), encoding="utf-8"), protect)


def json_text(document: dict[str, Any]) -> str:
    """The one way a JSON document is printed or written: indented, UTF-8, keys in a stable order."""
    return decodable(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


def write_json(report: Report, path: Path) -> None:
    write_text(path, json_text(report.as_dict()), report.workbook)


EXPORT_COLUMNS = [*FINDING_COLUMNS, "reference_date"]
# Each column's header in words, for spreadsheets people read (keys stay in CSV and JSON, for scripts).
COLUMN_WORDS = {
    "status": "Status",
    "fingerprint": "Fingerprint",
    "error_type": "Error type",
    "rule": "Rule",
    "severity": "Severity",
    "list": "List",
    "row": "Excel row",
    "child_id": "Child ID",
    "column": "Column",
    "value": "Current value",
    "message": "What is wrong",
    "expected": "What a correct value looks like",
    "team": "Team",
    "worker": "Worker",
    "sheet": "Sheet",
    "reference_date": "Reference date",
    "scope": "Scope (record or extract)",
    "count": "Records",
    "children": "Children",
    "previous": "Before",
    "now": "Now",
    "change": "Change",
    "new": "New",
    "resolved": "Resolved",
    "still_open": "Still open",
}


def _export_table(report: Report) -> pl.DataFrame:
    """The exception list: the findings table plus the reference date, which every output echoes."""
    stamped = report.findings.with_columns(pl.lit(report.reference_date.isoformat()).alias("reference_date"))
    return stamped.select(EXPORT_COLUMNS)


def _export_rows(report: Report) -> list[tuple]:
    return _export_table(report).rows()


def _csv_to(handle: Any, columns: list[str], rows: list[tuple] | pl.DataFrame) -> None:
    """Rows as CSV (Python's csv dialect: minimal quoting, CRLF), every text cell through `neutralise`.

    The header always goes through the csv module; a frame of text and whole-number columns
    is then written by polars in one pass, byte for byte as the row loop writes it (tested):
    at 100k+ findings the loop took seconds.
    """
    out = csv.writer(handle)
    out.writerow(columns)
    if isinstance(rows, pl.DataFrame):
        if _polars_writable(rows):
            handle.write(
                _neutralised(rows).write_csv(include_header=False, line_terminator="\r\n", null_value="")
            )
            return
        rows = rows.rows()
    for row in rows:
        out.writerow([neutralise(c) if isinstance(c, str) else ("" if c is None else c) for c in row])


def _polars_writable(frame: pl.DataFrame) -> bool:
    """Where polars writes exactly what the csv module would: two or more text or whole-number columns.

    (A lone empty field is quoted by the csv module, and floats and dates are spelt differently.)
    """
    return frame.width > 1 and all(dtype == pl.String or dtype.is_integer() for dtype in frame.dtypes)


def _neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """`neutralise` on every text column: the few distinct values that start like a formula are put
    through it, and empty text becomes an empty field (null), as the csv module writes it."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    risky: set[str] = set()
    for name in text:
        risky.update(
            frame.get_column(name).filter(frame.get_column(name).str.contains(_RISKY_START)).unique()
        )
    replaced = {old: new for old in risky if (new := neutralise(old)) != old}

    def safe(name: str) -> pl.Expr:
        column = pl.col(name).replace(replaced) if replaced else pl.col(name)
        return pl.when(column != "").then(column).alias(name)

    return frame.with_columns(safe(name) for name in text)


def csv_text(report: Report) -> str:
    """The exception list as CSV text (for stdout: no byte-order mark)."""
    buffer = io.StringIO(newline="")
    _csv_to(buffer, EXPORT_COLUMNS, _export_table(report))
    return buffer.getvalue()


def write_table_csv(
    path: Path, columns: list[str], rows: list[tuple] | pl.DataFrame, protect: Path | None = None
) -> None:
    """A child-level list as CSV that Excel opens correctly, with nothing a spreadsheet would execute."""

    def write(target: Path) -> None:
        with target.open("w", newline="", encoding="utf-8-sig") as handle:  # BOM: Excel reads UTF-8
            _csv_to(handle, columns, rows)

    _atomic_write(path, write, protect)


def write_csv(report: Report, path: Path) -> None:
    write_table_csv(path, EXPORT_COLUMNS, _export_table(report), report.workbook)


_WIDTHS = {
    "What is wrong": 70,
    "Current value": 24,
    "Column": 34,
    "Team": 24,
    "Worker": 22,
    "Error type": 30,
    "Reference date": 14,
    "Fingerprint": 20,
}


def xlsx_book(target: Path) -> Any:
    """An xlsxwriter workbook that writes every string as text: never a formula, link or number."""
    import xlsxwriter

    return xlsxwriter.Workbook(
        str(target), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )


def write_table(
    book: Any,
    name: str,
    columns: list[str],
    rows: list[tuple],
    widths: dict[str, int],
    wrap: tuple[str, ...] = ("What is wrong",),
) -> Any:
    """One sheet of a table for people: header frozen, filter on, readable widths, nothing executable."""
    sheet = book.add_worksheet(name)
    bold = {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
    wrapped = _format(book, {"text_wrap": True, "valign": "top"})
    top = _format(book, {"valign": "top"})
    for c, column in enumerate(columns):
        write_cell(book, sheet, 0, c, column, bold)
        sheet.set_column(c, c, widths.get(column, 12), wrapped if column in wrap else top)
    for r, row in enumerate(rows, start=1):
        for c, cell in enumerate(row):
            write_cell(book, sheet, r, c, cell)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    return sheet


_PENDING = "_annexa_frames"  # sheet file name -> (frame, column formats, quote format): rows written at close
_SHEET_DATA = re.compile(r"<sheetData>(.*?)</sheetData>|<sheetData/>", re.DOTALL)
_HEADER_ROW = re.compile(r'<row r="1"[ >].*?</row>', re.DOTALL)
_STRINGS = "xl/sharedStrings.xml"
_STRING_COUNTS = re.compile(r'count="\d+" uniqueCount="\d+"')


def write_frame_table(
    book: Any,
    name: str,
    columns: list[str],
    frame: pl.DataFrame,
    widths: dict[str, int],
    wrap: tuple[str, ...],
) -> Any:
    """`write_table` for a large frame: the same sheet, its rows rendered in bulk when the book is closed.

    Writing cell by cell costs about 8 µs a cell, half a minute for 300,000 findings; the
    rows' XML is instead built column-wise by polars (the same formats, the same quote
    prefix on text a spreadsheet would run) and put in place by `close_book`. Each distinct
    text is stored once, in the book's shared strings, as Excel itself does: a message
    repeated on 10,000 rows is written once, not 10,000 times.
    `frame`'s columns are in the order of `columns`, text or whole numbers.
    """
    sheet = write_table(book, name, columns, [], widths, wrap)
    sheet.autofilter(0, 0, max(frame.height, 1), len(columns) - 1)
    formats = [
        _format(book, {"text_wrap": True, "valign": "top"} if c in wrap else {"valign": "top"})
        for c in columns
    ]
    quote = _format(book, {"valign": "top", "quote_prefix": True})
    for c, fmt in enumerate(formats):  # registers each format in the styles; the row is replaced at close
        sheet.write_blank(1, c, None, fmt)
    sheet.write_blank(2, 0, None, quote)
    book.__dict__.setdefault(_PENDING, {})[f"xl/worksheets/sheet{sheet.index + 1}.xml"] = (
        frame,
        formats,
        quote,
    )
    return sheet


def _column_letters(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# Text as xlsxwriter writes it (`write_string`): a literal `_xHHHH_` escaped first, then control characters
# as `_xHHHH_`, then the XML escapes.
_EXCEL_ESCAPE = r"(_x[0-9a-fA-F]{4}_)"
_CONTROL_CHARS = [chr(i) for i in (*range(0, 9), *range(11, 32))] + ["\ufffe", "\uffff"]
_CONTROL = r"[\x00-\x08\x0b-\x1f\x{fffe}\x{ffff}]"


def _texts(frame: pl.DataFrame) -> list[str]:
    return [name for name, dtype in frame.schema.items() if not dtype.is_integer()]


def _cut(text: pl.Expr) -> pl.Expr:
    """Text longer than a cell holds, cut to fit with an ellipsis (as `write_cell` cuts it)."""
    return (
        pl.when(text.str.len_chars() > CELL_CHARS)
        .then(text.str.slice(0, CELL_CHARS - 1) + pl.lit("…"))
        .otherwise(text)
    )


@dataclass(frozen=True)
class _SharedStrings:
    """Every distinct text of a book: those xlsxwriter holds (headers, the summary) keep their indexes,
    the tables' texts follow. `runs` marks the texts a spreadsheet would run (`_executable`);
    `codes` holds each table cell's index, per table and column (null for an empty cell)."""

    strings: pl.Series  # as written, cut to fit a cell
    runs: pl.Series
    known: int  # how many of them xlsxwriter has already written
    uses: int  # table cells that refer to one of them
    codes: dict[tuple[int, str], pl.Series]

    @classmethod
    def of(cls, known: list[str], frames: list[pl.DataFrame]) -> _SharedStrings:
        columns = [(n, c) for n, frame in enumerate(frames) for c in _texts(frame)]
        cells = pl.concat([frames[n].get_column(c).cast(pl.String) for n, c in columns]).alias("s")
        every = pl.concat([pl.Series("s", known, dtype=pl.String), cells.drop_nulls()])
        strings = every.unique(maintain_order=True)
        # one join for every cell of every table: a lookup per column costs several times as much
        index = strings.to_frame().with_row_index("i")
        found = cells.to_frame().join(index, on="s", how="left", maintain_order="left").get_column("i")
        codes, at = {}, 0
        for n, c in columns:
            codes[n, c] = found.slice(at, frames[n].height)
            at += frames[n].height
        cut = strings.to_frame().select(_cut(pl.col("s"))).to_series()
        risky = cut.filter(cut.str.contains(_RISKY_START)).to_list()
        runs = cut.is_in([text for text in risky if _executable(text)])
        return cls(strings, runs, len(known), cells.len() - cells.null_count(), codes)

    def entries(self) -> pl.LazyFrame:
        """The `<si>` entries of the tables' own texts, one per row, escaped as xlsxwriter escapes."""
        added = self.strings.slice(self.known).to_frame().select(_cut(pl.col("s")))
        text = pl.col("s")
        if added.get_column("s").str.contains(_EXCEL_ESCAPE).any():
            text = text.str.replace_all(_EXCEL_ESCAPE, "_x005F$1")
        if added.get_column("s").str.contains(_CONTROL).any():
            text = text.str.replace_many(_CONTROL_CHARS, [f"_x{ord(ch):04X}_" for ch in _CONTROL_CHARS])
        escaped = text.str.replace_many(["&", "<", ">"], ["&amp;", "&lt;", "&gt;"])
        return added.lazy().select(
            pl.concat_str([pl.lit('<si><t xml:space="preserve">'), escaped, pl.lit("</t></si>")])
        )


def _rows_xml(
    frame: pl.DataFrame, table: int, styles: list[int], quote: int, strings: _SharedStrings
) -> pl.LazyFrame:
    """Rows 2.. of a sheet as XML, one row per row, built column-wise; text cells refer to `strings`."""
    number = pl.int_range(2, pl.len() + 2).cast(pl.String)
    parts: dict[str, pl.Series] = {}
    cells = []
    for c, (name, dtype) in enumerate(frame.schema.items()):
        ref = pl.lit(f'<c r="{_column_letters(c)}')
        if dtype.is_integer():
            parts[f"v{c}"] = frame.get_column(name)
            style = pl.lit(f'" s="{styles[c]}"><v>')
        else:
            codes = strings.codes[table, name]
            parts[f"v{c}"] = codes
            style = pl.lit(f'" s="{styles[c]}" t="s"><v>')
            runs = strings.runs.gather(codes)
            if runs.any():  # as `write_cell`: text a spreadsheet would run gets the quote prefix
                parts[f"q{c}"] = runs
                style = pl.when(pl.col(f"q{c}")).then(pl.lit(f'" s="{quote}" t="s"><v>')).otherwise(style)
        value = pl.col(f"v{c}").cast(pl.String)
        cells.append(pl.concat_str([ref, number, style, value, pl.lit("</v></c>")]))  # null: no cell
    row = pl.concat_str(
        [pl.lit('<row r="'), number, pl.lit('">'), *cells, pl.lit("</row>")], ignore_nulls=True
    )
    return pl.DataFrame(parts, height=frame.height).lazy().select(row.alias("xml"))


def _xf(fmt: Any) -> int:
    """A format's index in the styles; a format equal to an earlier one shares that one's index, which
    xlsxwriter only tells through this method."""
    index: int = fmt._get_xf_index()
    return index


def _stream(out: Any, item: Any, head: bytes, body: pl.LazyFrame, tail: bytes) -> None:
    """One part of the package: `head`, the one-column `body` (row after row), `tail`; compressed as
    it is written, so the whole part is never held in memory at once."""
    import zipfile

    info = zipfile.ZipInfo(item.filename, item.date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 1  # type: ignore[attr-defined]  # the level `writestr(compresslevel=1)` uses
    with out.open(info, "w") as part:
        part.write(head)
        body.sink_csv(part, include_header=False, quote_style="never", line_terminator="")
        part.write(tail)


def close_book(book: Any, target: Path) -> None:
    """Close an xlsxwriter book, then put the rows of each `write_frame_table` sheet in place, their
    texts in the book's shared strings."""
    import zipfile

    book.close()
    pending = book.__dict__.get(_PENDING)
    if not pending:
        return
    tables = {name: n for n, name in enumerate(pending)}
    strings = _SharedStrings.of(
        list(book.str_table.string_array), [frame for frame, _, _ in pending.values()]
    )
    patched = target.with_name(target.name + ".rows")
    with (
        zipfile.ZipFile(target) as source,
        zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out,
    ):
        assert _STRINGS in source.namelist(), "the header row is text: xlsxwriter writes shared strings"
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename in pending:
                frame, formats, quote = pending[item.filename]
                xml = data.decode("utf-8")
                last = f"{_column_letters(len(formats) - 1)}{frame.height + 1}"
                xml = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', xml, count=1)
                header = _HEADER_ROW.search(xml)
                found = _SHEET_DATA.search(xml)
                assert found is not None, "xlsxwriter always writes sheetData"
                head = f"{xml[: found.start()]}<sheetData>{header.group() if header else ''}"
                rows = _rows_xml(frame, tables[item.filename], [_xf(f) for f in formats], _xf(quote), strings)
                _stream(out, item, head.encode("utf-8"), rows, f"</sheetData>{xml[found.end() :]}".encode())
            elif item.filename == _STRINGS:
                xml = data.decode("utf-8")
                total = book.str_table.count + strings.uses
                xml = _STRING_COUNTS.sub(
                    f'count="{total}" uniqueCount="{strings.strings.len()}"', xml, count=1
                )
                end = xml.rindex("</sst>")
                _stream(out, item, xml[:end].encode("utf-8"), strings.entries(), xml[end:].encode("utf-8"))
            else:
                out.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    os.replace(patched, target)


def write_table_xlsx(
    path: Path, sheets: dict[str, tuple[list[str], list[tuple]]], protect: Path | None = None
) -> None:
    """Child-level lists for people, one table per sheet, written atomically."""

    def write(target: Path) -> None:
        book = xlsx_book(target)
        for name, (columns, rows) in sheets.items():
            words = [COLUMN_WORDS.get(column, column) for column in columns]
            write_table(book, name, words, rows, _WIDTHS)
        book.close()

    _atomic_write(path, write, protect)


def write_xlsx(report: Report, path: Path) -> None:
    """The exception list for people: headers in words, rows written in bulk (`write_frame_table`)."""
    frame = report.findings.with_columns(
        pl.lit(report.reference_date.isoformat()).alias("reference_date")
    ).select(EXPORT_COLUMNS)
    words = [COLUMN_WORDS[c] for c in EXPORT_COLUMNS]

    def write(target: Path) -> None:
        book = xlsx_book(target)
        write_frame_table(book, "Exceptions", words, frame, _WIDTHS, ("What is wrong",))
        close_book(book, target)

    _atomic_write(path, write, report.workbook)


def write_parquet(report: Report, path: Path) -> None:
    """The exception list for data platforms (Power BI, a warehouse): the findings table with its types.

    Unlike CSV, nothing here is read by a spreadsheet, so text is written as it is, the row
    stays an integer and the reference date is a date.
    """
    table = report.findings.with_columns(pl.lit(report.reference_date).alias("reference_date"))
    _atomic_write(path, lambda target: table.select(EXPORT_COLUMNS).write_parquet(target), report.workbook)


def suffix_problem(path: Path) -> str | None:
    """Why `path` cannot be an output, or None: checked before the work, not after it."""
    if path.suffix.lower() in OUTPUT_SUFFIXES:
        return None
    *most, last = OUTPUT_SUFFIXES
    return f"'{path}': --output must be a file name ending in {', '.join(most)} or {last}"


def write_output(report: Report, path: Path) -> None:
    """Write the exception list (csv/xlsx/parquet), the summary (json), JUnit XML (xml) or Markdown (md).

    The file extension chooses; JUnit and Markdown follow the report's verdict (the default policy's
    when it was not judged).
    """
    from annexa_check.outputs import formats

    problem = suffix_problem(path)
    if problem:
        raise AnnexaError(problem)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_csv(report, path)
    elif suffix == ".xlsx":
        write_xlsx(report, path)
    elif suffix == ".json":
        write_json(report, path)
    elif suffix == ".parquet":
        write_parquet(report, path)
    else:
        text = formats.junit(report) if suffix == ".xml" else formats.markdown(report)
        write_text(path, text, report.workbook)
