"""Lists 6, 7 and 8 end to end through real workbooks: what one-row examples cannot show.

Cross-list rules need several sheets, real Excel date cells and the template pack
chosen for the workbook; each case names the exact rows (Excel row numbers) flagged.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from builders import write_lists

from annexa_check.engine.check import check_workbook

REFERENCE = date(2025, 3, 31)
CROSS_LIST = ("CIN017", "CP016", "CP017", "CLA064", "CLA065")
PERSON = {
    "gender": "b) Female",
    "ethnicity": "a) WBRI",
    "date_of_birth": datetime(2013, 5, 2),
    "age": 11,
    "disability": "b) No",
    "allocated_team": "Team East",
    "allocated_worker": "Worker B",
}
CIN = {
    **PERSON,
    "cin_start_date": datetime(2024, 11, 1),
    "primary_need": "N1",
    "last_seen_date": "20/03/2025",
}
CP = {
    **PERSON,
    "cp_start_date": datetime(2025, 1, 6),
    "cp_initial_category": "a) Neglect",
    "cp_latest_category": "a) Neglect",
    "cp_last_visit_date": datetime(2025, 3, 25),
    "cp_seen_alone": "a) Yes",
    "cp_latest_review_date": datetime(2025, 3, 10),
    "epo_last_six_months": "b) No",
    "previous_cp_plans": 0,
}
CLA = {
    **PERSON,
    "uasc_last_12_months": "b) No",
    "cla_start_date": datetime(2024, 12, 2),
    "category_of_need": "N1",
    "subsequent_period": "b) No",
    "legal_status_start_date": datetime(2024, 12, 2),
    "legal_status": "C1: ICO",
    "latest_review_date": datetime(2025, 2, 20),
    "last_visit_date": datetime(2025, 3, 14),
    "health_assessment_date": datetime(2024, 12, 20),
    "placements_last_12_months": 1,
    "placement_start_date": datetime(2024, 12, 2),
    "placement_type": "f) U6: Foster placement - not FFA",
    "placement_provider": "b) PR1: Own provision",
    "placement_postcode": "HD1 2AB",
    "placement_urn": "1234567",
    "placement_location": "a) In",
    "placement_la": "Home LA",
    "missing_episodes": 0,
    "absent_episodes": 0,
}
CEASED = {"cla_end_date": datetime(2025, 2, 28), "cla_end_reason": "e) E4A"}
ENDED = {"cp_end_date": datetime(2025, 3, 3)}
CLOSED = {
    "cin_closure_date": datetime(2025, 3, 1),
    "closure_reason": "RC7",
    "case_status": "e) Closed episode",
}


def _rows(base: dict[str, Any], rows: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [{**base, "child_id": child, **extra} for child, extra in rows]


def _flagged(result, rules: tuple[str, ...]) -> set[tuple[str, str, int, str]]:
    found = result.findings.filter(pl.col("rule").is_in(rules))
    return set(found.select("rule", "list", "row", "child_id").rows())


def test_cross_list_rules_flag_exactly_the_mismatched_children(tmp_path: Path) -> None:
    lists = {
        "list_6": _rows(
            CIN,
            [
                ("A1", {"case_status": "a) Looked after child"}),  # on List 8, open: fine
                ("A2", {"case_status": "a) Looked after child"}),  # not on List 8: CIN017
                ("A3", {"case_status": "b) Child Protection plan"}),  # open on List 8: CLA065
                ("A4", CLOSED),  # left care: closed status is right
                ("P1", {"case_status": "b) Child Protection plan"}),  # open plan: fine
                ("P2", {"case_status": "c) Child in need plan"}),  # open plan, wrong status: CP017
                ("P4", {"case_status": "c) Child in need plan"}),  # plan ended: fine
                ("P5", {"case_status": "a) Looked after child"}),  # plan and care: fine
            ],
        ),
        "list_7": _rows(CP, [("P1", {}), ("P2", {}), ("P3", {}), ("P4", ENDED), ("P5", {})]),
        "list_8": _rows(
            CLA,
            [
                ("A1", {}),
                ("A3", {}),
                ("A4", CEASED),
                ("A5", {}),  # open, not on List 6: CLA064
                ("A6", CEASED),  # left care, not on List 6: fine
                ("P5", {}),
            ],
        ),
    }
    result = check_workbook(write_lists(tmp_path / "cross.xlsx", lists), reference_date=REFERENCE)
    assert _flagged(result, CROSS_LIST) == {
        ("CIN017", "List 6", 3, "A2"),
        ("CP017", "List 7", 3, "P2"),
        ("CP016", "List 7", 4, "P3"),
        ("CLA065", "List 8", 3, "A3"),
        ("CLA064", "List 8", 5, "A5"),
    }
    assert result.findings.filter(pl.col("severity") == "error").rows() == []
    # no List 10 in this workbook: the adoption check against it says so instead of passing silently
    assert [(s.rule, s.list, s.reason) for s in result.skipped] == [
        ("CLA072", "List 8", "List 10 is not in the workbook")
    ]
    message = result.findings.filter(pl.col("rule") == "CLA065")["message"].to_list()
    assert message == [
        "Child A3 is still looked after (List 8, no Date Ceased) but List 6 gives another case status. "
        "A looked-after child's case status is 'a) Looked after child' (it takes priority over every other status)."
    ]


def test_cross_list_rule_without_its_other_list_is_skipped_not_passed(tmp_path: Path) -> None:
    lists = {"list_7": _rows(CP, [("P1", {})])}
    result = check_workbook(
        write_lists(tmp_path / "cp.xlsx", lists), reference_date=REFERENCE, select=["CP016"]
    )
    assert result.findings.rows() == []
    assert [(s.rule, s.list) for s in result.skipped] == [("CP016", "List 7")]


def test_date_rules_read_real_excel_dates_against_the_reference_date(tmp_path: Path) -> None:
    lists = {
        "list_6": _rows(
            CIN,
            [
                ("D1", {"case_status": "c) Child in need plan"}),
                ("D2", {"case_status": "c) Child in need plan", "last_seen_date": datetime(2025, 4, 1)}),
                ("D3", {**CLOSED, "cin_closure_date": datetime(2024, 9, 29), "last_seen_date": "01/09/2024"}),
                ("D4", {**CLOSED, "cin_closure_date": datetime(2024, 9, 30)}),  # seen after closing
            ],
        ),
        "list_8": _rows(
            CLA,
            [
                ("E1", {"latest_review_date": datetime(2024, 9, 29)}),
                (
                    "E2",
                    {
                        "latest_review_date": datetime(2024, 9, 30),
                        "placement_start_date": datetime(2024, 12, 1),
                    },
                ),
                ("E3", {**CEASED, "latest_review_date": datetime(2024, 1, 5)}),
            ],
        ),
    }
    result = check_workbook(
        write_lists(tmp_path / "dates.xlsx", lists),
        reference_date=REFERENCE,
        select=["CIN013", "CIN014", "CIN016", "CLA025", "CLA057"],
    )
    assert _flagged(result, ("CIN013", "CIN014", "CIN016", "CLA025", "CLA057")) == {
        ("CIN013", "List 6", 3, "D2"),
        ("CIN014", "List 6", 4, "D3"),
        ("CIN016", "List 6", 5, "D4"),
        ("CLA057", "List 8", 2, "E1"),
        ("CLA025", "List 8", 3, "E2"),
    }
    assert result.findings.filter(pl.col("rule") == "CLA025")["message"].to_list() == [
        "Start Date of Most Recent Placement 01/12/2024 is before the Date Started to be Looked After "
        "02/12/2024. A placement in this period of care starts on or after the day care began; check both dates."
    ]


def test_supported_accommodation_rule_holds_in_either_layout(tmp_path: Path) -> None:
    """K3 is a 2024-25 SSDA903 code, judged by its date in either layout: the age rule applies in both."""
    young = {
        "placement_type": "K3",
        "placement_provider": "e) PR4: Private provision",
        "placement_urn": "SC123456",
    }
    lists = {
        "list_8": _rows(
            CLA, [("K1", young), ("K2", {**young, "date_of_birth": datetime(2008, 1, 1), "age": 17})]
        )
    }
    path = write_lists(tmp_path / "k3.xlsx", lists)
    rules = ("CLA002", "CLA031")
    newer = check_workbook(path, reference_date=REFERENCE, template="2023", select=list(rules))
    older = check_workbook(path, reference_date=REFERENCE, template="2019", select=list(rules))
    assert _flagged(newer, rules) == _flagged(older, rules) == {("CLA031", "List 8", 2, "K1")}


def test_age_dependent_reason_uses_the_age_column_when_there_is_no_date_of_birth(tmp_path: Path) -> None:
    left = {
        **CEASED,
        "date_of_birth": None,
        "cla_end_reason": "v) E17: Aged 18+ and remained with current carers",
    }
    lists = {"list_8": _rows(CLA, [("S1", {**left, "age": 17}), ("S2", {**left, "age": 18})])}
    result = check_workbook(
        write_lists(tmp_path / "e17.xlsx", lists), reference_date=REFERENCE, select=["CLA030"]
    )
    assert _flagged(result, ("CLA030",)) == {("CLA030", "List 8", 2, "S1")}
