"""A copy of the council's own workbook with every problem marked where it is.

The people who fix a return work in the workbook itself, not in an exception list: so
each cell a finding is about is filled by severity and carries a note saying what is
wrong, what a correct value looks like and the rule, and a first sheet lists every
finding with a link to its cell. openpyxl is the one library here that edits an
existing workbook and keeps its sheets, formatting, widths, data validation, defined
names (and, for .xlsm, macros); it holds every cell in memory, so a workbook whose
cell count would exhaust memory is refused before it is loaded. Nothing else of the
workbook changes: no cell's value, no row, no sheet; the input is never written to.
"""

from __future__ import annotations

import importlib.util
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from annexa_check.errors import AnnexaError, InputError, decodable
from annexa_check.outputs.files import _executable, _same_file, atomic_writes
from annexa_check.outputs.formats import _xml_text
from annexa_check.read.cells import column_index, column_letter, sheet_parts
from annexa_check.read.safety import Limits, inspect, raise_with

if TYPE_CHECKING:
    from annexa_check.engine.check import CheckResult, Progress
    from annexa_check.read.loader import LoadedList
    from annexa_check.report.model import Report
    from annexa_check.settings.config import Settings

ANNOTATE_SUFFIXES = (".xlsx", ".xlsm")
# Okabe-Ito colours: told apart with every common colour-vision deficiency, black text readable on both.
FILLS = {"error": "E69F00", "warning": "56B4E9"}
SEVERITY_WORDS = {"error": "Error", "warning": "Warning"}
FINDINGS_SHEET = "Findings"
FINDINGS_HEADERS = [
    "Cell",
    "Severity",
    "Child ID",
    "List",
    "Row",
    "Column",
    "What is wrong",
    "What a correct value looks like",
    "Rule",
    "Error type",
]
_WIDTHS = [16, 10, 14, 9, 7, 30, 70, 50, 9, 30]
AUTHOR = "annexa-check"
BYTES_PER_CELL = 430  # peak memory per cell over validate's, measured at ~1.1M cells (benchmarks/annotate.py)
_NOTE_MAX = 32_000  # characters Excel shows in a note (its limit is 32,767)
_CELL_TAG = b"<c "
_REMOVED = re.compile(r"(.+ extension) is not supported and will be removed")  # the editor's warning
_SHAPE = re.compile(rb"<(?:\w+:)?(?:sp|grpSp|cxnSp)[\s>]")  # a drawing's shape, group or connector


@dataclass
class Mark:
    """What one cell of the council's workbook gets: the most serious severity and each finding on it."""

    severity: str
    findings: list[dict[str, Any]] = field(default_factory=list)

    def text(self) -> str:
        """Each finding (severity, rule, what is wrong), then what a correct value looks like.

        Findings in a row that share the correct-value text (several spellings of one
        column's codes, say) have it said once, after the last of them.
        """
        parts: list[str] = []
        for i, finding in enumerate(self.findings):
            parts.append(f"{SEVERITY_WORDS[finding['severity']]} {finding['rule']}: {finding['message']}")
            expected = finding.get("expected")
            following = self.findings[i + 1].get("expected") if i + 1 < len(self.findings) else None
            if expected and expected != following:
                parts.append(f"Correct: {expected}\n")
        return "\n".join(parts).rstrip("\n")


@dataclass(frozen=True)
class Annotated:
    """What an annotate run did, for the command line's summary."""

    output: Path
    findings: int
    cells: int  # cells marked in the council's sheets
    unplaced: int  # findings with no cell (a list that is missing): listed on the Findings sheet only
    report: Report
    dropped: list[str]  # what the copy lacks (shapes, text boxes; images without Pillow): told, not hidden


def format_problem(workbook: Path) -> str | None:
    """Why `workbook` cannot be annotated (a format openpyxl cannot edit), or None."""
    if workbook.is_dir() or workbook.suffix.lower() == ".zip":
        return f"{workbook}: annotate marks a workbook; CSV extracts cannot be marked, save it as .xlsx first"
    suffix = workbook.suffix.lower()
    if suffix not in ANNOTATE_SUFFIXES:
        shown = suffix or "a file without an extension"
        return f"{workbook}: annotate cannot edit {shown}; save it as .xlsx first"
    return None


def output_problem(workbook: Path, output: Path) -> str | None:
    """Why `output` cannot be the copy of `workbook` (a macro workbook needs .xlsm, any other .xlsx)."""
    wanted = ".xlsm" if workbook.suffix.lower() == ".xlsm" else ".xlsx"
    if output.suffix.lower() != wanted:
        what = "a macro workbook (.xlsm)" if wanted == ".xlsm" else "an .xlsx workbook"
        return f"'{output}': the copy of {what} must be a file name ending in {wanted}"
    return None


def default_output(workbook: Path) -> Path:
    """`DRY_RUN.xlsx` -> `DRY_RUN.checked.xlsx`, beside it."""
    return workbook.with_name(f"{workbook.stem}.checked{workbook.suffix}")


def count_cells(workbook: Path) -> int:
    """The cells the workbook's sheets hold (each `<c ` element), streamed: never all in memory.

    The pre-check has already bounded every part's size, so this only counts.
    """
    total = 0
    try:
        with zipfile.ZipFile(workbook) as archive:
            for part in sheet_parts(archive).values():
                with archive.open(part) as stream:
                    tail = b""
                    while chunk := stream.read(1 << 20):
                        window = tail + chunk
                        total += window.count(_CELL_TAG) - tail.count(_CELL_TAG)
                        tail = window[-(len(_CELL_TAG) - 1) :]
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise InputError(f"{workbook}: cannot be opened to copy it", detail=str(exc)) from exc
    return total


def check_size(workbook: Path, limits: Limits) -> int:
    """Refuse a workbook whose cells would not fit in memory once loaded for editing; else its cell count."""
    cells = count_cells(workbook)
    if cells > limits.max_edit_cells:
        need = cells * BYTES_PER_CELL / 1e9
        raise InputError(
            f"{workbook}: holds {cells:,} cells; annotating loads every one into memory "
            f"(about {need:.1f} GB), more than the {limits.max_edit_cells:,}-cell limit allows; "
            "check it with validate instead, "
            f"or {raise_with('max_edit_cells')}"
        )
    return cells


def dropped_parts(workbook: Path) -> list[str]:
    """What the copy will not keep, said so nothing goes silently: openpyxl keeps charts and images
    (images only with Pillow installed) but drops shapes and text boxes."""
    found = []
    with zipfile.ZipFile(workbook) as archive:
        names = archive.namelist()
        drawings = [n for n in names if n.lower().startswith("xl/drawings/") and n.lower().endswith(".xml")]
        if any(_SHAPE.search(archive.read(n)) for n in drawings):
            found.append("shapes and text boxes")
    if any(n.lower().startswith("xl/media/") for n in names) and importlib.util.find_spec("PIL") is None:
        found.append("images (install Pillow to keep them)")
    return found


def checked(
    workbook: Path,
    settings: Settings,
    template: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    progress: Progress | None,
) -> tuple[CheckResult, Report]:
    """The findings for the workbook, as validate and `annexa_check.check` find them (the library's one
    path), with the loaded workbook, whose header mapping places each finding in its cell."""
    from annexa_check.api.library import run_check_loaded
    from annexa_check.report.model import build_report

    result = run_check_loaded(
        workbook, settings, template=template, select=select, ignore=ignore, progress=progress
    )
    return result, build_report(result)


@dataclass(frozen=True)
class _Place:
    """Where a list's findings go on its sheet: the loader's header mapping, read once per list."""

    loaded: LoadedList
    by_header: dict[str, str]  # header as written -> column letters
    first: str  # the child ID column, else the list's first column
    header_row: int

    @classmethod
    def of(cls, loaded: LoadedList) -> _Place:
        ordered = sorted(loaded.letters.values(), key=lambda letters: column_index(letters.encode()))
        return cls(
            loaded,
            {header: loaded.letters[key] for key, header in loaded.matched.items()},
            loaded.letters.get("child_id") or (ordered[0] if ordered else "A"),
            loaded.header_row or 1,
        )


def cells_of(result: CheckResult, findings: list[dict[str, Any]]) -> list[str | None]:
    """The cell (`C7`) each finding marks on its sheet, or None when its list has no sheet.

    A record's finding marks the cell of its column (the loader's header mapping says
    which physical column that is), or the child ID cell when it names no column the
    sheet has; a column's finding marks that column's header cell (a duplicate column:
    the duplicate's); a missing column, or a whole list, marks the first header cell.
    """
    places = {loaded.spec.name: _Place.of(loaded) for loaded in result.workbook.lists.values()}
    column_unique = {r.code for r in result.spec.rules if r.check == "column_unique"}
    duplicates_seen: dict[tuple[str, str], int] = {}
    out: list[str | None] = []
    for finding in findings:
        place = places.get(finding["list"])
        if place is None or place.loaded.sheet is None:
            out.append(None)
            continue
        column, row = finding["column"], finding["row"]
        if row is not None:
            out.append(f"{place.by_header.get(column, place.first)}{row}")
        elif finding["rule"] in column_unique:
            same = [letter for _key, header, letter in place.loaded.duplicates if header == column]
            seen = duplicates_seen.get((finding["list"], column), 0)
            duplicates_seen[(finding["list"], column)] = seen + 1
            out.append(f"{same[min(seen, len(same) - 1)] if same else place.first}{place.header_row}")
        elif place.loaded.header_row is None:
            out.append("A1")  # a sheet with no header row found: its top-left cell
        else:
            out.append(f"{place.by_header.get(column, place.first)}{place.header_row}")
    return out


def clean_text(text: object) -> str:
    """Text an xlsx can hold: no control characters, no undecodable file-name bytes."""
    return _xml_text(decodable(str(text)))


def put_text(cell: Any, value: object) -> None:
    """A value on the Findings sheet as text (or a whole number): never a formula, link or number.

    Text a spreadsheet would run once edited gets Excel's quote prefix, as every xlsx we write does.
    """
    if value is None:
        return
    if isinstance(value, int):
        cell.value = value
        return
    text = clean_text(value)
    cell.value = text
    cell.data_type = "s"
    if _executable(text):
        cell.quotePrefix = True


def _sheet_ref(sheet: str, cell: str) -> str:
    return "'" + sheet.replace("'", "''") + "'!" + cell


def _findings_sheet_name(names: list[str]) -> str:
    taken = {n.casefold() for n in names}
    name, n = FINDINGS_SHEET, 1
    while name.casefold() in taken:
        n += 1
        name = f"{FINDINGS_SHEET} ({n})"
    return name


def annotate(
    workbook: Path,
    output: Path,
    settings: Settings,
    *,
    template: str = "auto",
    select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    progress: Progress | None = None,
) -> Annotated:
    """Check `workbook`, then write a copy of it to `output` with every finding marked where it is."""
    from annexa_check.api.library import workbook_problem

    problem = format_problem(workbook) or workbook_problem(workbook) or output_problem(workbook, output)
    if problem:
        raise AnnexaError(problem)
    if _same_file(output, workbook):  # told before the work; the writer refuses both again at the end
        raise AnnexaError(f"{output}: refusing to overwrite the workbook being checked")
    if not output.parent.is_dir():
        raise AnnexaError(f"{output.parent}: output folder does not exist")
    inspect(workbook, settings.limits)  # before counting: the pre-check bounds every part's size
    check_size(workbook, settings.limits)
    result, report = checked(workbook, settings, template, select, ignore, progress)
    findings = report.expected.to_dicts()  # every finding, the extract's too: each has a cell or a line
    cells = cells_of(result, findings)
    dropped = dropped_parts(workbook)
    # Opened and marked before the writer: its errors are about the input, not the output.
    book = marked(workbook, findings, cells, report, shown=workbook, progress=progress, dropped=dropped)
    if progress is not None:
        progress("Saving the copy", 2, 3)
    atomic_writes([(output, book.save)], workbook)
    return Annotated(
        output=output,
        findings=len(findings),
        cells=len({(f["sheet"], cell) for f, cell in zip(findings, cells, strict=True) if cell is not None}),
        unplaced=sum(1 for cell in cells if cell is None),
        report=report,
        dropped=dropped,
    )


def marked(
    source: Path | BinaryIO,
    findings: list[dict[str, Any]],
    cells: list[str | None],
    report: Report,
    *,
    shown: Path,
    progress: Progress | None = None,
    dropped: list[str] | None = None,
) -> Any:
    """The council's workbook opened from `source` with each finding marked at its cell (`cells_of`)
    and the Findings sheet first, not yet saved: for a caller that already holds the check (`serve`
    keeps the upload's bytes, so the copy is made without checking again).

    `shown` is the workbook's name as the user knows it: its suffix says whether macros are kept,
    and every message names it. What the editor could not keep (an extension it does not know) is
    added to `dropped`.
    """
    marks: dict[tuple[str, str], Mark] = {}
    for finding, cell in zip(findings, cells, strict=True):
        if cell is None:
            continue
        mark = marks.setdefault((finding["sheet"], cell), Mark(finding["severity"]))
        if finding["severity"] == "error":
            mark.severity = "error"
        mark.findings.append(finding)
    book = _load(source, progress, shown, dropped if dropped is not None else [])
    _mark_cells(book, marks, progress, shown)
    _add_findings_sheet(book, findings, cells, report)
    return book


def _load(source: Path | BinaryIO, progress: Progress | None, shown: Path, dropped: list[str]) -> Any:
    """The workbook in the editor; its warnings are not printed (they name its own source file), but
    each part it says it will remove ("Data Validation extension") is added to `dropped`."""
    import openpyxl

    if progress is not None:
        progress("Opening the workbook to copy", 0, 3)
    try:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            book = openpyxl.load_workbook(source, keep_vba=shown.suffix.lower() == ".xlsm", keep_links=True)
    except MemoryError:
        raise
    except Exception as exc:  # the reader read it; openpyxl may still find a part it cannot take
        raise InputError(
            f"{shown}: cannot be opened to copy it (re-save it in Excel and try again)",
            detail=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        ) from exc
    for warning in said:
        removed = _REMOVED.match(str(warning.message))
        if removed and (what := f"{removed.group(1).lower()}s") not in dropped:
            dropped.append(what)
    return book


def _fill(severity: str) -> Any:
    from openpyxl.styles import PatternFill

    colour = FILLS[severity]
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


def _note(mark: Mark, before: Any) -> Any:
    """The note for a cell: each finding on it, then any note the cell already had (kept, not lost)."""
    from openpyxl.comments import Comment

    text = mark.text()
    if before is not None and before.text:
        text += f"\n\n--- Note already here ({before.author or 'no author'}):\n{before.text}"
    if len(text) > _NOTE_MAX:
        text = text[: _NOTE_MAX - 1] + "…"
    note = Comment(clean_text(text), AUTHOR)
    note.width = 360
    note.height = min(600, 40 + 15 * (text.count("\n") + len(text) // 60))
    return note


def _writable(sheet: Any, ref: str) -> Any:
    """The cell at `ref`, or, inside merged cells, the merge's top-left cell: the only one that shows."""
    cell = sheet[ref]
    if type(cell).__name__ != "MergedCell":
        return cell
    merged = next(r for r in sheet.merged_cells.ranges if cell.coordinate in r)
    return sheet.cell(merged.min_row, merged.min_col)


def _mark_cells(
    book: Any, marks: dict[tuple[str, str], Mark], progress: Progress | None, workbook: Path
) -> None:
    fills = {severity: _fill(severity) for severity in FILLS}
    total = len(marks)
    for done, ((sheet, ref), mark) in enumerate(marks.items()):
        if progress is not None and done % 2000 == 0:
            progress(f"Marking {total:,} cells", 1, 3)
        if sheet not in book.sheetnames:  # the two readers disagree on a sheet's name: never mark blindly
            raise InputError(
                f"{workbook}: sheet '{clean_text(sheet)}' was checked but cannot be found to mark it; "
                "re-save the workbook in Excel and try again"
            )
        cell = _writable(book[sheet], ref)
        cell.fill = fills[mark.severity]
        cell.comment = _note(mark, cell.comment)


def _add_findings_sheet(
    book: Any, findings: list[dict[str, Any]], cells: list[str | None], report: Report
) -> None:
    """A first sheet listing each finding with a link to its cell: filter on, header frozen, a legend."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    sheet = book.create_sheet(_findings_sheet_name(book.sheetnames), 0)
    for other in book.worksheets[1:]:
        other.sheet_view.tabSelected = False
    book.active = 0
    header_fill = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
    for c, (header, width) in enumerate(zip(FINDINGS_HEADERS, _WIDTHS, strict=True), start=1):
        cell = sheet.cell(row=1, column=c)
        put_text(cell, header)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        sheet.column_dimensions[column_letter(c - 1)].width = width
    fills = {severity: _fill(severity) for severity in FILLS}
    link_font = Font(color="0563C1", underline="single")
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, (finding, ref) in enumerate(zip(findings, cells, strict=True), start=2):
        where = _sheet_ref(finding["sheet"], ref) if ref is not None and finding["sheet"] else None
        values = [
            f"{finding['sheet']}!{ref}" if where else "(no sheet)",
            SEVERITY_WORDS[finding["severity"]],
            finding["child_id"],
            finding["list"],
            finding["row"],
            finding["column"],
            finding["message"],
            finding.get("expected"),
            finding["rule"],
            finding["error_type"],
        ]
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c)
            put_text(cell, value)
            if c in (7, 8):
                cell.alignment = wrap
        if where is not None:
            link = sheet.cell(row=r, column=1)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=clean_text(where))
            link.font = link_font
        sheet.cell(row=r, column=2).fill = fills[finding["severity"]]
    last = column_letter(len(FINDINGS_HEADERS) - 1)
    sheet.auto_filter.ref = f"A1:{last}{max(len(findings) + 1, 2)}"
    sheet.freeze_panes = "A2"
    _legend(sheet, report, len(FINDINGS_HEADERS) + 2, fills)


def _legend(sheet: Any, report: Report, column: int, fills: dict[str, Any]) -> None:
    """Beside the table: what the fills mean, and what was checked."""
    from openpyxl.styles import Font

    checked_at = (
        f"Checked by annexa-check at reference date {report.reference_date.isoformat()}, "
        f"template {report.template} ({report.template_source})."
    )
    rows = [
        ("Legend", None),
        ("Error", "error"),
        ("Warning", "warning"),
        (
            "A note on each marked cell says what is wrong, what a correct value looks like, and the rule.",
            None,
        ),
        (checked_at, None),
        (report.headline, None),
    ]
    for r, (text, severity) in enumerate(rows, start=1):
        cell = sheet.cell(row=r, column=column)
        put_text(cell, text)
        if severity is not None:
            cell.fill = fills[severity]
            put_text(
                sheet.cell(row=r, column=column + 1),
                f"cell filled {'orange' if severity == 'error' else 'blue'}: "
                f"{'must be fixed before submission' if severity == 'error' else 'worth checking'}",
            )
        if r == 1:
            cell.font = Font(bold=True)
    sheet.column_dimensions[column_letter(column - 1)].width = 12
