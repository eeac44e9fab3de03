"""`consistent`: a child's value (gender, ethnicity, date of birth) must be the same on every list.

Children are matched across Lists 1-10 by `child_id_key`; List 11 holds adopters, not children.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from annexa_check.annex.values import collected
from annexa_check.catalogue.kinds.base import Kind, KindContext, Params

if TYPE_CHECKING:
    from annexa_check.catalogue.spec import Rule

_PEOPLE_LISTS = tuple(f"list_{n}" for n in range(1, 11))  # List 11 holds adopters, not children


def _consistency(key: str, ctx: KindContext) -> pl.DataFrame:
    """Per child whose `key` (gender, ethnicity, date of birth) differs between lists: what each list says."""
    if key in ctx.shared:
        return ctx.shared[key]
    parts, dated = [], []
    for list_key in _PEOPLE_LISTS:
        loaded = ctx.workbook.lists.get(list_key)
        if (
            loaded is None
            or not loaded.present
            or key not in loaded.matched
            or "child_id" not in loaded.matched
        ):
            continue
        there = ctx.on(list_key)
        lst = there.lst
        column = lst.column(key)
        assert column is not None
        is_date = column.type == "date" and not column.codeset
        norm = there.code(key) if column.codeset else there.date(key) if is_date else pl.col(key)
        dated.append(is_date)
        child = there.child_key("child_id")
        parts.append(
            there.frame_for(child, norm)
            .lazy()
            .select(child.alias("__child"), norm.alias("__norm"), pl.lit(lst.number).alias("__n"))
            .drop_nulls()
        )
    as_text = pl.col("__norm").dt.strftime("%d/%m/%Y")
    if any(dated) and not all(dated):  # a date compared with text: as text, as the message writes it
        parts = [part.with_columns(as_text) if d else part for part, d in zip(parts, dated, strict=True)]
    table = pl.DataFrame(schema={"__child": pl.String, "__others": pl.String})
    if not parts:
        ctx.shared[key] = table
        return table

    def differing(said: pl.LazyFrame) -> pl.LazyFrame:  # dates compared as dates, codes as codes
        values = pl.col("__norm").n_unique()
        return said.group_by("__child").agg(values.alias("__k")).filter(pl.col("__k") > 1)

    # Every row, by a 64-bit hash of the child's ID: cheaper than the ID itself, and two children
    # sharing a hash can only add a candidate, which the exact pass over the candidates drops.
    hashed = pl.concat(part.with_columns(pl.col("__child").hash()) for part in parts)
    candidates = collected(differing(hashed).select("__child")).to_series()
    if candidates.len():
        said = pl.concat(parts).filter(pl.col("__child").hash().is_in(candidates.implode()))
        table = (  # described only for the few children whose lists disagree
            said.join(differing(said).select("__child"), on="__child", how="semi")
            .with_columns(as_text if all(dated) else pl.col("__norm"))
            .unique()
            .group_by("__child", "__norm")
            .agg(pl.col("__n").sort())
            .with_columns(
                (
                    pl.col("__norm")
                    + " (List "
                    + pl.col("__n").cast(pl.List(pl.String)).list.join(", List ")
                    + ")"
                ).alias("__said")
            )
            .group_by("__child")
            .agg(pl.col("__said").sort().str.join("; ").alias("__others"))
            .select("__child", "__others")
            .pipe(collected)
        )
    ctx.shared[key] = table
    return table


class Consistent(Kind[Params]):
    name = "consistent"
    summary = "a child's value must be the same on every list"

    def joined(self, key: str, ctx: KindContext) -> pl.DataFrame | None:
        return _consistency(key, ctx)

    def flag(self, rule: Rule, key: str, ctx: KindContext, joined: str | None = None) -> pl.Expr:
        assert joined is not None  # the column `joined` added: what the other lists say
        return pl.col(joined).is_not_null() & ctx.present(key)
