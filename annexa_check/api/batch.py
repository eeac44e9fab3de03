"""Several workbooks in one run (e.g. the councils of a regional partnership), on every core.

Each workbook is checked in its own process and writes its own exception lists; the
parent gets back only the summary, the CI renderings and the few fields history needs,
and combines them. A workbook that cannot be read gets its one-line error and the
others carry on.
"""

from __future__ import annotations

import multiprocessing
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from annexa_check.engine.check import CheckResult
from annexa_check.errors import AnnexaError, one_line
from annexa_check.read.safety import DEFAULT_LIMITS, Limits
from annexa_check.report.policy import Policy, Verdict

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
# Below this much workbook in total, one process is quicker than starting more (a 6 MB,
# 100k-row dry run takes about 0.9 s to check; a worker takes about 1 s to start).
POOL_FROM_BYTES = 12_000_000


@dataclass(frozen=True)
class Job:
    """One workbook and everything needed to check it, in a form a worker process can receive."""

    workbook: Path
    reference_date: date
    template: str
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    policy: Policy
    outputs: tuple[Path, ...] = ()  # written by the worker, as given
    split_by: str | None = None
    out_dir: Path | None = None
    report_path: Path | None = None
    key: bytes | None = None  # pseudonymise every file written (and the history) with this key
    config_file: Path | None = None  # the council settings file, read again in the worker
    progress: bool = False  # in-process only: draw a progress bar
    keep_result: bool = False  # in-process only: hand back the whole CheckResult
    limits: Limits = DEFAULT_LIMITS  # what the pre-check lets through to the reader
    verbose: bool = False  # errors may quote the reader's own message
    history: Path | None = None  # the store whose earlier run the report compares with (read only)


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
    result: CheckResult | None = None


def output_for(path: Path, workbook: Path) -> Path:
    """In a batch, `-o out/exceptions.csv` becomes `out/exceptions.<workbook>.csv` for each workbook."""
    return path.with_name(f"{path.stem}.{workbook.stem}{path.suffix}")


def check_one(job: Job) -> Outcome:
    """Check one workbook, write its outputs, return what the caller reports; bad input is not raised."""
    from annexa_check.api.audience import with_pseudonyms, write_audience_outputs
    from annexa_check.catalogue.spec import load_spec
    from annexa_check.engine.check import check_workbook
    from annexa_check.findings.table import HISTORY_COLUMNS
    from annexa_check.outputs import formats
    from annexa_check.outputs.files import write_output
    from annexa_check.outputs.terminal import progress_bar
    from annexa_check.report.model import summary
    from annexa_check.settings.config import load_config

    try:
        spec = load_spec()
        config = load_config(job.config_file, spec) if job.config_file else None
        with progress_bar(enabled=job.progress) as progress:
            result = check_workbook(
                job.workbook,
                reference_date=job.reference_date,
                template=job.template,
                select=job.select,
                ignore=job.ignore,
                spec=spec,
                config=config,
                progress=progress,
                limits=job.limits,
            )
        verdict = job.policy.judge(summary(result)["counts"])
        report = summary(result, verdict)
        written = with_pseudonyms(result, job.key)
        for path in job.outputs:
            write_output(written, path, verdict)
        lines = [f"Wrote {path}" for path in job.outputs]
        lines += write_audience_outputs(
            written,
            job.split_by,
            job.out_dir,
            job.report_path,
            pseudonymised=job.key is not None,
            history=job.history,
        )
    except AnnexaError as exc:
        return Outcome(job.workbook, error=one_line(exc, job.verbose))
    except Exception as exc:  # a bug: say so without echoing any cell value
        if os.environ.get("ANNEXA_CHECK_DEBUG"):
            raise
        return Outcome(job.workbook, error=f"{job.workbook}: {one_line(exc, job.verbose)}")
    return Outcome(
        job.workbook,
        report=report,
        verdict=verdict,
        junit=ET.tostring(formats.junit_suite(written, verdict), encoding="unicode"),
        markdown=formats.markdown(report, verdict),
        findings=written.findings.select(HISTORY_COLUMNS),
        lines=lines,
        result=written if job.keep_result else None,
    )


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
    """Check every job, in parallel when there are several, and return the outcomes in job order.

    Without `workers`, a small batch is checked in this process and a large one on every core.
    Workers are started fresh ('spawn'), never forked: a forked copy of a process that
    has used polars' thread pool can hang.
    """
    if workers is None and sum(_size(job.workbook) for job in jobs) < POOL_FROM_BYTES:
        workers = 1  # starting a worker costs about a second of imports: more than small workbooks take
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    if workers == 1:
        return [check_one(job) for job in jobs]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(check_one, jobs))


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
