"""Lists 9-11 and the cross-list identity rules, end to end on small written workbooks.

The rules' own examples cover each rule alone; these tests cover what examples
cannot: several lists in one real .xlsx, Excel date cells beside text dates, the
exact rows and messages a council sees, and rules skipped when a list is absent.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
from builders import CHILD, Date, write_lists

from annexa_check.engine.check import check_workbook
from annexa_check.engine.run import Skipped

REFERENCE = date(2025, 3, 31)
# The cross-list rules, with the shared-column consistency rules of child.yaml beside them.
XL = ["XL001", "XL002", "XL003", "XL004", "XL005", "CHD017", "CHD018"]
LEAVER = {**CHILD, "date_of_birth": "10/10/2007", "age": 17, "la_in_touch": "b) No"}


def _rows(findings: pl.DataFrame) -> list[tuple]:
    return findings.select("rule", "list", "row", "child_id", "column", "value").rows()


def _cross_list_workbook(path: Path, *, with_adopters: bool = True) -> Path:
    lists = {
        "list_1": [
            {**CHILD, "child_id": "100", "contact_date": "01/03/2025"},
            {
                **CHILD,
                "child_id": "200",
                "date_of_birth": Date(datetime(2012, 6, 1)),
                "contact_date": "02/03/2025",
            },
        ],
        "list_6": [
            {**CHILD, "child_id": "100", "gender": "b) Female", "ethnicity": "WBRI"},
            {**CHILD, "child_id": "200", "ethnicity": "c) WOTH", "case_status": "c) Child in need plan"},
            {**LEAVER, "child_id": "901", "case_status": "c) Child in need plan"},
            {**LEAVER, "child_id": "902", "case_status": "a) Looked after child"},
        ],
        "list_8": [
            {**LEAVER, "child_id": "902", "cla_start_date": "01/01/2024"},
            {**LEAVER, "child_id": "904", "cla_start_date": "01/01/2024"},
            {**LEAVER, "child_id": "905", "cla_start_date": "01/01/2023", "cla_end_date": "01/02/2025"},
        ],
        "list_9": [
            {**LEAVER, "child_id": "901", "eligibility_category": "a) Relevant child"},
            {**LEAVER, "child_id": "902", "eligibility_category": "d) Eligible child"},
            {**LEAVER, "child_id": "903", "eligibility_category": "d) Eligible child"},
            {**LEAVER, "child_id": "904", "eligibility_category": "a) Relevant child"},
            {
                **LEAVER,
                "child_id": "905",
                "eligibility_category": "d) Eligible child",
                "date_of_birth": "11/10/2007",
            },
        ],
        "list_10": [
            {**CHILD, "child_id": "300", "family_id": "F1"},
            {**CHILD, "child_id": "301", "family_id": "F2"},
            {**CHILD, "child_id": "302", "family_id": None},
        ],
    }
    if with_adopters:
        lists["list_11"] = [{"child_id": "A1", "family_id": "F1"}, {"child_id": "A2", "family_id": "F1"}]
    return write_lists(path, lists)


def test_cross_list_rules_flag_exactly_the_rows_that_disagree(tmp_path: Path) -> None:
    result = check_workbook(_cross_list_workbook(tmp_path / "x.xlsx"), reference_date=REFERENCE, select=XL)
    # Not flagged: 200's date of birth is an Excel date on List 1 and text on List 6 (the same day);
    # 100's 'WBRI' and 'a) WBRI' are one code; 902 is an eligible child on List 6 as looked after
    # and open on List 8; 905 left care, so is not "still looked after"; List 10's blank family.
    assert _rows(result.findings) == [
        ("CHD017", "List 1", 2, "100", "Gender", "a) Male"),
        ("XL005", "List 1", 3, "200", "Ethnicity", "a) WBRI"),
        ("CHD017", "List 6", 2, "100", "Gender", "b) Female"),
        ("XL005", "List 6", 3, "200", "Ethnicity", "c) WOTH"),
        ("CHD018", "List 8", 4, "905", "Date of Birth", "10/10/2007"),
        ("XL001", "List 9", 2, "901", "Child Unique ID", "901"),
        ("XL003", "List 9", 4, "903", "Child Unique ID", "903"),
        ("XL004", "List 9", 5, "904", "Child Unique ID", "904"),
        ("CHD018", "List 9", 6, "905", "Date of Birth", "11/10/2007"),
        ("XL003", "List 9", 6, "905", "Child Unique ID", "905"),
        ("XL002", "List 10", 3, "301", "Family identifier", "F2"),
    ]
    assert set(result.findings["severity"]) == {"warning"}  # each is a query about two lists
    assert result.skipped == []
    keys = result.findings["rule"] + "|" + result.findings["list"]
    messages = dict(zip(keys, result.findings["message"], strict=True))
    assert messages["XL005|List 6"] == (
        "Child 200 has Ethnicity 'c) WOTH' here, but the lists disagree: WBRI (List 1); WOTH (List 6). "
        "Record one CBDS ethnicity for the child on every list."
    )
    assert messages["XL002|List 10"] == (
        "Family identifier F2 is not on List 11 (Adopters). Use the identifier List 11 gives the family, "
        "add the family to List 11, or leave it blank for an interagency placement."
    )


def test_a_link_to_an_absent_list_is_reported_as_skipped_not_passed(tmp_path: Path) -> None:
    book = _cross_list_workbook(tmp_path / "x.xlsx", with_adopters=False)
    result = check_workbook(book, reference_date=REFERENCE, select=["XL002"])
    assert result.findings.height == 0
    assert result.skipped == [Skipped("XL002", "List 10", "List 11 is not in the workbook")]


def test_care_leaver_in_touch_fields_end_to_end(tmp_path: Path) -> None:
    in_touch = {
        **LEAVER,
        "eligibility_category": "b) Former relevant child",
        "date_of_birth": "01/01/2005",
        "age": 20,
        "la_in_touch": "a) Yes",
        "latest_contact_date": Date(datetime(2025, 3, 1)),
        "accommodation_type": "U: Independent living",
        "accommodation_suitability": "a) Suitable",
        "activity_status": "G5",
    }
    rows = [
        {**in_touch, "child_id": "1"},  # complete: nothing to say
        {**in_touch, "child_id": "2", "activity_status": None},
        {**in_touch, "child_id": "3", "la_in_touch": "c) Died", "latest_contact_date": None},
        {**in_touch, "child_id": "4", "la_in_touch": "e) NREQ", "latest_contact_date": None,
         "accommodation_type": None, "accommodation_suitability": None, "activity_status": None},
        {**in_touch, "child_id": "5", "accommodation_type": "Z: With former foster carers",
         "date_of_birth": "01/01/2008", "age": 17, "eligibility_category": "a) Relevant child"},
        {**in_touch, "child_id": "6", "latest_contact_date": "01/05/2025"},
    ]  # fmt: skip
    book = write_lists(tmp_path / "l9.xlsx", {"list_9": rows})
    codes = ["CL008", "CL010", "CL011", "CL013", "CL014", "CL015", "CL017", "CL018"]
    result = check_workbook(book, reference_date=REFERENCE, select=codes)
    assert _rows(result.findings) == [
        ("CL011", "List 9", 3, "2", "Activity Status", None),
        ("CL013", "List 9", 4, "3", "Type of Accommodation", "U: Independent living"),
        ("CL014", "List 9", 4, "3", "Suitability of Accommodation", "a) Suitable"),
        ("CL015", "List 9", 4, "3", "Activity Status", "G5"),
        ("CL010", "List 9", 6, "5", "Type of Accommodation", "Z: With former foster carers"),
        ("CL018", "List 9", 7, "6", "Latest Date of Contact", "01/05/2025"),
    ]
    assert result.findings.filter(pl.col("rule") == "CL013")["message"].to_list() == [
        "Type of Accommodation is 'U: Independent living' but LA in Touch is 'c) Died'. The template says "
        "to leave accommodation blank when the LA is not in touch: clear it, or correct LA in Touch."
    ]


def test_adoption_and_adopter_dates_out_of_order_end_to_end(tmp_path: Path) -> None:
    child = {
        **CHILD,
        "date_of_birth": "01/06/2020",
        "age": 4,
        "entered_care_date": Date(datetime(2023, 1, 5)),
    }
    adopter = {
        "gender": "b) Female",
        "ethnicity": "a) WBRI",
        "disability": "b) No",
        "fostering_for_adoption": "No",
    }
    lists = {
        "list_10": [
            {**child, "child_id": "1", "shobpa_decision_date": "01/06/2023", "matched_date": "01/09/2023",
             "placed_for_adoption_date": Date(datetime(2023, 10, 1)), "adoption_order_date": "01/02/2025"},
            {**child, "child_id": "2", "shobpa_decision_date": "04/01/2023", "matched_date": "01/09/2023",
             "placed_for_adoption_date": "31/08/2023"},
            {**child, "child_id": "3", "shobpa_decision_date": "01/06/2023",
             "decision_reversed_date": "01/05/2023", "decision_reversed_reason": "RD1"},
        ],
        "list_11": [
            {**adopter, "child_id": "A1", "family_id": "F1", "enquiry_date": "01/03/2024",
             "stage1_start_date": "01/04/2024", "stage1_end_date": Date(datetime(2024, 6, 1)),
             "stage2_start_date": "02/06/2024", "stage2_end_date": "01/10/2024"},
            {**adopter, "child_id": "A2", "family_id": "F1", "enquiry_date": "01/03/2024",
             "stage1_start_date": "01/04/2024", "stage1_end_date": "01/06/2024",
             "stage2_start_date": "31/05/2024"},
            {**adopter, "child_id": "A3", "family_id": "F2", "enquiry_date": "01/03/2024",
             "application_date": "01/04/2024", "approval_date": "01/09/2024",
             "matched_date": "01/08/2024"},
        ],
    }  # fmt: skip
    book = write_lists(tmp_path / "adoption.xlsx", lists)
    types = ["adoption_dates_out_of_order", "adopter_dates_out_of_order"]
    result = check_workbook(book, reference_date=REFERENCE, select=types)
    shobpa = "Date of Decision that Child Should be Placed for Adoption"
    reversed_ = "Date of Decision that Child Should No Longer be Placed for Adoption"
    assert _rows(result.findings) == [
        ("ADP003", "List 10", 3, "2", shobpa, "04/01/2023"),
        ("ADP005", "List 10", 3, "2", "Date Placed for Adoption", "31/08/2023"),
        ("ADP011", "List 10", 4, "3", reversed_, "01/05/2023"),
        ("ADR013", "List 11", 3, "A2", "Date Stage 2 started", "31/05/2024"),
        ("ADR018", "List 11", 4, "A3", "Date adopter matched with child(ren)", "01/08/2024"),
    ]
