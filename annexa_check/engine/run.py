"""The rules engine: declarative rules -> polars expressions -> one findings table.

Each rule names a check kind (required, valid, date_order, ...; one class each under
`catalogue/kinds/`) that turns it into an expression; this module runs them. Every (rule,
column) flag of a list is computed in one lazy pass over that list, then each flag's
rows become findings carrying everything an output needs: no output re-reads the
workbook or re-derives a message.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from annexa_check.annex import values as v
from annexa_check.annex.model import Column, ListSpec
from annexa_check.catalogue.spec import MESSAGE_COLUMN, Condition, Rule, Spec
from annexa_check.findings.messages import PARAMS, TEMPLATE, no_params, render_messages
from annexa_check.findings.table import (
    FINDING_COLUMNS,
    MESSAGE_COLUMNS,
    empty_findings,
    scope_by_row,
    validate_findings,
)
from annexa_check.read.loader import ROW, LoadedList, LoadedWorkbook

_Instance = tuple[Rule, Column]  # one rule applied to one column of one list
_SUSPECT = "columns that may hold errors"  # memo: the list's columns a cell of which starts with # or =
_SPELT = "each code column's distinct values"  # memo: _Context.spelt


@dataclass(frozen=True)
class Skipped:
    """A rule that could not run on a list, and why (never silently treated as a pass)."""

    rule: str
    list: str
    reason: str


@dataclass
class _Context:
    lst: ListSpec
    loaded: LoadedList
    spec: Spec
    template: str
    reference_date: date
    workbook: LoadedWorkbook
    shared: dict[str, pl.DataFrame] = field(default_factory=dict)  # cross-list tables, built once a run
    # per list, its columns converted so far (`__code_gender`, ...): each once a run, dropped when done with
    typed: dict[str, dict[str, pl.Series]] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict)  # what a check kind worked out once for this list
    memos: dict[str, dict[str, Any]] = field(default_factory=dict)  # every list's memo, shared by the run

    @property
    def frame(self) -> pl.DataFrame:
        """The list's cells plus each code, date, whole number and ID converted once.

        Dozens of rules read the same placement type or start date; converting each
        column once, not once per rule, is what keeps a large catalogue fast.
        """
        return self.frame_for()

    def frame_for(self, *exprs: pl.Expr) -> pl.DataFrame:
        """The list's cells plus the converted columns `exprs` read (all of them when none is given).

        Another list's check reads two or three of a list's columns: converting only those
        keeps every list's converted columns from being held at once.
        """
        frame = self.loaded.frame
        assert frame is not None
        names = self._conversions()
        if exprs:
            read = {name for e in exprs for name in e.meta.root_names()}
            names = {name: how for name, how in names.items() if name in read}
        done = self.typed.setdefault(self.lst.key, {})
        todo = {name: how for name, how in names.items() if name not in done}
        at_once = {name: self._whole_column(*how) for name, how in todo.items() if how[1] != "id"}
        done.update(frame.select(e.alias(name) for name, e in at_once.items()).to_dict() if at_once else {})
        for name, (key, kind) in todo.items():
            if kind == "id":
                done[name] = v.child_id_keys(frame, key).alias(name)
        return frame.with_columns(done[name] for name in names)

    def _whole_column(self, key: str, kind: str) -> pl.Expr:
        """A date, number or code column converted, all of a list's in one query (`frame_for`).

        A code column repeats a few dozen spellings: each is converted once (`spelt`), then looked up.
        """
        if kind != "code":
            return self._convert(key, kind)
        spelt = self.spelt(key)
        return v.looked_up(key, spelt["value"], spelt["code"])

    def spelt(self, key: str) -> pl.DataFrame:
        """A code column's distinct values: each `value`, its `code` (null if none), `rows` and `first` row.

        Worked out for every code column of the list in one query, once a run: the converted
        column looks each cell up here, and AX011 reports the values not written in standard form.
        """
        if _SPELT not in self.memo:
            frame = self.loaded.frame
            assert frame is not None
            keys = [key for key, kind in self._conversions().values() if kind == "code"]
            queries = [
                frame.lazy()
                .group_by(k)
                .agg(pl.len().alias("rows"), pl.col(ROW).min().alias("first"))
                .drop_nulls(k)
                .select(pl.col(k).alias("value"), self._convert(k, "code").alias("code"), "rows", "first")
                for k in keys
            ]
            self.memo[_SPELT] = dict(zip(keys, v.collected_all(queries), strict=True))
        spelt: pl.DataFrame = self.memo[_SPELT][key]
        return spelt

    def _conversions(self) -> dict[str, tuple[str, str]]:
        """Converted column name -> (column key, type) for each column read as a code, date, number or ID."""
        return {
            self._name(col.key, col.type): (col.key, col.type)
            for col in self.lst.columns
            if col.key in self.loaded.matched and col.type in ("code", "date", "int", "id")
        }

    def _convert(self, key: str, kind: str) -> pl.Expr:
        if kind == "code":
            col = self.lst.column(key)
            assert col is not None and col.codeset is not None
            return v.as_code(key, self.spec.codesets[col.codeset], self.template)
        if kind == "id":
            return v.child_id_key(key)
        return v.as_date(key) if kind == "date" else v.as_int(key)

    def _name(self, key: str, kind: str) -> str:
        return f"__{kind}_{key}"

    def _typed(self, key: str, kind: str) -> pl.Expr:
        col = self.lst.column(key)
        if col is not None and col.type == kind:
            return pl.col(self._name(key, kind))
        return self._convert(key, kind)  # a column of another type, read this way by one rule

    def code(self, key: str) -> pl.Expr:
        return self._typed(key, "code")

    def date(self, key: str) -> pl.Expr:
        return self._typed(key, "date")

    def int(self, key: str) -> pl.Expr:
        return self._typed(key, "int")

    def child_key(self, key: str) -> pl.Expr:
        return self._typed(key, "id")

    def suspect(self, key: str) -> bool:
        """Whether any cell of the column starts like an Excel error or a formula; worked out once a list."""
        if _SUSPECT not in self.memo:
            frame = self.loaded.frame
            columns = list(self.loaded.matched)
            self.memo[_SUSPECT] = set() if frame is None else v.error_or_formula_columns(frame, columns)
        return key in self.memo[_SUSPECT]

    def present(self, key: str) -> pl.Expr:
        """`values.is_present`: just not blank where no cell could be an error or a formula."""
        return v.is_present(key) if self.suspect(key) else ~v.is_blank(key)

    def age(self) -> pl.Expr:
        return _age(self)

    def condition(self, cond: Condition) -> pl.Expr:
        return _condition(cond, self)

    def on(self, list_key: str) -> _Context:
        """The same run seen from another list (cross-list checks), sharing what is already built."""
        return _Context(
            lst=self.spec.lists[list_key],
            loaded=self.workbook.lists[list_key],
            spec=self.spec,
            template=self.template,
            reference_date=self.reference_date,
            workbook=self.workbook,
            shared=self.shared,
            typed=self.typed,
            memo=self.memos.setdefault(list_key, {}),
            memos=self.memos,
        )


def _condition(cond: Condition, ctx: _Context) -> pl.Expr:
    if cond.on_date is not None:  # a date column compared with a fixed date (catalogue/spec.py)
        return cond.date_flag(ctx.date(cond.column))
    if cond.present:
        return ctx.present(cond.column)
    if cond.blank:
        return v.is_blank(cond.column)
    if cond.number is not None:
        op, n = cond.number
        number = ctx.int(cond.column)
        if op == "not_equals":
            return (number != n).fill_null(True)
        compared = {"equals": number == n, "above": number > n, "below": number < n}[op]
        return compared.fill_null(False)
    if cond.not_prefixed is not None:  # the first word, as `CON - Child placed in confidential placement`
        first = pl.col(cond.column).str.extract(r"^\s*([A-Za-z]+)", 1).str.to_uppercase()
        return ~first.is_in([p.upper() for p in cond.not_prefixed]).fill_null(False)
    code = ctx.code(cond.column)
    if cond.in_codes is not None:
        return code.is_in(list(cond.in_codes)).fill_null(False)
    assert cond.not_in_codes is not None
    return code.is_not_null() & ~code.is_in(list(cond.not_in_codes))


def _age(ctx: _Context) -> pl.Expr:
    """Age at the reference date from the date of birth, else from the age column."""
    parts = []
    if "date_of_birth" in ctx.loaded.matched:
        parts.append(v.age_at(ctx.date("date_of_birth"), ctx.reference_date).cast(pl.Int64))
    if "age" in ctx.loaded.matched:
        parts.append(ctx.int("age"))
    return pl.coalesce(parts) if parts else pl.lit(None, dtype=pl.Int64)


def _flag(rule: Rule, col: Column, ctx: _Context, joined: str | None = None) -> pl.Expr:
    """The rule's kind flags the rows; the rule's `when` narrows them."""
    flag = rule.kind.flag(rule, col.key, ctx, joined)
    for cond in rule.when:
        flag = flag & _condition(cond, ctx)
    return flag.fill_null(False)


def _spellings(key: str, frame: pl.DataFrame, compared: pl.Expr) -> pl.DataFrame:
    """Each child ID written in more than one way on a list (`123`, `１２３`): how, for the message.

    `compared` is the ID as compared (`child_id_key`), converted once per run where it can be.
    """
    raw = pl.col("__raw")
    return (
        frame.lazy()
        .select(compared.alias("__k"), pl.col(key).alias("__raw"))
        .drop_nulls()
        .unique()
        .group_by("__k")
        .agg(raw.sort())
        .filter(raw.list.len() > 1)
        .select("__k", (pl.lit(" (written as '") + raw.list.join("', '") + pl.lit("')")).alias("__spelt"))
        .pipe(v.collected)
    )


def _message(rule: Rule, col: Column, ctx: _Context, others: str | None = None) -> tuple[str, pl.Expr]:
    """The message's template, and the values it quotes from the row as data (rendered at the end).

    Only the header as written and the template year go into the text here; the cell's
    value, the age, what other lists say and any other column stay separate fields, so
    pseudonymisation replaces them before anything is rendered.
    """
    header = ctx.loaded.matched.get(col.key, col.header)
    text = rule.message.replace("{column}", header).replace("{template}", ctx.template)
    quoted = MESSAGE_COLUMN.search(text)
    none = pl.lit(None, dtype=pl.String)
    params = pl.struct(
        (_age(ctx).cast(pl.String) if "{age}" in text else none).alias("age"),
        (pl.col(others) if others and "{others}" in text else none).alias("others"),
        (pl.col(quoted.group(1)) if quoted else none).alias("quoted"),
        pl.lit(quoted.group(1) if quoted else None, dtype=pl.String).alias("quoted_column"),
    )
    return text, params


def _missing_reads(rule: Rule, col: Column, ctx: _Context) -> list[str]:
    present = set(ctx.loaded.matched)
    needed = [col.key, *rule.reads()]
    if rule.kind.either_age:  # either source of the age will do
        needed = [n for n in needed if n not in ("date_of_birth", "age")]
        if not {"date_of_birth", "age"} & present:
            needed.append("date_of_birth")
    return list(dict.fromkeys(n for n in needed if n not in present))


def _column_findings(rule: Rule, ctx: _Context) -> pl.DataFrame | None:
    expected = {c.key for c in ctx.lst.columns_for(ctx.template)}
    missing = [
        col
        for lst, col in rule.targets(ctx.spec)
        if lst.key == ctx.lst.key and col.key in expected and col.key not in ctx.loaded.matched
    ]
    if not missing:
        return None
    return _list_level(
        rule,
        ctx.loaded,
        [c.header for c in missing],
        [rule.message.replace("{column}", c.header) for c in missing],
    )


def _list_level(rule: Rule, loaded: LoadedList, columns: list[str], messages: list[str]) -> pl.DataFrame:
    """Findings about a whole list or column: no row, no child."""
    n = len(columns)
    nulls = pl.Series([None] * n, dtype=pl.String)
    return pl.DataFrame(
        {
            "error_type": [rule.error_type] * n,
            "rule": [rule.code] * n,
            "severity": [rule.severity] * n,
            "list": [loaded.spec.name] * n,
            "row": pl.Series([None] * n, dtype=pl.Int64),
            "child_id": nulls,
            "column": columns,
            "value": nulls,
            "message": messages,
            "team": nulls,
            "worker": nulls,
            "sheet": pl.Series([loaded.sheet] * n, dtype=pl.String),
            "fingerprint": [f"{rule.code}|{loaded.spec.name}|||{c}" for c in columns],
            TEMPLATE: messages,  # a list or column finding quotes nothing from a row: its text is final
            PARAMS: no_params(n),
        }
    )


def _whole_list(rule: Rule, loaded: LoadedList) -> pl.DataFrame | None:
    """A list that is absent (list_present) or whose sheet has no usable header row (list_headers)."""
    found = loaded.sheet is not None
    if (rule.check == "list_present" and found) or (rule.check == "list_headers" and not found):
        return None
    name = f"{loaded.spec.name} ({loaded.spec.title})"
    message = rule.message.replace("{list}", name).replace("{sheet}", loaded.sheet or "")
    return _list_level(rule, loaded, ["(whole list)"], [message])


def _duplicate_columns(rule: Rule, ctx: _Context) -> pl.DataFrame | None:
    targets = {col.key for lst, col in rule.targets(ctx.spec) if lst.key == ctx.lst.key}
    dupes = [(key, header, letter) for key, header, letter in ctx.loaded.duplicates if key in targets]
    if not dupes:
        return None
    messages = [
        rule.message.replace("{column}", header)
        .replace("{letter}", letter)
        .replace("{used}", ctx.loaded.letters.get(key, "?"))
        for key, header, letter in dupes
    ]
    return _list_level(rule, ctx.loaded, [header for _, header, _ in dupes], messages)


def _loose(text: pl.Expr) -> pl.Expr:
    """Text as compared for spelling: case and runs of spaces do not count, the `a)` prefix does."""
    return text.str.to_lowercase().str.replace_all(r"\s+", " ")


def _code_forms(rule: Rule, ctx: _Context) -> pl.DataFrame | None:
    """Recognised codes not written as the template writes them: one finding per column and value.

    A bare `PR1` or `white british` is understood, so it is not an error, but the template
    asks for its standard form; one finding per distinct spelling (with its row count)
    keeps an extract that writes every code bare from burying the real problems.
    """
    frame = ctx.loaded.frame
    if frame is None or frame.height == 0:
        return None
    parts = []
    for lst, col in rule.targets(ctx.spec):
        if lst.key != ctx.lst.key or col.key not in ctx.loaded.matched or col.codeset is None:
            continue
        labels = {c.code: c.label for c in ctx.spec.codesets[col.codeset].codes_for(ctx.template)}
        standard = pl.col("code").replace_strict(labels, default=None, return_dtype=pl.String)
        parts.append(  # each distinct spelling, counted and converted once (_Context.spelt)
            ctx.spelt(col.key)
            .lazy()
            .select(
                pl.lit(ctx.loaded.matched[col.key]).alias("header"),
                "value",
                standard.alias("standard"),
                "rows",
                "first",
            )
        )
    if not parts:
        return None
    odd = (
        pl.concat(parts)
        .filter(pl.col("standard").is_not_null())
        .group_by("header", "value", "standard")
        .agg(pl.col("rows").sum(), pl.col("first").min())
        .filter(_loose(pl.col("value")) != _loose(pl.col("standard")))
        .sort("first", "header", "value")
        .pipe(v.collected)
    )
    if odd.height == 0:
        return None
    headers, messages = [], []
    for header, value, standard_form, rows, first in odd.iter_rows():
        headers.append(header)
        messages.append(
            rule.message.replace("{column}", header)
            .replace("{value}", value)
            .replace("{standard}", standard_form)
            .replace("{rows}", f"{rows} row" if rows == 1 else f"{rows} rows")
            .replace("{first}", str(first))
        )
    return _list_level(rule, ctx.loaded, headers, messages).with_columns(
        odd["value"].alias("value"), (pl.col("fingerprint") + "|" + odd["value"]).alias("fingerprint")
    )


def _plan(
    rules: list[Rule], ctx: _Context, skipped: list[Skipped]
) -> tuple[list[pl.DataFrame], list[_Instance]]:
    """Split the rules for one list into list-level findings and the row checks to run.

    A rule naming a column the sheet lacks is recorded as skipped (never a silent pass);
    a rule over every column just has fewer columns to look at.
    """
    list_level: list[pl.DataFrame] = []
    instances: list[_Instance] = []
    for rule in rules:
        if ctx.lst.key not in rule.lists or rule.kind.level == "list":
            continue
        if rule.kind.level == "column":
            check = {
                "column_present": _column_findings,
                "column_unique": _duplicate_columns,
                "code_form": _code_forms,
            }[rule.check]
            found = check(rule, ctx)
            if found is not None:
                list_level.append(found)
            continue
        reason = rule.kind.skip(rule, ctx)
        if reason is not None:
            skipped.append(Skipped(rule.code, ctx.lst.name, reason))
            continue
        for lst, col in rule.targets(ctx.spec):
            if lst.key != ctx.lst.key:
                continue
            if ctx.template not in col.templates and col.key not in ctx.loaded.matched:
                continue
            missing = _missing_reads(rule, col, ctx)
            if missing and rule.columns is not None:
                skipped.append(Skipped(rule.code, ctx.lst.name, f"column(s) not found: {', '.join(missing)}"))
            if missing or not rule.kind.runs_on(col.key, ctx):
                continue
            instances.append((rule, col))
    return list_level, instances


def _looked_up(table: pl.DataFrame, ctx: _Context) -> pl.Expr:
    """What a cross-list table (keyed by `__child`) says of each row's child; null for most rows.

    The tables hold only the few children the lists disagree on, so a lookup by child ID
    (none at all when the table is empty) costs less than joining every row to it.
    """
    if table.height == 0:
        return pl.lit(None, dtype=pl.String)
    return ctx.child_key("child_id").replace_strict(
        table["__child"], table["__others"], default=None, return_dtype=pl.String
    )


def _row_findings(instances: list[_Instance], ctx: _Context) -> list[pl.DataFrame]:
    """Evaluate every row check of a list in one pass, then turn each check's hits into findings.

    The pass over every row computes the flags alone; what a finding carries (the child,
    team, record key, the values its message quotes) is worked out for the flagged rows only.
    """
    matched = ctx.loaded.matched
    if not instances or ctx.loaded.frame is None or ctx.loaded.frame.height == 0:
        return []
    frame = ctx.frame

    def column_or_null(key: str | None) -> pl.Expr:
        return pl.col(key) if key in matched else pl.lit(None, pl.String)

    others: dict[int, str] = {}
    lookups = []
    for i, (rule, col) in enumerate(instances):
        joined = rule.kind.joined(col.key, ctx)
        if joined is not None:
            others[i] = f"__o{i}"
            lookups.append(_looked_up(joined, ctx).alias(others[i]))
    flags = [_flag(rule, col, ctx, others.get(i)).alias(f"__f{i}") for i, (rule, col) in enumerate(instances)]
    hits = (
        frame.lazy()
        .with_columns(lookups)
        .select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("__i"), *flags, *others.values())
        .filter(pl.any_horizontal(f.meta.output_name() for f in flags))
        .pipe(v.collected)
    )
    if hits.height == 0:
        return []
    record_key = (
        pl.concat_str([column_or_null(k).fill_null("") for k in ctx.lst.record_key], separator="|")
        if ctx.lst.record_key
        else pl.lit("")
    )
    flagged = pl.concat([frame[hits["__i"]], hits.drop("__i")], how="horizontal").with_columns(
        (v.child_id_text("child_id") if "child_id" in matched else pl.lit(None, pl.String)).alias("__child"),
        column_or_null(ctx.lst.team_column).alias("__team"),
        column_or_null(ctx.lst.worker_column).alias("__worker"),
        record_key.alias("__key"),
    )
    spellings: dict[int, str] = {}
    for i, (rule, col) in enumerate(instances):
        if rule.check == "unique" and hits[f"__f{i}"].any():  # an ID written two ways is one child: show both
            compared = ctx.child_key(col.key)
            children = flagged.filter(pl.col(f"__f{i}")).select(compared.drop_nulls().unique()).to_series()
            table = _spellings(col.key, frame.filter(compared.is_in(children.implode())), compared)
            spellings[i] = f"__s{i}"
            flagged = flagged.with_columns(
                compared.replace_strict(
                    table["__k"], table["__spelt"], default=None, return_dtype=pl.String
                ).alias(spellings[i])
            )
    hit_counts = flagged.select(pl.col(f"__f{i}").sum() for i in range(len(instances))).row(0)
    out = []
    for i, (rule, col) in enumerate(instances):
        if not hit_counts[i]:
            continue
        template, params = _message(rule, col, ctx, others.get(i) or spellings.get(i))
        out.append(
            flagged.filter(pl.col(f"__f{i}")).select(
                pl.lit(rule.error_type).alias("error_type"),
                pl.lit(rule.code).alias("rule"),
                pl.lit(rule.severity).alias("severity"),
                pl.lit(ctx.lst.name).alias("list"),
                pl.col(ROW).alias("row"),
                pl.col("__child").alias("child_id"),
                pl.lit(matched[col.key]).alias("column"),
                pl.col(col.key).alias("value"),
                pl.lit(template).alias("message"),  # rendered from template and params at the end
                pl.col("__team").alias("team"),
                pl.col("__worker").alias("worker"),
                pl.lit(ctx.loaded.sheet).alias("sheet"),
                pl.concat_str(
                    [
                        pl.lit(f"{rule.code}|{ctx.lst.name}|"),
                        pl.col("__child").fill_null(""),
                        pl.lit("|"),
                        pl.col("__key"),
                        pl.lit(f"|{col.key}"),
                    ]
                ).alias("fingerprint"),
                pl.lit(template).alias(TEMPLATE),
                params.alias(PARAMS),
            )
        )
    return out


def _fingerprints(findings: pl.DataFrame) -> pl.DataFrame:
    """Hash each finding's identity (rule, list, child, the record's key fields, column).

    The row number is left out on purpose, so next month's extract recognises the same
    problem after rows move. Findings sharing an identity (a child's duplicate rows)
    are told apart by their order, which the sort makes deterministic.
    """
    digest = pl.col("fingerprint").map_elements(
        lambda text: hashlib.sha256(text.encode("utf-8")).hexdigest()[:16], return_dtype=pl.String
    )
    nth = pl.int_range(pl.len()).over("fingerprint")
    numbered = pl.when(nth == 0).then(digest).otherwise(digest + "-" + (nth + 1).cast(pl.String))
    return findings.with_columns(numbered.alias("fingerprint"))


def run_rules(
    workbook: LoadedWorkbook,
    spec: Spec,
    *,
    template: str,
    reference_date: date,
    rules: list[Rule] | None = None,
) -> tuple[pl.DataFrame, list[Skipped]]:
    """Apply the rules to every list found; return the findings table and the rules that could not run."""
    rules = [r for r in (spec.rules if rules is None else rules) if template in r.templates]
    skipped: list[Skipped] = []
    parts: list[pl.DataFrame] = []
    shared: dict[str, pl.DataFrame] = {}
    typed: dict[str, dict[str, pl.Series]] = {}
    finished: set[str] = set()
    memos: dict[str, dict[str, Any]] = {}
    for key, loaded in workbook.lists.items():
        lst = spec.lists[key]
        if not loaded.present:
            whole = [_whole_list(r, loaded) for r in rules if r.kind.level == "list" and key in r.lists]
            parts += [found for found in whole if found is not None]
            continue
        ctx = _Context(
            lst=lst,
            loaded=loaded,
            spec=spec,
            template=template,
            reference_date=reference_date,
            workbook=workbook,
            shared=shared,
            typed=typed,
            memo=memos.setdefault(key, {}),
            memos=memos,
        )
        list_level, instances = _plan(rules, ctx, skipped)
        parts += list_level + _row_findings(instances, ctx)
        finished.add(key)  # its converted columns are done with, and those another list converted again since
        for done in finished & set(typed):
            del typed[done]
    findings = render_messages(pl.concat(parts, how="vertical") if parts else empty_findings())
    order = {r.code: i for i, r in enumerate(spec.rules)}
    list_order = {lst.name: lst.number for lst in spec.lists.values()}
    findings = (
        findings.with_columns(
            pl.col("list").replace_strict(list_order, return_dtype=pl.Int32).alias("__list"),
            pl.col("rule").replace_strict(order, return_dtype=pl.Int32).alias("__rule"),
            scope_by_row(),
        )
        # value and message break ties between list-level findings (no row) of one rule and column,
        # which would otherwise come in whatever order a group-by produced them
        .sort(
            ["__list", "row", "__rule", "column", "value", "message"], nulls_last=False, maintain_order=True
        )
        .select(FINDING_COLUMNS + MESSAGE_COLUMNS)
    )
    return validate_findings(_fingerprints(findings), spec), skipped
