"""Header matching: the spellings real extracts use map to the right column, nothing else does."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from annexa_check.annex.headers import HeaderMatcher, normalise_header
from annexa_check.annex.model import Column
from annexa_check.catalogue.spec import load_spec

SPEC = load_spec()
MATCHERS = {key: HeaderMatcher(lst.columns) for key, lst in SPEC.lists.items()}
# Every (list, column key, accepted header form) in the rule data.
FORMS = [
    (list_key, col.key, form)
    for list_key, lst in SPEC.lists.items()
    for col in lst.columns
    for form in (col.header, *col.aliases)
]
KNOWN_NORMAL_FORMS = {normalise_header(form) for _, _, form in FORMS}


@pytest.mark.parametrize(
    ("list_key", "header", "expected"),
    [
        ("list_6", "Case status", "case_status"),
        ("list_6", "Case Status", "case_status"),
        ("list_6", "CASE STATUS", "case_status"),
        ("list_6", "  Case status  ", "case_status"),
        ("list_6", "\u00a0Case\u00a0status\u00a0", "case_status"),
        ("list_6", "\tCase status\n", "case_status"),
        (
            "list_8",
            "Number of Episodes the Child has been ‘Missing’ from their Placement in the last 12 months",
            "missing_episodes",
        ),
        (
            "list_8",
            "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months",
            "missing_episodes",
        ),
        (
            "list_8",
            "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months",
            "absent_episodes",
        ),
        ("list_3", "Referral NFA?", "referral_nfa"),
        ("list_3", "Referral NFA", "referral_nfa"),
        (
            "list_8",
            "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N))",
            "uasc_last_12_months",
        ),
        (
            "list_8",
            "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)",
            "uasc_last_12_months",
        ),
        ("list_1", "Age", "age"),
        ("list_1", "Age of Child (Years)", "age"),
        ("list_6", "CINClosureDate", "cin_closure_date"),
        ("list_6", "CIN Closure Date", "cin_closure_date"),
        ("list_9", "LA In Touch ", "la_in_touch"),
        ("list_9", "LA in Touch", "la_in_touch"),
        ("list_8", "Date Ceased to be Looked After ", "cla_end_date"),
        ("list_1", "ChildUniqueID", "child_id"),
        (
            "list_4",
            "Was the child assessed as requiring LA children's social care support?",
            "assessment_support_required",
        ),
        ("list_9", "UASC", "uasc"),
        ("list_8", "UASC", "uasc_last_12_months"),
    ],
)
def test_header_variants_match(list_key, header, expected):
    assert MATCHERS[list_key].match(header) == expected


@pytest.mark.parametrize(
    ("list_key", "header"),
    [
        ("list_1", "Notes"),
        ("list_1", "Ethnic"),
        ("list_1", "Ethnicity 2"),
        ("list_1", "Child Unique"),
        ("list_1", "Date"),
        ("list_1", ""),
        ("list_1", "   "),
        ("list_1", None),
        # A column of another list is not a column of this one.
        ("list_1", "Case status"),
        ("list_6", "Date of Contact"),
        # List 11's disability header is "Disability"; List 1 has no disability column at all.
        ("list_1", "Disability"),
    ],
)
def test_unrelated_headers_do_not_match(list_key, header):
    assert MATCHERS[list_key].match(header) is None


def test_normalise_header_exact_forms():
    assert normalise_header("  Age of Child (Years) ") == "ageofchildyears"
    assert normalise_header("Referral NFA?") == "referralnfa"
    assert normalise_header("LA In Touch\u00a0") == "laintouch"
    assert normalise_header("‘Missing’") == "missing"
    assert normalise_header(None) == ""
    assert normalise_header(123) == "123"
    # NFKC folds full-width letters to ASCII before comparison.
    assert normalise_header("Ａｇｅ") == "age"


def test_matcher_refuses_a_form_shared_by_two_columns():
    lst = SPEC.lists["list_1"]
    clash = Column(
        key="ethnicity", header="Ethnicity", type="code", codeset="ethnicity", aliases=("GENDER ",)
    )
    with pytest.raises(ValueError) as exc:
        HeaderMatcher((lst.column("gender"), clash))
    assert str(exc.value) == "header form 'GENDER ' matches both 'gender' and 'ethnicity'"


@given(st.text())
def test_normalise_header_is_idempotent(text):
    once = normalise_header(text)
    assert normalise_header(once) == once


_PAD = st.text(alphabet=" \t\n\u00a0\u2003\u3000", max_size=4)
_CASE = st.sampled_from([str.upper, str.lower, str.swapcase, str.title, str.casefold])


@given(st.sampled_from(FORMS), _PAD, _PAD, _CASE)
def test_whitespace_and_case_never_change_the_match(form, before, after, recase):
    list_key, key, header = form
    assert MATCHERS[list_key].match(before + recase(header) + after) == key


@given(st.text(alphabet=st.characters(categories=["L", "N", "P", "Z"]), max_size=40))
def test_text_that_is_no_known_form_never_matches(text):
    assume(normalise_header(text) not in KNOWN_NORMAL_FORMS)
    assert all(matcher.match(text) is None for matcher in MATCHERS.values())


@given(
    st.sampled_from(FORMS), st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=3)
)
def test_a_known_form_with_extra_letters_never_matches(form, extra):
    list_key, _, header = form
    assume(normalise_header(header + extra) not in KNOWN_NORMAL_FORMS)
    assume(normalise_header(extra + header) not in KNOWN_NORMAL_FORMS)
    assert MATCHERS[list_key].match(header + extra) is None
    assert MATCHERS[list_key].match(extra + header) is None
