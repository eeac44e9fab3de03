"""Extract faults: a rule failing on (nearly) every row of a list is one fault of the extract.

A query that computes ages with a year fraction, or a lookup that failed for every row,
makes every child of a list look wrong; a team manager who receives those rows cannot fix
them, and the data officer fixes them once. So, after the rules ran, such a rule's record
findings on one column are replaced by ONE extract finding for that list and column (what
is wrong, how many rows, the first rows, a sample value, what to change). The record
findings it replaces are kept aside (`absorbed`), so counts by error type still count the
rows affected.
"""

from __future__ import annotations

import hashlib

import polars as pl

from annexa_check.annex.headers import HeaderMatcher
from annexa_check.catalogue.expected import expected_value
from annexa_check.catalogue.spec import Rule, Spec
from annexa_check.findings.messages import PARAMS, TEMPLATE, no_params, render_messages
from annexa_check.read.loader import LoadedList, LoadedWorkbook
from annexa_check.settings.config import DEFAULT_EXTRACT_FAULTS, ExtractFaults

# Every child's visit or review overdue is the teams' work, however many rows: never folded away.
RECORD_ONLY = ("timeliness",)
FIRST_ROWS = 5  # the rows a message names: enough to find them, the count says the rest
EXTRACT = "extract"  # the absorbed findings' column: the fingerprint of the finding standing for them


def _blank() -> pl.Expr:
    return pl.col("value").is_null() | (pl.col("value").str.strip_chars() == "")


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def _first(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:FIRST_ROWS])
    return f"row {shown}" if len(rows) == 1 else f"rows {shown}" + (", ..." if len(rows) > FIRST_ROWS else "")


def _fingerprint(rule: str, list_name: str, column: str) -> str:
    """Stable for the same fault next month (no row, no value), apart from any record finding's."""
    return hashlib.sha256(f"{rule}|{list_name}|||{column}|{EXTRACT}".encode()).hexdigest()[:16]


def _advice(rule: Rule, blank: bool, expected: str) -> str:
    """What to change in the extract, said by what the fault is."""
    if blank:
        return (
            "The extract leaves this column empty: map it to its field in the case-management system, "
            "then re-run."
        )
    if rule.check == "cell_error":
        return (
            "The formula or lookup that fills this column failed for every row: "
            "fix it in the extract (or paste values once it works), then re-run."
        )
    wanted = expected[:1].lower() + expected[1:].rstrip(".")
    return (
        "The same fault on every row comes from the query that builds the list, not from the children's "
        f"records: change how the extract writes this column ({wanted}), then re-run."
    )


def _key_of(loaded: LoadedList, header: str) -> str | None:
    """The spec column of a header as written on this sheet."""
    for key, written in loaded.matched.items():
        if written == header:
            return key
    return HeaderMatcher(loaded.spec.columns).match(header)


def find_extract_faults(
    findings: pl.DataFrame,
    workbook: LoadedWorkbook,
    spec: Spec,
    template: str,
    thresholds: ExtractFaults = DEFAULT_EXTRACT_FAULTS,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The findings with each extract fault as one finding, and the record findings it replaced.

    Per list and column: a rule whose failures with a value in the cell cover at least
    `share` of the rows holding a value, or a column blank on at least `share` of its rows
    where rules fail because of it; in both, on at least `min_rows` rows. Timeliness rules
    stay record-level. The absorbed findings carry `extract`, the fingerprint of the
    finding that stands for them.
    """
    empty = pl.DataFrame(schema={**findings.schema, EXTRACT: pl.String})
    record = findings.filter(pl.col("scope") == "record").with_columns(_blank().alias("__blank"))
    if record.height < thresholds.min_rows:
        return findings, empty
    rules = {r.code: r for r in spec.rules}
    order = {r.code: i for i, r in enumerate(spec.rules)}
    by_name = {loaded.spec.name: loaded for loaded in workbook.lists.values()}
    judged = [code for code, rule in rules.items() if rule.category not in RECORD_ONLY]
    hits = (
        record.filter(pl.col("rule").is_in(judged))
        .group_by("list", "column", "rule", "__blank")
        .agg(pl.len().alias("n"))
        .filter(pl.col("n") >= thresholds.min_rows)
        .sort("list", "column", "rule", "__blank")
    )
    faults: list[dict[str, object]] = []
    taken: list[pl.DataFrame] = []
    for (list_name, header), group in hits.group_by("list", "column", maintain_order=True):
        loaded = by_name.get(str(list_name))
        key = _key_of(loaded, str(header)) if loaded is not None else None
        if loaded is None or loaded.frame is None or key is None or key not in loaded.frame.columns:
            continue
        cells = loaded.frame.get_column(key)
        rows = cells.len()
        valued = rows - int((cells.is_null() | (cells.str.strip_chars() == "")).sum())
        blank_column = rows - valued >= thresholds.share * rows
        chosen = [
            (code, blank)
            for code, blank, n in group.select("rule", "__blank", "n").iter_rows()
            if (blank and blank_column) or (not blank and n >= thresholds.share * valued)
        ]
        if not chosen:
            continue
        blank = chosen[0][1]
        where = (pl.col("list") == list_name) & (pl.col("column") == header)
        if blank:  # every finding there for want of a value: the column is empty, whatever rule said so
            part = record.filter(where & pl.col("__blank") & pl.col("rule").is_in(judged))
        else:
            part = record.filter(where & ~pl.col("__blank") & pl.col("rule").is_in([c for c, _ in chosen]))
        faults.append(_fault(part, rules, order, loaded, key, blank, rows, valued, spec, template))
        taken.append(part.drop("__blank").with_columns(pl.lit(faults[-1]["fingerprint"]).alias(EXTRACT)))
    if not faults:
        return findings, empty
    absorbed = pl.concat(taken)
    standing = findings.filter(~pl.col("fingerprint").is_in(absorbed["fingerprint"].implode()))
    added = render_messages(
        pl.DataFrame(faults, schema={c: findings.schema[c] for c in faults[0]}).select(findings.columns)
    )
    list_order = {lst.name: lst.number for lst in spec.lists.values()}
    merged = (
        pl.concat([standing, added])
        .with_columns(pl.col("list").replace_strict(list_order, return_dtype=pl.Int32).alias("__list"))
        # stable: a list's extract findings come after its other list-level ones, before its rows
        .sort(["__list", pl.col("row").is_not_null()], maintain_order=True)
        .drop("__list")
    )
    return merged, absorbed


def _fault(
    part: pl.DataFrame,
    rules: dict[str, Rule],
    order: dict[str, int],
    loaded: LoadedList,
    key: str,
    blank: bool,
    rows: int,
    valued: int,
    spec: Spec,
    template: str,
) -> dict[str, object]:
    """One extract finding standing for `part`: named by its most serious, most frequent rule."""
    per_rule = part.group_by("rule").agg(pl.len().alias("n"), pl.col("row").min().alias("first"))
    ranked = sorted(
        per_rule.iter_rows(),
        key=lambda r: (
            rules[r[0]].severity != "error",
            -r[1],
            rules[r[0]].category != EXTRACT,
            order[r[0]],
        ),
    )
    rule = rules[ranked[0][0]]
    lines = part.sort("row")
    affected = lines["row"].unique(maintain_order=True).to_list()
    header = str(part["column"][0])
    if blank:
        what = (
            f"Extract fault in '{header}': the column is blank on {rows - valued:,} of {_rows(rows)}, "
            f"so '{rule.title}' on {_rows(len(affected))} ({_first(affected)})."
        )
        sample = None
    else:
        what = (
            f"Extract fault in '{header}': {rule.title}, on {len(affected):,} of the {_rows(valued)} "
            f"with a value ({_first(affected)}); for example '{{value}}'."
        )
        sample = lines.filter(pl.col("rule") == rule.code)["value"][0]
    others = [f"{rules[code].title.lower()} ({_rows(n)})" for code, n, _ in ranked[1:]]
    also = f" Also from this column: {'; '.join(others)}." if others else ""
    col = loaded.spec.column(key)
    expected = expected_value(rule, loaded.spec, col, spec, template)
    message = f"{what}{also} {_advice(rule, blank, expected)}"
    return {
        "error_type": rule.error_type,
        "rule": rule.code,
        "severity": rule.severity,
        "list": loaded.spec.name,
        "row": None,
        "child_id": None,
        "column": header,
        "value": sample,
        "message": message,
        "team": None,
        "worker": None,
        "sheet": loaded.sheet,
        "scope": EXTRACT,
        "fingerprint": _fingerprint(rule.code, loaded.spec.name, key),
        TEMPLATE: message,
        PARAMS: no_params(1)[0],
    }
