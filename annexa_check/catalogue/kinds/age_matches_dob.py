"""`age_matches_dob`: the Age column must agree with Date of Birth at the reference date."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import polars as pl

from annexa_check.annex import values as v
from annexa_check.catalogue.kinds.base import Kind, KindContext, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule


class AgeMatchesDob(Kind[Params]):
    name = "age_matches_dob"
    summary = "the Age column must agree with Date of Birth at the reference date"

    def reads(self) -> tuple[str, ...]:
        return ("date_of_birth", "age")  # both: the one is checked against the other

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        dob, ref = ctx.date("date_of_birth"), ctx.reference_date
        stated = ctx.int(key)
        ages = [v.age_at(dob, ref + timedelta(days=d)) for d in (-1, 0, 1)]  # a day's leeway
        return stated.is_not_null() & dob.is_not_null() & ~pl.any_horizontal(stated == a for a in ages)
