"""`list_headers`: the list's sheet must have a header row."""

from __future__ import annotations

from typing import TYPE_CHECKING

from annexa_check.annex.model import Column, ListSpec
from annexa_check.catalogue.kinds.base import Kind, Params, header_row

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule, Spec


class ListHeaders(Kind[Params]):
    name = "list_headers"
    summary = "the list's sheet must have a header row"
    level = "list"

    def expected(self, rule: Rule, lst: ListSpec, col: Column | None, spec: Spec, template: str) -> str:
        return header_row(lst)
