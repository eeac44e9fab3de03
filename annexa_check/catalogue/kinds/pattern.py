"""`pattern`: a value must match `regex` as a whole (letter case aside)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import polars as pl
from pydantic import Field, field_validator

from annexa_check.catalogue.kinds.base import Kind, KindContext, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule


class PatternParams(Params):
    regex: str = Field(description="a regular expression")

    @field_validator("regex")
    @classmethod
    def _compiles(cls, regex: str) -> str:
        try:
            re.compile(regex)
        except re.error as exc:
            raise ValueError(f"'regex' does not compile: {exc}") from None
        return regex


class Pattern(Kind[PatternParams]):
    name = "pattern"
    parameters = PatternParams
    summary = "a value must match the pattern given, as a whole"

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        return ctx.present(key) & ~pl.col(key).str.contains(f"(?i)^(?:{self.p.regex})$")
