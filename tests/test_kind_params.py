"""Each check kind's parameters: every registered kind refuses a key it does not take and a
wrong-typed value, with one line naming the file, the rule and the key."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from annexa_check.annex.model import rules_root
from annexa_check.catalogue.kinds import KINDS, parameter_names
from annexa_check.catalogue.spec import load_spec
from annexa_check.errors import SpecError

BASE = {
    "severity": "error",
    "category": "recording",
    "title": "t",
    "message": "m",
    "source": "s",
    "code": "TST001",
    "error_type": "t",
}
NO_PARAMETERS = "it takes no parameters"
# Per kind: the parameters it needs, what it says it takes, and a wrong-typed value with its refusal.
CASES: dict[str, tuple[dict[str, Any], str, dict[str, Any], str]] = {
    "date_order": (
        {"not_before": "date_started_placement"},
        "it takes: not_before, strict, slack_days",
        {"slack_days": "3"},
        "date_order needs 'slack_days' (a whole number), not '3'",
    ),
    "age_matches_dob": (
        {},
        "it takes: days_before",
        {"days_before": "12"},
        "age_matches_dob needs 'days_before' (a whole number of days before the reference date), not '12'",
    ),
    "code_age": (
        {"not_ages": {"Z": [17, 17]}},
        "it takes: ages, not_ages, at",
        {"not_ages": ["Z"]},
        "code_age needs 'not_ages' (code: [min, max]), not ['Z']",
    ),
    "unique": (
        {},
        "it takes: with",
        {"with": "contact_date"},
        "unique needs 'with' (a list of column keys), not 'contact_date'",
    ),
    "cell_error": (
        {"kind": "error"},
        "it takes: kind",
        {"kind": "warning"},
        "cell_error needs 'kind' (error or formula), not 'warning'",
    ),
    "lookback": (
        {"months": 6},
        "it takes: months",
        {"months": "six"},
        "lookback needs 'months' (a whole number), not 'six'",
    ),
    "range": ({"min": 1}, "it takes: min, max", {"min": 1.5}, "range needs 'min' (a whole number), not 1.5"),
    "age_range": (
        {"min": 1},
        "it takes: min, max",
        {"max": True},
        "age_range needs 'max' (a whole number), not True",
    ),
    "pattern": (
        {"regex": "A"},
        "it takes: regex",
        {"regex": 5},
        "pattern needs 'regex' (a regular expression), not 5",
    ),
    "valid": (
        {},
        "it takes: event_date",
        {"event_date": 5},
        "valid needs 'event_date' (a date column of the row's event: a dated DfE code must be in use on that "
        "date (on the reference date where it is blank: the event is still going on)), not 5",
    ),
    "on_list": (
        {"other_list": "list_6", "expect": "present"},
        "it takes: other_list, expect, match",
        {"expect": "maybe"},
        "on_list needs 'expect' (present or absent), not 'maybe'",
    ),
}


def _case(kind: str) -> tuple[dict[str, Any], str, dict[str, Any], str]:
    """Kinds without parameters of their own still take the generator's `inject_age`, typed."""
    wrong = f"{kind} needs 'inject_age' ([youngest, oldest]), not 'young'"
    return CASES.get(kind, ({}, NO_PARAMETERS, {"inject_age": "young"}, wrong))


def _refusal(tmp_path: Path, rule: dict[str, Any]) -> str:
    root = tmp_path / "rules"
    shutil.copytree(rules_root(), root, ignore=shutil.ignore_patterns("checks"))
    (root / "checks").mkdir()
    entry = {**BASE, "lists": ["list_8"], "column": "missing_episodes", **rule}
    entry["examples"] = {"pass": [{}], "fail": [{}]}
    (root / "checks" / "list_8.yaml").write_text(yaml.safe_dump([entry], sort_keys=False), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(root)
    return str(info.value)


def test_every_kind_with_parameters_has_a_case() -> None:
    takes = {kind: parameter_names(cls)[:-1] for kind, cls in KINDS.items()}
    assert {kind for kind, names in takes.items() if names} == set(CASES)
    assert len(KINDS) == 23


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_key_the_kind_does_not_take_is_refused(tmp_path: Path, kind: str) -> None:
    needs, takes, _wrong, _message = _case(kind)
    message = _refusal(tmp_path, {"check": kind, **needs, "colour": "red"})
    assert message == f"list_8.yaml: rule 1 (TST001): {kind} does not take 'colour' ({takes})"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_wrong_typed_value_is_refused(tmp_path: Path, kind: str) -> None:
    needs, _takes, wrong, expected = _case(kind)
    message = _refusal(tmp_path, {"check": kind, **needs, **wrong})
    assert message == f"list_8.yaml: rule 1 (TST001): {expected}"


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"check": "lookback", "month": 6}, "lookback does not take 'month' (it takes: months)"),
        ({"check": "lookback"}, "lookback needs 'months' (a whole number)"),
        ({"check": "required", "months": 6}, "required does not take 'months' (it takes no parameters)"),
        ({"check": "date_order", "not_before": "x", "strict": "yes"}, "date_order needs 'strict' (true or false), not 'yes'"),
        ({"check": "code_age"}, "code_age needs 'ages' or 'not_ages' (code: [min, max])"),
        ({"check": "code_age", "ages": {"Z": [1]}}, "code_age 'ages' gives Z [1], not [min, max]"),
        ({"check": "range"}, "range needs 'min' and/or 'max'"),
        ({"check": "on_list", "other_list": "list_99", "expect": "present"},
         "on_list needs 'other_list' naming a list (list_1 ... list_11)"),
        ({"check": "required", "other_when": [{"column": "case_status", "present": True}]},
         "required does not take 'other_when' (only on_list does)"),
        ({"check": "on_list", "other_list": "list_6", "expect": "present", "match": "placement_type"},
         "match column 'placement_type' is not on List 6"),
        ({"check": "on_list", "other_list": "list_6", "expect": "present",
          "other_when": [{"column": "placement_type", "present": True}]},
         "other_when column 'placement_type' is not on List 6"),
        ({"check": "code_age", "column": "placement_type", "ages": {"QQ": [1, 2]}},
         "codes QQ are not in code set 'placement_type'"),
        ({"check": "pattern", "regex": "([A-Z"},
         "pattern 'regex' does not compile: unterminated character set at position 1"),
    ],
)  # fmt: skip
def test_refusals_read_as_one_line(tmp_path: Path, rule: dict[str, Any], expected: str) -> None:
    assert _refusal(tmp_path, rule) == f"list_8.yaml: rule 1 (TST001): {expected}"


def test_valid_refuses_a_column_that_has_no_type_to_read_as(tmp_path: Path) -> None:
    message = _refusal(tmp_path, {"check": "valid", "column": "placement_postcode"})
    assert message == (
        "list_8.yaml: rule 1 (TST001): valid reads codes, dates and whole numbers; "
        "placement_postcode is none of them"
    )


def test_parameters_keep_the_order_rules_are_documented_in() -> None:
    """`params` is what `rules --format json` and docs/rules.md print: the kind's order, not the file's."""
    rule = next(r for r in load_spec().rules if r.check == "date_order" and "slack_days" in r.params)
    assert list(rule.params)[:2] == ["not_before", "slack_days"]
    assert rule.kind.p.not_before == rule.params["not_before"]


def test_the_readme_table_names_every_kind() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("The check vocabulary")[1].split("Conditions:")[0]
    assert [kind for kind in KINDS if f"`{kind}`" not in table] == []
