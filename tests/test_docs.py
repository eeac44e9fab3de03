"""The catalogue describes itself: `rules`, `explain` and the committed docs/rules.md."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_check_kinds import KINDS, pack

from annexa_check.catalogue.kinds import Kind, Params
from annexa_check.catalogue.spec import Condition, Spec
from annexa_check.cli.main import main
from annexa_check.outputs.catalogue import (
    DOCS_COMMAND,
    catalogue_markdown,
    explain_text,
    filter_rules,
    rules_table,
)

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def small(spec: Spec) -> Spec:
    """Three rules with known fields, so exact output does not move when the catalogue grows."""
    rules = {r.code: r for r in spec.rules}
    required = replace(
        rules["CLA003"],
        examples={
            "pass": [{"placement_type": "w) T0: Temporary placement", "placement_provider": ""}],
            "fail": [{"placement_type": "U6", "placement_provider": ""}],
        },
    )
    order = replace(
        rules["CLA010"],
        code="CLA099",
        templates=("2023",),
        severity="warning",
        examples={
            "pass": [{}],
            "fail": [[{"child_id": "C1"}, {"child_id": "C1"}]],
            "reference_date": "2024-03-31",
        },
    )
    every = replace(
        rules["ETH001"], examples={"pass": [{"ethnicity": "a) WBRI"}], "fail": [{"ethnicity": None}]}
    )
    return replace(spec, rules=(required, order, every))


def test_explain_prints_every_field_and_example(small: Spec) -> None:
    assert explain_text(small.rules[0], small).splitlines() == [
        "CLA003  Placement provider is blank for a placement that needs one",
        "error type: missing_placement_provider",
        "severity: error",
        "category: recording",
        "templates: 2019, 2023",
        "lists: List 8",
        "columns: Placement Provider (placement_provider)",
        "checks: required — the cell must not be blank",
        "only when: placement_type is a valid code other than T0, T1, T2, T3, T4, Z1, Z11, Z12, Z13, Z14",
        "message: Placement Provider is blank. Record the provider (PR0-PR5); only temporary (T0-T4) and Z1 "
        "placements may leave it blank.",
        "source: Ofsted Annex A template, List 8 guidance; SSDA903 rules 526/213",
        "examples that pass:",
        '  {placement_type: "w) T0: Temporary placement", placement_provider: ""}',
        "examples that fail:",
        '  {placement_type: "U6", placement_provider: ""}',
    ]


def test_parameters_name_columns_by_their_headers(small: Spec) -> None:
    lines = explain_text(small.rules[1], small).splitlines()
    assert lines[3:8] == [
        "category: consistency",
        "templates: 2023",
        "lists: List 8",
        "columns: Date Ceased to be Looked After (cla_end_date)",
        "checks: date_order — the date must not be before another date of the same row",
    ]
    assert "not before: Date Started to be Looked After (cla_start_date)" in lines
    assert "examples checked at: 2024-03-31" in lines
    assert lines[-1] == '  {child_id: "C1"} + {child_id: "C1"}'


def test_a_new_check_kind_and_field_are_rendered_from_their_data(small: Spec) -> None:
    """A new kind is shown with its own summary and its parameters, never dropped."""

    class OnOtherList(Kind[Params]):
        name = "on_other_list"
        summary = "the child is on another list"

    rule = replace(
        small.rules[0],
        check="on_other_list",
        kind=OnOtherList(Params()),
        params={"other_list": "list_6", "match": ["child_id"], "ages": {"E17": [18, 25], "K3": [16, None]}},
        when=(Condition(column="placement_type", blank=True),),
    )
    lines = explain_text(rule, small).splitlines()
    assert lines[7:12] == [
        "checks: on_other_list — the child is on another list",
        "other list: List 6",
        "match: Child Unique ID (child_id)",
        "ages: E17: 18–25; K3: 16+",
        "only when: placement_type is blank",
    ]


def test_rules_table_is_aligned_and_counted(small: Spec) -> None:
    assert rules_table(list(small.rules), small).splitlines() == [
        "Code    Error type                  Severity  Lists  Templates   Title",
        "CLA003  missing_placement_provider  error     8      2019, 2023  Placement provider is blank for a "
        "placement that needs one",
        "CLA099  cla_end_before_start        warning   8      2023        Date ceased is before the date started "
        "to be looked after",
        "ETH001  missing_ethnicity           error     all    2019, 2023  Ethnicity is blank",
        "3 rules (2 errors, 1 warning)",
    ]


def test_filters(small: Spec) -> None:
    codes = lambda **kw: [r.code for r in filter_rules(small, **kw)]  # noqa: E731
    assert codes(list_number=8) == ["CLA003", "CLA099", "ETH001"]
    assert codes(list_number=6) == ["ETH001"]
    assert codes(severity="warning") == ["CLA099"]
    assert codes(error_type="missing_ethnicity") == ["ETH001"]
    assert codes(template="2019") == ["CLA003", "ETH001"]
    assert codes(list_number=8, severity="error", template="2023") == ["CLA003", "ETH001"]


def test_markdown_counts_and_sections(small: Spec) -> None:
    lines = catalogue_markdown(list(small.rules), small).splitlines()
    assert lines[4] == (
        "3 rules (2 errors, 1 warning). `annexa-check explain CODE` prints any of them in full; "
        "`annexa-check rules` lists them with filters."
    )
    assert lines[lines.index("| List | Title | Errors | Warnings | Rules |") + 2 :][:11] == [
        "| List 1 | Contacts | 1 | 0 | 1 |",
        "| List 2 | Early Help | 1 | 0 | 1 |",
        "| List 3 | Referrals | 1 | 0 | 1 |",
        "| List 4 | Assessments | 1 | 0 | 1 |",
        "| List 5 | Section 47 enquiries and ICPCs | 1 | 0 | 1 |",
        "| List 6 | Children in Need | 1 | 0 | 1 |",
        "| List 7 | Child protection | 1 | 0 | 1 |",
        "| List 8 | Children in care | 2 | 1 | 3 |",
        "| List 9 | Care leavers | 1 | 0 | 1 |",
        "| List 10 | Adoption | 1 | 0 | 1 |",
        "| List 11 | Adopters | 1 | 0 | 1 |",
    ]
    assert [line for line in lines if line.startswith("## ")] == [
        "## Rules per list",
        "## Rules per template year",
        "## Check kinds",
        "## Rules on several lists",
        *[f"## List {n}: {t}" for n, t in _titles(small)],
    ]
    assert [line for line in lines if line.startswith("### ")] == ["### ETH001", "### CLA003", "### CLA099"]
    assert "| [ETH001](#eth001) | error | `missing_ethnicity` | all | Ethnicity is blank |" in lines
    assert "  - `{ethnicity: null}`" in lines


def _titles(spec: Spec) -> list[tuple[int, str]]:
    return [(lst.number, lst.title) for lst in spec.lists.values()]


def test_docs_rules_md_is_current(spec: Spec) -> None:
    assert DOCS.read_text(encoding="utf-8") == catalogue_markdown(list(spec.rules), spec), (
        f"docs/rules.md is out of date with the rule data; refresh it with: {DOCS_COMMAND}"
    )


def test_every_rule_is_documented_once(spec: Spec) -> None:
    headings = [line[4:] for line in DOCS.read_text(encoding="utf-8").splitlines() if line.startswith("### ")]
    assert sorted(headings) == sorted(r.code for r in spec.rules)


def test_rules_command_filters_and_formats(spec: Spec) -> None:
    result = run("rules", "--list", "9", "--severity", "error", "--template", "2019")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    expected = filter_rules(spec, list_number=9, severity="error", template="2019")
    assert [line.split()[0] for line in lines[1:-1]] == [r.code for r in expected]
    assert lines[-1] == f"{len(expected)} rules ({len(expected)} errors, 0 warnings)"
    records = json.loads(
        run("rules", "--error-type", "missing_placement_provider", "--format", "json").stdout
    )
    assert [(r["code"], r["lists"], r["templates"], r["columns"]) for r in records["rules"]] == [
        ("CLA003", ["List 8"], ["2019", "2023"], ["placement_provider"])
    ]
    assert run("rules", "--format", "markdown").stdout == DOCS.read_text(encoding="utf-8")


def test_rules_command_refuses_unknown_filters() -> None:
    result = run("rules", "--error-type", "missing_ethnicty")
    assert result.exit_code == 2
    assert (
        result.stderr == "annexa-check: error: no error type 'missing_ethnicty' (see 'annexa-check rules')\n"
    )
    assert run("rules", "--list", "12").exit_code == 2


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_check_kind_is_rendered_with_its_parameters(tmp_path: Path, kind: str) -> None:
    spec = pack(tmp_path, kind)
    rule = spec.rules[0]
    lines = explain_text(rule, spec).splitlines()
    assert next(line for line in lines if line.startswith("checks: ")).startswith(f"checks: {rule.check}")
    labels = {line.split(":")[0] for line in lines}
    assert {name.replace("_", " ") for name in rule.params} <= labels
    assert len([line for line in lines if line.startswith("only when: ")]) == len(rule.when)


def test_markdown_shows_patterns_as_written(tmp_path: Path) -> None:
    spec = pack(tmp_path, "pattern")
    assert "- regex: [A-Z]{1,2}[0-9][A-Z0-9]? \\*[0-9][A-Z]{2}" in catalogue_markdown(list(spec.rules), spec)
