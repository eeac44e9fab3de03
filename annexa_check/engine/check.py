"""The whole check as a recipe: read the workbook, settle the template, run the rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from annexa_check.catalogue.selection import select_rules
from annexa_check.catalogue.spec import Rule, Spec, load_spec
from annexa_check.engine.extract import find_extract_faults
from annexa_check.engine.run import Skipped, run_rules
from annexa_check.errors import AnnexaError
from annexa_check.findings.table import counted, counts_by_type
from annexa_check.read.extracts import Source, load_source
from annexa_check.read.loader import LoadedWorkbook, template_evidence
from annexa_check.read.safety import DEFAULT_LIMITS, Limits
from annexa_check.settings.config import DEFAULT_EXTRACT_FAULTS, Config, apply_config, config_report

DEFAULT_TEMPLATE = "2023"
DEFAULT_SOURCE = "2023/24, the default: the workbook has no List 9, whose headers tell the layouts apart"
Progress = Callable[[str, int, int], None]  # (what is happening, steps done, steps in all)


@dataclass
class CheckResult:
    workbook: LoadedWorkbook
    reference_date: date
    template: str
    template_source: str
    findings: pl.DataFrame
    skipped: list[Skipped]
    spec: Spec
    config: dict[str, Any] | None = None  # what a configuration file changed, and where it applied
    rules: list[Rule] = field(default_factory=list)  # the rules selected for the run
    # the record findings an extract finding stands for, each with `extract` (that finding's fingerprint)
    absorbed: pl.DataFrame | None = None

    def counts(self) -> pl.DataFrame:
        """Per error type, the records affected (an extract fault counts the rows it stands for)."""
        return counts_by_type(counted(self.findings, self.absorbed))

    @property
    def error_count(self) -> int:
        return self.findings.filter(pl.col("severity") == "error").height


def selected_rules(
    base: Spec, config: Config | None, select: Iterable[str], ignore: Iterable[str]
) -> tuple[Spec, list[Rule]]:
    """The rule data with the settings file applied, and the rules a run with these options uses.

    The file's selection is the default: `select` replaces the file's `select`, and
    `ignore` adds to the file's `ignore`.
    """
    spec = apply_config(base, config) if config else base
    selection = "--select and --ignore"
    if config:
        select, ignore = list(select) or list(config.select), [*config.ignore, *ignore]
        selection += f", with select and ignore in {config.file},"
    return spec, select_rules(spec, select, ignore, selection)


def check_workbook(
    path: Source,
    *,
    reference_date: date,
    template: str = "auto",
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    spec: Spec | None = None,
    config: Config | None = None,
    progress: Progress | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> CheckResult:
    """Load, validate and return the findings for one workbook.

    `path` may also be a folder or .zip of CSV extracts, or a mapping of list keys to
    polars DataFrames (read/extracts.py): everything after loading is the same.

    A configuration file's selection is the default: `select` replaces the file's
    `select`, and `ignore` adds to the file's `ignore`. `progress(step, done, total)`
    is told of each sheet read and of the rules running, so a long check can show a
    bar; the check itself prints nothing.
    """
    base = spec or load_spec()
    spec, rules = selected_rules(base, config, select, ignore)
    steps = 1

    def on_sheet(sheet: str, done: int, total: int) -> None:
        nonlocal steps
        steps = total + 1
        if progress is not None:
            progress(f"Reading {sheet}", done, steps)

    workbook = load_source(path, spec, on_sheet, limits)
    if template == "auto":
        chosen, source = template_evidence(workbook) or (DEFAULT_TEMPLATE, DEFAULT_SOURCE)
    elif (year := spec.template_for(template)) is not None:
        chosen, source = year.key, f"{year.name}: chosen with --template {template}"
    else:
        years = [y for t in spec.templates.values() for y in t.years]
        raise AnnexaError(f"unknown template '{template}' (use {', '.join(years)} or auto)")
    if progress is not None:
        progress(f"Running {len(rules)} rules", steps - 1, steps)
    findings, skipped = run_rules(workbook, spec, template=chosen, reference_date=reference_date, rules=rules)
    thresholds = config.extract if config else DEFAULT_EXTRACT_FAULTS
    findings, absorbed = find_extract_faults(findings, workbook, spec, chosen, thresholds)
    if progress is not None:
        progress("Done", steps, steps)
    return CheckResult(
        workbook=workbook,
        reference_date=reference_date,
        template=chosen,
        template_source=source,
        findings=findings,
        skipped=skipped,
        spec=spec,
        config=config_report(config, workbook, base, spec, chosen) if config else None,
        rules=rules,
        absorbed=absorbed,
    )
