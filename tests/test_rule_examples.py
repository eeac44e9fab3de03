"""Every rule's own pass and fail examples, run through the real engine."""

from __future__ import annotations

import pytest

from annexa_check.catalogue.spec import load_spec
from annexa_check.engine.examples import run_example

SPEC = load_spec()
CASES = [
    pytest.param(rule, kind, example, id=f"{rule.code}-{kind}-{i}")
    for rule in SPEC.rules
    for kind in ("pass", "fail")
    for i, example in enumerate(rule.examples[kind])
]


@pytest.mark.parametrize(("rule", "kind", "example"), CASES)
def test_rule_example(rule, kind, example) -> None:
    findings = run_example(rule, example, SPEC)
    if kind == "pass":
        assert findings.height == 0, findings.select("column", "value", "message").rows()
    else:
        assert findings.height >= 1
        assert set(findings["rule"]) == {rule.code}
        assert set(findings["error_type"]) == {rule.error_type}


def test_every_rule_has_a_pass_and_a_fail_example() -> None:
    for rule in SPEC.rules:
        assert rule.examples["pass"], rule.code
        assert rule.examples["fail"], rule.code


def test_fail_example_message_names_the_value() -> None:
    rule = next(r for r in SPEC.rules if r.code == "ETH002")
    findings = run_example(rule, {"ethnicity": "White British"}, SPEC)
    assert findings.select("row", "column", "value", "message").rows() == [
        (
            2,
            "Ethnicity",
            "White British",
            "Ethnicity 'White British' is not a recognised code. Use one of the 20 CBDS codes, e.g. 'a) WBRI'.",
        )
    ]


def test_age_message_names_the_age() -> None:
    rule = next(r for r in SPEC.rules if r.code == "CL003")
    example = {"eligibility_category": "a) Relevant child", "date_of_birth": "01/01/2005"}
    findings = run_example(rule, example, SPEC)
    assert findings["message"].to_list() == [
        "Eligibility Category 'a) Relevant child' does not fit the young person's age of 20 at the reference "
        "date (relevant and eligible: 16-17; former relevant: 18 or over; qualifying: 16-25)."
    ]


def test_eligible_child_is_not_a_2019_code() -> None:
    """The 2023/24 revision added 'd) Eligible child'; a 2019 return cannot use it."""
    from datetime import date

    from annexa_check.engine.examples import example_workbook
    from annexa_check.engine.run import run_rules

    rule = next(r for r in SPEC.rules if r.code == "CL002")
    rows = [{"eligibility_category": "d) Eligible child"}]
    for template, expected in (("2023", 0), ("2019", 1)):
        workbook = example_workbook(SPEC, "list_9", rows, template)
        findings, _ = run_rules(
            workbook, SPEC, template=template, reference_date=date(2025, 3, 31), rules=[rule]
        )
        assert findings.height == expected, template


def test_date_order_message_quotes_both_dates() -> None:
    rule = next(r for r in SPEC.rules if r.code == "CIN006")
    findings = run_example(rule, {"cin_start_date": "02/01/2025", "cin_closure_date": "01/01/2025"}, SPEC)
    assert findings["message"].to_list() == [
        "CIN Closure Date 01/01/2025 is before the CIN Start Date 02/01/2025."
    ]
