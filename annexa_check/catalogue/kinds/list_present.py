"""`list_present`: the workbook must have the list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from annexa_check.annex.model import Column, ListSpec
from annexa_check.catalogue.kinds.base import Kind, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule, Spec


class ListPresent(Kind[Params]):
    name = "list_present"
    summary = "the workbook must have the list"
    level = "list"

    def expected(self, rule: Rule, lst: ListSpec, col: Column | None, spec: Spec, template: str) -> str:
        return f"A sheet named List_{lst.number} ({lst.title}) with the template's column headers"
