"""`code_age`: a code allowed only at some ages (`ages`) or forbidden at some (`not_ages`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from pydantic import Field, model_validator

from annexa_check.annex import values as v
from annexa_check.annex.model import Column, ListSpec
from annexa_check.catalogue.kinds.base import CodeSets, Kind, KindContext, Lists, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule, Spec

_AGES = "code: [min, max]"


def _span(low: int | None, high: int | None) -> str:
    if low is None:
        return f"{high} or under"
    if high is None:
        return f"{low} or over"
    return str(low) if low == high else f"{low}-{high}"


class CodeAgeParams(Params):
    ages: dict[str, list[int | None]] | None = Field(default=None, description=_AGES)
    not_ages: dict[str, list[int | None]] | None = Field(default=None, description=_AGES)
    at: str | None = Field(
        default=None,
        description="a date column: the age is measured on its date, not at the reference date",
    )

    @model_validator(mode="after")
    def _one_of_them(self) -> CodeAgeParams:
        if self.ages is None and self.not_ages is None:
            raise ValueError(f"needs 'ages' or 'not_ages' ({_AGES})")
        for name in ("ages", "not_ages"):
            for code, span in (getattr(self, name) or {}).items():
                if len(span) != 2:
                    raise ValueError(f"'{name}' gives {code} {span}, not [min, max]")
        return self


class CodeAge(Kind[CodeAgeParams]):
    name = "code_age"
    parameters = CodeAgeParams
    summary = "the code is allowed only for children of the ages given"
    either_age = True

    def __init__(self, params: CodeAgeParams) -> None:
        super().__init__(params)
        # an event date's age needs the date of birth: the Age column holds the age at the reference date
        self.either_age = params.at is None

    def reads(self) -> tuple[str, ...]:
        return ("date_of_birth", self.p.at) if self.p.at else super().reads()  # Age used where present

    def named_codes(self) -> list[str]:
        return [*(self.p.ages or {}), *(self.p.not_ages or {})]

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        """A code outside its allowed ages (`ages`) or inside its forbidden ones (`not_ages`)."""
        code = ctx.code(key)
        age, most = ctx.age(), pl.lit(None, dtype=pl.Int64)
        if self.p.at:
            event = ctx.date(self.p.at)
            age = v.age_on(ctx.date("date_of_birth"), event)
            if "age" in ctx.loaded.matched:  # no date of birth: the age now is the most they were then
                most = pl.when(event.is_not_null()).then(ctx.int("age"))
        flag = pl.lit(False)
        for ranges, inside_is_bad in ((self.p.ages, False), (self.p.not_ages, True)):
            if not ranges:
                continue
            low = code.replace_strict(
                {c: r[0] for c, r in ranges.items()}, default=None, return_dtype=pl.Int64
            )
            high = code.replace_strict(
                {c: r[1] for c, r in ranges.items()}, default=None, return_dtype=pl.Int64
            )
            below, above = (age < low).fill_null(False), (age > high).fill_null(False)
            outside = below | above
            named = code.is_in(list(ranges)).fill_null(False)
            flag = flag | (named & age.is_not_null() & (~outside if inside_is_bad else outside))
            # at most `most` years old at the event: wrong for sure if every such age is wrong
            surely = (low.is_null() & (most <= high)) if inside_is_bad else (most < low)
            flag = flag | (named & age.is_null() & surely.fill_null(False))
        return flag

    def refuse(self, rule: Rule, targets: list[Column], lists: Lists, codesets: CodeSets) -> str | None:
        """Every code it names must be in the code set of each column it checks; `at` a date column."""
        for key in rule.lists if self.p.at else ():
            column = lists[key].column(self.p.at)  # type: ignore[arg-type]
            if column is None or column.type != "date":
                return f"'at' names '{self.p.at}', which is not a date column of {lists[key].name}"
        for col in targets:
            known = {c.code for c in codesets[col.codeset].codes} if col.codeset else set()
            missing = [c for c in self.named_codes() if c not in known]
            if missing:
                return f"codes {', '.join(missing)} are not in code set '{col.codeset}'"
        return super().refuse(rule, targets, lists, codesets)

    def correct(self, rule: Rule, lst: ListSpec, col: Column, spec: Spec, template: str) -> str:
        """The ages each code fits (`ages`), or the ages it must not be used at (`not_ages`)."""
        assert col.codeset is not None
        labels = {c.code: c.label for c in spec.codesets[col.codeset].codes_for(template)}
        allowed = [
            f"{labels[code]} if aged {_span(low, high)}"
            for code, (low, high) in (self.p.ages or {}).items()
            if code in labels
        ]
        when = f"on the {self._at_header(lst)}" if self.p.at else "at the reference date"
        if allowed:
            return f"The category that fits the age {when}: " + "; ".join(allowed)
        forbidden = [
            f"not {labels[code]} if aged {_span(low, high)}"
            for code, (low, high) in (self.p.not_ages or {}).items()
            if code in labels
        ]
        return f"A code that fits the age {when}: " + "; ".join(forbidden)

    def _at_header(self, lst: ListSpec) -> str:
        column = lst.column(self.p.at) if self.p.at else None
        return column.header if column else str(self.p.at)
