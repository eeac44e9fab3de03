"""What every check kind is: typed parameters, a row flag, the columns it reads, its documentation.

A kind is one class in one file of this package, registered once by its YAML `check:` name.
The engine calls kinds only through `Kind`; a kind sees the run only through `KindContext`,
which the engine's context satisfies, so kinds stay below the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Protocol, TypeVar

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from annexa_check.annex.model import CodeSet, Column, ListSpec
from annexa_check.read.loader import HEADER_SEARCH_ROWS, LoadedList, LoadedWorkbook

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Condition, Rule, Spec

DATE_EXAMPLE = "an Excel date or dd/mm/yyyy text, e.g. 01/09/2024"
Lists = Mapping[str, ListSpec]  # the specification's lists by key
CodeSets = Mapping[str, CodeSet]  # its code sets by name
Level = Literal["row", "column", "list"]  # a flag per row / findings per column of a list / per whole list


class Params(BaseModel):
    """A kind's parameters as the rule file writes them: unknown or wrong-typed keys are refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    # Taken by every kind: the ages the example generator gives the rows it makes this error on.
    inject_age: list[int | None] | None = Field(default=None, description="[youngest, oldest]")


class KindContext(Protocol):
    """The run as a kind sees it: one list of one workbook, its typed columns and the other lists."""

    lst: ListSpec
    loaded: LoadedList
    spec: Spec
    template: str
    reference_date: date
    workbook: LoadedWorkbook
    shared: dict[str, pl.DataFrame]  # cross-list tables, built once a run
    memo: dict[str, Any]  # what a kind worked out once for this list

    @property
    def frame(self) -> pl.DataFrame: ...

    def frame_for(self, *exprs: pl.Expr) -> pl.DataFrame: ...  # the cells, and converted columns exprs read

    def code(self, key: str) -> pl.Expr: ...

    def date(self, key: str) -> pl.Expr: ...

    def int(self, key: str) -> pl.Expr: ...

    def present(self, key: str) -> pl.Expr: ...  # `values.is_present`, as cheap as the column allows

    def suspect(self, key: str) -> bool: ...  # any cell of the column starts like an error or a formula

    def child_key(self, key: str) -> pl.Expr: ...  # a child ID as compared (`child_id_key`), built once

    def age(self) -> pl.Expr: ...

    def condition(self, cond: Condition) -> pl.Expr: ...

    def on(self, list_key: str) -> KindContext: ...


P = TypeVar("P", bound=Params)


class Kind(Generic[P]):
    """One check kind with one rule's parameters: the engine's single way into a kind."""

    name: ClassVar[str]
    parameters: ClassVar[type[Params]] = Params
    summary: ClassVar[str]  # one line for people: `rules`, `explain`, docs/rules.md
    level: ClassVar[Level] = "row"
    either_age: bool = False  # reads the age from Date of Birth, else from the Age column

    def __init__(self, params: P) -> None:
        self.p = params

    def reads(self) -> tuple[str, ...]:
        """Column keys its parameters name, read besides the target column."""
        return ("date_of_birth", "age") if self.either_age else ()

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        """True on the rows of column `key` that break the rule (before the rule's `when`)."""
        raise ValueError(f"{rule.code}: check '{self.name}' has no row-level flag")

    def refuse(self, rule: Rule, targets: list[Column], lists: Lists, codesets: CodeSets) -> str | None:
        """Why this rule cannot be checked as written (said at load time, with the rule named), else None."""
        if rule.other_when:
            return f"{self.name} does not take 'other_when' (only on_list does)"
        return None

    def joined(self, key: str, ctx: KindContext) -> pl.DataFrame | None:
        """A table keyed by `__child` joined to the list before flagging (cross-list kinds)."""
        return None

    def skip(self, rule: Rule, ctx: KindContext) -> str | None:
        """Why the rule cannot run on this list (recorded, never a silent pass), else None."""
        return None

    def runs_on(self, key: str, ctx: KindContext) -> bool:
        """False where the column cannot hold a hit, so the flag need not be computed."""
        return True

    def expected(self, rule: Rule, lst: ListSpec, col: Column | None, spec: Spec, template: str) -> str:
        """One sentence: what the cell (or sheet) should hold for this rule to pass."""
        if col is None:
            return header_row(lst)
        return self.correct(rule, lst, col, spec, template)

    def correct(self, rule: Rule, lst: ListSpec, col: Column, spec: Spec, template: str) -> str:
        return value_of(col, spec, template)


def header_row(lst: ListSpec) -> str:
    return (
        f"The template's header row (e.g. '{lst.columns[0].header}') "
        f"within the first {HEADER_SEARCH_ROWS} rows of the sheet"
    )


def codes_of(col: Column, spec: Spec, template: str) -> str:
    """The code set's valid codes for the template (its own and the DfE's), as the template writes them."""
    assert col.codeset is not None
    codeset = spec.codesets[col.codeset]
    codes = codeset.recognised(template)
    shown = [c.code if codeset.bare_code else c.label for c in codes]
    text = f"One of {', '.join(shown)}"
    if codeset.bare_code and codes[0].label != codes[0].code:
        text += f" (the code alone or as the template writes it, e.g. '{codes[0].label}')"
    return text


def value_of(col: Column, spec: Spec, template: str) -> str:
    """A correct value for a column, whatever the rule: by its type and code set."""
    if col.type == "code":
        return codes_of(col, spec, template)
    if col.type == "date":
        return f"A date: {DATE_EXAMPLE}"
    if col.type == "int":
        return "A whole number, e.g. 12"
    if col.type == "id":
        return "The identifier from the case-management system"
    return f"The {col.header} as recorded in the case-management system"


def outside(value: pl.Expr, low: int | None, high: int | None) -> pl.Expr:
    """True where the number is below `low` or above `high` (either end open)."""
    out = pl.lit(False)
    if low is not None:
        out = out | (value < low).fill_null(False)
    if high is not None:
        out = out | (value > high).fill_null(False)
    return out
