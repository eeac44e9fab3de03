"""Several workbooks in one run (e.g. the councils of a regional partnership), on every core.

Each workbook is checked in a worker process and writes its own exception lists; the
parent gets back only the summary, the CI renderings and the few fields history needs,
and combines them. A workbook that cannot be read gets its one-line error and the
others carry on: even one that kills its worker (a native reader aborting, the memory
or time limit reached) costs only that worker, which is replaced.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from annexa_check.errors import AnnexaError, Stopped, one_line
from annexa_check.read.safety import Limits, raise_with
from annexa_check.report.model import Report
from annexa_check.report.policy import Policy, Verdict
from annexa_check.settings.config import Settings

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from annexa_check.engine.check import Progress

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
# Below this much workbook in total, one process is quicker than starting more (a 6 MB,
# 100k-row dry run takes about 0.9 s to check; a worker takes about 1 s to start).
POOL_FROM_BYTES = 12_000_000
STOP_GRACE = 2.0  # seconds a worker asked to stop has to remove its temporary files before it is killed


@dataclass(frozen=True)
class Job:
    """One workbook and everything needed to check it, in a form a worker process can receive."""

    workbook: Path
    settings: Settings  # loaded once by the caller: the worker never reads the settings file
    template: str
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    policy: Policy
    outputs: tuple[Path, ...] = ()  # written by the worker, as given
    split_by: str | None = None
    out_dir: Path | None = None
    report_path: Path | None = None
    key: bytes | None = None  # pseudonymise every file written (and the history) with this key
    progress: bool = False  # in-process only: draw a progress bar
    keep_result: bool = False  # in-process only: hand back the whole Report
    verbose: bool = False  # errors may quote the reader's own message
    history: Path | None = None  # the store whose earlier run the report compares with (read only)

    @property
    def limits(self) -> Limits:
        """What the pre-check lets through to the reader (and the worker's memory and time)."""
        return self.settings.limits


@dataclass
class Outcome:
    workbook: Path
    report: dict[str, Any] | None = None
    verdict: Verdict | None = None
    junit: str = ""  # this workbook's <testsuite>
    markdown: str = ""
    findings: pl.DataFrame | None = None  # only the history columns, as written (pseudonymised or not)
    lines: list[str] = field(default_factory=list)  # "Wrote ..." for each file written
    error: str | None = None
    unread: bool = False  # the error came before the workbook was checked (not while writing outputs)
    model: Report | None = None  # in-process only: the report every file was written from


def output_for(path: Path, workbook: Path) -> Path:
    """In a batch, `-o out/exceptions.csv` becomes `out/exceptions.<workbook>.csv` for each workbook."""
    return path.with_name(f"{path.stem}.{workbook.stem}{path.suffix}")


def jobs_for(paths: list[Path], job: Job, *, single: bool) -> list[Job]:
    """`job` (as asked, for any workbook) for each of `paths`.

    A single workbook (named alone, not a folder) writes its files as named and may show a
    progress bar and keep its report; in a batch each writes one file (or team folder) of
    its own, named after the workbook.
    """
    if single:
        return [replace(job, workbook=path) for path in paths]
    return [
        replace(
            job,
            workbook=path,
            outputs=tuple(output_for(o, path) for o in job.outputs),
            out_dir=None if job.out_dir is None else job.out_dir / path.stem,
            report_path=None if job.report_path is None else output_for(job.report_path, path),
            progress=False,
            keep_result=False,
        )
        for path in paths
    ]


def check_one(job: Job) -> Outcome:
    """Check one workbook, write its outputs, return what the caller reports; bad input is not raised."""
    from annexa_check.api.library import run_check
    from annexa_check.findings.table import HISTORY_COLUMNS
    from annexa_check.outputs import formats
    from annexa_check.outputs.files import write_output

    built = None
    try:
        with _progress(job.progress) as progress:
            built = run_check(
                job.workbook,
                job.settings,
                template=job.template,
                select=job.select,
                ignore=job.ignore,
                progress=progress,
            )
        verdict = job.policy.judge(built.counts_as_dict())
        model = built.judged(verdict)
        written = model.with_pseudonyms(job.key)
        for path in job.outputs:
            write_output(written, path)
        lines = [f"Wrote {path}" for path in job.outputs]
        if job.split_by or job.report_path:  # their writers (and what they import) only when asked for
            from annexa_check.api.audience import write_audience_outputs

            lines += write_audience_outputs(
                written, job.split_by, job.out_dir, job.report_path, history=job.history
            )
    except AnnexaError as exc:
        return Outcome(job.workbook, error=one_line(exc, job.verbose), unread=built is None)
    except MemoryError:
        return Outcome(
            job.workbook,
            error=f"{job.workbook}: checking it ran out of memory (in a run of several workbooks, one "
            f"may use {job.limits.max_memory_mb:,} MB); the workbook is far larger than an Annex A return, "
            f"or damaged; if it is genuine, {raise_with('max_memory_mb')}",
        )
    except Exception as exc:  # a bug: say so without echoing any cell value
        if os.environ.get("ANNEXA_CHECK_DEBUG"):
            raise
        return Outcome(job.workbook, error=f"{job.workbook}: {one_line(exc, job.verbose)}")
    return Outcome(
        job.workbook,
        report=model.as_dict(),
        verdict=verdict,
        junit=ET.tostring(formats.junit_suite(written), encoding="unicode"),
        markdown=formats.markdown(model),
        findings=written.counted.select(HISTORY_COLUMNS),  # an extract fault as the rows it stands for
        lines=lines,
        model=written if job.keep_result else None,
    )


def _progress(enabled: bool) -> AbstractContextManager[Progress | None]:
    """The progress bar when one is asked for; without one, the terminal library is never imported."""
    if not enabled:
        return contextlib.nullcontext()
    from annexa_check.outputs.terminal import progress_bar

    return progress_bar()


def expand(arguments: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The workbooks named or found in the folders named, and what a folder held that was skipped (and why).

    Excel's lock files (`~$book.xlsx`, left while a workbook is open) and hidden files are
    never workbooks; sub-folders are not searched.
    """
    workbooks: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for argument in arguments:
        if not argument.is_dir():
            workbooks.append(argument)
            continue
        for path in sorted(argument.iterdir(), key=lambda p: p.name.lower()):
            if path.name.startswith("~$"):
                skipped.append((path, "Excel lock file (the workbook is open in Excel)"))
            elif path.name.startswith("."):
                skipped.append((path, "hidden file"))
            elif path.is_dir():
                skipped.append((path, "folder (sub-folders are not searched)"))
            elif path.suffix.lower() not in WORKBOOK_SUFFIXES:
                skipped.append((path, "not a workbook"))
            else:
                workbooks.append(path)
    return workbooks, skipped


def run_batch(jobs: list[Job], workers: int | None = None) -> list[Outcome]:
    """Check every job and return the outcomes in job order.

    One workbook is checked in this process. Several are checked in worker processes
    (one, for a small batch; else one per core), so that a workbook which kills the
    process reading it ends only its own check. Workers are started fresh ('spawn'),
    never forked: a forked copy of a process that has used polars' thread pool can hang.
    """
    if len(jobs) == 1:
        return [check_one(jobs[0])]
    if workers is None and sum(_size(job.workbook) for job in jobs) < POOL_FROM_BYTES:
        workers = 1  # starting a worker costs about a second of imports: more than small workbooks take
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    return _Workers(jobs, workers).run()


@dataclass
class _Slot:
    process: BaseProcess
    conn: Connection
    index: int | None = None  # the job it is checking
    started: float = 0.0


class _Workers:
    """Worker processes, each given one job at a time; a worker that dies is replaced."""

    def __init__(self, jobs: list[Job], workers: int) -> None:
        self.jobs = jobs
        self.workers = workers
        self.outcomes: list[Outcome | None] = [None] * len(jobs)
        import multiprocessing  # only here: one workbook is checked without it

        self.context = multiprocessing.get_context("spawn")

    def run(self) -> list[Outcome]:
        from multiprocessing.connection import wait

        waiting = deque(range(len(self.jobs)))
        slots: list[_Slot] = []
        try:
            while waiting or any(slot.index is not None for slot in slots):
                while waiting and len(slots) < self.workers:
                    slots.append(self._start())
                for slot in slots:
                    if slot.index is None and waiting:
                        slot.index, slot.started = waiting.popleft(), time.monotonic()
                        slot.conn.send(self.jobs[slot.index])
                busy = [slot for slot in slots if slot.index is not None]
                ready = wait(
                    [slot.conn for slot in busy] + [slot.process.sentinel for slot in busy],
                    timeout=max(0.0, min(self._deadline(slot) for slot in busy) - time.monotonic()),
                )
                for slot in busy:
                    if slot.conn in ready or slot.process.sentinel in ready:
                        self._collect(slot, slots)
                    elif time.monotonic() >= self._deadline(slot):
                        self._lost(slot, slots, timed_out=True)
        finally:
            for slot in slots:
                self._stop(slot)
        assert all(outcome is not None for outcome in self.outcomes)
        return [outcome for outcome in self.outcomes if outcome is not None]

    def _deadline(self, slot: _Slot) -> float:
        assert slot.index is not None
        return slot.started + self.jobs[slot.index].limits.max_seconds

    def _start(self) -> _Slot:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(child, self.workers > 1), daemon=True)
        process.start()
        child.close()
        return _Slot(process, parent)

    def _collect(self, slot: _Slot, slots: list[_Slot]) -> None:
        assert slot.index is not None
        try:
            outcome = slot.conn.recv()
        except (EOFError, OSError):  # the worker died before it could answer
            self._lost(slot, slots, timed_out=False)
            return
        self.outcomes[slot.index] = outcome
        slot.index = None

    def _lost(self, slot: _Slot, slots: list[_Slot], timed_out: bool) -> None:
        assert slot.index is not None
        job = self.jobs[slot.index]
        self._stop(slot, kill=True)
        slots.remove(slot)
        if timed_out:
            reason = (
                f"{job.workbook}: checking it took longer than the {job.limits.max_seconds:,}-second limit "
                "and was stopped; the workbook is far larger or more complex than an Annex A return; "
                f"if it is genuine, {raise_with('max_seconds')}"
            )
        else:
            code = slot.process.exitcode
            how = signal.Signals(-code).name if code is not None and code < 0 else f"exit code {code}"
            reason = (
                f"{job.workbook}: the process reading it stopped ({how}); the workbook is damaged or "
                f"needs more than the {job.limits.max_memory_mb:,} MB memory limit; open it in Excel and "
                f"save a copy, then check that, or {raise_with('max_memory_mb')}"
            )
        self.outcomes[slot.index] = Outcome(job.workbook, error=reason)
        slot.index = None

    @staticmethod
    def _stop(slot: _Slot, kill: bool = False) -> None:
        """End a worker: a busy one is asked first (SIGTERM, so it removes its half-written files),
        then killed if it does not stop at once (stuck in native code, or past its limits)."""
        if kill or slot.index is not None:
            slot.process.terminate()
            slot.process.join(timeout=STOP_GRACE)
            if slot.process.is_alive():
                slot.process.kill()
        else:
            with contextlib.suppress(OSError):
                slot.conn.send(None)
        slot.process.join(timeout=10)
        slot.conn.close()


def _serve(conn: Connection, sharing: bool) -> None:
    """A worker: check each job it is sent, under the job's memory limit, until it is sent None.

    What a native library prints as it fails (a Rust panic's message) would reach the
    terminal from here, so the worker's own output goes nowhere; the parent reports.
    `sharing`: other workers run at the same time, so this one reads without threads.
    """
    from annexa_check.read.loader import share_cores

    if sharing:
        share_cores()
    signal.signal(signal.SIGTERM, _stopped)  # clean up half-written files, then end
    devnull = os.open(os.devnull, os.O_WRONLY)
    if not os.environ.get("ANNEXA_CHECK_DEBUG"):
        os.dup2(devnull, 2)
    os.dup2(devnull, 1)
    limit = None
    while (job := conn.recv()) is not None:
        if job.limits.max_memory_mb != limit:
            limit = job.limits.max_memory_mb
            _limit_memory(limit)
        outcome = check_one(job)
        conn.send(outcome)


def _stopped(signum: int, _frame: object) -> None:
    raise Stopped(signum)


def _limit_memory(megabytes: int) -> None:
    """Cap this process's heap (data segment and private mappings) where the system allows it."""
    try:
        import resource

        cap = megabytes * 1_000_000
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        resource.setrlimit(resource.RLIMIT_DATA, (cap if hard < 0 else min(cap, hard), hard))
    except (ImportError, ValueError, OSError):
        pass  # not on this system (Windows): the time limit still holds


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # missing: its error comes from the check


def combined(
    outcomes: list[Outcome], reference_date: date, skipped: list[tuple[Path, str]]
) -> dict[str, Any]:
    """The batch document: one summary over every workbook, then each workbook's own."""
    from annexa_check.report.model import SCHEMA_VERSION
    from annexa_check.version import __version__

    done = [o for o in outcomes if o.report is not None]
    counts: dict[str, dict[str, Any]] = {}
    for outcome in done:
        assert outcome.report is not None
        for key, c in outcome.report["counts"].items():
            summed = counts.setdefault(key, {"count": 0, "children": 0, "severity": c["severity"]})
            summed["count"] += c["count"]
            if c.get("from_extract"):
                summed["from_extract"] = summed.get("from_extract", 0) + c["from_extract"]
            summed["children"] += c["children"]  # children of different councils are different children

    def total(key: str) -> int:
        return sum(o.report["totals"][key] for o in done if o.report is not None)

    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "annexa-check", "version": __version__},
        "reference_date": reference_date.isoformat(),
        "batch": {
            "workbooks": len(outcomes),
            "checked": len(done),
            "could_not_check": len(outcomes) - len(done),
            "passed": sum(1 for o in done if o.verdict is not None and o.verdict.passed),
            "skipped_files": [{"path": str(p), "reason": r} for p, r in skipped],
        },
        "counts": dict(sorted(counts.items())),
        "totals": {key: total(key) for key in ("findings", "errors", "warnings", "children_with_errors")},
        "results": [
            o.report if o.report is not None else {"workbook": str(o.workbook), "error": o.error}
            for o in outcomes
        ],
    }


def junit_suites(outcomes: list[Outcome]) -> list[ET.Element]:
    """Each workbook's JUnit suite; one that could not be checked is one errored test case."""
    from annexa_check.outputs import formats

    return [
        ET.fromstring(o.junit) if o.error is None else formats.junit_failed_suite(str(o.workbook), o.error)
        for o in outcomes
    ]
