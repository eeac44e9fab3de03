"""`placeholder_date`: the date must not be a sentinel such as 01/01/1900."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from annexa_check.catalogue.kinds.base import Kind, KindContext, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule

PLACEHOLDER_BEFORE = date(1910, 1, 1)  # earlier dates are sentinels such as 01/01/1900, not events


class PlaceholderDate(Kind[Params]):
    name = "placeholder_date"
    summary = "the date must not be a placeholder such as 01/01/1900"

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        return ctx.date(key) < pl.lit(PLACEHOLDER_BEFORE)
