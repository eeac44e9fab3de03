"""One upload checked: findings through one function, then every download from the one `Report`.

The upload and everything written from it live in a private folder that is removed as soon as
the result is held in memory; what the page offers afterwards (the report, the downloads) is
kept only in this process, so it is gone when the server stops.

The copies of the council's own workbook (`COPIES`) are made on their first download, not with
the check: openpyxl takes seconds even for a small workbook (1.6 s for the example, over 40 s
for ~106k rows) and most checks are only read, so the result is not held back for a file that
may never be asked for. What each copy needs of the check is taken while the check is still in
hand (for the corrected copy, the check itself, until its first download), and the upload's bytes
are kept in memory with the result, so nothing is checked twice. A copy whose command reads a file
(fix) gets the bytes back in a file in a private folder of its own, removed as soon as it is made.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from annexa_check.errors import AnnexaError, one_line
from annexa_check.report.model import Report
from annexa_check.settings.config import Settings

if TYPE_CHECKING:
    from annexa_check.engine.check import CheckResult


@dataclass
class Download:
    """A file the result page offers: written with the check, or made on its first download."""

    label: str  # what the button says
    filename: str  # the name the browser saves it under
    media_type: str
    body: bytes | None = None
    make: Callable[[], bytes] | None = None  # for a file made on first download, then kept
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def content(self) -> bytes:
        """The file's bytes; one made on demand is made once (a second click waits for it) and kept,
        and what it was made from (the upload's bytes) is let go."""
        with self._lock:
            if self.body is None:
                if self.make is None:
                    raise AnnexaError("this file was never made; check the workbook again")
                self.body = self.make()
                self.make = None
            return self.body


@dataclass(frozen=True)
class Checked:
    """What the page shows of one checked upload."""

    name: str  # the uploaded file's own name
    html: str  # the HTML report, as `validate --report` writes it
    headline: str
    downloads: dict[str, Download]  # by kind: xlsx, csv, teams, json, then COPIES (teams absent: no findings)
    recorded: int | None = None  # the run's id in the history, when the user asked to record it
    unavailable: dict[str, tuple[str, str]] = field(default_factory=dict)  # kind -> (label, why not)


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.12"


@dataclass(frozen=True)
class Copy:
    """A copy of the council's own workbook, made by its command's own function from the check
    already run. `problem` says, in that command's words, why an upload cannot have it (a format
    it cannot edit, a workbook too big to load); `prepare` takes what the copy needs of the check
    while the check is in hand and returns the maker, which gets the upload's bytes later, and a
    path in a private folder of its own where it may put them if it must read a file (the folder
    is removed as soon as the copy is made)."""

    kind: str
    label: str
    problem: Callable[[Path, str, Settings], str | None]  # (upload, its own name, settings)
    prepare: Callable[[CheckResult, Report, str, Settings], Callable[[bytes, Path], bytes]]
    output: Callable[[Path], Path]  # the copy's name from the workbook's own


def _annotate_problem(upload: Path, name: str, settings: Settings) -> str | None:
    from annexa_check.api.annotate import check_size, format_problem

    problem = format_problem(Path(name))
    if problem is None:
        try:
            check_size(upload, settings.limits)
        except AnnexaError as exc:
            problem = one_line(exc).replace(str(upload), name)
    return problem


def _annotate_prepare(
    result: CheckResult, report: Report, name: str, _settings: Settings
) -> Callable[[bytes, Path], bytes]:
    """Where each finding goes is read from the loaded workbook now: the marked copy needs no more of it."""
    from annexa_check.api.annotate import cells_of, marked

    findings = report.expected.to_dicts()  # every finding, as annotate marks them
    cells = cells_of(result, findings)

    def make(upload: bytes, _file: Path) -> bytes:  # the editor reads the bytes themselves
        book = marked(io.BytesIO(upload), findings, cells, report, shown=Path(name))
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    return make


def _annotate_output(workbook: Path) -> Path:
    from annexa_check.api.annotate import default_output

    return default_output(workbook)


_CORRECTED = "corrected.xlsx"  # fix's copy, written beside the upload's short-lived file


def _fix_problem(upload: Path, name: str, _settings: Settings) -> str | None:
    from annexa_check.api.fix import fix_problem

    problem = fix_problem(upload, upload.with_name(_CORRECTED))
    return None if problem is None else problem.replace(str(upload), name)


def _fix_prepare(
    result: CheckResult, _report: Report, _name: str, settings: Settings
) -> Callable[[bytes, Path], bytes]:
    """fix copies the lists from the loaded workbook and the cells from the file itself, so the
    check is kept for it (until its first download; its lists held 3.8 MB for ~35k rows) and the
    bytes are put back in a file then. That saves the check (2.9 s of fix's 25.7 s there, measured);
    fix's own re-check of its draft, for the "Still to fix" sheet, is part of making the copy."""
    from annexa_check.api.fix import fix_checked

    def make(upload: bytes, file: Path) -> bytes:
        file.write_bytes(upload)
        target = file.with_name(_CORRECTED)
        fix_checked(file, target, settings, result, drafts=file.parent)
        return target.read_bytes()

    return make


def _fix_output(workbook: Path) -> Path:
    from annexa_check.api.fix import default_output

    return default_output(workbook)  # the name `annexa-check fix` gives it without -o


# Every copy of the workbook the page can offer, in the order its buttons show.
COPIES: tuple[Copy, ...] = (
    Copy("annotated", "Marked-up workbook", _annotate_problem, _annotate_prepare, _annotate_output),
    Copy("corrected", "Corrected copy for ChAT", _fix_problem, _fix_prepare, _fix_output),
)


@dataclass(frozen=True)
class Request:
    """What the form asked for."""

    name: str  # the uploaded file's own name, as its messages and the report show it
    reference_date: date
    template: str
    record: bool


def report_for(path: Path, settings: Settings, asked: Request) -> tuple[CheckResult, Report]:
    """The one place the page gets findings: the check `validate` runs, judged by its default policy,
    with the loaded workbook that places each finding in its cell for the marked-up copy.

    The upload sits under a temporary name, so the report names the file as the user knows it. The
    library's `run_check_loaded` is what `check()`, `validate` and `annotate` run, so the page
    cannot drift from them.
    """
    from annexa_check.api.library import run_check_loaded
    from annexa_check.report.model import build_report
    from annexa_check.report.policy import Policy

    used = replace(settings, reference_date=asked.reference_date)
    result = run_check_loaded(path, used, template=asked.template, shown=Path(asked.name))
    built = build_report(result)
    return result, built.judged(Policy().judge(built.counts_as_dict()))


def check_upload(path: Path, settings: Settings, asked: Request, history: Path, folders: Folders) -> Checked:
    """Check the uploaded file at `path` and write every download; raise AnnexaError with the CLI's line.

    Messages name the file as the user knows it, never the temporary folder. Files are written in
    `path`'s folder, which the caller removes; a copy made later gets a folder of its own from `folders`.
    """
    with _told_as(asked.name, path):
        result, report = report_for(path, settings, asked)
        copies, unavailable = _copies(path, settings, asked.name, result, report, folders)
        made = _outputs(report, path.parent / "out", asked, history)  # last: it may record the run
        return replace(made, downloads={**made.downloads, **copies}, unavailable=unavailable)


@contextmanager
def _told_as(name: str, path: Path | None = None) -> Iterator[None]:
    """Any error as one AnnexaError line naming the file as the user knows it (never `path`)."""
    try:
        yield
    except AnnexaError as exc:
        told = one_line(exc)
        raise AnnexaError(told.replace(str(path), name) if path else told) from None
    except MemoryError:
        raise AnnexaError(
            f"{name}: not enough memory to finish; close other programs or check a smaller workbook"
        ) from None
    except Exception as exc:  # a bug: one line without any cell value, as the CLI says it
        raise AnnexaError(f"{name}: {one_line(exc)}") from None


def _copies(
    path: Path, settings: Settings, name: str, result: CheckResult, report: Report, folders: Folders
) -> tuple[dict[str, Download], dict[str, tuple[str, str]]]:
    """Each of `COPIES` this upload can have, to be made on first download, else why not.

    The upload's bytes are read once, for all of them, and only when one is offered.
    """
    offered: dict[str, Download] = {}
    unavailable: dict[str, tuple[str, str]] = {}
    upload: bytes | None = None
    for copy in COPIES:
        problem = copy.problem(path, name, settings)
        if problem is not None:
            unavailable[copy.kind] = (copy.label, problem)
            continue
        if upload is None:
            upload = path.read_bytes()
        output = copy.output(Path(name))
        media = _XLSM if output.suffix.lower() == ".xlsm" else _XLSX
        make = copy.prepare(result, report, name, settings)
        offered[copy.kind] = Download(
            copy.label, output.name, media, make=_bound(make, upload, name, path.name, folders)
        )
    return offered, unavailable


def _bound(
    make: Callable[[bytes, Path], bytes], upload: bytes, name: str, as_file: str, folders: Folders
) -> Callable[[], bytes]:
    """The maker with its upload and a private folder of its own, removed as soon as it returns."""

    def made() -> bytes:
        folder = folders.new()
        file = folder / as_file
        try:
            with _told_as(name, file):
                return make(upload, file)
        finally:
            folders.remove(folder)

    return made


def _outputs(report: Report, folder: Path, asked: Request, history: Path) -> Checked:
    """Every download, each by the writer `validate` uses, then the run recorded if asked.

    The HTML report is rendered before the run is recorded, so a run is never its own previous run.
    """
    from annexa_check.api.audience import previous_comparison
    from annexa_check.history import store
    from annexa_check.outputs.files import write_output
    from annexa_check.outputs.html import render_html
    from annexa_check.outputs.teams import safe_stem, write_split

    folder.mkdir(mode=0o700)
    stem = safe_stem(Path(asked.name).stem)
    downloads: dict[str, Download] = {}
    for kind, label, media in (
        ("xlsx", "Exception list (Excel)", _XLSX),
        ("csv", "Exception list (CSV)", "text/csv; charset=utf-8"),
        ("json", "Summary (JSON)", "application/json"),
    ):
        target = folder / f"exceptions.{kind}"
        write_output(report, target)
        name = f"{'summary' if kind == 'json' else 'exceptions'}.{stem}.{kind}"
        downloads[kind] = Download(label, name, media, target.read_bytes())
    teams = write_split(report, "team", folder / "teams")
    if teams:
        downloads["teams"] = Download(
            f"Team workbooks ({len(teams)}, zip)", f"teams.{stem}.zip", "application/zip", _zipped(teams)
        )
    html = render_html(report.compared(previous_comparison(history, report)))
    recorded = store.record(history, report.as_dict(), report.findings) if asked.record else None
    return Checked(asked.name, html, report.headline, downloads, recorded)


def _zipped(files: list[Path]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.name)
    return buffer.getvalue()


class Folders:
    """The server's private folder (mode 700) and one sub-folder per upload, each removed when done."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="annexa-check-serve-"))

    def new(self) -> Path:
        return Path(tempfile.mkdtemp(prefix="upload-", dir=self.root))

    @staticmethod
    def remove(folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
