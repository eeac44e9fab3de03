"""The rule catalogue: every rule from `rules/checks/*.yaml`, on top of the lists and code sets.

Everything the checker knows about Annex A lives in YAML under `rules/`; this module
reads the rules into typed objects and refuses a malformed rule at load time with a
message naming the file and entry, so a bad edit never turns into a silent non-check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from annexa_check.annex.model import (
    TEMPLATES,
    CodeSet,
    Column,
    Layout,
    ListSpec,
    _need,
    _read_yaml,
    _strs,
    load_layout,
    rules_root,
)
from annexa_check.catalogue.kinds import KINDS, Kind, make_kind, parameter_names
from annexa_check.errors import SpecError

SEVERITIES = ("error", "warning")
# What kind of fault a rule finds, so outputs can group warnings and say who fixes them: a record
# not filled in right (recording), work not done in time (timeliness), two values or lists that
# disagree (consistency), or the extract itself (extract: sheets, columns, look-back, duplicate rows).
CATEGORIES = ("recording", "timeliness", "consistency", "extract")
CHECKS = tuple(KINDS)  # every `check:` a rule may name
ERROR_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
RULE_CODE_RE = re.compile(r"^[A-Z]{2,4}\d{3}$")
MESSAGE_COLUMN = re.compile(r"\{col:([a-z0-9_]+)\}")  # a message quoting another column of the row


@dataclass(frozen=True)
class Condition:
    """One clause of a rule's `when`: the row qualifies only if every clause holds."""

    column: str
    present: bool | None = None
    blank: bool | None = None
    in_codes: tuple[str, ...] | None = None
    not_in_codes: tuple[str, ...] | None = None
    number: tuple[str, int] | None = None  # (equals | not_equals | above | below, N) on a whole number
    # free text (e.g. LA of Placement) whose first word is none of these: blank and any other text qualify
    not_prefixed: tuple[str, ...] | None = None
    # (before | after | not_before | not_after, day) on a date column; a `not_` op lets a blank qualify
    # (the event is still going on: care not yet ceased is not before any day)
    on_date: tuple[str, date] | None = None

    def date_flag(self, day: pl.Expr) -> pl.Expr:
        """Whether the row's date (an expression of the date column) meets the `on_date` comparison."""
        assert self.on_date is not None
        op, fixed = self.on_date
        compared = {
            "before": day < fixed,
            "after": day > fixed,
            "not_before": day >= fixed,
            "not_after": day <= fixed,
        }[op]
        return compared.fill_null(op.startswith("not_"))

    def describe(self) -> str:
        if self.on_date is not None:
            op, fixed = self.on_date
            blank = " (or blank)" if op.startswith("not_") else ""
            return f"{self.column} {op.replace('_', ' ')} {fixed.strftime('%d/%m/%Y')}{blank}"
        if self.present:
            return f"{self.column} is present"
        if self.blank:
            return f"{self.column} is blank"
        if self.number is not None:
            op, n = self.number
            return f"{self.column} {op.replace('_', ' ')} {n}"
        if self.in_codes is not None:
            return f"{self.column} is one of {', '.join(self.in_codes)}"
        if self.not_prefixed is not None:
            return f"{self.column} does not start with {' or '.join(self.not_prefixed)}"
        return f"{self.column} is a valid code other than {', '.join(self.not_in_codes or ())}"


@dataclass(frozen=True)
class Rule:
    code: str
    error_type: str
    severity: str
    category: str  # one of CATEGORIES
    title: str
    check: str
    lists: tuple[str, ...]
    columns: tuple[str, ...] | None  # None = every column (filtered by `column_type`)
    column_type: str | None
    message: str
    source: str
    kind: Kind[Any]  # the check kind with this rule's parameters, checked at load time
    when: tuple[Condition, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    examples: dict[str, Any] = field(default_factory=dict)
    file: str = ""
    templates: tuple[str, ...] = TEMPLATES  # the template years whose rule pack holds this rule
    exclude: tuple[str, ...] = ()  # columns left out of an `all` / `{type: ...}` selection
    other_when: tuple[Condition, ...] = ()  # on_list: conditions on the other list's rows
    inject: dict[str, Any] | None = None  # the generator's overlay that produces this error
    inject_when: tuple[Condition, ...] = ()  # rows the overlay may go on (present / blank only)

    def targets(self, spec: Spec) -> list[tuple[ListSpec, Column]]:
        """Every (list, column) this rule applies to, in list and column order."""
        out = []
        for list_key in self.lists:
            lst = spec.lists[list_key]
            for col in lst.columns:
                if self.columns is not None and col.key not in self.columns:
                    continue
                if self.column_type is not None and col.type != self.column_type:
                    continue
                if col.key in self.exclude:
                    continue
                out.append((lst, col))
        return out

    def reads(self) -> tuple[str, ...]:
        """Column keys the rule reads besides its target column (conditions, parameters, message)."""
        extra = [c.column for c in self.when] + MESSAGE_COLUMN.findall(self.message)
        return (*extra, *self.kind.reads())


@dataclass(frozen=True)
class Spec(Layout):
    """The lists and code sets with the rules that judge them."""

    rules: tuple[Rule, ...] = ()

    def severity_of(self, error_type: str) -> str:
        return next(r.severity for r in self.rules if r.error_type == error_type)

    @property
    def error_types(self) -> tuple[str, ...]:
        return tuple(sorted({r.error_type for r in self.rules}))


_RULE_KEYS = {
    "code",
    "error_type",
    "severity",
    "category",
    "title",
    "check",
    "lists",
    "column",
    "columns",
    "message",
    "source",
    "when",
    "examples",
    "templates",
    "other_when",
    "except",
    "inject",
    "inject_when",
}  # any other key is a parameter of the rule's check kind, which refuses what it does not take
_NUMBER_OPS = ("equals", "not_equals", "above", "below")
_DATE_OPS = ("before", "after", "not_before", "not_after")


def _condition(entry: dict, where: str) -> Condition:
    column = _need(entry, "column", where)
    ops = {k for k in entry if k != "column"}
    known = {"present", "blank", "in", "not_in", "not_prefixed", *_NUMBER_OPS, *_DATE_OPS}
    if len(ops) != 1 or not ops <= known:
        raise SpecError(
            f"{where}: a condition has 'column' and one of present/blank/in/not_in/not_prefixed/"
            f"{'/'.join(_NUMBER_OPS)}/{'/'.join(_DATE_OPS)}"
        )
    on_date = None
    for op in _DATE_OPS:
        if op in entry:
            if not isinstance(entry[op], date):
                raise SpecError(f"{where}: '{op}' needs a date written YYYY-MM-DD")
            on_date = (op, entry[op])
    number = None
    for op in _NUMBER_OPS:
        if op in entry:
            if not isinstance(entry[op], int) or isinstance(entry[op], bool):
                raise SpecError(f"{where}: '{op}' needs a whole number")
            number = (op, entry[op])
    return Condition(
        column=column,
        present=entry.get("present"),
        blank=entry.get("blank"),
        in_codes=_strs(entry["in"]) if "in" in entry else None,
        not_in_codes=_strs(entry["not_in"]) if "not_in" in entry else None,
        number=number,
        not_prefixed=_strs(entry["not_prefixed"]) if "not_prefixed" in entry else None,
        on_date=on_date,
    )


def _rule(entry: dict, where: str, lists: dict[str, ListSpec], codesets: dict[str, CodeSet]) -> Rule:
    code = str(_need(entry, "code", where))
    where = f"{where} ({code})"
    if not RULE_CODE_RE.match(code):
        raise SpecError(f"{where}: rule codes look like ETH001 (2-4 capitals, 3 digits)")
    error_type = _need(entry, "error_type", where)
    if not ERROR_TYPE_RE.match(error_type):
        raise SpecError(f"{where}: error_type '{error_type}' must be snake_case")
    severity = _need(entry, "severity", where)
    if severity not in SEVERITIES:
        raise SpecError(f"{where}: severity must be error or warning")
    category = _need(entry, "category", where)
    if category not in CATEGORIES:
        raise SpecError(f"{where}: category must be one of {', '.join(CATEGORIES)}")
    check = _need(entry, "check", where)
    if check not in CHECKS:
        raise SpecError(f"{where}: check '{check}' is not one of {', '.join(CHECKS)}")
    raw_lists = _need(entry, "lists", where)
    rule_lists = tuple(lists) if raw_lists == "all" else _strs(raw_lists)
    for lk in rule_lists:
        if lk not in lists:
            raise SpecError(f"{where}: unknown list '{lk}'")

    columns: tuple[str, ...] | None
    column_type = None
    if "column" in entry:
        columns = (entry["column"],)
    else:
        sel = _need(entry, "columns", where)
        if sel == "all":
            columns = None
        elif isinstance(sel, dict) and set(sel) == {"type"}:
            columns, column_type = None, sel["type"]
        else:
            columns = _strs(sel)
    when = tuple(_condition(c, f"{where}: when[{i}]") for i, c in enumerate(entry.get("when") or ()))
    given = {k: entry[k] for k in entry if k not in _RULE_KEYS}
    names = parameter_names(KINDS[check])
    params = {k: given[k] for k in sorted(given, key=lambda k: names.index(k) if k in names else len(names))}
    kind = make_kind(check, params, where, lists)
    other_when = tuple(
        _condition(c, f"{where}: other_when[{i}]") for i, c in enumerate(entry.get("other_when") or ())
    )
    inject = entry.get("inject")
    if inject is not None and not isinstance(inject, dict):
        raise SpecError(f"{where}: 'inject' is a mapping of column to value")
    inject_when = tuple(
        _condition(c, f"{where}: inject_when[{i}]") for i, c in enumerate(entry.get("inject_when") or ())
    )
    if any(c.present is None and c.blank is None for c in inject_when):
        raise SpecError(f"{where}: inject_when conditions are 'present' or 'blank' only")

    templates = _strs(entry.get("templates")) or TEMPLATES
    if set(templates) - set(TEMPLATES):
        raise SpecError(f"{where}: templates must be among {', '.join(TEMPLATES)}")
    rule = Rule(
        code=code,
        error_type=error_type,
        severity=severity,
        category=category,
        title=_need(entry, "title", where),
        check=check,
        lists=rule_lists,
        columns=columns,
        column_type=column_type,
        message=_need(entry, "message", where),
        source=_need(entry, "source", where),
        kind=kind,
        when=when,
        params=params,
        examples=_need(entry, "examples", where),
        file=where.split(":")[0],
        templates=templates,
        exclude=_strs(entry.get("except")),
        other_when=other_when,
        inject=inject,
        inject_when=inject_when,
    )
    if len(MESSAGE_COLUMN.findall(rule.message)) > 1:  # a finding carries one quoted column as data
        raise SpecError(f"{where}: a message quotes at most one other column ({{col:...}})")
    _check_rule_columns(rule, where, lists, codesets)
    examples = rule.examples
    if not isinstance(examples, dict) or not examples.get("pass") or not examples.get("fail"):
        raise SpecError(f"{where}: every rule needs 'examples' with both 'pass' and 'fail' cases")
    return rule


def _check_rule_columns(
    rule: Rule, where: str, lists: dict[str, ListSpec], codesets: dict[str, CodeSet]
) -> None:
    """Every column a rule names must exist on at least one of its lists; codes it names must exist."""
    spec_like = Spec(lists=lists, codesets=codesets, rules=(), root=Path())
    if not rule.targets(spec_like):
        raise SpecError(f"{where}: none of its lists has the column(s) it checks")
    refused = rule.kind.refuse(rule, [col for _lst, col in rule.targets(spec_like)], lists, codesets)
    if refused:
        raise SpecError(f"{where}: {refused}")
    for name in (rule.columns or ()) + rule.reads():
        if not any(lists[lk].column(name) for lk in rule.lists):
            raise SpecError(f"{where}: column '{name}' is on none of the rule's lists")
    scoped = [(cond, rule.lists) for cond in rule.when]
    scoped += [(cond, (rule.params["other_list"],)) for cond in rule.other_when]
    for cond, scope in scoped:
        dated = [lists[lk].column(cond.column) for lk in scope] if cond.on_date else []
        if any(col is not None and col.type != "date" for col in dated):
            raise SpecError(f"{where}: '{cond.column}' is not a date column to compare with a date")
        wanted = (cond.in_codes or ()) + (cond.not_in_codes or ())
        for lk in scope:
            col = lists[lk].column(cond.column)
            if col is None or not wanted:
                continue
            if col.codeset is None:
                raise SpecError(f"{where}: '{cond.column}' has no code set to compare codes with")
            known = {c.code for c in codesets[col.codeset].codes}
            missing = [w for w in wanted if w not in known]
            if missing:
                raise SpecError(f"{where}: codes {', '.join(missing)} are not in code set '{col.codeset}'")


def _load_rules(folder: Path, lists: dict[str, ListSpec], codesets: dict[str, CodeSet]) -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for path in sorted(folder.glob("*.yaml")):
        data = _read_yaml(path) or []
        if not isinstance(data, list):
            raise SpecError(f"{path.name}: a rule file is a list of rules")
        for i, entry in enumerate(data):
            rules.append(_rule(entry, f"{path.name}: rule {i + 1}", lists, codesets))
    seen: dict[str, str] = {}
    severities: dict[str, str] = {}
    for r in rules:
        if r.code in seen:
            raise SpecError(f"rule code {r.code} is used twice ({seen[r.code]} and {r.file})")
        seen[r.code] = r.file
        if severities.setdefault(r.error_type, r.severity) != r.severity:
            raise SpecError(f"error type '{r.error_type}' has rules of both severities; keep one")
    return tuple(sorted(rules, key=lambda r: r.code))


@cache
def load_spec(root: Path | None = None) -> Spec:
    """Load and check the whole specification (cached: it is read once per process)."""
    layout = load_layout(root or rules_root())
    rules = _load_rules(layout.root / "checks", layout.lists, layout.codesets)
    return Spec(
        lists=layout.lists,
        codesets=layout.codesets,
        root=layout.root,
        templates=layout.templates,
        rules=rules,
    )
