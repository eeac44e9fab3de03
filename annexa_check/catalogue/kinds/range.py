"""`range`: a whole number must lie between `min` and `max` (either may be left open)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from annexa_check.catalogue.kinds.base import Kind, KindContext, outside
from annexa_check.catalogue.kinds.bounds import BoundsParams

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule


class Range(Kind[BoundsParams]):
    name = "range"
    parameters = BoundsParams
    summary = "a whole number must be in the range given"

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        return outside(ctx.int(key), self.p.min, self.p.max)
