"""Messages rendered from their parameters, at the end, so no rule can leak what it quotes.

The engine records each finding's message as a template (the rule's text with the
header and template year filled in) plus the values it quotes as data: the cell's
value, the child's age, what the other lists say, and one other column of the row.
Anything that must change what a message quotes — pseudonymisation above all — changes
those fields, then renders; no message is ever edited as text after it was rendered.
"""

from __future__ import annotations

import re

import polars as pl

TEMPLATE = "template"
PARAMS = "params"
# What a message may quote from the row, as data: the child's age, what the other lists say,
# and one other column of the row (`quoted_column` names it, so a reader knows what it holds).
PARAMS_DTYPE = pl.Struct(
    {"age": pl.String, "others": pl.String, "quoted": pl.String, "quoted_column": pl.String}
)
PLACEHOLDER = re.compile(r"(\{value\}|\{age\}|\{others\}|\{col:[a-z0-9_]+\})")
_MAX_SLOTS = 4  # a rule's message quotes at most this many values (checked when rendering)


def no_params(n: int) -> pl.Series:
    """The parameters of findings whose message quotes nothing from a row (list and column findings)."""
    return pl.Series(PARAMS, [None] * n, dtype=PARAMS_DTYPE)


def _pieces(template: str) -> list[str]:
    """Literal text and placeholders alternating, starting and ending with literal text."""
    parts = PLACEHOLDER.split(template)
    if len(parts) // 2 > _MAX_SLOTS:
        raise ValueError(f"a message quotes more than {_MAX_SLOTS} values: {template}")
    return parts + [""] * (2 * _MAX_SLOTS + 1 - len(parts))


def _slot(name: pl.Expr) -> pl.Expr:
    """The text a placeholder stands for on each row (as the engine always filled them)."""
    params = pl.col(PARAMS)
    return (
        pl.when(name == "{value}")
        .then(pl.col("value").fill_null(""))
        .when(name == "{age}")
        .then(params.struct.field("age").fill_null("unknown"))
        .when(name == "{others}")
        .then(params.struct.field("others").fill_null(""))
        .when(name.str.starts_with("{col:"))
        .then(params.struct.field("quoted").fill_null("(blank)"))
        .otherwise(pl.lit(""))
    )


def render_messages(findings: pl.DataFrame) -> pl.DataFrame:
    """Fill each finding's `message` from its template and parameters.

    Templates are few (one per rule and column); they are split once into literal text
    and placeholders, joined back by template, and each row's message is concatenated
    from its own values in one vectorised pass.
    """
    if findings.height == 0:
        return findings
    templates = findings[TEMPLATE].unique(maintain_order=True).to_list()
    if not any(PLACEHOLDER.search(t) for t in templates):
        return findings.with_columns(pl.col(TEMPLATE).alias("message"))
    names = [f"__p{i}" for i in range(2 * _MAX_SLOTS + 1)]
    split = pl.DataFrame([[t, *_pieces(t)] for t in templates], schema=[TEMPLATE, *names], orient="row")
    parts = [pl.col(n) if i % 2 == 0 else _slot(pl.col(n)) for i, n in enumerate(names)]
    return (
        findings.join(split, on=TEMPLATE, how="left", maintain_order="left")
        .with_columns(pl.concat_str(parts).alias("message"))
        .drop(names)
    )
