"""`column_present`: the list must have the column (one finding per missing column)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from annexa_check.annex.model import Column, ListSpec
from annexa_check.catalogue.kinds.base import Kind, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule, Spec


class ColumnPresent(Kind[Params]):
    name = "column_present"
    summary = "the list must have the column"
    level = "column"

    def correct(self, rule: Rule, lst: ListSpec, col: Column, spec: Spec, template: str) -> str:
        return f"A column headed '{col.header}'"
