"""`code_age`: a code allowed only at some ages (`ages`) or forbidden at some (`not_ages`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from pydantic import Field, model_validator

from annexa_check.annex.model import Column, ListSpec
from annexa_check.catalogue.kinds.base import Kind, KindContext, Params, value_of

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule, Spec

_AGES = "code: [min, max]"


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

    def correct(self, rule: Rule, lst: ListSpec, col: Column, spec: Spec, template: str) -> str:
        if self.p.ages is None:  # only forbidden ages: any valid code of another age fits
            return value_of(col, spec, template)
        assert col.codeset is not None
        labels = {c.code: c.label for c in spec.codesets[col.codeset].codes_for(template)}
        parts = []
        for code, (low, high) in self.p.ages.items():
            if code not in labels:
                continue
            span = f"{low} or over" if high is None else f"{low}-{high}"
            parts.append(f"{labels[code]} if aged {span}")
        return "The category that fits the age at the reference date: " + "; ".join(parts)
