"""The findings table: one row per problem, the single source every output is built from.

Its columns are a public contract (CSV/xlsx exception lists, JSON counts), so the
engine's result is checked against a pandera schema before anything is written: a
wrong type or an unknown error type is a bug caught here, not a corrupt report.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

import polars as pl

from annexa_check.catalogue.spec import SEVERITIES, Spec
from annexa_check.findings.messages import PARAMS, PARAMS_DTYPE, TEMPLATE

if TYPE_CHECKING:
    import pandera.polars as pa

# The nine error types councils count in a dry run: a public contract, keys never change.
KEY_ERROR_TYPES = (
    "missing_primary_need",
    "missing_ethnicity",
    "missing_closure_reason",
    "missing_placement_provider",
    "missing_cla_end_reason",
    "missing_cic_placement",
    "invalid_care_leaver_eligibility",
    "missing_placement_location",
    "missing_accommodation_suitability",
)
FINDING_COLUMNS = [
    "error_type",
    "rule",
    "severity",
    "list",
    "row",
    "child_id",
    "column",
    "value",
    "message",
    "team",
    "worker",
    "sheet",
    "fingerprint",
    "scope",  # last: a column added later goes at the end, so files read by position still read
]
_SCHEMA = {
    "error_type": pl.String,
    "rule": pl.String,
    "severity": pl.String,
    "list": pl.String,
    "row": pl.Int64,
    "child_id": pl.String,
    "column": pl.String,
    "value": pl.String,
    "message": pl.String,
    "team": pl.String,
    "worker": pl.String,
    "sheet": pl.String,
    "fingerprint": pl.String,
    "scope": pl.String,
}
# What a finding is about: one record (a row, for the team that owns it), or the extract itself (a
# list, a column, or one fault of the query repeated on every row: for the data officer, fixed once).
SCOPES = ("record", "extract")


# Behind the public columns: each message's template and the values it quotes, as data
# (findings/messages.py), so a message is rendered after anything that must change what it quotes.
MESSAGE_COLUMNS = [TEMPLATE, PARAMS]


def empty_findings() -> pl.DataFrame:
    return pl.DataFrame(schema={**_SCHEMA, TEMPLATE: pl.String, PARAMS: PARAMS_DTYPE})


@cache
def _pandera_schema(error_types: tuple[str, ...], rule_codes: tuple[str, ...]) -> pa.DataFrameSchema:
    import pandera.polars as pa  # imported when a table is checked: a tenth of a second every run otherwise

    return pa.DataFrameSchema(
        {
            "error_type": pa.Column(pl.String, pa.Check.isin(list(error_types))),
            "rule": pa.Column(pl.String, pa.Check.isin(list(rule_codes))),
            "severity": pa.Column(pl.String, pa.Check.isin(list(SEVERITIES))),
            "list": pa.Column(pl.String, pa.Check.str_matches(r"^List \d{1,2}$")),
            "row": pa.Column(pl.Int64, pa.Check.ge(1), nullable=True),
            "child_id": pa.Column(pl.String, nullable=True),
            "column": pa.Column(pl.String),
            "value": pa.Column(pl.String, nullable=True),
            "message": pa.Column(pl.String),
            "team": pa.Column(pl.String, nullable=True),
            "worker": pa.Column(pl.String, nullable=True),
            "sheet": pa.Column(pl.String, nullable=True),
            "fingerprint": pa.Column(pl.String, pa.Check.str_matches(r"^[0-9a-f]{16}(-\d+)?$"), unique=True),
            "scope": pa.Column(pl.String, pa.Check.isin(list(SCOPES))),
        },
        strict=True,
        ordered=True,
    )


def validate_findings(findings: pl.DataFrame, spec: Spec) -> pl.DataFrame:
    """Check the findings table's public columns against their contract (a DataFrame, so data checks
    really run); the message columns behind them come back unchanged.

    The same checks run first as one polars pass; only a table that fails them (a bug) is
    handed to pandera, for its error. Importing pandera cost 0.3-1 s of every run.
    """
    error_types, codes = spec.error_types, tuple(r.code for r in spec.rules)
    public = findings.select(FINDING_COLUMNS)
    if not _meets_contract(public, error_types, codes):
        _pandera_schema(error_types, codes).validate(public)
    return findings


# The pandera schema's checks, as polars expressions. A table is passed without pandera only when
# its columns are exactly these, so a column added to the schema but not here goes to pandera.
_NULLABLE = ("row", "child_id", "value", "team", "worker", "sheet")
_FAST_CHECKS: dict[str, Callable[[tuple[str, ...], tuple[str, ...]], pl.Expr | None]] = {
    "error_type": lambda types, _: pl.col("error_type").is_in(list(types)),
    "rule": lambda _, codes: pl.col("rule").is_in(list(codes)),
    "severity": lambda *_: pl.col("severity").is_in(list(SEVERITIES)),
    "list": lambda *_: pl.col("list").str.contains(r"^List \d{1,2}$"),
    "row": lambda *_: pl.col("row").is_null() | (pl.col("row") >= 1),
    "child_id": lambda *_: None,
    "column": lambda *_: None,
    "value": lambda *_: None,
    "message": lambda *_: None,
    "team": lambda *_: None,
    "worker": lambda *_: None,
    "sheet": lambda *_: None,
    "fingerprint": lambda *_: (
        pl.col("fingerprint").str.contains(r"^[0-9a-f]{16}(-\d+)?$") & pl.col("fingerprint").is_unique()
    ),
    "scope": lambda *_: pl.col("scope").is_in(list(SCOPES)),
}


def _meets_contract(public: pl.DataFrame, error_types: tuple[str, ...], codes: tuple[str, ...]) -> bool:
    if public.columns != list(_FAST_CHECKS) or any(public.schema[c] != _SCHEMA[c] for c in public.columns):
        return False
    checks = [
        *(pl.col(c).null_count() == 0 for c in public.columns if c not in _NULLABLE),
        *(check.all() for make in _FAST_CHECKS.values() if (check := make(error_types, codes)) is not None),
    ]
    return all(public.select(check.alias(f"__{i}") for i, check in enumerate(checks)).row(0))


def scope_by_row() -> pl.Expr:
    """A finding with a row is about that record; one without (a list or a column) is about the extract."""
    return pl.when(pl.col("row").is_null()).then(pl.lit("extract")).otherwise(pl.lit("record")).alias("scope")


def counted(findings: pl.DataFrame, absorbed: pl.DataFrame | None) -> pl.DataFrame:
    """The findings as counts see them: an extract fault by the record findings it stands for.

    `absorbed` holds those record findings, each with `extract`, the fingerprint of the one
    extract finding that replaced it; so "197 missing primary need codes" still counts rows.
    """
    if absorbed is None or absorbed.height == 0:
        return findings
    standing = findings.filter(~pl.col("fingerprint").is_in(absorbed["extract"].implode()))
    return pl.concat([standing.select(findings.columns), absorbed.select(findings.columns)])


def _person() -> pl.Expr:
    """Who a finding is about: List 11 identifiers are adopters, never the same person as a child ID."""
    adopter = pl.lit("adopter:") + pl.col("child_id")
    return pl.when(pl.col("list") == "List 11").then(adopter).otherwise(pl.col("child_id"))


def _record() -> pl.Expr:
    """The record a finding is about: its list row, or for a list-level finding the column."""
    where = pl.coalesce(pl.col("row").cast(pl.String), pl.lit("column ") + pl.col("column"))
    return pl.concat_str([pl.col("list"), where], separator=":")


def counts_by_type(findings: pl.DataFrame) -> pl.DataFrame:
    """Per error type: records affected, distinct children and severity.

    A row counts once per error type even if two rules of that type flag it, so the
    numbers match what a council reports ("197 missing primary need codes").
    """
    return counts_by(findings, "error_type")


def counts_by(findings: pl.DataFrame, *keys: str) -> pl.DataFrame:
    """Records and distinct children per group (e.g. list, team, or list and error type).

    Counted the same way as `counts_by_type`, so a breakdown always adds up to the
    numbers in the summary; `severity` is the group's most serious one.
    """
    return (
        findings.group_by(*keys)
        .agg(
            pl.col("severity").min().alias("severity"),  # "error" sorts before "warning"
            _record().n_unique().alias("count"),
            _person().drop_nulls().n_unique().alias("children"),
        )
        .sort(*keys, nulls_last=True)
    )


def distinct_people(findings: pl.DataFrame) -> int:
    return findings.select(_person().drop_nulls().n_unique()).item()


def distinct_records(findings: pl.DataFrame) -> int:
    """Records (rows of a list; a list- or column-level finding is its own) with at least one finding."""
    return findings.select(_record().n_unique()).item()


# The finding fields a recorded run keeps: enough to say who, where and what; never a value or
# message. Fixed by the store's tables (MIGRATIONS), so listed here, not derived from FINDING_COLUMNS.
HISTORY_COLUMNS = [
    "fingerprint",
    "error_type",
    "rule",
    "severity",
    "list",
    "row",
    "child_id",
    "column",
    "team",
    "worker",
]
