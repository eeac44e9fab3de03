"""Cell text -> blanks, errors, dates, whole numbers, codes and ages (polars expressions)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from annexa_check.annex.values import (
    age_at,
    as_code,
    as_date,
    as_int,
    by_distinct,
    cleaned,
    code_text,
    is_blank,
    is_error,
    is_formula,
    is_present,
)
from annexa_check.catalogue.spec import load_spec

SPEC = load_spec()
CODESETS = SPEC.codesets
# Every (code set, code, template the code belongs to).
CODE_CASES = [
    (key, code, template) for key, cs in CODESETS.items() for code in cs.codes for template in code.templates
]
# Unicode White_Space characters (what polars strips), including the non-breaking ones.
WHITESPACE = " \t\n\r\x0b\x0c\x85\u00a0\u1680\u2000\u2003\u200a\u2028\u2029\u202f\u205f\u3000"


def _apply(expr_for, values: list) -> list:
    """The expression built by `expr_for("x")` evaluated over one text column."""
    frame = pl.DataFrame({"x": values}, schema={"x": pl.String}).with_columns(
        cleaned("x")
    )  # as the loader does
    return frame.select(expr_for("x")).to_series().to_list()


def _codes(values: list, codeset: str, template: str = "2023") -> list:
    return _apply(lambda c: as_code(c, CODESETS[codeset], template), values)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2010-05-03 00:00:00", date(2010, 5, 3)),
        ("2010-05-03 13:30:00", date(2010, 5, 3)),
        ("03/05/2010", date(2010, 5, 3)),
        ("3/5/2010", date(2010, 5, 3)),
        (" 03/05/2010\u00a0", date(2010, 5, 3)),
        ("29/02/2012", date(2012, 2, 29)),
        ("2010-05-03", None),
        ("05/13/2010", None),
        ("03/05/10", None),
        ("31/02/2010", None),
        ("29/02/2011", None),
        ("03-05-2010", None),
        ("unknown", None),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_as_date(text, expected):
    assert _apply(as_date, [text]) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14", 14),
        ("-1", -1),
        (" 7 ", 7),
        ("0", 0),
        ("14.5", None),
        ("14.0", None),
        ("fourteen", None),
        ("1e3", None),
        ("99999999999999999999", None),
        ("", None),
        (None, None),
    ],
)
def test_as_int(text, expected):
    assert _apply(as_int, [text]) == [expected]


@pytest.mark.parametrize(
    ("text", "error", "formula", "present", "blank"),
    [
        ("#N/A", True, False, False, False),
        (" #REF! ", True, False, False, False),
        ("=A1", False, True, False, False),
        ("", False, False, False, True),
        ("   ", False, False, False, True),
        ("\u00a0", False, False, False, True),
        (None, False, False, False, True),
        ("a) Male", False, False, True, False),
        ("N/A", False, False, True, False),
    ],
)
def test_cell_state_predicates(text, error, formula, present, blank):
    states = [_apply(predicate, [text])[0] for predicate in (is_error, is_formula, is_present, is_blank)]
    assert states == [error, formula, present, blank]


@pytest.mark.parametrize(
    ("codeset", "values", "expected"),
    [
        (
            "ethnicity",
            ["a) WBRI", "WBRI", "wbri", " A)  wbri ", "\u00a0WBRI\u00a0", "(a) WBRI"],
            ["WBRI"] * 6,
        ),
        ("ethnicity", ["t) NOBT", "s) NOBT", "NOBT"], ["NOBT"] * 3),
        ("ethnicity", ["White British", "WBRIX", "WBR", "a) WBRIX"], [None] * 4),
        (
            "placement_provider",
            ["e) PR4 - Private provision", "e) PR4: Private provision", "PR4", "pr4 : private provision"],
            ["PR4"] * 4,
        ),
        ("placement_provider", ["[PR1] Own provision", "PR 1", "PR10", "Own provision"], [None] * 4),
        ("yes_no", ["a) Yes", "Yes", "YES", "b) No", "no"], ["Yes", "Yes", "Yes", "No", "No"]),
        ("yes_no", ["Y", "N", "c) Unknown", "True"], [None] * 4),
        (
            "case_status",
            ["a) Looked after child", "e) Closed episode", "Closed"],
            ["Looked after", "Closed", None],
        ),
        ("legal_status", ["C2: FCO", "c2", "V2 - Single period under S20"], ["C2", "C2", "V2"]),
        (
            "abuse_category",
            ["d) Emotional abuse", "Emotional abuse", "EMO", "e) multiple/not recommended", "Emotional"],
            ["EMO", "EMO", "EMO", "MUL", None],  # the DfE code is accepted; a partial label is not
        ),
        ("permanence_plan", ["d) Supported living in the community"], ["Supported living"]),
        ("gender", ["c) Not stated/recorded", "c) Not stated/recorded (or unborn)"], ["Not stated"] * 2),
    ],
)
def test_as_code(codeset, values, expected):
    assert _codes(values, codeset) == expected


@pytest.mark.parametrize(
    ("codeset", "value", "code"),
    [
        ("eligibility_category", "d) Eligible child", "Eligible"),
        ("activity_status", "F4: Young person engaged full time in an apprenticeship", "F4"),
    ],
)
def test_codes_only_in_the_2023_template(codeset, value, code):
    assert _codes([value], codeset, "2023") == [code]
    assert _codes([value], codeset, "2019") == [None]


@pytest.mark.parametrize(
    ("codeset", "value", "code"),
    [
        ("closure_reason", "RC9 - Case closed after assessment, referred to early help", "RC9"),
        ("closure_reason", "RC9", "RC9"),
        ("referral_source", "p1) 5D: LA services", "5D"),
        ("cla_end_reason", "v) E17: Aged 18+ and remained with current carers", "E17"),
        ("placement_type", "K3", "K3"),
        ("placement_type", "Z11", "Z11"),
    ],
)
def test_dfe_codes_are_read_in_either_layout(codeset, value, code):
    """A DfE code the 2019 template lags behind is still read; its rules judge it by its event's date."""
    assert _codes([value], codeset, "2023") == [code]
    assert _codes([value], codeset, "2019") == [code]


def test_by_distinct_matches_converting_every_row():
    """Codes worked out once per distinct value land on the same rows as converting each row."""
    values = [
        "e) PR4 - Private provision",
        None,
        "PR4",
        "PR 1",
        "e) PR4 - Private provision",
        "pr1",
        None,
        "PR 1",
    ]
    frame = pl.DataFrame({"x": values}, schema={"x": pl.String})
    codeset = CODESETS["placement_provider"]
    mapped = by_distinct(frame, "x", as_code("x", codeset, "2023"))
    assert mapped.to_list() == ["PR4", None, "PR4", None, "PR4", "PR1", None, None]
    assert mapped.to_list() == _codes(values, "placement_provider")
    assert mapped.name == "x" and mapped.dtype == pl.String


def test_codes_of_both_templates():
    assert _codes(["a) Relevant child", "RC8"], "eligibility_category", "2019") == ["Relevant", None]
    assert _codes(["RC8", "rc1 - adopted"], "closure_reason", "2019") == ["RC8", "RC1"]


def test_code_text_exact_forms():
    values = ["  A)  Child’s   Disability ", "p1) 5D: LA services", "“X”", "\u00a0N1\u00a0", None]
    assert _apply(lambda c: code_text(pl.col(c)), values) == [
        "child's disability",
        "5d: la services",
        '"x"',
        "n1",
        None,
    ]


@pytest.mark.parametrize(
    ("dob", "reference", "age"),
    [
        (date(2010, 5, 3), date(2020, 5, 3), 10),
        (date(2010, 5, 3), date(2020, 5, 2), 9),
        (date(2010, 5, 3), date(2020, 5, 4), 10),
        (date(2010, 5, 3), date(2010, 5, 3), 0),
        (date(2012, 2, 29), date(2021, 2, 28), 8),
        (date(2012, 2, 29), date(2021, 3, 1), 9),
        (date(2012, 2, 29), date(2024, 2, 29), 12),
        (date(2012, 2, 29), date(2024, 2, 28), 11),
        (date(2020, 12, 31), date(2021, 1, 1), 0),
        (date(2020, 1, 1), date(2020, 12, 31), 0),
        (date(2021, 1, 1), date(2020, 12, 31), -1),
    ],
)
def test_age_at(dob, reference, age):
    frame = pl.DataFrame({"dob": [dob]})
    assert frame.select(age_at(pl.col("dob"), reference)).item() == age


def test_age_at_null_dob_is_null():
    frame = pl.DataFrame({"dob": [None, date(2000, 1, 1)]}, schema={"dob": pl.Date})
    assert frame.select(age_at(pl.col("dob"), date(2020, 6, 1))).to_series().to_list() == [None, 20]


def _code_text(text: str) -> str:
    return pl.select(code_text(pl.lit(text, dtype=pl.String))).item()


# Text built from the pieces code values are made of: prefixes, quotes, odd spaces, codes.
_CODE_PIECES = st.lists(
    st.sampled_from(
        ["a)", "(b)", "zz)", "p1)", " ", "  ", "\u00a0", "\t", "’", "“", "`", "Yes", "PR4", ":", "-"]
    ),
    max_size=8,
).map("".join)


@example("a) b) Yes")
@given(_CODE_PIECES)
def test_code_text_is_idempotent(text):
    once = _code_text(text)
    assert _code_text(once) == once


@given(
    st.text(alphabet=WHITESPACE, max_size=6),
    st.sampled_from(sorted(CODESETS)),
    st.sampled_from(["2019", "2023"]),
)
def test_blank_never_maps_to_a_code(text, codeset, template):
    assert _apply(is_blank, [text]) == [True]
    assert _codes([text], codeset, template) == [None]


@given(st.sampled_from(CODE_CASES), st.text(alphabet=" \u00a0", max_size=3), st.booleans())
def test_every_label_maps_back_to_its_code(case, pad, upper):
    codeset, code, template = case
    label = code.label.upper() if upper else code.label
    assert _codes([pad + label + pad], codeset, template) == [code.code]


@pytest.mark.parametrize(("codeset", "code", "template"), CODE_CASES, ids=lambda v: getattr(v, "code", v))
def test_every_label_and_alias_maps_back_exactly(codeset, code, template):
    forms = [code.label, *code.aliases]
    assert _codes(forms, codeset, template) == [code.code] * len(forms)


def test_child_id_key_treats_invisible_width_and_case_differences_as_one_child() -> None:
    from annexa_check.annex.values import child_id_key

    written = [
        "\ufeff１２3\u200b",
        " 123 ",
        "123.0",
        "AB12",
        "ab\u00ad12",
        "Straße",
        "STRASSE",
        "\u200b",
        None,
    ]
    keys = pl.DataFrame({"id": written}).select(child_id_key("id"))["id"].to_list()
    assert keys == ["123", "123", "123", "ab12", "ab12", "strasse", "strasse", None, None]


def test_child_id_keys_of_a_whole_column_match_child_id_key_row_by_row() -> None:
    """The ASCII shortcut gives every row the key the full conversion gives it, mixed or not."""
    from annexa_check.annex.values import child_id_key, child_id_keys

    odd = ["\ufeff１２3\u200b", "ab\u00ad12", "Straße", "\u200b", "İd7", "ǅx", "  café "]
    plain = [" 123 ", "123.0", "0042.00", "AB12", "12.5", "", "   ", None, "x\t", "1e3"]
    undotted = [w for w in plain if w is None or "." not in w]
    for written in (plain, undotted, odd + plain, plain + odd, odd):
        frame = pl.DataFrame({"id": written}, schema={"id": pl.String})
        keys = child_id_keys(frame, "id")
        assert keys.to_list() == frame.select(child_id_key("id"))["id"].to_list()
        assert keys.name == "id" and keys.dtype == pl.String
    frame = pl.DataFrame({"id": odd + plain}, schema={"id": pl.String})
    assert child_id_keys(frame, "id").to_list() == [
        "123", "ab12", "strasse", None, "i̇d7", "džx", "café",
        "123", "123", "0042", "ab12", "12.5", None, None, None, "x", "1e3",
    ]  # fmt: skip


def test_error_or_formula_columns_are_those_with_a_cell_starting_with_hash_or_equals() -> None:
    """Elsewhere no cell is an error or a formula, so a value is present exactly when not blank."""
    from annexa_check.annex.values import error_or_formula_columns, is_present

    frame = pl.DataFrame(
        {
            "a": ["x", "#n/a", None],
            "b": ["1=1", "y#", None],
            "c": ["=SUM(A1)", None, "z"],
            "d": [None, None, None],
        },
        schema={name: pl.String for name in "abcd"},
    )
    assert error_or_formula_columns(frame, ["a", "b", "c", "d"]) == {"a", "c"}
    assert error_or_formula_columns(frame, ["b"]) == set()
    assert error_or_formula_columns(frame.head(0), ["a"]) == set()
    assert frame.select(is_present("a"))["a"].to_list() == [True, False, False]
    for column in ("b", "d"):
        assert frame.select(is_present(column)).equals(frame.select(pl.col(column).is_not_null()))
