"""What a correct value looks like, derived from the rule, the specification and the run's date.

A team manager fixing a record needs the acceptable values beside the problem, not a
rule code to look up. Each check kind says it from the rule, its column's type and code
set and the template year (`Kind.expected`); the kinds whose answer depends on the run's
reference date, on another list or on the rule's conditions say it here, where that is
known: the earliest date a look-back or overdue check accepts (and, per record, the date
the next one was due), the latest date, the allowed range of a number or age, and the
combinations a combination check allows. Every output that shows it calls `with_expected`.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from annexa_check.annex import values as v
from annexa_check.annex.headers import HeaderMatcher
from annexa_check.annex.model import Column, ListSpec
from annexa_check.catalogue.kinds.lookback import months_before
from annexa_check.catalogue.kinds.placeholder_date import PLACEHOLDER_BEFORE
from annexa_check.catalogue.spec import Condition, Rule, Spec

EXPECTED = "expected"  # the column `with_expected` adds
_OPPOSITE = {"equals": "not equal to", "not_equals": "equal to", "above": "at most", "below": "at least"}


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _months(n: int) -> str:
    return f"{n} month{'s' if n != 1 else ''}"


def expected_value(
    rule: Rule,
    lst: ListSpec,
    col: Column | None,
    spec: Spec,
    template: str,
    reference_date: date | None = None,
) -> str:
    """One sentence: what the cell (or sheet) should hold for this rule to pass."""
    said = _by_kind(rule, lst, col, spec, reference_date) if col is not None else None
    return said if said is not None else rule.kind.expected(rule, lst, col, spec, template)


def _header(lst: ListSpec, key: str) -> str:
    column = lst.column(key)
    return column.header if column is not None else key


def _holds(cond: Condition, lst: ListSpec) -> str:
    """A condition in the workbook's words (its column's header)."""
    return cond.describe().replace(cond.column, _header(lst, cond.column), 1)


def _fails(cond: Condition, lst: ListSpec) -> str:
    """What the finding's own column must hold for a condition on it to be false, in words."""
    header = _header(lst, cond.column)
    if cond.present:
        return f"{header} must be blank"
    if cond.blank:
        return f"{header} must be recorded"
    if cond.number is not None:
        op, n = cond.number
        return f"{header} must be {_OPPOSITE[op]} {n}"
    if cond.in_codes is not None:
        return f"{header} must be other than {', '.join(cond.in_codes)}"
    if cond.not_prefixed is not None:
        return f"{header} must start with {' or '.join(cond.not_prefixed)}"
    return f"{header} must be one of {', '.join(cond.not_in_codes or ())}"


def _example(rule: Rule, col: Column) -> str:
    """A passing value of the column from the rule's own examples, as ', e.g. X' (or nothing)."""
    for example in rule.examples.get("pass", []):
        value = example.get(col.key) if isinstance(example, dict) else None
        if value not in (None, ""):
            return f", e.g. {value}"
    return ""


def _bounds(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"from {low} to {high}"
    return f"of at least {low}" if low is not None else f"of at most {high}"


def _by_kind(rule: Rule, lst: ListSpec, col: Column, spec: Spec, reference_date: date | None) -> str | None:
    """The kinds whose correct value is said here (None: the kind's own `expected` says it)."""
    p = rule.kind.p
    check = rule.check
    when = f" on {_day(reference_date)}, the reference date" if reference_date else " at the reference date"
    if check == "lookback":
        window = f"no more than {_months(p.months)} before the reference date"
        if reference_date is None:
            return f"A date {window}"
        earliest = months_before(reference_date, p.months)
        return f"A date on or after {_day(earliest)} ({window}, {_day(reference_date)})"
    if check == "future_date":
        day = f" ({_day(reference_date)})" if reference_date else ""
        return f"A date on or before the reference date{day}: an event that has happened"
    if check == "placeholder_date":
        return (
            f"The real date of the event (on or after {_day(PLACEHOLDER_BEFORE)}), not a placeholder "
            "such as 01/01/1900"
        )
    if check == "range":
        return f"A whole number {_bounds(p.min, p.max)}"
    if check == "age_range":
        return (
            f"A child aged {_bounds(p.min, p.max).removeprefix('of ')}{when} (by Date of Birth, else Age): "
            "check the date of birth, or whether the child belongs on this list"
        )
    if check == "age_matches_dob":
        return (
            f"The child's age in whole years{when}, by Date of Birth (or as it was up to "
            f"{p.days_before} day{'s' if p.days_before != 1 else ''} before, when the lists were built)"
        )
    if check == "consistent":
        return f"The same {col.header} as on the child's other lists (the message says what each list has)"
    if check == "constant_per_child":
        return f"The same {col.header} on every row of the child"
    if check == "on_list":
        other = spec.lists[p.other_list]
        also = (
            "" if not rule.other_when else f" with {' and '.join(_holds(c, other) for c in rule.other_when)}"
        )
        where = f"{other.name} ({other.title}){also}"
        if p.expect == "present":
            return f"A child also on {where}: add them there, or correct the ID"
        return f"A child not on {where}: correct the ID, or the list the child is on"
    if check == "pattern":
        return f"A {col.header} of the form {p.regex} (letters in any case){_example(rule, col)}"
    if check == "cell_error":
        if p.kind == "error":
            return (
                f"The {col.header} itself, not an Excel error such as #N/A: fix the extract's lookup or "
                "formula, then the value"
            )
        return f"The {col.header} as a value: save the formula's result (paste as values), not the formula"
    if check == "combination":
        own = [c for c in rule.when if c.column == col.key]
        others = [c for c in rule.when if c.column != col.key]
        if not own:
            return f"Not all at once: {'; '.join(_holds(c, lst) for c in rule.when)}. Correct one of them"
        context = f"When {' and '.join(_holds(c, lst) for c in others)}: " if others else ""
        return f"{context}{' or '.join(_fails(c, lst) for c in own)}"
    return None


def _column_of(rule: Rule, list_name: str, header: str, spec: Spec) -> tuple[ListSpec, Column | None]:
    """The spec column a finding is about, from the header as written in the workbook."""
    lst = next(item for item in spec.lists.values() if item.name == list_name)
    targets = [col for target, col in rule.targets(spec) if target.key == lst.key]
    if len(targets) == 1:
        return lst, targets[0]
    key = HeaderMatcher(lst.columns).match(header)
    return lst, lst.column(key) if key else None


def with_expected(
    findings: pl.DataFrame, spec: Spec, template: str, reference_date: date | None = None
) -> pl.DataFrame:
    """The findings with an `expected` column: what a correct value looks like for each.

    An overdue (look-back) finding also says when the next one was due: the date recorded
    plus the rule's months.
    """
    rules = {r.code: r for r in spec.rules}
    combos = findings.select("rule", "list", "column").unique()
    texts = []
    for code, list_name, header in combos.iter_rows():
        lst, col = _column_of(rules[code], list_name, header, spec)
        texts.append(expected_value(rules[code], lst, col, spec, template, reference_date))
    lookup = combos.with_columns(pl.Series(EXPECTED, texts, dtype=pl.String))
    out = findings.join(lookup, on=["rule", "list", "column"], how="left", maintain_order="left")
    months = {code: r.kind.p.months for code, r in rules.items() if r.check == "lookback"}
    if not months or not findings["rule"].is_in(list(months)).any():
        return out
    span = pl.col("rule").replace_strict(months, default=None, return_dtype=pl.Int64)
    recorded = v.as_date("value")
    due = recorded.dt.offset_by(pl.concat_str(span.cast(pl.String), pl.lit("mo")))
    said = pl.concat_str(
        pl.lit("Due by "),
        due.dt.strftime("%d/%m/%Y"),
        pl.lit(" ("),
        span.cast(pl.String),
        pl.lit(" months after "),
        recorded.dt.strftime("%d/%m/%Y"),
        pl.lit("). "),
        pl.col(EXPECTED),
    )
    return out.with_columns(
        pl.when(span.is_not_null() & recorded.is_not_null())
        .then(said)
        .otherwise(pl.col(EXPECTED))
        .alias(EXPECTED)
    )
