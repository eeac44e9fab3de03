"""`age_matches_dob`: the Age column must agree with Date of Birth at the reference date."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import polars as pl
from pydantic import Field

from annexa_check.annex import values as v
from annexa_check.catalogue.kinds.base import Kind, KindContext, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule


class AgeMatchesDobParams(Params):
    days_before: int = Field(
        default=1,
        ge=0,
        description="a whole number of days before the reference date",
    )


class AgeMatchesDob(Kind[AgeMatchesDobParams]):
    name = "age_matches_dob"
    parameters = AgeMatchesDobParams
    summary = "the Age column must agree with Date of Birth at the reference date (or a few days before)"

    def reads(self) -> tuple[str, ...]:
        return ("date_of_birth", "age")  # both: the one is checked against the other

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        dob, ref = ctx.date("date_of_birth"), ctx.reference_date
        stated = ctx.int(key)
        # the age on any day from when the lists may have been built to the day after the reference date
        youngest = v.age_at(dob, ref - timedelta(days=self.p.days_before))
        oldest = v.age_at(dob, ref + timedelta(days=1))
        return stated.is_not_null() & dob.is_not_null() & ((stated < youngest) | (stated > oldest))
