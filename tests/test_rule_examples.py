"""Every rule's own pass and fail examples, run through the real engine."""

from __future__ import annotations

import polars as pl
import pytest

from annexa_check.annex.model import TEMPLATES
from annexa_check.catalogue.spec import Rule, load_spec
from annexa_check.engine.examples import EXAMPLE_TEMPLATE, Example, rule_examples, run_example, run_examples

SPEC = load_spec()
EXAMPLES = rule_examples(SPEC)
# Fail examples that write two of their rule's columns, one of them correct: the column meant.
FLAGGED = {
    "ADP012-fail-1": "adoption_order_date",
    "ASM008-fail-1": "assessment_authorised_date",
    "CIN013-fail-1": "last_seen_date",
    "CIN013-fail-2": "cin_closure_date",
    "CLA047-fail-0": "missing_episodes",
    "CLA047-fail-1": "absent_episodes",
    "CLA048-fail-0": "absent_episodes",
    "CLA054-fail-1": "return_interview_accepted",
    "CLA055-fail-1": "health_assessment_date",
    "CLA055-fail-2": "cla_end_date",
    "CP002-fail-0": "cp_initial_category",
    "CP002-fail-1": "cp_latest_category",
    "CP003-fail-0": "cp_initial_category",
    "CP003-fail-1": "cp_latest_category",
    "CP015-fail-1": "cp_last_visit_date",
    "CP015-fail-2": "cp_latest_review_date",
    "EH004-fail-1": "eh_assessment_completion_date",
    "ENQ011-fail-0": "s47s_last_12_months",
    "ENQ011-fail-1": "icpcs_last_12_months",
    "ENQ014-fail-1": "icpc_date",
}


@pytest.fixture(scope="module")
def findings() -> dict[str, dict[str, pl.DataFrame]]:
    """Every example's findings at every template, from one batched run per template."""
    return {
        template: run_examples(SPEC, [e for e in EXAMPLES if template in e.rule.templates], template)
        for template in TEMPLATES
    }


def _targets(example: Example, template: str) -> list[str]:
    """The rule's columns on its own list that the template's layout has."""
    own = example.rule.lists[0]
    layout = {c.key for c in SPEC.lists[own].columns_for(template)}
    return [c.key for lst, c in example.rule.targets(SPEC) if lst.key == own and c.key in layout]


def expected_flags(example: Example, template: str) -> set[tuple[int | None, str]]:
    """The (row, column) a fail example must be flagged at: the cells of its rule's columns it writes.

    Sheet and column findings have no row; a row counts from 2, under the header.
    """
    rule, first = example.rule, example.own[0] if example.own else {}
    header = {c.key: c.header for c in SPEC.lists[rule.lists[0]].columns}
    if rule.check in ("list_present", "list_headers"):
        return {(None, "(whole list)")}
    if rule.check in ("column_present", "column_unique"):
        return {
            (None, header[key]) for key in first["absent" if rule.check == "column_present" else "duplicate"]
        }
    targets = _targets(example, template)
    written = [[key for key in targets if key in row] for row in example.own]
    if rule.check == "code_form":
        return {(None, header[key]) for keys in written for key in keys}
    meant = FLAGGED.get(example.id)
    return {
        (row, header[key])
        for row, keys in enumerate(written, start=2)
        for key in keys
        if meant is None or key == meant
    }


def _problem(example: Example, template: str, found: pl.DataFrame) -> str | None:
    """What is wrong with an example's findings at one template, if anything."""
    where = f"{example.id} at {template}"
    if set(found["rule"]) - {example.rule.code}:
        return f"{where}: findings of other rules {sorted(set(found['rule']))}"
    if example.kind == "pass":
        return f"{where}: flagged {found.select('row', 'column', 'value').rows()}" if found.height else None
    flagged = found.select("row", "column").rows()
    expected = expected_flags(example, template)
    if sorted(flagged, key=str) != sorted(expected, key=str):
        return f"{where}: flagged {flagged}, expected {sorted(expected, key=str)}"
    if set(found["error_type"]) != {example.rule.error_type}:
        return f"{where}: error types {sorted(set(found['error_type']))}"
    return None


@pytest.mark.parametrize("rule", SPEC.rules, ids=lambda rule: rule.code)
def test_rule_examples(findings: dict[str, dict[str, pl.DataFrame]], rule: Rule) -> None:
    """A pass example gives no finding of its rule; a fail example exactly its cells, once each.

    Each runs at every template its rule belongs to whose layout means the same by it.
    """
    examples = [e for e in EXAMPLES if e.rule.code == rule.code]
    ran = [(e, t) for e in examples for t in rule.templates if e.id in findings[t]]
    assert {e.id for e, _ in ran} == {e.id for e in examples}  # none left out everywhere
    problems = [_problem(e, t, findings[t][e.id]) for e, t in ran]
    assert [p for p in problems if p] == []


def test_a_fail_example_names_the_column_it_breaks() -> None:
    """A fail example writing two of its rule's columns says which one it means (else its flags are unclear)."""
    unclear = [
        e.id
        for e in EXAMPLES
        if e.kind == "fail"
        and e.id not in FLAGGED
        and any(len([k for k in _targets(e, EXAMPLE_TEMPLATE) if k in row]) > 1 for row in e.own)
    ]
    assert unclear == []
    assert all(any(e.id == name for e in EXAMPLES) for name in FLAGGED)


def test_every_example_runs_at_each_template_it_means_the_same_in(
    findings: dict[str, dict[str, pl.DataFrame]],
) -> None:
    assert len(EXAMPLES) == 991
    assert len(findings["2023"]) == 991
    # 2019 lacks four List 9 columns and the 2023-only rules; a handful write a code only one pack has.
    only_2023 = sorted(set(findings["2023"]) - set(findings["2019"]))
    assert len(findings["2019"]) == 960, only_2023
    assert "CL002-pass-1" in only_2023  # 'd) Eligible child' is a 2023 code
    assert "CL012-fail-1" in only_2023  # 'F3' is a 2019 code
    # DfE codes are judged by their event's date in either layout: K3, Z11 and H5 mean the same in 2019
    assert {"CLA002-pass-3", "CLA002-pass-4", "CLA002-fail-2", "CLA031-fail-0", "CIN004-pass-1"} <= set(
        findings["2019"]
    )


def test_batched_examples_match_examples_run_alone(findings: dict[str, dict[str, pl.DataFrame]]) -> None:
    """Stacking examples in one workbook changes no example's findings (duplicate and cross-list ones too)."""
    chosen = [
        e
        for e in EXAMPLES
        if e.rule.check in ("unique", "constant_per_child", "on_list", "consistent")
        or e.rule.code == "ETH002"
    ]
    for example in chosen:
        alone = run_example(example.rule, example.rule.examples[example.kind][example.index], SPEC)
        batched = findings[EXAMPLE_TEMPLATE][example.id]
        assert _comparable(batched).equals(_comparable(alone)), example.id


def _comparable(findings: pl.DataFrame) -> pl.DataFrame:
    """A finding without the identifier prefix (`9` and four digits) a batched example's IDs carry."""
    unprefixed = [pl.col(c).str.replace_all(r"9\d{4}", "") for c in ("child_id", "value", "message")]
    shown = ["error_type", "rule", "severity", "list", "row", "child_id", "column", "value", "message"]
    return findings.select(shown).with_columns(unprefixed)


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


def test_an_example_keeps_which_of_its_ids_match_when_they_are_made_its_own() -> None:
    from annexa_check.annex.values import child_id_key, child_id_text
    from annexa_check.engine.examples import _own_id

    ids = ["123", "123.0", " c1", "C1", "\u200bC1", "Ｃ1", "C2", "#N/A", "-", ""]
    frame = pl.DataFrame({"id": ids, "own": [_own_id(i, 7) for i in ids]})
    for match in (child_id_key, child_id_text):
        seen = frame.select(match("id").alias("id"), match("own").alias("own"))
        pairs = [(a, b) for a in range(len(ids)) for b in range(len(ids))]
        before = [seen["id"][a] == seen["id"][b] for a, b in pairs]
        after = [seen["own"][a] == seen["own"][b] for a, b in pairs]
        assert after == before, match.__name__
    assert frame["own"].to_list()[:4] == ["90007123", "90007123.0", " 90007c1", "90007C1"]
