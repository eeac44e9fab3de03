"""Which rules run: selection by code, code prefix or error type, as linters do."""

from __future__ import annotations

from collections.abc import Iterable

from annexa_check.catalogue.spec import Rule, Spec
from annexa_check.errors import AnnexaError


def rule_matches(rule: Rule, pattern: str) -> bool:
    """A selection pattern names a rule by code, code prefix or error type, as linters do."""
    return rule.error_type == pattern or rule.code.startswith(pattern.upper())


def check_patterns(spec: Spec, patterns: Iterable[str], where: str = "") -> None:
    """Refuse a selection pattern that names no rule: a typo must not silently select nothing."""
    for pattern in patterns:
        if not any(rule_matches(r, pattern) for r in spec.rules):
            raise AnnexaError(
                f"{where}'{pattern}' is not a rule code, code prefix or error type (see 'annexa-check rules')"
            )


def select_rules(
    spec: Spec, select: Iterable[str] = (), ignore: Iterable[str] = (), source: str = "--select and --ignore"
) -> list[Rule]:
    """Rules chosen by code, code prefix or error type, as linters do (`--select CIN --ignore CIN005`)."""
    select, ignore = [s.strip() for s in select if s.strip()], [s.strip() for s in ignore if s.strip()]
    check_patterns(spec, [*select, *ignore])
    chosen = [r for r in spec.rules if not select or any(rule_matches(r, p) for p in select)]
    chosen = [r for r in chosen if not any(rule_matches(r, p) for p in ignore)]
    if not chosen:
        raise AnnexaError(f"{source} leave no rule to run")
    return chosen
