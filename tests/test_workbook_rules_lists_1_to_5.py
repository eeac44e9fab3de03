"""Lists 1-5 and the shared child columns, end to end through real workbooks.

Rule examples run on rows built in memory; these cases need what only a written
workbook has: several lists at once, real date and number cells next to text, and
a list missing from the file.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from builders import Date, write_lists

from annexa_check.engine.check import check_workbook

REFERENCE = date(2025, 3, 31)
CHILD = {"gender": "a) Male", "ethnicity": "a) WBRI", "date_of_birth": "01/06/2012", "age": 12}
S47 = {
    **CHILD,
    "disability": "b) No",
    "s47_start_date": "06/01/2025",
    "icpc_unnecessary": "b) No",
    "icpc_date": "20/01/2025",
    "s47s_last_12_months": 0,
    "icpcs_last_12_months": 0,
    "allocated_team": "Assessment 1",
    "allocated_worker": "Sam Patel",
}
PLAN = {**CHILD, "disability": "b) No", "cp_start_date": "20/01/2025"}


def found(path: Path, *select: str) -> list[tuple]:
    findings = check_workbook(path, reference_date=REFERENCE, select=list(select)).findings
    return findings.select("rule", "list", "row", "child_id", "column", "value", "message").rows()


def test_icpc_plan_needs_a_list_7_row(tmp_path: Path) -> None:
    path = write_lists(
        tmp_path / "icpc.xlsx",
        {
            "list_5": [
                {**S47, "child_id": "A", "icpc_resulted_in_plan": "a) Yes"},
                {**S47, "child_id": "B", "icpc_resulted_in_plan": "a) Yes"},
                {**S47, "child_id": "C", "icpc_resulted_in_plan": "b) No"},
            ],
            "list_7": [{**PLAN, "child_id": "A"}],
        },
    )
    assert found(path, "ENQ019") == [
        (
            "ENQ019",
            "List 5",
            3,
            "B",
            "Child Unique ID",
            "B",
            "The ICPC on 20/01/2025 resulted in a child protection plan, but child B is not on List 7 "
            "(Child protection). Add the plan to List 7, or correct the ICPC outcome.",
        )
    ]


def test_icpc_plan_check_is_skipped_without_list_7(tmp_path: Path) -> None:
    path = write_lists(
        tmp_path / "no list 7.xlsx", {"list_5": [{**S47, "child_id": "B", "icpc_resulted_in_plan": "a) Yes"}]}
    )
    result = check_workbook(path, reference_date=REFERENCE, select=["ENQ019"])
    assert result.findings.height == 0
    assert [(s.rule, s.list, s.reason) for s in result.skipped] == [
        ("ENQ019", "List 5", "List 7 is not in the workbook")
    ]


def test_date_of_birth_compared_across_lists_as_dates(tmp_path: Path) -> None:
    """A real date cell on one list and dd/mm/yyyy text on another are the same date."""
    contact = {**CHILD, "contact_date": "03/03/2025", "contact_source": "q) 6: Police"}
    referral = {**CHILD, "referral_date": "04/03/2025", "referral_source": "q) 6: Police"}
    path = write_lists(
        tmp_path / "dob.xlsx",
        {
            "list_1": [
                {**contact, "child_id": "A", "date_of_birth": Date(datetime(2012, 6, 1))},
                {**contact, "child_id": "B", "date_of_birth": "01/06/2012"},
            ],
            "list_3": [
                {**referral, "child_id": "A", "date_of_birth": "01/06/2012"},
                {**referral, "child_id": "B", "date_of_birth": "02/06/2012"},
            ],
        },
    )
    message = (
        "Date of Birth differs for this child between lists or rows: 01/06/2012 (List 1); 02/06/2012 (List 3). "
        "Record one date of birth for the child everywhere."
    )
    assert found(path, "CHD018") == [
        ("CHD018", "List 1", 3, "B", "Date of Birth", "01/06/2012", message),
        ("CHD018", "List 3", 3, "B", "Date of Birth", "02/06/2012", message),
    ]


def test_duplicate_contact_across_date_cell_and_text(tmp_path: Path) -> None:
    row = {**CHILD, "child_id": "A", "contact_source": "q) 6: Police"}
    path = write_lists(
        tmp_path / "twice.xlsx",
        {
            "list_1": [
                {**row, "contact_date": Date(datetime(2025, 3, 3))},
                {**row, "contact_date": "03/03/2025"},
                {**row, "contact_date": "04/03/2025"},
            ]
        },
    )
    message = (
        "Child A has more than one contact on 03/03/2025 from the same source: the same contact is listed twice. "
        "Remove the duplicate row."
    )
    assert found(path, "CON008") == [
        ("CON008", "List 1", 2, "A", "Child Unique ID", "A", message),
        ("CON008", "List 1", 3, "A", "Child Unique ID", "A", message),
    ]


def test_referral_count_constant_across_number_and_text_cells(tmp_path: Path) -> None:
    row = {**CHILD, "referral_source": "q) 6: Police", "referral_nfa": "b) No"}
    path = write_lists(
        tmp_path / "counts.xlsx",
        {
            "list_3": [
                {**row, "child_id": "A", "referral_date": "03/03/2025", "referrals_last_12_months": 2},
                {**row, "child_id": "A", "referral_date": "10/03/2025", "referrals_last_12_months": "2"},
                {**row, "child_id": "B", "referral_date": "03/03/2025", "referrals_last_12_months": 1},
                {**row, "child_id": "B", "referral_date": "10/03/2025", "referrals_last_12_months": 0},
            ]
        },
    )
    assert [r[:6] for r in found(path, "REF008")] == [
        ("REF008", "List 3", 4, "B", "Number of Referrals in Last 12 Months", "1"),
        ("REF008", "List 3", 5, "B", "Number of Referrals in Last 12 Months", "0"),
    ]


def test_unborn_child_is_not_an_age_or_date_problem(tmp_path: Path) -> None:
    """Age -1 with an expected date of birth in the future, gender not stated: legal on List 1."""
    unborn = {
        "ethnicity": "s) NOBT",
        "gender": "c) Not stated/recorded (or unborn)",
        "age": -1,
        "contact_date": "03/03/2025",
        "contact_source": "h) 3B: Health services",
    }
    path = write_lists(
        tmp_path / "unborn.xlsx",
        {
            "list_1": [
                {**unborn, "child_id": "U1", "date_of_birth": "20/08/2025"},
                {**unborn, "child_id": "U2", "date_of_birth": ""},
                {**unborn, "child_id": "U3", "date_of_birth": "20/08/2025", "gender": "b) Female"},
                {**unborn, "child_id": "U4", "date_of_birth": "20/08/2025", "age": 0},
            ]
        },
    )
    findings = check_workbook(path, reference_date=REFERENCE, select=["CHD", "CON"]).findings
    assert findings.select("rule", "row", "child_id").rows() == [
        ("CHD012", 4, "U3"),
        ("CHD008", 5, "U4"),
        ("CHD011", 5, "U4"),
    ]
