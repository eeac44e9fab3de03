"""`valid`: a value must read as its column's type (a code of its code set, a date, a whole number).

One kind for what were `codes`, `date` and `integer`: the rule's columns already say which
reading applies, and the finding, message and expected value were the same shape for all three.

A DfE code the template lags behind (K3, Z11-Z14, RC9, 5D) or has outlived (H5, P2, Z1) is
read in every layout; with `event_date:` naming the row's event date, such a code is also judged by
the first and last day the DfE accepted it (`rules/codesets.yaml`), so the workbook's layout
never decides whether a code was right on the day it was used.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import polars as pl
from pydantic import Field

from annexa_check.catalogue.kinds.base import CodeSets, Kind, KindContext, Lists, Params, value_of

if TYPE_CHECKING:
    from annexa_check.annex.model import CodeSet, Column, ListSpec
    from annexa_check.catalogue.spec import Rule, Spec

READABLE = ("code", "date", "int")  # the column types a value can fail to read as


class ValidParams(Params):
    event_date: str | None = Field(
        default=None,
        description="a date column of the row's event: a dated DfE code must be in use on that date "
        "(on the reference date where it is blank: the event is still going on)",
    )


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def in_use_dates(codeset: CodeSet) -> str:
    """The dated codes of a set, as people read them: `K3 from 01/04/2024; H5 until 31/03/2025`."""
    spans: dict[str, list[str]] = {}
    for code in codeset.dated:
        span = " to ".join(
            part
            for part in (
                f"from {_day(code.valid_from)}" if code.valid_from else "",
                f"until {_day(code.valid_until)}" if code.valid_until else "",
            )
            if part
        )
        spans.setdefault(span, []).append(code.code)
    return "; ".join(f"{', '.join(codes)} {span}" for span, codes in spans.items())


class Valid(Kind[ValidParams]):
    name = "valid"
    parameters = ValidParams
    summary = (
        "a value must read as its column's type: a code of the column's code set for the template year, "
        "a real Excel date or dd/mm/yyyy text, or a whole number; with 'event_date', a DfE code must also "
        "be in use on the row's date"
    )

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        col = ctx.lst.column(key)
        assert col is not None and col.type in READABLE  # refused at load time otherwise
        typed = {"code": ctx.code, "date": ctx.date, "int": ctx.int}[col.type]
        flag = typed(key).is_null()
        if self.p.event_date and col.codeset is not None:
            flag = flag | self._out_of_use(key, ctx.spec.codesets[col.codeset], ctx)
        return ctx.present(key) & flag

    def _out_of_use(self, key: str, codeset: CodeSet, ctx: KindContext) -> pl.Expr:
        """A code the DfE did not accept on the row's date (the reference date while it is blank).

        Without the date column at all there is no event date to judge by, so nothing is flagged.
        """
        dated, on = codeset.dated, self.p.event_date
        if not dated or on is None or on not in ctx.loaded.matched:
            return pl.lit(False)
        code = ctx.code(key)
        day = pl.coalesce(ctx.date(on), pl.lit(ctx.reference_date, dtype=pl.Date))
        first = code.replace_strict({c.code: c.valid_from for c in dated}, default=None, return_dtype=pl.Date)
        last = code.replace_strict({c.code: c.valid_until for c in dated}, default=None, return_dtype=pl.Date)
        return (day < first).fill_null(False) | (day > last).fill_null(False)

    def refuse(self, rule: Rule, targets: list[Column], lists: Lists, codesets: CodeSets) -> str | None:
        odd = sorted({c.key for c in targets if c.type not in READABLE})
        if odd:
            return f"valid reads codes, dates and whole numbers; {', '.join(odd)} is none of them"
        if self.p.event_date:
            if any(c.type != "code" for c in targets):
                return "'event_date' judges codes by their date; it needs code columns"
            for key in rule.lists:
                column = lists[key].column(self.p.event_date)
                if column is None or column.type != "date":
                    name = lists[key].name
                    return f"'event_date' names '{self.p.event_date}', which is not a date column of {name}"
        return super().refuse(rule, targets, lists, codesets)

    def correct(self, rule: Rule, lst: ListSpec, col: Column, spec: Spec, template: str) -> str:
        text = value_of(col, spec, template)
        if not self.p.event_date or col.codeset is None or not spec.codesets[col.codeset].dated:
            return text
        event = lst.column(self.p.event_date)
        when = event.header if event else self.p.event_date
        return (
            f"{text}, in use on the {when} (the reference date while it is blank): "
            f"{in_use_dates(spec.codesets[col.codeset])}"
        )
