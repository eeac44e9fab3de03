"""The files a run writes for each audience besides the exception list: team workbooks, HTML report.

Options are checked before the (possibly long) check runs, so a typo costs nothing.
"""

from __future__ import annotations

from pathlib import Path

from annexa_check.errors import AnnexaError
from annexa_check.findings.pseudonym import key_from_environment
from annexa_check.history.compare import previous_run, run_side
from annexa_check.report.change import Comparison, Side, compare
from annexa_check.report.model import Report

REPORT_SUFFIXES = (".html", ".htm")


def check_destinations(
    outputs: tuple[Path, ...],
    split_by: str | None,
    out_dir: Path | None,
    report_path: Path | None,
    pseudonymised: bool,
) -> bytes | None:
    """Refuse option combinations that cannot work; return the pseudonym key when one is needed."""
    if split_by and out_dir is None:
        raise AnnexaError(f"--split-by {split_by} needs --out-dir, the folder for the workbooks")
    if out_dir is not None and not split_by:
        raise AnnexaError("--out-dir is the folder for --split-by team|worker; add --split-by")
    if report_path is not None and report_path.suffix.lower() not in REPORT_SUFFIXES:
        raise AnnexaError(f"'{report_path}': --report must be a file name ending in .html")
    for path in (*outputs, *([report_path] if report_path else [])):  # once, not once per workbook
        if not path.parent.is_dir():
            raise AnnexaError(f"{path.parent}: output folder does not exist")
    if not pseudonymised:
        return None
    if not (outputs or split_by or report_path):
        raise AnnexaError(
            "--pseudonymise applies to files written with -o, --split-by or --report; none given"
        )
    return key_from_environment()


def write_audience_outputs(
    report: Report,
    split_by: str | None,
    out_dir: Path | None,
    report_path: Path | None,
    *,
    history: Path | None = None,
) -> list[str]:
    """Write the team workbooks and the HTML report asked for; return one line per thing written.

    The HTML report shows the change since the workbook's previous run in `history`, if it has one.
    """
    from annexa_check.outputs.html import write_html
    from annexa_check.outputs.teams import write_split

    lines = []
    if split_by and out_dir is not None:
        files = write_split(report, split_by, out_dir)
        if files:
            lines.append(
                f"Wrote {len(files)} {split_by} workbook{'s' if len(files) != 1 else ''} to {out_dir}"
            )
        else:
            lines.append(f"No findings, so no {split_by} workbooks were written to {out_dir}")
    if report_path is not None:
        write_html(report.compared(previous_comparison(history, report)), report_path)
        lines.append(f"Wrote {report_path}")
    return lines


def previous_comparison(store: Path | None, report: Report) -> Comparison | None:
    """This run against the workbook's previous recorded run (see `previous_run`), if there is one."""
    if store is None:
        return None
    run = previous_run(store, report.workbook, report.reference_date)
    if run is None:
        return None
    old = run_side(store, run, [rule.code for rule in report.rules])
    new = Side(report.workbook.name, report.reference_date.isoformat(), report.counted)  # as recorded
    return compare(old, new)
