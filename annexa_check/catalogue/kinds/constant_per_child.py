"""`constant_per_child`: a value must be the same on every row of a child (IDs compared by key)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from annexa_check.catalogue.kinds.base import Kind, KindContext, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule


class ConstantPerChild(Kind[Params]):
    name = "constant_per_child"
    summary = "a value must be the same on every row of a child"

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        child = ctx.child_key("child_id")
        return child.is_not_null() & (pl.col(key).n_unique().over(child) > 1)
