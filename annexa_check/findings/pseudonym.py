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

import polars as pl

from annexa_check.annex.headers import normalise_header
from annexa_check.annex.values import child_id_text
from annexa_check.catalogue.spec import Spec
from annexa_check.errors import AnnexaError

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


def _id_headers(findings: pl.DataFrame, spec: Spec) -> list[str]:
    """Headers (as written) of identifier columns: their values and messages quote an ID."""
    forms = {
        normalise_header(form)
        for lst in spec.lists.values()
        for col in lst.columns
        if col.type == "id"
        for form in (col.header, *col.aliases)
    }
    return [h for h in findings["column"].unique().to_list() if normalise_header(h) in forms]


def pseudonymise(findings: pl.DataFrame, spec: Spec, key: bytes) -> pl.DataFrame:
    """The findings with every child identifier replaced by its pseudonym, wherever it appears."""
    on_id = pl.col("column").is_in(_id_headers(findings, spec)) & pl.col("value").is_not_null()
    quoted = findings.filter(on_id).select(child_id_text("value"))["value"]
    ids = pl.concat([findings["child_id"], quoted]).drop_nulls().unique().to_list()
    mapping = {i: pseudonym(i, key) for i in ids}

    def swap(expr: pl.Expr) -> pl.Expr:
        return expr.replace_strict(mapping, default=None, return_dtype=pl.String)

    def unquote(row: dict) -> str:  # the few rows about an ID column quote the ID in their message
        if row["hidden"] is None:
            return row["message"]
        return row["message"].replace(row["value"], row["hidden"])

    hidden = pl.when(on_id).then(swap(child_id_text("value"))).alias("hidden")
    extra = []
    if "fingerprint" in findings.columns:  # an unkeyed hash of the child ID could be reversed: re-key it
        digest = pl.col("fingerprint").str.slice(0, 16)
        keyed = digest.map_elements(
            lambda d: hmac.new(key, d.encode(), hashlib.sha256).hexdigest()[:16], return_dtype=pl.String
        )
        extra.append((keyed + pl.col("fingerprint").str.slice(16)).alias("fingerprint"))
    return (
        findings.with_columns(hidden)
        .with_columns(
            *extra,
            swap(pl.col("child_id")).alias("child_id"),
            pl.coalesce("hidden", "value").alias("value"),
            pl.struct("message", "value", "hidden")
            .map_elements(unquote, return_dtype=pl.String)
            .alias("message"),
        )
        .drop("hidden")
    )
