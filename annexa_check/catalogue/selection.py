"""Which rules run: selection by code, code family or error type, as ruff selects.

A selector's letters name one family exactly and its digits narrow within it, so
`CL` is List 9's family and never the `CLA` rules of List 8, `CLA0` is CLA001-CLA099
and `CLA045` one rule. Anything else must be an error type, written as the catalogue
writes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import get_close_matches

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
    return f"'{pattern}' is not a rule code, code prefix or error type{did_you_mean(spec, pattern)}"


def did_you_mean(spec: Spec, text: str, most: int = 3) -> str:
    """`; did you mean CLA030, CLA031 or CLA032?` for a code or error type that names nothing, else ''.

    A code cut short (`CLA03`) is offered the rules it starts; anything else the nearest
    codes and error types by spelling (`missing_etnicity` -> `missing_ethnicity`).
    """
    letters, digits = _family(text)
    codes = [r.code for r in spec.rules]
    near = sorted(c for c in codes if letters and digits and c.startswith(letters + digits))[:most]
    if not near:
        names = {name.lower(): name for name in [*codes, *spec.error_types]}
        near = [names[n] for n in get_close_matches(text.strip().lower(), list(names), n=most, cutoff=0.8)]
    if not near:
        return ""
    listed = near[0] if len(near) == 1 else f"{', '.join(near[:-1])} or {near[-1]}"
    return f"; did you mean {listed}?"


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
