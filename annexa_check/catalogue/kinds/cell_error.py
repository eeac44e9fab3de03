"""`cell_error`: an Excel error value (`kind: error`) or a formula saved without its result."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import polars as pl
from pydantic import Field

from annexa_check.annex import values as v
from annexa_check.catalogue.kinds.base import Kind, KindContext, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule


class CellErrorParams(Params):
    kind: Literal["error", "formula"] = Field(description="error or formula")


class CellError(Kind[CellErrorParams]):
    name = "cell_error"
    parameters = CellErrorParams
    summary = "the cell must not hold an Excel error value, or a formula saved without its result"

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        return v.is_error(key) if self.p.kind == "error" else v.is_formula(key)

    def runs_on(self, key: str, ctx: KindContext) -> bool:
        return ctx.suspect(key)
