"""`cell_error`: an Excel error value (`kind: error`) or a formula saved without its result."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import polars as pl
from pydantic import Field

from annexa_check.annex import values as v
from annexa_check.catalogue.kinds.base import Kind, KindContext, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule

_SUSPECT = "cell_error:columns"


class CellErrorParams(Params):
    kind: Literal["error", "formula"] = Field(description="error or formula")


def _suspect_columns(ctx: KindContext) -> set[str]:
    """Columns holding any text that starts like an Excel error or a formula.

    Checking every column of every row for both is the costliest part of a clean run,
    and almost always finds nothing; one cheap pass says where to look.
    """
    frame = ctx.loaded.frame
    if frame is None or frame.height == 0:
        return set()
    columns = list(ctx.loaded.matched)
    hits = frame.select(pl.col(columns).str.contains(r"^[#=]").any()).row(0)
    return {c for c, hit in zip(columns, hits, strict=True) if hit}


class CellError(Kind[CellErrorParams]):
    name = "cell_error"
    parameters = CellErrorParams
    summary = "the cell must not hold an Excel error value, or a formula saved without its result"

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        return v.is_error(key) if self.p.kind == "error" else v.is_formula(key)

    def runs_on(self, key: str, ctx: KindContext) -> bool:
        if _SUSPECT not in ctx.memo:
            ctx.memo[_SUSPECT] = _suspect_columns(ctx)
        return key in ctx.memo[_SUSPECT]
