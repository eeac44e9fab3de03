"""`on_list`: the child (or `match` column) must (`expect: present`) or must not be on `other_list`.

IDs on both lists are compared by `child_id_key`; only the other list's rows meeting the
rule's `other_when` count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import polars as pl
from pydantic import Field, ValidationInfo, field_validator

from annexa_check.annex.model import Column
from annexa_check.catalogue.kinds.base import CodeSets, Kind, KindContext, Lists, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule


class OnListParams(Params):
    other_list: str = Field(description="a list key, list_1 ... list_11")
    expect: Literal["present", "absent"] = Field(description="present or absent")
    match: str | None = Field(default=None, description="the other list's column key")

    @field_validator("other_list")
    @classmethod
    def _a_list(cls, other: str, info: ValidationInfo) -> str:
        lists: Any = (info.context or {}).get("lists")
        if lists is not None and other not in lists:
            raise ValueError("needs 'other_list' naming a list (list_1 ... list_11)")
        return other


def _other_list_values(rule: Rule, other_list: str, match: str, ctx: KindContext) -> pl.Series:
    """The identifiers on the other list (of its rows meeting `other_when`) an on_list rule looks for."""
    other_ctx = ctx.on(other_list)
    ident = other_ctx.child_key(match)
    keep = [other_ctx.condition(cond) for cond in rule.other_when]
    frame = other_ctx.frame_for(ident, *keep)
    if keep:  # (a bare literal predicate fails on large multi-chunk frames)
        frame = frame.filter(pl.all_horizontal(keep).fill_null(False))
    ids = frame.select(ident.alias("id"))["id"]
    return ids.drop_nulls().unique()


class OnList(Kind[OnListParams]):
    name = "on_list"
    parameters = OnListParams
    summary = "the child must (or must not) be on another list"

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        ident = ctx.child_key(key)
        others = _other_list_values(rule, self.p.other_list, self.p.match or key, ctx)
        found = ident.is_in(others.implode())
        return ident.is_not_null() & (~found if self.p.expect == "present" else found)

    def refuse(self, rule: Rule, targets: list[Column], lists: Lists, codesets: CodeSets) -> str | None:
        """The other list must have the columns its `other_when` and `match` read."""
        other = lists[self.p.other_list]
        for cond in rule.other_when:
            if other.column(cond.column) is None:
                return f"other_when column '{cond.column}' is not on {other.name}"
        match = self.p.match or "child_id"
        if other.column(match) is None:
            return f"match column '{match}' is not on {other.name}"
        return None

    def skip(self, rule: Rule, ctx: KindContext) -> str | None:
        other = ctx.workbook.lists.get(self.p.other_list)
        match = self.p.match or (rule.columns[0] if rule.columns else "child_id")
        if other is not None and other.present and match in other.matched:
            return None
        name = ctx.spec.lists[self.p.other_list].name
        if other is None or not other.present:
            return f"{name} is not in the workbook"
        return f"{name} has no '{match}' column"
