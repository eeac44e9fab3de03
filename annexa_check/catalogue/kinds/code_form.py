"""`code_form`: a recognised code should be written as the template writes it (one finding per spelling)."""

from __future__ import annotations

from annexa_check.catalogue.kinds.base import Kind, Params


class CodeForm(Kind[Params]):
    name = "code_form"
    summary = "a code should be written in the template's form (such as `a) WBRI`)"
    level = "column"
