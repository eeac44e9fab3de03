"""Child IDs that differ only in ways a person cannot see are one child, and the finding says how each was written."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annexa_check.catalogue.spec import load_spec
from annexa_check.engine.examples import run_example

SPEC = load_spec()
AX008 = next(r for r in SPEC.rules if r.code == "AX008")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("123", "123\u200b"),  # a zero-width space
        ("123", "\ufeff123"),  # a byte-order mark
        ("123", "１２３"),  # full-width digits
        ("AB12", "ab12"),  # letter case
    ],
)
def test_duplicate_child_written_two_ways_is_found_with_both_spellings(first: str, second: str) -> None:
    findings = run_example(AX008, [{"child_id": first}, {"child_id": second}], SPEC)
    spelt = f" (written as '{min(first, second)}', '{max(first, second)}')"
    assert findings.select("rule", "row", "value", "message").rows() == [
        ("AX008", 2, first, f"Child {first}{spelt} appears on more than one row; this list holds one row per child (the most recent episode)."),
        ("AX008", 3, second, f"Child {second}{spelt} appears on more than one row; this list holds one row per child (the most recent episode)."),
    ]  # fmt: skip


@pytest.mark.parametrize("second", ["123", " 123 "])  # the reader trims surrounding space
def test_duplicate_child_written_one_way_keeps_its_message(second: str) -> None:
    findings = run_example(AX008, [{"child_id": "123"}, {"child_id": second}], SPEC)
    assert (
        findings["message"].to_list()
        == [
            "Child 123 appears on more than one row; this list holds one row per child (the most recent episode)."
        ]
        * 2
    )


def test_different_children_are_not_duplicates() -> None:
    assert (
        run_example(AX008, [{"child_id": "123"}, {"child_id": "1234"}, {"child_id": "12 3"}], SPEC).height
        == 0
    )


_INVISIBLE = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])


@st.composite
def _respelt(draw: st.DrawFn) -> tuple[str, str]:
    """An ID and the same ID as another system might write it: invisible characters, full width, case."""
    ident = draw(st.from_regex(r"[A-Z]{0,3}[0-9]{1,8}", fullmatch=True))
    chars = []
    for char in ident:
        if char.isdigit() and draw(st.booleans()):
            char = chr(ord("０") + int(char))  # the full-width digit
        elif char.isalpha() and draw(st.booleans()):
            char = char.lower()
        chars.append(char + (draw(_INVISIBLE) if draw(st.booleans()) else ""))
    return ident, draw(st.sampled_from(["", "\ufeff"])) + "".join(chars)


@settings(max_examples=60, deadline=None)
@given(_respelt())
def test_no_respelling_dodges_the_duplicate_check(pair: tuple[str, str]) -> None:
    first, second = pair
    findings = run_example(AX008, [{"child_id": first}, {"child_id": second}], SPEC)
    assert findings.select("row", "value").rows() == [(2, first), (3, second)]
