"""The catalogue checked against its sources: each trap case of the audit, end to end.

Every case is a separate child in a small written workbook: the row the source says is
wrong gives exactly one finding (rule, row, column, message), and its legal look-alike
beside it gives none.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from builders import CHILD, write_lists, write_xlsx

from annexa_check.catalogue.spec import load_spec
from annexa_check.engine.check import check_workbook

REFERENCE = date(2025, 3, 31)
UNBORN = {**CHILD, "gender": "c) Not stated/recorded (or unborn)", "date_of_birth": "01/12/2025", "age": -1}
IN_CARE = {
    **CHILD,
    "uasc_last_12_months": "b) No",
    "cla_start_date": "01/02/2024",
    "legal_status": "C2: FCO",
    "legal_status_start_date": "01/02/2024",
    "placement_start_date": "01/02/2024",
    "placement_type": "p) K2: Children’s Homes",
    "placement_provider": "e) PR4: Private provision",
    "placement_postcode": "HD1 2AB",
    "placement_urn": "SC123456",
}


def _findings(path: Path, select: list[str]) -> list[tuple]:
    result = check_workbook(path, reference_date=REFERENCE, select=select)
    return result.findings.select("rule", "list", "row", "child_id", "column", "message").rows()


def test_events_before_birth_on_lists_6_7_8_and_10(tmp_path: Path) -> None:
    """CIN rule 8606 allows 40 weeks before the (expected) birth; SSDA903 rules 302 and 184 allow none."""
    path = write_lists(
        tmp_path / "birth.xlsx",
        {
            "list_6": [
                {**UNBORN, "child_id": "601", "cin_start_date": "24/02/2025"},  # exactly 280 days
                {**CHILD, "child_id": "602", "cin_start_date": "25/08/2011"},  # 281 days,
            ],
            "list_7": [
                {**UNBORN, "child_id": "701", "cp_start_date": "24/02/2025"},
                {**UNBORN, "child_id": "702", "cp_start_date": "23/02/2025"},
            ],
            "list_8": [
                {
                    **IN_CARE,
                    "child_id": "801",
                    "date_of_birth": "14/02/2025",
                    "age": 0,
                    "cla_start_date": "14/02/2025",
                    "legal_status_start_date": "14/02/2025",
                    "placement_start_date": "14/02/2025",
                },
                {
                    **IN_CARE,
                    "child_id": "802",
                    "date_of_birth": "15/02/2025",
                    "age": 0,
                    "cla_start_date": "14/02/2025",
                    "legal_status_start_date": "15/02/2025",
                    "placement_start_date": "15/02/2025",
                },
            ],
            "list_10": [
                {
                    **CHILD,
                    "child_id": "1001",
                    "date_of_birth": "14/02/2024",
                    "age": 1,
                    "entered_care_date": "14/02/2024",
                    "shobpa_decision_date": "01/06/2024",
                },
                {
                    **CHILD,
                    "child_id": "1002",
                    "date_of_birth": "01/07/2024",
                    "age": 0,
                    "entered_care_date": "01/07/2024",
                    "shobpa_decision_date": "01/06/2024",
                },
            ],
        },
    )
    assert _findings(path, ["event_before_birth"]) == [
        (
            "CIN018",
            "List 6",
            3,
            "602",
            "CIN Start Date",
            "CIN Start Date 25/08/2011 is more than 40 weeks before the Date of Birth 01/06/2012. An episode for "
            "an unborn child starts within 40 weeks of the (expected) birth: check both dates.",
        ),
        (
            "CP019",
            "List 7",
            3,
            "702",
            "Child Protection Plan Start Date",
            "Child Protection Plan Start Date 23/02/2025 is more than 40 weeks before the Date of Birth 01/12/2025. "
            "A pre-birth plan starts within 40 weeks of the (expected) birth: check both dates.",
        ),
        (
            "CLA071",
            "List 8",
            3,
            "802",
            "Date Started to be Looked After",
            "'Date Started to be Looked After' 14/02/2025 is before the Date of Birth 15/02/2025. A child can be "
            "looked after, and placed, only once born: check both dates.",
        ),
        (
            "ADP015",
            "List 10",
            3,
            "1002",
            "Date of Decision that Child Should be Placed for Adoption",
            "'Date of Decision that Child Should be Placed for Adoption' 01/06/2024 is before the Date of Birth "
            "01/07/2024. A child enters care, and can be the subject of an adoption decision, only once born: "
            "check both dates.",
        ),
    ]


def test_event_before_birth_is_an_error_as_in_the_dfe_rules() -> None:
    """CIN rule 8606 and SSDA903 rules 184 and 302 are errors, not queries, in the DfE returns."""
    rules = [r for r in load_spec().rules if r.error_type == "event_before_birth"]
    assert sorted(r.code for r in rules) == [
        "ADP015",
        "ASM010",
        "CIN018",
        "CLA071",
        "CON006",
        "CP019",
        "ENQ016",
        "REF011",
    ]
    assert {r.severity for r in rules} == {"error"}


def test_urn_and_postcode_not_asked_for_short_breaks(tmp_path: Path) -> None:
    """SSDA903 rule 214: no placement postcode or URN for short breaks (V3/V4)."""
    path = write_lists(
        tmp_path / "urn.xlsx",
        {
            "list_8": [
                {**IN_CARE, "child_id": "811", "placement_urn": None},
                {
                    **IN_CARE,
                    "child_id": "812",
                    "placement_urn": None,
                    "placement_postcode": None,
                    "legal_status": "V3: Short term breaks, episodes recorded",
                },
                {
                    **IN_CARE,
                    "child_id": "813",
                    "placement_urn": None,
                    "placement_postcode": None,
                    "legal_status": "V4: Short term breaks, agreements recorded",
                },
                {**IN_CARE, "child_id": "814", "placement_postcode": None},
            ]
        },
    )
    assert _findings(path, ["CLA042", "CLA045"]) == [
        (
            "CLA045",
            "List 8",
            2,
            "811",
            "URN of Placement",
            "URN of Placement is blank for Placement Type 'p) K2: Children’s Homes'. Record the Ofsted URN of the "
            "placement (XXXXXXX if the setting is not Ofsted-inspected); only a confidential placement or one "
            "outside England may leave it blank.",
        ),
        (
            "CLA042",
            "List 8",
            5,
            "814",
            "Placement postcode",
            "Placement postcode is blank. Record the postcode of the placement (a foster carer's own postcode, not "
            "the agency's); it may be left blank only for a confidential placement or one outside the UK.",
        ),
    ]


def test_care_ended_at_18_is_not_a_query_but_care_past_18_is(tmp_path: Path) -> None:
    """A period of care ended in the last six months may have ended on the 18th birthday (E17)."""
    path = write_lists(
        tmp_path / "age.xlsx",
        {
            "list_8": [
                {
                    **IN_CARE,
                    "child_id": "821",
                    "date_of_birth": "01/02/2007",
                    "age": 18,
                    "cla_end_date": "01/02/2025",
                    "cla_end_reason": "v) E17: Aged 18+ and remained with current carers",
                },
                {**IN_CARE, "child_id": "822", "date_of_birth": "01/02/2007", "age": 18},
                {
                    **IN_CARE,
                    "child_id": "823",
                    "date_of_birth": "01/02/2006",
                    "age": 19,
                    "cla_end_date": "01/02/2025",
                    "cla_end_reason": "v) E17: Aged 18+ and remained with current carers",
                },
            ]
        },
    )
    assert _findings(path, ["aged_18_or_over"]) == [
        (
            "CHD019",
            "List 8",
            3,
            "822",
            "Age of Child (Years)",
            "The child is 18 at the reference date but is still looked after (no Date Ceased to be Looked After). "
            "Care ends at 18: record the date and reason care ended (E17 if the young person stayed with their "
            "carers), or check the date of birth.",
        ),
        (
            "CHD020",
            "List 8",
            4,
            "823",
            "Age of Child (Years)",
            "The child is 19 at the reference date and care ended on 01/02/2025: a period of care that ended in "
            "the last six months ran past the 18th birthday. Care ends at 18: check the date ceased and the date "
            "of birth.",
        ),
    ]


LEAVER = {
    **CHILD,
    "date_of_birth": "01/06/2005",
    "age": 19,
    "uasc": "b) No",
    "personal_advisor": "Rosa Fenwick",
    "eligibility_category": "b) Former relevant child",
    "la_in_touch": "a) Yes",
    "latest_contact_date": "01/03/2025",
    "activity_status": "G5",
}


def test_homeless_or_in_custody_is_never_suitable(tmp_path: Path) -> None:
    """SSDA903 rule 133: accommodation S and X exist only as S2 and X2 (unsuitable)."""
    path = write_lists(
        tmp_path / "accommodation.xlsx",
        {
            "list_9": [
                {
                    **LEAVER,
                    "child_id": "901",
                    "accommodation_type": "S: No fixed abode / homeless",
                    "accommodation_suitability": "b) Unsuitable",
                },
                {
                    **LEAVER,
                    "child_id": "902",
                    "accommodation_type": "X: In custody",
                    "accommodation_suitability": "a) Suitable",
                },
                {
                    **LEAVER,
                    "child_id": "903",
                    "accommodation_type": "U: Independent living",
                    "accommodation_suitability": "a) Suitable",
                },
            ]
        },
    )
    assert _findings(path, ["CL023"]) == [
        (
            "CL023",
            "List 9",
            3,
            "902",
            "Suitability of Accommodation",
            "Suitability of Accommodation is 'a) Suitable' but the Type of Accommodation is 'X: In custody'. No "
            "fixed abode or homelessness (S) and custody (X) are always unsuitable: record 'b) Unsuitable', or "
            "correct the type.",
        ),
    ]


def test_personal_adviser_required_only_where_the_act_requires_one(tmp_path: Path) -> None:
    """Children Act 1989: a personal adviser for eligible, relevant and former relevant; s24 sets none."""
    path = write_lists(
        tmp_path / "adviser.xlsx",
        {
            "list_9": [
                {
                    **LEAVER,
                    "child_id": "911",
                    "personal_advisor": None,
                    "eligibility_category": "c) Qualifying care leaver",
                    "accommodation_type": "U",
                    "accommodation_suitability": "a) Suitable",
                },
                {
                    **LEAVER,
                    "child_id": "912",
                    "personal_advisor": None,
                    "accommodation_type": "U",
                    "accommodation_suitability": "a) Suitable",
                },
            ]
        },
    )
    assert _findings(path, ["CL022"]) == [
        (
            "CL022",
            "List 9",
            3,
            "912",
            "Allocated Personal Advisor",
            "Allocated Personal Advisor is blank for a 'b) Former relevant child'. Record the name of the young "
            "person's personal adviser; every relevant, former relevant and eligible care leaver must have one.",
        ),
    ]


def test_sex_header_is_read_as_gender_on_every_list(tmp_path: Path) -> None:
    """The CIN census calls the column Sex from 2024-25; an extract that follows it still gets its gender checks."""
    spec = load_spec()
    sheets = {}
    for key in ("list_1", "list_11"):
        headers = ["Sex" if c.key == "gender" else c.header for c in spec.lists[key].columns_for("2023")]
        sheets[spec.lists[key].name] = [headers]
    sheets["List 1"] += [
        ["101", "Unborn", "a) WBRI", None, -1, "01/03/2025", "q) 6: Police"],
        ["102", "b) Female", "a) WBRI", "01/06/2012", 12, "01/03/2025", "q) 6: Police"],
    ]
    sheets["List 11"] += [["A1", "F1", "M", "a) WBRI", "b) No", "No", "01/01/2025"] + [None] * 12]
    path = write_xlsx(tmp_path / "sex.xlsx", sheets)
    result = check_workbook(path, reference_date=REFERENCE, select=["CHD001", "CHD002", "missing_column"])
    assert result.workbook.lists["list_1"].matched["gender"] == "Sex"
    assert result.findings.filter(pl.col("list") != "List 11").select(
        "rule", "row", "column", "value"
    ).rows() == [
        ("CHD002", 2, "Sex", "Unborn"),
    ]
    assert result.findings.filter(pl.col("list") == "List 11").select(
        "rule", "row", "column", "value"
    ).rows() == [
        ("CHD002", 2, "Sex", "M"),
    ]
