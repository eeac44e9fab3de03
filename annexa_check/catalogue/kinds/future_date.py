"""`future_date`: the date must not be after the reference date."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from annexa_check.catalogue.kinds.base import Kind, KindContext, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule


class FutureDate(Kind[Params]):
    name = "future_date"
    summary = "the date must not be after the reference date"

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        return ctx.date(key) > pl.lit(ctx.reference_date)
