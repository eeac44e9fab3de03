"""Which rules run: selection by code, code family or error type, as ruff selects.

A selector's letters name one family exactly and its digits narrow within it, so
`CL` is List 9's family and never the `CLA` rules of List 8, `CLA0` is CLA001-CLA099
and `CLA045` one rule. Anything else must be an error type, written as the catalogue
writes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from annexa_check.catalogue.spec import Rule, Spec
from annexa_check.errors import AnnexaError

_SELECTOR = re.compile(r"([A-Za-z]+)([0-9]*)")


def _family(code: str) -> tuple[str, str]:
    """A selector or rule code as (family letters, upper case; digits): `cla04` is ('CLA', '04')."""
    found = _SELECTOR.fullmatch(code)
    return (found.group(1).upper(), found.group(2)) if found else ("", "")


def rule_matches(rule: Rule, pattern: str) -> bool:
    """A selector names a rule by its error type, or by its family with leading digits of its number."""
    if rule.error_type == pattern:
        return True
    letters, digits = _family(pattern)
    family, number = _family(rule.code)
    return bool(letters) and letters == family and number.startswith(digits)


def check_patterns(spec: Spec, patterns: Iterable[str], where: str = "") -> None:
    """Refuse a selector that names no rule: a typo must not silently select nothing."""
    for pattern in patterns:
        if not any(rule_matches(r, pattern) for r in spec.rules):
            raise AnnexaError(f"{where}{_names_nothing(spec, pattern)} (see 'annexa-check rules')")


def _names_nothing(spec: Spec, pattern: str) -> str:
    """Why a selector matches nothing, with the families or numbers it may have meant."""
    letters = _family(pattern)[0]
    families: dict[str, list[str]] = {}
    for rule in spec.rules:
        family, number = _family(rule.code)
        families.setdefault(family, []).append(number)
    if letters in families:
        numbers = sorted(families[letters])
        return (
            f"'{pattern}' names no rule: the {letters} rules are {letters}{numbers[0]}-{letters}{numbers[-1]}"
        )
    near = sorted(f for f in families if letters and f.startswith(letters))
    if near:
        exactly = f"a selector's letters name one family exactly ({', '.join(near)})"
        return f"'{pattern}' names no rule family: {exactly}"
    return f"'{pattern}' is not a rule code, code prefix or error type"


def select_rules(
    spec: Spec, select: Iterable[str] = (), ignore: Iterable[str] = (), source: str = "--select and --ignore"
) -> list[Rule]:
    """Rules chosen by code, code family or error type, as ruff selects (`--select CIN --ignore CIN005`)."""
    select, ignore = [s.strip() for s in select if s.strip()], [s.strip() for s in ignore if s.strip()]
    check_patterns(spec, [*select, *ignore])
    chosen = [r for r in spec.rules if not select or any(rule_matches(r, p) for p in select)]
    chosen = [r for r in chosen if not any(rule_matches(r, p) for p in ignore)]
    if not chosen:
        raise AnnexaError(f"{source} leave no rule to run")
    return chosen
