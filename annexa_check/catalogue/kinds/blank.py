"""`blank`: the cell must be blank (a column the rule's conditions rule out)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from annexa_check.annex.model import Column, ListSpec
from annexa_check.catalogue.kinds.base import Kind, KindContext, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule, Spec


class Blank(Kind[Params]):
    name = "blank"
    summary = "the cell must be blank"

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        return ctx.present(key)

    def correct(self, rule: Rule, lst: ListSpec, col: Column, spec: Spec, template: str) -> str:
        return "Blank: nothing should be recorded here"
