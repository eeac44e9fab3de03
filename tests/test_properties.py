"""Properties of the three normalisations every value passes through: headers, codes, dates.

For any text at all: normalising twice gives what normalising once gave, a blank never
becomes a value, and a value that is no known form never becomes a valid code or date.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from annexa_check.annex.headers import HeaderMatcher, normalise_header
from annexa_check.annex.values import _CODE_TOKEN, _forms, as_code, as_date, cleaned, code_text
from annexa_check.catalogue.spec import load_spec

SPEC = load_spec()
CODESETS = sorted(SPEC.codesets)
TEMPLATES = ["2019", "2023"]
BLANKS = st.text(alphabet=" \t\r\n\u00a0\u2003\u3000", max_size=6)
TEXT = st.text(max_size=30) | st.from_regex(
    r"[a-z]{0,2}\)? ?[A-Z]{1,4}\d? ?[-:]? ?[a-z ]{0,12}", fullmatch=True
)
MATCHERS = [HeaderMatcher(lst.columns) for lst in SPEC.lists.values()]
PROPERTY = settings(max_examples=200, deadline=None)


def _column(values: list[str | None], expr) -> list:
    return pl.DataFrame({"v": values}, schema={"v": pl.String}).select(expr).to_series().to_list()


def _cleaned(values: list[str | None]) -> list[str | None]:
    return _column(values, cleaned("v"))


# ---------------------------------------------------------------------------- headers


@PROPERTY
@given(BLANKS)
def test_a_blank_header_matches_no_column(text):
    assert normalise_header(text) == ""
    assert all(matcher.match(text) is None for matcher in MATCHERS)


@PROPERTY
@given(TEXT)
def test_matching_a_normalised_header_gives_the_same_column(text):
    assert [m.match(normalise_header(text)) for m in MATCHERS] == [m.match(text) for m in MATCHERS]


# ---------------------------------------------------------------------------- codes


@PROPERTY
@given(st.lists(TEXT, min_size=1, max_size=5), st.sampled_from(CODESETS), st.sampled_from(TEMPLATES))
def test_a_value_becomes_a_code_only_through_a_known_form(values, codeset_key, template):
    codeset = SPEC.codesets[codeset_key]
    whole, bare = _forms(codeset, template)
    valid = {c.code for c in codeset.codes_for(template)}
    cleaned_values = _cleaned(values)
    codes = _column(cleaned_values, as_code("v", codeset, template))
    normal = _column(cleaned_values, code_text(pl.col("v")))
    for value, norm, code in zip(cleaned_values, normal, codes, strict=True):
        if value is None:
            assert code is None  # a blank never becomes a code
            continue
        assert code is None or code in valid
        token = re.match(_CODE_TOKEN, norm or "")
        if norm not in whole and (token is None or token.group(1) not in bare):
            assert code is None, f"{value!r} became {code!r}"


@PROPERTY
@given(TEXT, st.sampled_from(CODESETS), st.sampled_from(TEMPLATES))
def test_code_normalisation_is_idempotent_and_stable(text, codeset_key, template):
    codeset = SPEC.codesets[codeset_key]
    once = _column([text], code_text(pl.col("v")))[0]
    assert _column([once], code_text(pl.col("v")))[0] == once
    code = _column(_cleaned([text]), as_code("v", codeset, template))[0]
    if code is not None:  # the canonical code's own label maps back to it
        label = next(c.label for c in codeset.codes_for(template) if c.code == code)
        assert _column([label], as_code("v", codeset, template))[0] == code


# ---------------------------------------------------------------------------- dates

DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31))


@PROPERTY
@given(DATES)
def test_every_real_date_reads_back_from_both_forms(when):
    typed = when.strftime("%d/%m/") + f"{when.year:04d}"
    cell = f"{when.year:04d}-{when.month:02d}-{when.day:02d} 00:00:00"  # how the reader renders a date cell
    assert _column([typed, cell], as_date("v")) == [when, when]


@PROPERTY
@given(TEXT | DATES.map(lambda d: d.strftime("%d/%m/") + str(d.year)))
def test_date_parsing_is_idempotent(text):
    parsed = _column(_cleaned([text]), as_date("v"))[0]
    if parsed is not None:
        again = parsed.strftime("%d/%m/") + f"{parsed.year:04d}"
        assert _column([again], as_date("v"))[0] == parsed


@PROPERTY
@given(BLANKS)
def test_a_blank_is_never_a_date(text):
    assert _column(_cleaned([text]), as_date("v")) == [None]


@PROPERTY
@given(DATES, st.integers(min_value=1, max_value=40))
def test_an_impossible_day_is_never_a_date(when, extra):
    first_of_next = (when.replace(day=1) + timedelta(days=32)).replace(day=1)
    days_in_month = (first_of_next - timedelta(days=1)).day
    impossible = f"{days_in_month + extra:02d}/{when.month:02d}/{when.year}"
    assert _column([impossible], as_date("v")) == [None]
