"""What a correct value looks like, derived from the rule and the specification.

A team manager fixing a record needs the acceptable values beside the problem, not a
rule code to look up. Each check kind says it (from the rule, its column's type and code set, the
template year); every output that shows it calls `with_expected`.
"""

from __future__ import annotations

import polars as pl

from annexa_check.annex.headers import HeaderMatcher
from annexa_check.annex.model import Column, ListSpec
from annexa_check.catalogue.spec import Rule, Spec

EXPECTED = "expected"  # the column `with_expected` adds


def expected_value(rule: Rule, lst: ListSpec, col: Column | None, spec: Spec, template: str) -> str:
    """One sentence: what the cell (or sheet) should hold for this rule to pass (said by its kind)."""
    return rule.kind.expected(rule, lst, col, spec, template)


def _column_of(rule: Rule, list_name: str, header: str, spec: Spec) -> tuple[ListSpec, Column | None]:
    """The spec column a finding is about, from the header as written in the workbook."""
    lst = next(item for item in spec.lists.values() if item.name == list_name)
    targets = [col for target, col in rule.targets(spec) if target.key == lst.key]
    if len(targets) == 1:
        return lst, targets[0]
    key = HeaderMatcher(lst.columns).match(header)
    return lst, lst.column(key) if key else None


def with_expected(findings: pl.DataFrame, spec: Spec, template: str) -> pl.DataFrame:
    """The findings with an `expected` column: what a correct value looks like for each."""
    rules = {r.code: r for r in spec.rules}
    combos = findings.select("rule", "list", "column").unique()
    texts = []
    for code, list_name, header in combos.iter_rows():
        lst, col = _column_of(rules[code], list_name, header, spec)
        texts.append(expected_value(rules[code], lst, col, spec, template))
    lookup = combos.with_columns(pl.Series(EXPECTED, texts, dtype=pl.String))
    return findings.join(lookup, on=["rule", "list", "column"], how="left", maintain_order="left")
