"""Run a rule's own pass/fail examples, so every rule documents and tests itself.

An example is one row (a mapping of column key to cell text), or a list of rows when
the rule compares rows (duplicates). Some keys describe the sheet instead of a cell:
`absent: [column, ...]` leaves columns off it, `duplicate: [column, ...]` repeats
columns at its end, `list_absent: true` leaves the whole list out, and
`list_without_headers: true` gives it a sheet with no header row. A cross-list example
is `{lists: {list_8: [rows], list_6: [rows]}}`; findings are counted on the rule's first list.
Columns an example does not mention are present and blank, except the identifier,
which defaults to C1, C2, ... so that a row is never wholly blank.

`run_examples` runs many examples at once: one workbook per batch of examples (same
template and reference date), every example's rows stacked on its lists with its
identifiers made its own, one engine run, and each finding handed back to the example
owning its row. Running 900 examples one engine run each costs most of the time in
per-run overhead.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from annexa_check.annex import values as v
from annexa_check.annex.model import TEMPLATES
from annexa_check.catalogue.spec import Rule, Spec
from annexa_check.engine.run import run_rules
from annexa_check.read.loader import ROW, LoadedList, LoadedWorkbook, clean_frame, column_letter

EXAMPLE_REFERENCE_DATE = date(2025, 3, 31)
EXAMPLE_TEMPLATE = "2023"
_SPECIAL = {"absent", "list_absent", "list_without_headers", "duplicate"}
# Kinds whose findings describe a whole sheet or column (no row), so rows of other
# examples on the same sheet would change them: their examples run alone.
_SHEET_LEVEL = {"list_present", "list_headers", "column_present", "column_unique", "code_form"}
_CROSS_LIST = ("on_list", "consistent")  # kinds that read other lists, and skip when one is absent
_Rows = list[dict[str, Any]]
_Lists = dict[str, _Rows]  # an example's rows, by list key
_Batch = list[tuple["Example", _Lists]]


def example_workbook(
    spec: Spec, list_key: str, rows: list[dict[str, Any]], template: str, others: dict[str, Any] | None = None
) -> LoadedWorkbook:
    """A workbook holding only `rows` on one list (and `others`' rows on theirs), as loaded."""
    lists = {key: LoadedList(spec=lst) for key, lst in spec.lists.items()}
    for other_key, other_rows in (others or {}).items():
        _fill(lists[other_key], other_rows if isinstance(other_rows, list) else [other_rows], template)
    _fill(lists[list_key], rows, template)
    return LoadedWorkbook(path=None, lists=lists, sheets=[], ignored_sheets=[])  # type: ignore[arg-type]


def _fill(loaded: LoadedList, rows: list[dict[str, Any]], template: str) -> None:
    first = rows[0] if rows else {}
    if first.get("list_without_headers"):
        loaded.sheet = "Sheet1"
        loaded.problem = "no header row found"
    elif not first.get("list_absent"):
        absent = set(first.get("absent", ()))
        columns = [c for c in loaded.spec.columns_for(template) if c.key not in absent]
        data: dict[str, pl.Series] = {ROW: pl.Series(ROW, range(2, len(rows) + 2), dtype=pl.Int64)}
        rows = [{"child_id": f"C{i}", **row} for i, row in enumerate(rows, start=1)]
        for col in columns:
            cells = [None if row.get(col.key) is None else str(row[col.key]) for row in rows]
            data[col.key] = pl.Series(col.key, cells, dtype=pl.String)
        unknown = {k for row in rows for k in row} - {c.key for c in loaded.spec.columns} - _SPECIAL
        if unknown:
            raise ValueError(f"example names unknown column(s) {sorted(unknown)} on {loaded.spec.name}")
        loaded.sheet, loaded.found_by, loaded.header_row = loaded.spec.name, "example", 1
        loaded.matched = {c.key: c.header for c in columns}
        loaded.letters = {c.key: column_letter(i) for i, c in enumerate(columns)}
        loaded.duplicates = [
            (key, loaded.matched[key], column_letter(len(columns) + i))
            for i, key in enumerate(first.get("duplicate", ()))
        ]
        dates = [c.key for c in columns if c.type == "date"]
        loaded.frame = clean_frame(pl.DataFrame(list(data.values())), dates)


def run_example(rule: Rule, example: Any, spec: Spec) -> pl.DataFrame:
    """The findings the rule alone produces on one example (as written in its rule file)."""
    return _run_alone(Example(rule, "pass", 0, _example_lists(rule, example)), spec, EXAMPLE_TEMPLATE)


@dataclass(frozen=True)
class Example:
    """One pass or fail example of a rule: its rows on each list, the rule's own list first."""

    rule: Rule
    kind: str  # "pass" or "fail"
    index: int
    lists: _Lists

    @property
    def id(self) -> str:
        return f"{self.rule.code}-{self.kind}-{self.index}"

    @property
    def own(self) -> _Rows:
        """The rows on the rule's own list, where its findings are counted."""
        return self.lists[self.rule.lists[0]]

    @property
    def reference_date(self) -> date:
        reference = self.rule.examples.get("reference_date")
        return date.fromisoformat(str(reference)) if reference else EXAMPLE_REFERENCE_DATE

    def fits(self, spec: Spec, template: str, seen: dict[tuple[str, str], bool] | None = None) -> bool:
        """Whether the example means the same in the template's layout as in the one it was written for.

        The layout must have every column the example names. Examples are written for the
        2023 pack; one writing a code only some packs recognise ('d) Eligible child' is
        2023-only, 'F3' 2019-only) says something else in another pack, so runs at 2023 alone.
        """
        for key, rows in self.lists.items():
            columns = {c.key: c for c in spec.lists[key].columns_for(template)}
            if any(name not in columns and name not in _SPECIAL for row in rows for name in row):
                return False
            if template == EXAMPLE_TEMPLATE:
                continue
            for name in {name for row in rows for name in row if name in columns}:
                codeset = columns[name].codeset
                values = {str(row[name]) for row in rows if row.get(name) not in (None, "")}
                if codeset and values and not _same_in_every_pack(spec, codeset, values, seen or {}):
                    return False
        return True

    @property
    def alone(self) -> bool:
        """Whether the example shapes a sheet (a list or column absent, no headers) or its rule reads one."""
        special = any(name in _SPECIAL for rows in self.lists.values() for row in rows for name in row)
        return special or self.rule.check in _SHEET_LEVEL


def _same_in_every_pack(
    spec: Spec, codeset: str, values: set[str], seen: dict[tuple[str, str], bool]
) -> bool:
    """Whether every template pack recognises each value alike (all as a code, or none)."""
    new = sorted(value for value in values if (codeset, value) not in seen)
    if new:
        known = pl.DataFrame({"value": new}).select(
            pl.col("value"),
            *[
                v.as_code("value", spec.codesets[codeset], year).is_not_null().alias(year)
                for year in TEMPLATES
            ],
        )
        for value, *packs in known.iter_rows():
            seen[(codeset, value)] = len(set(packs)) == 1
    return all(seen[(codeset, value)] for value in values)


def rule_examples(spec: Spec) -> list[Example]:
    """Every pass and fail example of every rule, in catalogue order."""
    out = []
    for rule in spec.rules:
        for kind in ("pass", "fail"):
            for i, example in enumerate(rule.examples.get(kind) or ()):
                out.append(Example(rule, kind, i, _example_lists(rule, example)))
    return out


def _example_lists(rule: Rule, example: Any) -> _Lists:
    own = rule.lists[0]
    if isinstance(example, dict) and "lists" in example:
        lists = {k: rows if isinstance(rows, list) else [rows] for k, rows in example["lists"].items()}
        return {own: lists.pop(own, []), **lists}
    return {own: example if isinstance(example, list) else [example]}


def _id_key(text: str) -> str:
    """An identifier reduced far enough that any two the engine could match reduce alike."""
    text = re.sub(r"\.0+$", "", unicodedata.normalize("NFKC", text).strip())
    return re.sub(r"[\W_]", "", text).casefold()


def _own_id(value: Any, number: int) -> Any:
    """An identifier made this example's own: `9<number>` goes before its first letter or digit.

    Digits keep `123.0` reading as `123`, and what the engine ignores when it matches IDs
    (case, surrounding space, invisible characters, full-width forms) stays where it was,
    so two IDs of one example match after the change exactly when they matched before.
    """
    if value is None:
        return None
    text = str(value)
    for i, char in enumerate(text):
        if char.isalnum():
            return f"{text[:i]}9{number:04d}{text[i:]}"
    return text


def _with_ids(example: Example, number: int, id_columns: Iterable[str]) -> _Lists:
    """The example's rows with its identifiers (C1, C2, ... where it writes none) made its own."""
    out = {}
    for key, rows in example.lists.items():
        written = [{"child_id": f"C{i}", **row} for i, row in enumerate(rows, start=1)]
        out[key] = [
            {**row, **{c: _own_id(row[c], number) for c in id_columns if c in row}} for row in written
        ]
    return out


def _keys(lists: _Lists, id_columns: Iterable[str]) -> set[str]:
    return {
        _id_key(str(row[col]))
        for rows in lists.values()
        for row in rows
        for col in id_columns
        if row.get(col) not in (None, "")
    }


def run_examples(spec: Spec, examples: list[Example], template: str) -> dict[str, pl.DataFrame]:
    """Each example's findings of its own rule on its own list, by example id, from few engine runs.

    Rows are numbered as if the example ran alone (its first row is row 2). Examples are
    grouped by reference date, and a cross-list rule's examples also by the lists they fill
    (a list present in a batch is present for every example in it); within a group,
    examples whose identifiers could still match go to different batches, so duplicate
    and cross-list rules never see another example's rows.
    """
    id_columns = sorted(
        {c.key for lst in spec.lists.values() for c in lst.columns if c.type == "id"} | {"child_id"}
    )
    results: dict[str, pl.DataFrame] = {}
    groups: dict[tuple[date, tuple[str, ...]], list[tuple[_Batch, set[str]]]] = {}  # batches, their IDs
    seen: dict[tuple[str, str], bool] = {}
    for number, example in enumerate(examples):
        if not example.fits(spec, template, seen):
            continue
        if example.alone:
            results[example.id] = _run_alone(example, spec, template)
            continue
        lists = _with_ids(example, number, id_columns)
        keys = _keys(lists, id_columns)
        # only a cross-list rule reads which other lists the workbook has
        filled = tuple(sorted(lists)) if example.rule.check in _CROSS_LIST else ()
        batches = groups.setdefault((example.reference_date, filled), [])
        free = next((b for b in batches if not keys & b[1]), None)
        if free is None:
            free = ([], set())
            batches.append(free)
        free[0].append((example, lists))
        free[1].update(keys)
    for (reference_date, _), batches in groups.items():
        for batch, _ in batches:
            results.update(_run_batch(batch, spec, template, reference_date))
    return results


def _run_alone(example: Example, spec: Spec, template: str) -> pl.DataFrame:
    rule, own = example.rule, example.rule.lists[0]
    others = {k: rows for k, rows in example.lists.items() if k != own}
    workbook = example_workbook(spec, own, example.own, template, others)
    findings, _ = run_rules(
        workbook, spec, template=template, reference_date=example.reference_date, rules=[rule]
    )
    return findings.filter(pl.col("list") == spec.lists[own].name)


def _run_batch(batch: _Batch, spec: Spec, template: str, reference_date: date) -> dict[str, pl.DataFrame]:
    """One engine run over the batch's rows stacked on their lists; each finding goes to its row's example."""
    stacked: _Lists = {}
    owner: list[tuple[str, int, str, int]] = []  # (list name, batch row, example id, the example's own row)
    for example, lists in batch:
        for key, rows in lists.items():
            start = len(stacked.setdefault(key, [])) + 2
            stacked[key] += rows
            if key == example.rule.lists[0]:
                name = spec.lists[key].name
                owner += [(name, start + i, example.id, i + 2) for i in range(len(rows))]
    first, *rest = stacked
    workbook = example_workbook(spec, first, stacked[first], template, {k: stacked[k] for k in rest})
    rules = list({example.rule.code: example.rule for example, _ in batch}.values())
    findings, _ = run_rules(workbook, spec, template=template, reference_date=reference_date, rules=rules)
    owners = pl.DataFrame(
        owner,
        schema={"list": pl.String, "row": pl.Int64, "__example": pl.String, "__row": pl.Int64},
        orient="row",
    )
    rule_of = pl.DataFrame({"__example": [e.id for e, _ in batch], "rule": [e.rule.code for e, _ in batch]})
    owned = (
        findings.join(owners, on=["list", "row"], how="inner")
        .join(rule_of, on=["__example", "rule"], how="semi")
        .with_columns(pl.col("__row").alias("row"))
    )
    parts = owned.partition_by("__example", as_dict=True, maintain_order=True)
    empty = findings.clear()
    return {
        example.id: parts[(example.id,)].select(findings.columns) if (example.id,) in parts else empty
        for example, _ in batch
    }
