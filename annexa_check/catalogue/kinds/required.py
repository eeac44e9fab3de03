"""`required`: the cell must not be blank."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from annexa_check.annex import values as v
from annexa_check.catalogue.kinds.base import Kind, KindContext, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule


class Required(Kind[Params]):
    name = "required"
    summary = "the cell must not be blank"

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        return v.is_blank(key)
