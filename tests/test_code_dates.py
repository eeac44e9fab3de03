"""DfE codes judged by the date of their event, not by the workbook's layout (rules/codesets.yaml).

A 2019-layout workbook may hold codes the DfE added after the 2019 template (E17, K3, Z11-Z14,
RC9, 5D): each is right or wrong by the date of the row's event. H5, P2 and Z1 left the SSDA903
placement codes on 31/03/2025, so a placement still in place after that is an error in either layout.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from builders import CHILD, write_lists

from annexa_check.annex.model import rules_root
from annexa_check.catalogue.spec import load_spec
from annexa_check.engine.check import check_workbook
from annexa_check.errors import SpecError

REFERENCE = date(2026, 2, 1)
CODE_RULES = ["CON003", "REF003", "CIN004", "CLA002", "CLA006", "CLA031"]
IN_CARE = {
    **CHILD,
    "date_of_birth": "01/01/2009",
    "age": 17,
    "uasc_last_12_months": "b) No",
    "cla_start_date": "01/02/2024",
    "legal_status": "C2: FCO",
    "legal_status_start_date": "01/02/2024",
    "placement_start_date": "01/10/2025",
    "placement_provider": "e) PR4: Private provision",
    "placement_urn": "SC123456",
}
H5_MESSAGE = (
    "Placement Type 'n) H5: Residential accommodation' is not an SSDA903 placement code in use while the "
    "child was in this placement (to the Date Ceased to be Looked After, or now if still looked after). "
    "K3 is used from 01/04/2024, Z11-Z14 from 01/04/2025; H5, P2 and Z1 only until 31/03/2025."
)


def _workbook(tmp_path: Path, template: str) -> Path:
    return write_lists(
        tmp_path / f"codes_{template}.xlsx",
        {
            "list_1": [{**CHILD, "child_id": "101", "contact_date": "01/12/2025", "contact_source": "5D"}],
            "list_3": [{**CHILD, "child_id": "301", "referral_date": "01/12/2025", "referral_source": "5D"}],
            "list_6": [
                {
                    **CHILD,
                    "child_id": "601",
                    "cin_start_date": "01/10/2025",
                    "cin_closure_date": "01/12/2025",
                    "closure_reason": "RC9",
                }
            ],
            "list_8": [
                {
                    **IN_CARE,
                    "child_id": "801",
                    "date_of_birth": "01/11/2007",
                    "age": 18,
                    "placement_type": "U6",
                    "cla_end_date": "01/12/2025",
                    "cla_end_reason": "E17",
                },
                {**IN_CARE, "child_id": "802", "placement_type": "K3"},
                {**IN_CARE, "child_id": "803", "placement_type": "Z11", "placement_provider": None},
                {**IN_CARE, "child_id": "804", "placement_type": "n) H5: Residential accommodation"},
                {
                    **IN_CARE,
                    "child_id": "805",
                    "placement_type": "n) H5: Residential accommodation",
                    "placement_start_date": "01/10/2024",
                    "cla_end_date": "01/03/2025",
                    "cla_end_reason": "E4A",
                },
            ],
        },
        template=template,
    )


@pytest.mark.parametrize("template", ["2019", "2023"])
def test_dfe_codes_are_judged_by_their_event_date_in_either_layout(tmp_path: Path, template: str) -> None:
    """E17, K3, Z11, RC9 and 5D at 2025-26 dates are right; H5 still in place in 2026 is one error."""
    result = check_workbook(
        _workbook(tmp_path, template), reference_date=REFERENCE, template=template, select=CODE_RULES
    )
    found = result.findings.select("rule", "severity", "list", "row", "child_id", "column", "message").rows()
    assert found == [("CLA002", "error", "List 8", 5, "804", "Placement Type", H5_MESSAGE)]


def test_the_expected_value_gives_each_code_its_dates() -> None:
    spec = load_spec()
    rule = next(r for r in spec.rules if r.code == "CLA002")
    lst = spec.lists["list_8"]
    text = rule.kind.expected(rule, lst, lst.column("placement_type"), spec, "2019")
    assert text.endswith(
        ", in use on the Date Ceased to be Looked After (the reference date while it is blank): "
        "P2, H5, Z1 until 31/03/2025; K3 from 01/04/2024; Z11, Z12, Z13, Z14 from 01/04/2025"
    )
    assert "K3" in text.split(", in use")[0]  # a DfE code is a valid code of the 2019 pack too


def test_h5_needs_a_urn_from_28_october_2023(tmp_path: Path) -> None:
    """SSDA903 rule 230: an English H5 placement in place after 28/10/2023 has an Ofsted URN."""
    h5 = {**IN_CARE, "placement_type": "n) H5: Residential accommodation", "placement_urn": None}
    path = write_lists(
        tmp_path / "h5.xlsx",
        {
            "list_8": [
                {**h5, "child_id": "811"},
                {**h5, "child_id": "812", "cla_end_date": "28/10/2023", "cla_end_reason": "E4A"},
                {**h5, "child_id": "813", "cla_end_date": "29/10/2023", "cla_end_reason": "E4A"},
                {**h5, "child_id": "814", "placement_la": "SCO - Child placed in Scotland"},
                {**h5, "child_id": "815", "placement_la": "Sheffield"},
            ]
        },
    )
    result = check_workbook(path, reference_date=date(2025, 3, 31), select=["CLA073"])
    assert result.findings.select("rule", "row", "child_id").rows() == [
        ("CLA073", 2, "811"),
        ("CLA073", 4, "813"),
        ("CLA073", 6, "815"),
    ]
    rule = next(r for r in result.rules if r.code == "CLA073")
    assert rule.when[1].describe() == "cla_end_date not before 29/10/2023 (or blank)"


def _refusal(tmp_path: Path, codes: list[dict[str, Any]] | None = None, when: list[Any] | None = None) -> str:
    """The one-line refusal of rule data with one code (of placement_type) or one rule's `when` changed."""
    root = tmp_path / "rules"
    shutil.copytree(rules_root(), root)
    if codes is not None:
        path = root / "codesets.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["codesets"]["placement_type"]["codes"] += codes
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    if when is not None:
        path = root / "checks" / "list_8.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        next(r for r in data if r["code"] == "CLA073")["when"] = when
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(root)
    return str(info.value)


def test_code_dates_and_date_conditions_are_checked_when_loaded(tmp_path: Path) -> None:
    backwards = {"code": "Q1", "label": "Q1", "dfe": True, "valid_from": date(2025, 4, 1)}
    backwards["valid_until"] = date(2024, 4, 1)
    assert _refusal(tmp_path / "a", codes=[backwards]) == (
        "codesets.yaml: codesets.placement_type.codes[32]: valid_until is before valid_from"
    )
    assert _refusal(
        tmp_path / "b", codes=[{"code": "Q1", "label": "Q1", "valid_from": date(2025, 4, 1)}]
    ) == (
        "codesets.yaml: codesets.placement_type.codes[32]: only a DfE code (dfe: true) has valid_from or "
        "valid_until"
    )
    assert _refusal(
        tmp_path / "c", codes=[{"code": "Q1", "label": "Q1", "dfe": True, "valid_from": "soon"}]
    ) == (
        "codesets.yaml: codesets.placement_type.codes[32]: 'valid_from' is a date written YYYY-MM-DD, not 'soon'"
    )
    assert _refusal(tmp_path / "d", when=[{"column": "placement_urn", "after": date(2023, 10, 28)}]) == (
        "list_8.yaml: rule 46 (CLA073): 'placement_urn' is not a date column to compare with a date"
    )
    assert _refusal(tmp_path / "e", when=[{"column": "cla_end_date", "after": "28/10/2023"}]) == (
        "list_8.yaml: rule 46 (CLA073): when[0]: 'after' needs a date written YYYY-MM-DD"
    )
