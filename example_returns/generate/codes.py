"""Codes from the spec under `rules/`: labels and legal renderings per template, and the codes rules name.

The generator holds no code set of its own. Its tables (weights, age limits, providers per
placement type) are keyed by code and only choose among the spec's codes; labels, bare-code
forms and which codes a template year has come from `load_spec()`, and the codes a rule
exempts or forbids are read from that rule.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from annexa_check.catalogue.spec import Spec


class Codes:
    """The spec's code sets for one template: labels, bare codes and messy-but-legal renderings."""

    def __init__(self, spec: Spec, template: str, rng: random.Random) -> None:
        self.rng = rng
        self.labels: dict[str, dict[str, str]] = {}
        self.bare: dict[str, bool] = {}
        for key, cs in spec.codesets.items():
            self.labels[key] = {c.code: c.label for c in cs.codes_for(template)}
            self.bare[key] = cs.bare_code
        self._weights: dict[tuple[str, tuple], tuple[list[str], list[float]]] = {}

    def has(self, cs: str, code: str) -> bool:
        return code in self.labels[cs]

    def label(self, cs: str, code: str) -> str:
        return self.labels[cs][code]

    def render(self, cs: str, code: str) -> str:
        """Mostly the template label; sometimes the bare code or odd case/spacing (all legal)."""
        label = self.labels[cs][code]
        r = self.rng.random()
        if r < 0.12 and self.bare[cs] and label != code:
            return code
        if r < 0.135:
            return f" {label.lower()} "
        if r < 0.145:
            return label.upper()
        return label

    def pick(
        self, cs: str, weights: Mapping[str, float], allowed: Callable[[str], bool] | None = None
    ) -> str:
        """A weighted random code of `cs`, limited to the template's codes (and `allowed`)."""
        key = (cs, tuple(weights.items())) if allowed is None else None
        if key is not None and key in self._weights:
            pop, cum = self._weights[key]
        else:
            pop = [c for c in weights if c in self.labels[cs] and (allowed is None or allowed(c))]
            cum, total = [], 0.0
            for c in pop:
                total += weights[c]
                cum.append(total)
            if key is not None:
                self._weights[key] = (pop, cum)
        return self.rng.choices(pop, cum_weights=cum)[0]

    def any(self, cs: str) -> str:
        return self.rng.choice(list(self.labels[cs]))


def rule_codes(spec: Spec, error_type: str, op: str, template: str | None = None) -> tuple[str, ...]:
    """The codes named in a rule's `when` (e.g. the placement types exempt from a provider).

    With `template`, only a rule in that year's pack counts: none there gives no codes.
    """
    found = False
    for rule in spec.rules:
        if rule.error_type != error_type:
            continue
        found = True
        if template is not None and template not in rule.templates:
            continue
        for cond in rule.when:
            codes = cond.not_in_codes if op == "not_in" else cond.in_codes
            if codes:
                return codes
    if found and template is not None:
        return ()
    raise LookupError(f"no rule for {error_type} with a '{op}' condition")


def rule_param(spec: Spec, error_type: str, param: str) -> dict[str, Any]:
    for rule in spec.rules:
        if rule.error_type == error_type and param in rule.params:
            return dict(rule.params[param])
    raise LookupError(f"no rule for {error_type} with '{param}'")


def unknown_codes(spec: Spec, codeset: str, codes: Iterable[str]) -> list[str]:
    """The codes of a generator table that the spec's code set has in no template year."""
    known = {c.code for c in spec.codesets[codeset].codes}
    return [code for code in codes if code not in known]
