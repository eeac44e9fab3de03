"""`combination`: the values its `when` conditions describe must not occur together."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from annexa_check.catalogue.kinds.base import Kind, KindContext, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule


class Combination(Kind[Params]):
    name = "combination"
    summary = "the values in the conditions must not occur together"

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        return pl.lit(True)  # the rule's conditions are the whole check
