"""`unique`: a child (with the `with` columns) appears on one row only.

IDs are compared by `child_id_key`, so a duplicate typed with a zero-width space, a
byte-order mark, full-width digits or another letter case is still caught.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from pydantic import Field

from annexa_check.annex.model import Column, ListSpec
from annexa_check.catalogue.kinds.base import Kind, KindContext, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule, Spec


class UniqueParams(Params):
    with_: list[str] = Field(default=[], alias="with", description="a list of column keys")


class Unique(Kind[UniqueParams]):
    name = "unique"
    parameters = UniqueParams
    summary = "a child appears on one row only"

    def reads(self) -> tuple[str, ...]:
        return tuple(self.p.with_)

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        ident = ctx.child_key(key)
        together = [ident, *[pl.col(c) for c in self.p.with_]]
        return ident.is_not_null() & (
            pl.struct(together).is_duplicated() if len(together) > 1 else ident.is_duplicated()
        )

    def correct(self, rule: Rule, lst: ListSpec, col: Column, spec: Spec, template: str) -> str:
        return "One row per child on this list: keep the most recent episode"
