"""`age_range`: the child's age at the reference date must lie between `min` and `max`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from annexa_check.catalogue.kinds.base import Kind, KindContext, outside
from annexa_check.catalogue.kinds.bounds import BoundsParams

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule


class AgeRange(Kind[BoundsParams]):
    name = "age_range"
    parameters = BoundsParams
    summary = "the age at the reference date (from Date of Birth, else Age) must be in the range given"
    either_age = True

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        return outside(ctx.age(), self.p.min, self.p.max)
