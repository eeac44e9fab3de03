"""`lookback`: the date should fall inside the list's look-back window of `months`."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import polars as pl
from pydantic import Field

from annexa_check.catalogue.kinds.base import Kind, KindContext, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule


class LookbackParams(Params):
    months: int = Field(description="a whole number")


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier, or the month's last day when it is shorter."""
    month = day.month - 1 - months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


class Lookback(Kind[LookbackParams]):
    name = "lookback"
    parameters = LookbackParams
    summary = "the date should fall inside the list's look-back window before the reference date"

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        return ctx.date(key) < pl.lit(months_before(ctx.reference_date, self.p.months))
