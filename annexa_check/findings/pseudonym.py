"""Keyed pseudonyms for child identifiers, for exception lists that leave the performance team.

A plain hash of a child ID can be reversed by hashing every plausible ID; a keyed hash
(HMAC-SHA256) cannot without the key. The key comes from the environment, so it is
never typed on a command line that lands in shell history, and it is never written to
any output. The same key gives the same pseudonym every run, so the performance team
(who hold the key) can match a returned list back to their records.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable

import polars as pl

from annexa_check.annex.headers import normalise_header
from annexa_check.annex.model import Column
from annexa_check.annex.values import child_id_text
from annexa_check.catalogue.spec import Spec
from annexa_check.errors import AnnexaError
from annexa_check.findings.messages import PARAMS, render_messages

KEY_VARIABLE = "ANNEXA_CHECK_PSEUDONYM_KEY"
MIN_KEY_LENGTH = 16
PREFIX = "P-"


def key_from_environment() -> bytes:
    """The pseudonym key, or a clear refusal: never fall back to unkeyed hashing."""
    key = os.environ.get(KEY_VARIABLE, "")
    if not key.strip():
        raise AnnexaError(
            f"--pseudonymise needs a secret key in the environment variable {KEY_VARIABLE} "
            "(keep the same key from run to run to get the same pseudonyms)"
        )
    if len(key) < MIN_KEY_LENGTH:
        raise AnnexaError(f"{KEY_VARIABLE} is too short: use at least {MIN_KEY_LENGTH} characters")
    return key.encode("utf-8")


def pseudonym(identifier: str, key: bytes) -> str:
    """`P-` and 16 hex digits of HMAC-SHA256: stable for a key, useless without it."""
    return PREFIX + hmac.new(key, identifier.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


WITHHELD = "(withheld)"  # what a pseudonymised output shows for a date of birth


def _headers(findings: pl.DataFrame, spec: Spec, wanted: Callable[[Column], bool]) -> list[str]:
    """Headers (as written in this workbook) of the columns `wanted` picks, in any recognised form."""
    forms = {
        normalise_header(form)
        for lst in spec.lists.values()
        for col in lst.columns
        if wanted(col)
        for form in (col.header, *col.aliases)
    }
    return [h for h in findings["column"].unique().to_list() if normalise_header(h) in forms]


def _is_id(col: Column) -> bool:
    return col.type == "id"


def _is_birth_date(col: Column) -> bool:
    return col.key == "date_of_birth"


def pseudonymise(findings: pl.DataFrame, spec: Spec, key: bytes) -> pl.DataFrame:
    """The findings with every child identifier replaced by its pseudonym and every date of birth
    withheld, wherever a finding holds one; then the messages rendered from what is left.

    By construction: a message is rendered from the finding's value and parameters
    (findings/messages.py), and those are what is replaced here, so no rule's message
    can quote an identifier or a date of birth that this function did not see.
    """
    id_keys = sorted({c.key for lst in spec.lists.values() for c in lst.columns if _is_id(c)})
    flat = findings.with_columns(pl.col(PARAMS).struct.unnest().name.prefix("__"))
    on_id = pl.col("column").is_in(_headers(findings, spec, _is_id))
    on_birth = pl.col("column").is_in(_headers(findings, spec, _is_birth_date))
    quotes_id = pl.col("__quoted_column").is_in(id_keys)
    ids = pl.concat(
        [
            flat.select(child_id_text("child_id").alias("id")),
            flat.filter(on_id).select(child_id_text("value").alias("id")),
            flat.filter(quotes_id).select(child_id_text("__quoted").alias("id")),
        ]
    )["id"]
    mapping = {i: pseudonym(i, key) for i in ids.drop_nulls().unique().to_list()}

    def swap(column: str) -> pl.Expr:
        return child_id_text(column).replace_strict(mapping, default=None, return_dtype=pl.String)

    def withheld(column: str) -> pl.Expr:
        return pl.when(pl.col(column).is_not_null()).then(pl.lit(WITHHELD))

    # an unkeyed hash of the child ID could be reversed: re-key each fingerprint
    digest = pl.col("fingerprint").str.slice(0, 16)
    keyed = digest.map_elements(
        lambda d: hmac.new(key, d.encode(), hashlib.sha256).hexdigest()[:16], return_dtype=pl.String
    )
    hidden = flat.with_columns(
        (keyed + pl.col("fingerprint").str.slice(16)).alias("fingerprint"),
        swap("child_id").alias("child_id"),
        pl.when(on_id)
        .then(swap("value"))
        .when(on_birth)
        .then(withheld("value"))
        .otherwise("value")
        .alias("value"),
        pl.struct(
            pl.col("__age").alias("age"),
            # other spellings of an identifier are left out; what other lists say of a birth date is withheld
            pl.when(on_id)
            .then(pl.lit(None, dtype=pl.String))
            .when(on_birth)
            .then(withheld("__others"))
            .otherwise("__others")
            .alias("others"),
            pl.when(quotes_id)
            .then(swap("__quoted"))
            .when(pl.col("__quoted_column") == "date_of_birth")
            .then(withheld("__quoted"))
            .otherwise("__quoted")
            .alias("quoted"),
            pl.col("__quoted_column").alias("quoted_column"),
        ).alias(PARAMS),
    ).drop("__age", "__others", "__quoted", "__quoted_column")
    return render_messages(hidden)
