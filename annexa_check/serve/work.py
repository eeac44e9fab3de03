"""One upload checked: findings through one function, then every download from the one `Report`.

The upload and everything written from it live in a private folder that is removed as soon as
the result is held in memory; what the page offers afterwards (the report, the downloads) is
kept only in this process, so it is gone when the server stops.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from annexa_check.errors import AnnexaError, one_line
from annexa_check.report.model import Report
from annexa_check.settings.config import Settings


@dataclass(frozen=True)
class Download:
    """A file the result page offers, already written."""

    label: str  # what the button says
    filename: str  # the name the browser saves it under
    media_type: str
    body: bytes


@dataclass(frozen=True)
class Checked:
    """What the page shows of one checked upload."""

    name: str  # the uploaded file's own name
    html: str  # the HTML report, as `validate --report` writes it
    headline: str
    downloads: dict[str, Download]  # by kind: xlsx, csv, teams, json (teams absent: no findings)
    recorded: int | None = None  # the run's id in the history, when the user asked to record it


@dataclass(frozen=True)
class Request:
    """What the form asked for."""

    name: str  # the uploaded file's own name, as its messages and the report show it
    reference_date: date
    template: str
    record: bool


def report_for(path: Path, settings: Settings, asked: Request) -> Report:
    """The one place the page gets findings: the check `validate` runs, judged by its default policy.

    The upload sits under a temporary name, so the report names the file as the user knows it. The
    library's `run_check` is what `check()` and `validate` run, so the page cannot drift from them.
    """
    from dataclasses import replace

    from annexa_check.api.library import run_check
    from annexa_check.report.policy import Policy

    used = replace(settings, reference_date=asked.reference_date)
    built = run_check(path, used, template=asked.template, shown=Path(asked.name))
    return built.judged(Policy().judge(built.counts_as_dict()))


def check_upload(path: Path, settings: Settings, asked: Request, history: Path) -> Checked:
    """Check the uploaded file at `path` and write every download; raise AnnexaError with the CLI's line.

    Messages name the file as the user knows it, never the temporary folder. Files are written in
    `path`'s folder, which the caller removes.
    """
    try:
        report = report_for(path, settings, asked)
        return _outputs(report, path.parent / "out", asked, history)
    except AnnexaError as exc:
        raise AnnexaError(one_line(exc).replace(str(path), asked.name)) from None
    except MemoryError:
        raise AnnexaError(
            f"{asked.name}: not enough memory to finish; close other programs or check a smaller workbook"
        ) from None
    except Exception as exc:  # a bug: one line without any cell value, as the CLI says it
        raise AnnexaError(f"{asked.name}: {one_line(exc)}") from None


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
