"""Each check kind of the rule vocabulary, on a small rule pack of its own.

The catalogue's rules test themselves through their examples; these tests pin down
what each kind means (edges included) independently of which rules use it today.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from annexa_check.annex.model import rules_root
from annexa_check.catalogue.spec import Spec, load_spec
from annexa_check.engine.examples import run_example
from annexa_check.errors import SpecError

BASE = {"severity": "error", "category": "recording", "title": "t", "message": "m {value}", "source": "s"}
KINDS: dict[str, dict[str, Any]] = {
    "valid_code": {"check": "valid", "lists": ["list_8"], "column": "placement_type"},
    "valid_date": {"check": "valid", "lists": ["list_1"], "column": "date_of_birth"},
    "valid_int": {"check": "valid", "lists": ["list_8"], "column": "missing_episodes"},
    "future_date": {"check": "future_date", "lists": ["list_1"], "column": "contact_date"},
    "except": {
        "check": "future_date",
        "lists": ["list_1"],
        "columns": {"type": "date"},
        "except": ["date_of_birth"],
    },
    "lookback": {"check": "lookback", "lists": ["list_1"], "column": "contact_date", "months": 6},
    "placeholder": {"check": "placeholder_date", "lists": ["list_1"], "column": "date_of_birth"},
    "age_range": {"check": "age_range", "lists": ["list_9"], "column": "age", "min": 16, "max": 25},
    "age_dob": {"check": "age_matches_dob", "lists": ["list_1"], "column": "age"},
    "range": {"check": "range", "lists": ["list_8"], "column": "placements_last_12_months", "min": 1},
    "pattern": {
        "check": "pattern",
        "lists": ["list_8"],
        "column": "placement_postcode",
        "regex": "[A-Z]{1,2}[0-9][A-Z0-9]? *[0-9][A-Z]{2}",
    },
    "combination": {
        "check": "combination",
        "lists": ["list_8"],
        "column": "placement_provider",
        "when": [
            {"column": "placement_provider", "in": ["PR0"]},
            {"column": "placement_type", "not_in": ["P1"]},
        ],
    },
    "constant": {"check": "constant_per_child", "lists": ["list_3"], "column": "referrals_last_12_months"},
    "unique": {"check": "unique", "lists": ["list_1"], "column": "child_id"},
    "unique_with": {"check": "unique", "lists": ["list_1"], "column": "child_id", "with": ["contact_date"]},
    "strict_order": {
        "check": "date_order",
        "lists": ["list_7"],
        "column": "cp_end_date",
        "not_before": "cp_start_date",
        "strict": True,
    },
    "slack_order": {
        "check": "date_order",
        "lists": ["list_1"],
        "column": "contact_date",
        "not_before": "date_of_birth",
        "slack_days": 280,
    },
    "not_ages": {
        "check": "code_age",
        "lists": ["list_9"],
        "column": "accommodation_type",
        "not_ages": {"Z": [17, 17]},
    },
    "number_when": {
        "check": "required",
        "lists": ["list_8"],
        "column": "return_interview_offered",
        "when": [{"column": "missing_episodes", "above": 0}],
    },
    "on_list": {
        "check": "on_list",
        "lists": ["list_8"],
        "column": "child_id",
        "other_list": "list_6",
        "expect": "present",
        "other_when": [{"column": "case_status", "in": ["Looked after"]}],
    },
    "consistent": {"check": "consistent", "lists": ["list_1"], "column": "gender", "message": "m {others}"},
    "code_form": {
        "check": "code_form",
        "lists": ["list_8"],
        "column": "placement_provider",
        "message": "'{value}' -> '{standard}' ({rows} from row {first})",
        "severity": "warning",
    },
}


def pack(tmp_path: Path, kind: str) -> Spec:
    root = tmp_path / "rules"
    shutil.copytree(rules_root(), root, ignore=shutil.ignore_patterns("checks"))
    (root / "checks").mkdir()
    rule = {**BASE, "code": "TST001", "error_type": f"t_{kind}", **KINDS[kind]}
    rule["examples"] = {"pass": [{}], "fail": [{}]}
    (root / "checks" / "t.yaml").write_text(yaml.safe_dump([rule]), encoding="utf-8")
    return load_spec(root)


def flagged(spec: Spec, example: Any) -> list[tuple[int | None, str | None, str]]:
    findings = run_example(spec.rules[0], example, spec)
    return findings.select("row", "value", "message").rows()


@pytest.mark.parametrize(
    ("kind", "example", "expected"),
    [
        ("valid_code", {"placement_type": "U1"}, []),
        ("valid_code", {"placement_type": "b) U1: Foster placement"}, []),
        ("valid_code", {"placement_type": "U9"}, [(2, "U9", "m U9")]),
        ("valid_code", {"placement_type": ""}, []),
        ("valid_date", {"date_of_birth": "29/02/2012"}, []),
        ("valid_date", {"date_of_birth": "31/02/2010"}, [(2, "31/02/2010", "m 31/02/2010")]),
        ("valid_int", {"missing_episodes": "-1"}, []),
        ("valid_int", {"missing_episodes": "1.5"}, [(2, "1.5", "m 1.5")]),
        ("future_date", {"contact_date": "31/03/2025"}, []),
        ("future_date", {"contact_date": "01/04/2025"}, [(2, "01/04/2025", "m 01/04/2025")]),
        ("except", {"date_of_birth": "01/06/2025", "contact_date": "01/04/2025"}, [(2, "01/04/2025", "m 01/04/2025")]),
        ("lookback", {"contact_date": "30/09/2024"}, []),
        ("lookback", {"contact_date": "29/09/2024"}, [(2, "29/09/2024", "m 29/09/2024")]),
        ("placeholder", {"date_of_birth": "01/01/1900"}, [(2, "01/01/1900", "m 01/01/1900")]),
        ("placeholder", {"date_of_birth": "01/01/1910"}, []),
        ("age_range", {"date_of_birth": "01/04/2009"}, [(2, None, "m ")]),  # 15 at 31/03/2025
        ("age_range", {"date_of_birth": "31/03/2009"}, []),
        ("age_range", {"age": "26"}, [(2, "26", "m 26")]),
        ("age_range", {"age": ""}, []),
        ("age_dob", {"date_of_birth": "01/04/2010", "age": "14"}, []),
        ("age_dob", {"date_of_birth": "01/04/2010", "age": "15"}, []),  # a day's leeway
        ("age_dob", {"date_of_birth": "15/04/2010", "age": "15"}, [(2, "15", "m 15")]),
        ("age_dob", {"date_of_birth": "01/06/2025", "age": "-1"}, []),  # unborn, expected DOB
        ("age_dob", {"date_of_birth": "", "age": "-1"}, []),
        ("range", {"placements_last_12_months": "0"}, [(2, "0", "m 0")]),
        ("range", {"placements_last_12_months": "1"}, []),
        ("range", {"placements_last_12_months": "x"}, []),  # not a number: AX006's finding, not this one
        ("pattern", {"placement_postcode": "ab1 2cd"}, []),
        ("pattern", {"placement_postcode": "AB12CD"}, []),
        ("pattern", {"placement_postcode": "AB1"}, [(2, "AB1", "m AB1")]),
        ("pattern", {"placement_postcode": ""}, []),
        ("combination", {"placement_provider": "PR0", "placement_type": "P1"}, []),
        ("combination", {"placement_provider": "PR0", "placement_type": ""}, []),
        ("combination", {"placement_provider": "PR0", "placement_type": "U1"}, [(2, "PR0", "m PR0")]),
        ("constant", [{"child_id": "A", "referrals_last_12_months": "1"}] * 2, []),
        (
            "constant",
            [
                {"child_id": "A", "referrals_last_12_months": "1"},
                {"child_id": "A", "referrals_last_12_months": "2"},
                {"child_id": "B", "referrals_last_12_months": "3"},
            ],
            [(2, "1", "m 1"), (3, "2", "m 2")],
        ),
        (
            "unique_with",
            [
                {"child_id": "A", "contact_date": "01/03/2025"},
                {"child_id": "A", "contact_date": "02/03/2025"},
                {"child_id": "A", "contact_date": "01/03/2025"},
            ],
            [(2, "A", "m A"), (4, "A", "m A")],
        ),
        ("strict_order", {"cp_start_date": "01/03/2025", "cp_end_date": "01/03/2025"}, [(2, "01/03/2025", "m 01/03/2025")]),
        ("strict_order", {"cp_start_date": "01/03/2025", "cp_end_date": "02/03/2025"}, []),
        ("slack_order", {"date_of_birth": "01/12/2025", "contact_date": "25/02/2025"}, []),  # 279 days before
        ("slack_order", {"date_of_birth": "01/12/2025", "contact_date": "24/02/2025"}, []),  # 280 days
        ("slack_order", {"date_of_birth": "01/12/2025", "contact_date": "23/02/2025"}, [(2, "23/02/2025", "m 23/02/2025")]),
        ("not_ages", {"accommodation_type": "Z", "age": "17"}, [(2, "Z", "m Z")]),
        ("not_ages", {"accommodation_type": "Z", "age": "18"}, []),
        ("not_ages", {"accommodation_type": "Z", "age": ""}, []),
        ("number_when", {"missing_episodes": "1"}, [(2, None, "m ")]),
        ("number_when", {"missing_episodes": "0"}, []),
        ("number_when", {"missing_episodes": ""}, []),
        (
            "on_list",
            {"lists": {"list_8": [{"child_id": "A"}, {"child_id": "B"}], "list_6": [
                {"child_id": "A", "case_status": "a) Looked after child"},
                {"child_id": "B", "case_status": "c) Child in need plan"},
            ]}},
            [(3, "B", "m B")],
        ),
        (
            "on_list",
            {"lists": {"list_8": [{"child_id": "A"}], "list_6": [{"child_id": "Z", "case_status": "a) Looked after child"}]}},
            [(2, "A", "m A")],
        ),
        (
            "consistent",
            {"lists": {"list_1": [{"child_id": "A", "gender": "a) Male"}, {"child_id": "B", "gender": "a) Male"}],
                       "list_6": [{"child_id": "A", "gender": "b) Female"}, {"child_id": "B", "gender": "Male"}],
                       "list_8": [{"child_id": "A", "gender": "b) Female"}]}},
            [(2, "a) Male", "m Female (List 6, List 8); Male (List 1)")],
        ),
        (
            "code_form",
            [{"placement_provider": "PR1"}, {"placement_provider": "b) PR1: Own provision"}, {"placement_provider": "PR1"},
             {"placement_provider": "pr4"}, {"placement_provider": "nonsense"}, {"placement_provider": "B) pr1: own  PROVISION"}],
            [(None, "PR1", "'PR1' -> 'b) PR1: Own provision' (2 rows from row 2)"),
             (None, "pr4", "'pr4' -> 'e) PR4: Private provision' (1 row from row 5)")],
        ),
    ],
)  # fmt: skip
def test_check_kind(tmp_path: Path, kind: str, example: Any, expected: list) -> None:
    assert flagged(pack(tmp_path, kind), example) == expected


ZWSP, BOM = "\u200b", "\ufeff"


@pytest.mark.parametrize(
    ("first", "second"),
    [("A1", f"A1{ZWSP}"), ("A1", f"{BOM}A1"), ("123", "\uff11\uff12\uff13"), ("A1", "a1")],
    ids=["zero-width space", "byte-order mark", "full-width digits", "letter case"],
)
def test_ids_are_matched_whatever_their_spelling(tmp_path: Path, first: str, second: str) -> None:
    """One child however the ID was typed or copied; each finding shows the ID as the workbook wrote it."""
    found = flagged(pack(tmp_path, "unique"), [{"child_id": first}, {"child_id": second}])
    assert found == [(2, first, f"m {first}"), (3, second, f"m {second}")]


def test_ids_that_differ_are_not_duplicates(tmp_path: Path) -> None:
    assert flagged(pack(tmp_path, "unique"), [{"child_id": "A1"}, {"child_id": "A11"}]) == []


def test_a_child_spelt_two_ways_is_one_child_across_rows_and_lists(tmp_path: Path) -> None:
    constant = [
        {"child_id": "A", "referrals_last_12_months": "1"},
        {"child_id": f"a{ZWSP}", "referrals_last_12_months": "2"},
    ]
    assert flagged(pack(tmp_path / "constant", "constant"), constant) == [(2, "1", "m 1"), (3, "2", "m 2")]
    on_list = {
        "lists": {
            "list_8": [{"child_id": f"{BOM}b"}],
            "list_6": [{"child_id": "B", "case_status": "a) Looked after child"}],
        }
    }
    assert flagged(pack(tmp_path / "on_list", "on_list"), on_list) == []
    consistent = {
        "lists": {
            "list_1": [{"child_id": "C", "gender": "a) Male"}],
            "list_6": [{"child_id": "c", "gender": "b) Female"}],
        }
    }
    assert flagged(pack(tmp_path / "consistent", "consistent"), consistent) == [
        (2, "a) Male", "m Female (List 6); Male (List 1)")
    ]


def test_on_list_is_skipped_when_the_other_list_is_absent(tmp_path: Path) -> None:
    from annexa_check.engine.examples import example_workbook
    from annexa_check.engine.run import Skipped, run_rules

    spec = pack(tmp_path, "on_list")
    workbook = example_workbook(
        spec, "list_8", [{"child_id": "A"}], "2023", {"list_6": [{"list_absent": True}]}
    )
    findings, skipped = run_rules(workbook, spec, template="2023", reference_date=date(2025, 3, 31))
    assert findings.height == 0
    assert skipped == [Skipped("TST001", "List 8", "List 6 is not in the workbook")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"check": "lookback", "months": "six"}, "lookback needs 'months' (a whole number)"),
        ({"check": "range", "min": None}, "range needs 'min' and/or 'max'"),
        ({"check": "pattern", "regex": "([A-Z"}, "'regex' does not compile"),
        ({"check": "on_list", "other_list": "list_99", "expect": "present"}, "on_list needs 'other_list'"),
        (
            {"check": "on_list", "other_list": "list_6", "expect": "maybe"},
            "on_list needs 'expect' (present or absent), not 'maybe'",
        ),
        (
            {"check": "required", "when": [{"column": "missing_episodes", "above": "0"}]},
            "'above' needs a whole number",
        ),
    ],
)
def test_bad_parameters_are_refused(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    root = tmp_path / "rules"
    shutil.copytree(rules_root(), root, ignore=shutil.ignore_patterns("checks"))
    (root / "checks").mkdir()
    rule = {**BASE, "code": "TST001", "error_type": "t", "lists": ["list_8"], "column": "missing_episodes"}
    rule.update({k: v for k, v in change.items() if v is not None})
    rule["examples"] = {"pass": [{}], "fail": [{}]}
    (root / "checks" / "t.yaml").write_text(yaml.safe_dump([rule]), encoding="utf-8")
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_spec(root)
