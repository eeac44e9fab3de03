"""`date_order`: a date must not be before another date of the same row."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from pydantic import Field

from annexa_check.annex.model import Column, ListSpec
from annexa_check.catalogue.kinds.base import DATE_EXAMPLE, Kind, KindContext, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule, Spec


class DateOrderParams(Params):
    not_before: str = Field(description="the key of the earlier date's column")
    strict: bool = Field(default=False, description="true or false")
    slack_days: int = Field(default=0, description="a whole number")


class DateOrder(Kind[DateOrderParams]):
    name = "date_order"
    parameters = DateOrderParams
    summary = "the date must not be before another date of the same row"

    def reads(self) -> tuple[str, ...]:
        return (self.p.not_before,)

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        earliest = ctx.date(self.p.not_before) - pl.duration(days=self.p.slack_days)
        this = ctx.date(key)
        return ((this <= earliest) if self.p.strict else (this < earliest)).fill_null(False)

    def correct(self, rule: Rule, lst: ListSpec, col: Column, spec: Spec, template: str) -> str:
        other = lst.column(self.p.not_before)
        after = other.header if other else self.p.not_before
        return f"A date on or after the {after} ({DATE_EXAMPLE})"
