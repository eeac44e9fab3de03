"""Polars expressions that turn cell text into blanks, dates, whole numbers and codes.

Each conversion is strict and visible: a value either converts exactly (an Excel date,
dd/mm/yyyy, a whole number, a code of the code set) or stays unconverted and a rule
reports it. Nothing is guessed. The loader applies `cleaned` to every cell once; the
other functions here take the name of such a cleaned column.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Final

import polars as pl

from annexa_check.annex.model import CodeSet

# Excel's error values, as text in a cell or recovered from an error cell.
EXCEL_ERRORS = (
    "#N/A",
    "#NULL!",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
)
_EXCEL_DATETIME = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$"  # how the reader renders a date cell
_DMY = r"^\d{1,2}/\d{1,2}/\d{4}$"
_WHOLE = r"^[+-]?\d+$"
_CODE_PREFIX = r"^(\(?[a-z]{1,2}\d?\)\s*)+"  # the template's `a)` / `zz)` / `p1)` ordering prefix
_CODE_TOKEN = r"^([a-z0-9]+)\s*[:\-–]"  # a bare code followed by its description: `pr4 - private`


_ENGINE: Final = "in-memory"  # how every lazy query of a check runs (collected)


def collected(query: pl.LazyFrame) -> pl.DataFrame:
    """Run a lazy query on polars' in-memory engine.

    A check runs dozens of lazy queries over lists of a few thousand rows, where the default
    (streaming) engine spends about half a millisecond starting each one; on a list of a
    million rows the two engines take the same time and memory.
    """
    return query.collect(engine=_ENGINE)


def collected_all(queries: list[pl.LazyFrame]) -> list[pl.DataFrame]:
    """Run several lazy queries at once, side by side, on the engine `collected` uses."""
    return pl.collect_all(queries, engine=_ENGINE)


def cleaned(column: str) -> pl.Expr:
    """The cell text without surrounding spaces (non-breaking ones too); blank -> null."""
    text = pl.col(column).str.strip_chars()
    return pl.when(text != "").then(text)


def is_error(column: str) -> pl.Expr:
    return pl.col(column).str.to_uppercase().is_in(EXCEL_ERRORS).fill_null(False)


def is_formula(column: str) -> pl.Expr:
    return pl.col(column).str.starts_with("=").fill_null(False)


def error_or_formula_columns(frame: pl.DataFrame, columns: list[str]) -> set[str]:
    """The columns holding any cell that starts like an Excel error or a formula (`#`, `=`).

    Almost none do: in every other column `is_error` and `is_formula` are false on every
    row, so one cheap pass spares checking each of their cells for both.
    """
    if frame.height == 0 or not columns:
        return set()
    starts = (pl.col(columns).str.starts_with("#") | pl.col(columns).str.starts_with("=")).any()
    return {c for c, hit in zip(columns, frame.select(starts).row(0), strict=True) if hit}


def is_blank(column: str) -> pl.Expr:
    return pl.col(column).is_null()


def is_present(column: str) -> pl.Expr:
    """A readable value: not blank, not an Excel error, not an unsaved formula."""
    return ~is_blank(column) & ~is_error(column) & ~is_formula(column)


def as_date(column: str) -> pl.Expr:
    """A real Excel date or dd/mm/yyyy text; anything else (ISO text, 2-digit years) is null."""
    text = pl.col(column)
    return (
        pl.when(text.str.contains(_EXCEL_DATETIME))
        .then(text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
        .when(text.str.contains(_DMY))
        .then(text.str.to_date("%d/%m/%Y", strict=False))
    )


def as_int(column: str) -> pl.Expr:
    text = pl.col(column)
    return pl.when(text.str.contains(_WHOLE)).then(text.cast(pl.Int64, strict=False))


def code_text(expr: pl.Expr) -> pl.Expr:
    """The comparison form of a code value: case-folded, straight quotes, no `a)` prefix."""
    return (
        expr.str.strip_chars()
        .str.to_lowercase()
        .str.replace_all("[‘’`]", "'")
        .str.replace_all("[“”]", '"')
        .str.replace(_CODE_PREFIX, "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


@lru_cache(maxsize=256)
def _forms(codeset: CodeSet, template: str) -> tuple[dict[str, str], dict[str, str]]:
    """Lookups from comparison form to code: whole values, and bare leading codes.

    Built once per code set and template: dozens of columns share a code set, and building
    the lookup is a polars query of its own. Callers only read the dicts.
    """
    codes = codeset.recognised(template)
    texts, owners = [], []
    for code in codes:
        forms = [code.label, *code.aliases] + ([code.code] if codeset.bare_code else [])
        texts += forms
        owners += [code.code] * len(forms)
    normal = pl.select(code_text(pl.lit(pl.Series(texts, dtype=pl.String)))).to_series().to_list()
    whole = dict(zip(normal, owners, strict=True))
    bare = {code.code.lower(): code.code for code in codes} if codeset.bare_code else {}
    return whole, bare


@lru_cache(maxsize=1024)
def as_code(column: str, codeset: CodeSet, template: str) -> pl.Expr:
    """The canonical code a value stands for in this template's code set, else null.

    Kept once built: the expression carries the code set's lookup, which polars copies
    from the dicts each time it is built, and a check asks for it twice a code column.
    """
    whole, bare = _forms(codeset, template)
    norm = code_text(pl.col(column))
    exact = norm.replace_strict(whole, default=None, return_dtype=pl.String)
    if not bare:
        return exact
    token = norm.str.extract(_CODE_TOKEN, 1).replace_strict(bare, default=None, return_dtype=pl.String)
    return pl.coalesce(exact, token)


def by_distinct(frame: pl.DataFrame, column: str, convert: pl.Expr) -> pl.Series:
    """`convert` (an expression over `column`) worked out once per distinct value, mapped back to every row.

    A code column repeats a few dozen spellings over a million rows, so converting each
    distinct value once and mapping it back costs a fraction of converting every row.
    A blank stays blank, as every conversion here leaves it.
    """
    distinct = frame.select(pl.col(column).unique().drop_nulls())
    done = distinct.select(pl.col(column), convert.alias("__converted"))
    return frame.select(looked_up(column, done[column], done["__converted"])).to_series()


def looked_up(column: str, values: pl.Series, converted: pl.Series) -> pl.Expr:
    """Each cell of `column` as `converted` says its value converts (`values[i]` -> `converted[i]`).

    A value not among `values` (a blank) becomes null, as every conversion here leaves it.
    """
    return pl.col(column).replace_strict(values, converted, default=None, return_dtype=converted.dtype)


def age_at(dob: pl.Expr, reference: date) -> pl.Expr:
    """Whole years at the reference date (a 29 February birthday falls on 1 March)."""
    before_birthday = (dob.dt.month().cast(pl.Int32) * 100 + dob.dt.day().cast(pl.Int32)) > (
        reference.month * 100 + reference.day
    )
    return reference.year - dob.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)


def age_on(dob: pl.Expr, day: pl.Expr) -> pl.Expr:
    """Whole years on each row's own date (an event's date), as `age_at` counts them at one date."""
    birthday = dob.dt.month().cast(pl.Int32) * 100 + dob.dt.day().cast(pl.Int32)
    that_day = day.dt.month().cast(pl.Int32) * 100 + day.dt.day().cast(pl.Int32)
    years = day.dt.year().cast(pl.Int32) - dob.dt.year().cast(pl.Int32)
    return years - (birthday > that_day).cast(pl.Int32)


def child_id_text(column: str) -> pl.Expr:
    """A child ID as text; `123.0` (an ID that passed through a float) reads back as `123`."""
    return pl.col(column).str.replace(r"^(\d+)\.0+$", "${1}")


# Characters that print as nothing: an ID copied through another system can carry them unseen.
_INVISIBLE = "[\u200b\u200c\u200d\u2060\ufeff\u00ad]"


def child_id_key(column: str) -> pl.Expr:
    """A child ID as compared: the same child whatever invisible or width differences it picked up.

    Unicode NFKC (full-width digits become ASCII), zero-width characters and byte-order marks
    removed, surrounding space trimmed, case folded (upper then lower, so `ß` meets `SS`), and
    `123.0` read back as `123`. Used wherever IDs are matched — duplicates, other lists, the same
    child's details — never for display: a finding shows the ID as the workbook wrote it.
    """
    text = (
        pl.col(column)
        .str.normalize("NFKC")
        .str.replace_all(_INVISIBLE, "")
        .str.strip_chars()
        .str.to_uppercase()
        .str.to_lowercase()
        .str.replace(r"^(\d+)\.0+$", "${1}")
    )
    return pl.when(text != "").then(text)  # named after the column, as child_id_text is


def child_id_keys(frame: pl.DataFrame, column: str) -> pl.Series:
    """`child_id_key` of every row, with its Unicode steps only on the IDs that need them.

    Nearly every ID is plain ASCII, where NFKC, the invisible characters and the double case
    fold change nothing but the case: lower-casing those alone costs a third of the whole
    conversion over a list of a million rows. The rest go through `child_id_key` itself.
    """
    text = frame.get_column(column)
    ascii_only = (text.str.len_bytes() == text.str.len_chars()).fill_null(True)
    plain = pl.col(column).str.strip_chars().str.to_lowercase()
    if text.str.contains(".", literal=True).any():  # `123.0`, an ID that passed through a float
        plain = plain.str.replace(r"^(\d+)\.0+$", "${1}")
    keys = collected(frame.lazy().select(pl.when(plain != "").then(plain))).to_series()
    if not ascii_only.all():
        other = ~ascii_only
        keys.scatter(other.arg_true(), frame.filter(other).select(child_id_key(column)).to_series())
    return keys
