"""`date`: a value must be a real Excel date or dd/mm/yyyy text."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from annexa_check.annex import values as v
from annexa_check.catalogue.kinds.base import Kind, KindContext, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule


class Date(Kind[Params]):
    name = "date"
    summary = "a value must be a real Excel date or dd/mm/yyyy text"

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        return v.is_present(key) & ctx.date(key).is_null()
