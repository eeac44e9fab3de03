"""`valid`: a value must read as its column's type (a code of its code set, a date, a whole number).

One kind for what were `codes`, `date` and `integer`: the rule's columns already say which
reading applies, and the finding, message and expected value were the same shape for all three.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from annexa_check.annex import values as v
from annexa_check.catalogue.kinds.base import CodeSets, Kind, KindContext, Lists, Params

if TYPE_CHECKING:
    from annexa_check.annex.model import Column
    from annexa_check.catalogue.spec import Rule

READABLE = ("code", "date", "int")  # the column types a value can fail to read as


class Valid(Kind[Params]):
    name = "valid"
    summary = (
        "a value must read as its column's type: a code of the column's code set for the template year, "
        "a real Excel date or dd/mm/yyyy text, or a whole number"
    )

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        col = ctx.lst.column(key)
        assert col is not None and col.type in READABLE  # refused at load time otherwise
        typed = {"code": ctx.code, "date": ctx.date, "int": ctx.int}[col.type]
        return v.is_present(key) & typed(key).is_null()

    def refuse(self, rule: Rule, targets: list[Column], lists: Lists, codesets: CodeSets) -> str | None:
        odd = sorted({c.key for c in targets if c.type not in READABLE})
        if odd:
            return f"valid reads codes, dates and whole numbers; {', '.join(odd)} is none of them"
        return super().refuse(rule, targets, lists, codesets)
