"""`code_age`: a code allowed only at some ages (`ages`) or forbidden at some (`not_ages`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from pydantic import Field, model_validator

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

    def named_codes(self) -> list[str]:
        return [*(self.p.ages or {}), *(self.p.not_ages or {})]

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        """A code outside its allowed ages (`ages`) or inside its forbidden ones (`not_ages`)."""
        code, age = ctx.code(key), ctx.age()
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
        return flag

    def refuse(self, rule: Rule, targets: list[Column], lists: Lists, codesets: CodeSets) -> str | None:
        """Every code it names must be in the code set of each column it checks."""
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
        if allowed:
            return "The category that fits the age at the reference date: " + "; ".join(allowed)
        forbidden = [
            f"not {labels[code]} if aged {_span(low, high)}"
            for code, (low, high) in (self.p.not_ages or {}).items()
            if code in labels
        ]
        return "A code that fits the age at the reference date: " + "; ".join(forbidden)
