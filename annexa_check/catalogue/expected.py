"""What a correct value looks like, derived from the rule and the specification.

A team manager fixing a record needs the acceptable values beside the problem, not a
rule code to look up. This is the one place that turns a rule (its check family, its
column's type and code set, the template year) into that sentence; every output that
shows it calls `with_expected`.
"""

from __future__ import annotations

import polars as pl

from annexa_check.annex.headers import HeaderMatcher
from annexa_check.annex.model import Column, ListSpec
from annexa_check.catalogue.spec import Rule, Spec
from annexa_check.read.loader import HEADER_SEARCH_ROWS

EXPECTED = "expected"  # the column `with_expected` adds
DATE_EXAMPLE = "an Excel date or dd/mm/yyyy text, e.g. 01/09/2024"


def _codes(col: Column, spec: Spec, template: str) -> str:
    """The code set's valid codes for the template, as the template writes them."""
    assert col.codeset is not None
    codeset = spec.codesets[col.codeset]
    codes = codeset.codes_for(template)
    shown = [c.code if codeset.bare_code else c.label for c in codes]
    text = f"One of {', '.join(shown)}"
    if codeset.bare_code and codes[0].label != codes[0].code:
        text += f" (the code alone or as the template writes it, e.g. '{codes[0].label}')"
    return text


def _value_of(col: Column, spec: Spec, template: str) -> str:
    """A correct value for a column, whatever the rule: by its type and code set."""
    if col.type == "code":
        return _codes(col, spec, template)
    if col.type == "date":
        return f"A date: {DATE_EXAMPLE}"
    if col.type == "int":
        return "A whole number, e.g. 12"
    if col.type == "id":
        return "The identifier from the case-management system"
    return f"The {col.header} as recorded in the case-management system"


def _span(low: int | None, high: int | None) -> str:
    if low is None:
        return f"{high} or under"
    if high is None:
        return f"{low} or over"
    return str(low) if low == high else f"{low}-{high}"


def _ages(rule: Rule, col: Column, spec: Spec, template: str) -> str:
    """The ages each code fits (`ages`), or the ages it must not be used at (`not_ages`)."""
    assert col.codeset is not None
    labels = {c.code: c.label for c in spec.codesets[col.codeset].codes_for(template)}
    allowed = [
        f"{labels[code]} if aged {_span(low, high)}"
        for code, (low, high) in rule.params.get("ages", {}).items()
        if code in labels
    ]
    if allowed:
        return "The category that fits the age at the reference date: " + "; ".join(allowed)
    forbidden = [
        f"not {labels[code]} if aged {_span(low, high)}"
        for code, (low, high) in rule.params.get("not_ages", {}).items()
        if code in labels
    ]
    return "A code that fits the age at the reference date: " + "; ".join(forbidden)


def expected_value(rule: Rule, lst: ListSpec, col: Column | None, spec: Spec, template: str) -> str:
    """One sentence: what the cell (or sheet) should hold for this rule to pass."""
    check = rule.check
    if check == "list_present":
        return f"A sheet named List_{lst.number} ({lst.title}) with the template's column headers"
    if check == "list_headers" or col is None:
        return (
            f"The template's header row (e.g. '{lst.columns[0].header}') "
            f"within the first {HEADER_SEARCH_ROWS} rows of the sheet"
        )
    if check == "column_present":
        return f"A column headed '{col.header}'"
    if check == "column_unique":
        return f"One column headed '{col.header}'"
    if check == "blank":
        return "Blank: nothing should be recorded here"
    if check == "unique":
        return "One row per child on this list: keep the most recent episode"
    if check == "code_age":
        return _ages(rule, col, spec, template)
    if check == "date_order":
        other = lst.column(rule.params["not_before"])
        after = other.header if other else rule.params["not_before"]
        return f"A date on or after the {after} ({DATE_EXAMPLE})"
    return _value_of(col, spec, template)


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
