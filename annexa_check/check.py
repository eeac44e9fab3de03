"""The whole check as a recipe: read the workbook, settle the template, run the rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from annexa_check.engine import Skipped, run_rules
from annexa_check.errors import AnnexaError
from annexa_check.findings import counts_by_type
from annexa_check.loader import LoadedWorkbook, detect_template, load_workbook
from annexa_check.safety import DEFAULT_LIMITS, Limits
from annexa_check.spec import TEMPLATES, Rule, Spec, load_spec

DEFAULT_TEMPLATE = "2023"


@dataclass
class CheckResult:
    workbook: LoadedWorkbook
    reference_date: date
    template: str
    template_source: str
    findings: pl.DataFrame
    skipped: list[Skipped]
    spec: Spec

    def counts(self) -> pl.DataFrame:
        return counts_by_type(self.findings)

    @property
    def error_count(self) -> int:
        return self.findings.filter(pl.col("severity") == "error").height


def select_rules(spec: Spec, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Rule]:
    """Rules chosen by code, code prefix or error type, as linters do (`--select CIN --ignore CIN005`)."""
    select, ignore = [s.strip() for s in select if s.strip()], [s.strip() for s in ignore if s.strip()]
    known = {r.code for r in spec.rules} | set(spec.error_types)

    def matches(rule: Rule, pattern: str) -> bool:
        return rule.error_type == pattern or rule.code.startswith(pattern.upper())

    for pattern in [*select, *ignore]:
        if pattern not in known and not any(r.code.startswith(pattern.upper()) for r in spec.rules):
            raise AnnexaError(
                f"'{pattern}' is not a rule code, code prefix or error type (see 'annexa-check rules')"
            )
    chosen = [r for r in spec.rules if not select or any(matches(r, p) for p in select)]
    chosen = [r for r in chosen if not any(matches(r, p) for p in ignore)]
    if not chosen:
        raise AnnexaError("--select and --ignore leave no rule to run")
    return chosen


def check_workbook(
    path: Path | str,
    *,
    reference_date: date,
    template: str = "auto",
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    spec: Spec | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> CheckResult:
    """Load, validate and return the findings for one workbook."""
    spec = spec or load_spec()
    rules = select_rules(spec, select, ignore)
    workbook = load_workbook(path, spec, limits)
    if template == "auto":
        detected = detect_template(workbook)
        chosen = detected or DEFAULT_TEMPLATE
        source = "detected from the List 9 layout" if detected else "the default: no List 9 to detect it from"
    elif template in TEMPLATES:
        chosen, source = template, "chosen with --template"
    else:
        raise AnnexaError(f"unknown template '{template}' (use {', '.join(TEMPLATES)} or auto)")
    findings, skipped = run_rules(workbook, spec, template=chosen, reference_date=reference_date, rules=rules)
    return CheckResult(
        workbook=workbook,
        reference_date=reference_date,
        template=chosen,
        template_source=source,
        findings=findings,
        skipped=skipped,
        spec=spec,
    )
