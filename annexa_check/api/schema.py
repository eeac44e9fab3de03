"""pandera schemas generated from the rule data, for councils whose pipelines already use pandera.

Nothing here is written by hand: the columns, their types and code sets come from
`rules/lists.yaml` and `rules/codesets.yaml`, and the columns that must not be blank from
the `required` rules under `rules/checks/`. Values are read exactly as `check` reads them
(the same conversions), so a code the checker accepts the schema accepts too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import polars as pl

from annexa_check.annex import values as v
from annexa_check.annex.model import TEMPLATES, Column, ListSpec
from annexa_check.catalogue.spec import Spec, load_spec
from annexa_check.errors import AnnexaError
from annexa_check.read.extracts import cell_text

if TYPE_CHECKING:
    import pandera.polars as pa

_CELL = "__cell"


def schema(list_key: str, template: str = "2023") -> pa.DataFrameSchema:
    """A `pandera.polars.DataFrameSchema` for one list (`"list_1"` ... `"list_11"`) of a template year.

    Columns are named by the template's headers and must all be present (others are
    allowed). Values may be of any dtype, read as a workbook cell would be: a date column
    takes real dates or dd/mm/yyyy text; a whole-number column whole numbers; a code column
    the codes of its code set in every form `check` recognises (`a) WBRI`, `WBRI`, any case,
    `PR4 - Private provision` where the set has bare codes). A column that a rule says must
    never be blank fails on blanks, naming the rule. Each column's `metadata` holds its
    type, and for a code column its code set and codes, for a pipeline to reuse.

    What a schema cannot express: cross-field rules (a closure date needs a reason; a
    placement type needs a provider), cross-list rules (an eligible care leaver must be
    looked after on List 8), rules on the reference date (ages, future dates), duplicates,
    and the header spellings a council's settings file adds. `annexa_check.check` runs all
    of those: use the schema inside a pipeline, and `check` for the return itself.
    """
    import pandera.polars as pa

    spec = load_spec()
    if list_key not in spec.lists:
        raise AnnexaError(f"unknown list key {list_key!r} (expected list_1 ... list_11)")
    if template not in TEMPLATES:
        raise AnnexaError(f"unknown template '{template}' (use {', '.join(TEMPLATES)})")
    lst = spec.lists[list_key]
    needed = _required(spec, lst, template)
    columns = {}
    for col in lst.columns_for(template):
        checks = []
        if col.key in needed:
            checks.append(pa.Check(_never_blank, error=f"{col.header} is blank ({needed[col.key]})"))
        test, error = _value_check(spec, col, template)
        if test is not None:
            checks.append(pa.Check(_passes(test), error=f"{col.header}: {error}"))
        columns[col.header] = pa.Column(
            None,
            checks,
            nullable=True,  # blanks are judged by the 'required' rules above, which also see spaces
            required=True,
            metadata=_metadata(spec, col, template),
        )
    return pa.DataFrameSchema(columns, strict=False, name=f"{lst.name}: {lst.title} ({template} template)")


def _required(spec: Spec, lst: ListSpec, template: str) -> dict[str, str]:
    """Column key -> the codes of the rules that say it must never be blank (no condition)."""
    out: dict[str, list[str]] = {}
    for rule in spec.rules:
        if rule.check != "required" or rule.when or template not in rule.templates:
            continue
        for target, col in rule.targets(spec):
            if target.key == lst.key:
                out.setdefault(col.key, []).append(rule.code)
    return {key: ", ".join(codes) for key, codes in out.items()}


def _value_check(spec: Spec, col: Column, template: str) -> tuple[pl.Expr | None, str]:
    """What a present value of this column must convert to, and how its failure is named."""
    if col.type == "date":
        return v.as_date(_CELL), "not a date (a real date, or dd/mm/yyyy text)"
    if col.type == "int":
        return v.as_int(_CELL), "not a whole number"
    if col.type == "code" and col.codeset:
        return v.as_code(_CELL, spec.codesets[col.codeset], template), (
            f"not a code of the {col.codeset} code set ({template} template)"
        )
    return None, ""


def _metadata(spec: Spec, col: Column, template: str) -> dict[str, Any]:
    found: dict[str, Any] = {"key": col.key, "type": col.type}
    if col.type == "code" and col.codeset:
        codeset = spec.codesets[col.codeset]
        found["codeset"] = col.codeset
        found["codes"] = {code.code: code.label for code in codeset.codes_for(template)}
    return found


def _cells(data: Any) -> pl.DataFrame:
    """The column as the workbook reader gives it: text of any dtype, trimmed, a blank as null."""
    series = v.collected(data.lazyframe.select(data.key)).to_series()
    return pl.DataFrame({_CELL: cell_text(series)}).select(v.cleaned(_CELL).alias(_CELL))


def _never_blank(data: Any) -> pl.LazyFrame:
    """Blank as the `required` rules see it: empty, only spaces, or missing."""
    return _cells(data).lazy().select((~v.is_blank(_CELL)).alias(data.key))


def _passes(converted: pl.Expr) -> Callable[[Any], pl.LazyFrame]:
    """A present value must convert; a blank passes (the 'never blank' check judges blanks)."""

    def check(data: Any) -> pl.LazyFrame:
        cells = _cells(data)
        done = v.by_distinct(cells, _CELL, converted)  # a column repeats a few spellings: convert each once
        return pl.LazyFrame({data.key: cells[_CELL].is_null() | done.is_not_null()})

    return check
