"""Run a rule's own pass/fail examples, so every rule documents and tests itself.

An example is one row (a mapping of column key to cell text), or a list of rows when
the rule compares rows (duplicates). Some keys describe the sheet instead of a cell:
`absent: [column, ...]` leaves columns off it, `duplicate: [column, ...]` repeats
columns at its end, `list_absent: true` leaves the whole list out, and
`list_without_headers: true` gives it a sheet with no header row. A cross-list example
is `{lists: {list_8: [rows], list_6: [rows]}}`; findings are counted on the rule's first list.
Columns an example does not mention are present and blank, except the identifier,
which defaults to C1, C2, ... so that a row is never wholly blank.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from annexa_check.catalogue.spec import Rule, Spec
from annexa_check.engine.run import run_rules
from annexa_check.read.loader import ROW, LoadedList, LoadedWorkbook, clean_frame, column_letter

EXAMPLE_REFERENCE_DATE = date(2025, 3, 31)
EXAMPLE_TEMPLATE = "2023"
_SPECIAL = {"absent", "list_absent", "list_without_headers", "duplicate"}


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
    """The findings the rule alone produces on one example."""
    own, others = rule.lists[0], None
    if isinstance(example, dict) and "lists" in example:  # a cross-list example: rows on several lists
        others = {k: rows for k, rows in example["lists"].items() if k != own}
        example = example["lists"].get(own, [])
    rows = example if isinstance(example, list) else [example]
    workbook = example_workbook(spec, own, rows, EXAMPLE_TEMPLATE, others)
    reference = rule.examples.get("reference_date")
    reference_date = date.fromisoformat(str(reference)) if reference else EXAMPLE_REFERENCE_DATE
    findings, _ = run_rules(
        workbook, spec, template=EXAMPLE_TEMPLATE, reference_date=reference_date, rules=[rule]
    )
    return findings.filter(pl.col("list") == spec.lists[rule.lists[0]].name)
