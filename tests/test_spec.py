"""The rule data loads, and a malformed rule is refused with a message naming it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annexa_check.annex.model import rules_root
from annexa_check.catalogue.spec import load_spec
from annexa_check.errors import SpecError
from annexa_check.findings.table import KEY_ERROR_TYPES

NINE = [
    "missing_primary_need",
    "missing_ethnicity",
    "missing_closure_reason",
    "missing_placement_provider",
    "missing_cla_end_reason",
    "missing_cic_placement",
    "invalid_care_leaver_eligibility",
    "missing_placement_location",
    "missing_accommodation_suitability",
]


def test_spec_has_the_nine_dry_run_error_types() -> None:
    assert tuple(NINE) == KEY_ERROR_TYPES  # the public keys, spelled out once more on purpose
    spec = load_spec()
    assert set(NINE) <= set(spec.error_types)
    for key in NINE:
        assert spec.severity_of(key) == "error"


def test_lists_have_the_template_column_counts() -> None:
    spec = load_spec()
    counts = {key: len(lst.columns_for("2019")) for key, lst in spec.lists.items()}
    assert counts == {
        "list_1": 7,
        "list_2": 8,
        "list_3": 11,
        "list_4": 12,
        "list_5": 14,
        "list_6": 14,
        "list_7": 17,
        "list_8": 34,
        "list_9": 13,
        "list_10": 16,
        "list_11": 19,
    }
    assert len(spec.lists["list_9"].columns_for("2023")) == 17


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(rules_root(), root)
    return root


def _add_rule(root: Path, text: str) -> None:
    (root / "checks" / "zz_test.yaml").write_text(text, encoding="utf-8")


RULE = """
- code: ZZ001
  error_type: test_rule
  severity: error
  category: recording
  title: t
  check: required
  lists: [list_6]
  column: primary_need
  message: m
  source: s
  examples:
    pass: [{primary_need: N1}]
    fail: [{primary_need: ""}]
"""


def test_a_well_formed_new_rule_needs_no_python(rules_copy: Path) -> None:
    _add_rule(rules_copy, RULE)
    spec = load_spec(rules_copy)
    assert "ZZ001" in [r.code for r in spec.rules]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('    fail: [{primary_need: ""}]\n', ""),
            "every rule needs 'examples' with both 'pass' and 'fail' cases",
        ),
        (("check: required", "check: mandatory"), "check 'mandatory' is not one of"),
        (("column: primary_need", "column: primary_needs"), "none of its lists has the column(s) it checks"),
        (("severity: error", "severity: fatal"), "severity must be error or warning"),
        (
            ("category: recording", "category: typing"),
            "category must be one of recording, timeliness, consistency, extract",
        ),
        (("lists: [list_6]", "lists: [list_12]"), "unknown list 'list_12'"),
        (("code: ZZ001", "code: CLA003"), "rule code CLA003 is used twice"),
        (
            ("  source: s\n", "  source: s\n  colour: red\n"),
            "required does not take 'colour' (it takes no parameters)",
        ),
    ],
)
def test_malformed_rule_is_refused(rules_copy: Path, change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in RULE
    _add_rule(rules_copy, RULE.replace(old, new))
    with pytest.raises(SpecError, match=None) as info:
        load_spec(rules_copy)
    assert message in str(info.value)
    if "used twice" not in message:
        assert "zz_test.yaml" in str(info.value)


def test_condition_codes_must_exist(rules_copy: Path) -> None:
    text = (
        RULE.replace("  message: m", "  when:\n    - {column: placement_type, not_in: [T9]}\n  message: m")
        .replace("list_6", "list_8")
        .replace("primary_need", "placement_provider")
    )
    _add_rule(rules_copy, text)
    with pytest.raises(SpecError) as info:
        load_spec(rules_copy)
    assert "codes T9 are not in code set 'placement_type'" in str(info.value)


def test_unreadable_yaml_names_the_file(rules_copy: Path) -> None:
    _add_rule(rules_copy, "- code: [unclosed\n")
    with pytest.raises(SpecError) as info:
        load_spec(rules_copy)
    assert str(info.value).startswith(f"{rules_copy / 'checks' / 'zz_test.yaml'}: cannot read rule data")


def test_every_column_of_both_layouts_has_a_rule_on_its_values() -> None:
    """Not only 'is the column there' (AX002) or 'is it an Excel error' (AX003): a rule on what it holds."""
    spec = load_spec()
    structural = {
        "column_present",
        "column_unique",
        "cell_error",
        "code_form",
        "list_present",
        "list_headers",
    }
    for template in ("2019", "2023"):
        checked = {
            (lst.key, col.key)
            for rule in spec.rules
            if rule.check not in structural and template in rule.templates
            for lst, col in rule.targets(spec)
        }
        unchecked = [
            f"{lst.name} {col.key}"
            for lst in spec.lists.values()
            for col in lst.columns_for(template)
            if (lst.key, col.key) not in checked
        ]
        assert unchecked == [], template


def test_every_rule_has_a_category_and_overdue_work_is_timeliness() -> None:
    from collections import Counter

    rules = load_spec().rules
    assert Counter(r.category for r in rules) == {
        "recording": 132,
        "consistency": 97,
        "extract": 28,
        "timeliness": 14,
    }
    assert sorted({r.error_type for r in rules if r.category == "timeliness"}) == [
        "cla_review_overdue",
        "cla_visit_overdue",
        "cp_review_overdue",
        "dental_check_overdue",
        "health_assessment_overdue",
    ]
    assert {r.category for r in rules if r.code.startswith("AX")} == {"extract"}
