"""`column_unique`: the column must appear once on the sheet (one finding per repeat)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from annexa_check.annex.model import Column, ListSpec
from annexa_check.catalogue.kinds.base import Kind, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule, Spec


class ColumnUnique(Kind[Params]):
    name = "column_unique"
    summary = "the column must appear once on the sheet"
    level = "column"

    def correct(self, rule: Rule, lst: ListSpec, col: Column, spec: Spec, template: str) -> str:
        return f"One column headed '{col.header}'"
