"""The nine dry-run error types, end to end through real workbooks: true positives flagged,
legal look-alikes left alone. Each case names the rows (Excel row numbers) that must count."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from builders import write_lists

from annexa_check.engine.check import check_workbook

REFERENCE = date(2025, 3, 31)
PERSON = {
    "gender": "a) Male",
    "ethnicity": "a) WBRI",
    "date_of_birth": datetime(2012, 6, 1),
    "age": 12,
    "disability": "b) No",
    "allocated_team": "Team North",
    "allocated_worker": "Worker A",
}
CIN = {
    **PERSON,
    "cin_start_date": "01/01/2025",
    "primary_need": "N1 - Abuse or neglect",
    "case_status": "c) Child in need plan",
}
CLA = {
    **PERSON,
    "uasc_last_12_months": "b) No",
    "cla_start_date": "01/01/2024",
    "category_of_need": "N1",
    "subsequent_period": "b) No",
    "legal_status_start_date": "01/01/2024",
    "legal_status": "C2: FCO",
    "placements_last_12_months": 1,
    "placement_start_date": "01/01/2024",
    "placement_type": "f) U6: Foster placement - not FFA",
    "placement_provider": "b) PR1: Own provision",
    "placement_postcode": "AB1 2CD",
    "placement_location": "a) In",
    "placement_la": "Home LA",
    "missing_episodes": 0,
    "absent_episodes": 0,
}
LEAVER = {
    **PERSON,
    "date_of_birth": "01/06/2006",
    "age": 18,
    "uasc": "b) No",
    "personal_advisor": "PA One",
    "eligibility_category": "b) Former relevant child",
    "la_in_touch": "a) Yes",
    "latest_contact_date": "01/03/2025",
    "accommodation_type": "U: Independent living",
    "accommodation_suitability": "a) Suitable",
    "activity_status": "F2: Full time in education other than higher",
}

CASES = {
    "missing_primary_need": (
        "list_6",
        [
            {**CIN, "primary_need": None},  # row 2: blank
            {**CIN, "primary_need": "N0 - Not stated"},  # legal: a code, even if "not stated"
            {**CIN, "primary_need": "PSRMEM"},  # invalid, counted as invalid_primary_need instead
        ],
        [2],
    ),
    "missing_ethnicity": (
        "list_6",
        [
            {**CIN, "ethnicity": None},
            {**CIN, "ethnicity": "s) NOBT"},  # legal: information not yet obtained
            {**CIN, "ethnicity": " WBRI "},  # legal: bare code, odd spacing
            {**CIN, "ethnicity": "\u00a0"},  # a non-breaking space is still blank
        ],
        [2, 5],
    ),
    "missing_closure_reason": (
        "list_6",
        [
            {**CIN, "cin_closure_date": "01/02/2025"},
            {**CIN},  # legal: open episode, no closure reason
            {**CIN, "cin_closure_date": datetime(2025, 2, 1), "closure_reason": "RC8"},
            {**CIN, "cin_closure_date": "2025-02-01"},  # closure date present (if invalid): reason still due
        ],
        [2, 5],
    ),
    "missing_placement_provider": (
        "list_8",
        [
            {**CLA, "placement_provider": None},
            {**CLA, "placement_type": "w) T0: Temporary placement", "placement_provider": None},
            {**CLA, "placement_type": "zz) T4: Temporary placement - seven days or less", "placement_provider": None},
            {**CLA, "placement_type": "v) Z1: Other placements", "placement_provider": None},
            {**CLA, "placement_type": "Z12", "placement_provider": None},  # the Z1 split (2025-26)
            {**CLA, "placement_type": None, "placement_provider": None},  # counted as missing_cic_placement
            {**CLA, "placement_type": "k) P1: Placed with parents", "placement_provider": None},
        ],
        [2, 8],
    ),
    "missing_cla_end_reason": (
        "list_8",
        [
            {**CLA, "cla_end_date": "01/03/2025"},
            {**CLA},  # legal: still looked after
            {**CLA, "cla_end_date": "01/03/2025", "cla_end_reason": "e) E4A"},
        ],
        [2],
    ),
    "missing_cic_placement": (
        "list_8",
        [
            {**CLA, "placement_type": None},
            {**CLA, "placement_type": "w) T0: Temporary placement", "placement_provider": None},
        ],
        [2],
    ),
    "invalid_care_leaver_eligibility": (
        "list_9",
        [
            {**LEAVER, "eligibility_category": None},  # blank
            {**LEAVER, "eligibility_category": "Care Leaver - PA to 25"},  # not a code
            {**LEAVER, "eligibility_category": "a) Relevant child"},  # 18: too old to be relevant
            {**LEAVER, "date_of_birth": "31/03/2007", "age": 18},  # legal: former relevant, 18 today
            {**LEAVER, "date_of_birth": "01/04/2007", "eligibility_category": "a) Relevant child", "age": 17},
            {**LEAVER, "date_of_birth": "01/04/2007", "age": 17},  # former relevant at 17: wrong
            {**LEAVER, "date_of_birth": "01/01/2000", "age": 25, "eligibility_category": "c) Qualifying care leaver"},
            {**LEAVER, "date_of_birth": "01/06/2008", "age": 16, "eligibility_category": "d) Eligible child"},
        ],
        [2, 3, 4, 7],
    ),
    "missing_placement_location": (
        "list_8",
        [
            {**CLA, "placement_location": None},
            {**CLA, "placement_location": "b) Out"},
            {**CLA, "placement_location": "IN"},
        ],
        [2],
    ),
    "missing_accommodation_suitability": (
        "list_9",
        [
            {**LEAVER, "accommodation_suitability": None},
            {**LEAVER, "la_in_touch": "b) No", "accommodation_type": None, "accommodation_suitability": None,
             "activity_status": None, "latest_contact_date": None},  # legal: not in touch
            {**LEAVER, "la_in_touch": "e) NREQ", "accommodation_type": None, "accommodation_suitability": None,
             "activity_status": None},  # legal: no longer requires services
            {**LEAVER, "la_in_touch": "Yes", "accommodation_suitability": None},  # bare Yes is in touch
        ],
        [2, 5],
    ),
}  # fmt: skip


@pytest.mark.parametrize("error_type", sorted(CASES))
def test_key_error_type(tmp_path: Path, error_type: str) -> None:
    list_key, rows, expected_rows = CASES[error_type]
    rows = [{"child_id": f"C{i}", **row} for i, row in enumerate(rows, start=1)]
    path = write_lists(tmp_path / "dry_run.xlsx", {list_key: rows})
    result = check_workbook(path, reference_date=REFERENCE, ignore=["missing_list"])
    hits = result.findings.filter(pl.col("error_type") == error_type)
    assert hits["row"].to_list() == expected_rows
    assert hits["child_id"].to_list() == [f"C{r - 1}" for r in expected_rows]
    counts = {row["error_type"]: row["count"] for row in result.counts().iter_rows(named=True)}
    assert counts[error_type] == len(expected_rows)


def test_look_alikes_raise_nothing_at_all(tmp_path: Path) -> None:
    """The legal rows above, on their own, give a workbook with no findings of any kind."""
    rows = {
        "list_6": [CIN, {**CIN, "cin_closure_date": "01/02/2025", "closure_reason": "RC8", "case_status": "e) Closed episode"}],
        "list_8": [
            CLA,
            {**CLA, "placement_type": "w) T0: Temporary placement", "placement_provider": None},
            {**CLA, "cla_end_date": "01/03/2025", "cla_end_reason": "e) E4A"},
        ],
        "list_9": [
            LEAVER,
            {**LEAVER, "la_in_touch": "b) No", "accommodation_type": None, "accommodation_suitability": None,
             "activity_status": None, "latest_contact_date": None},
        ],
    }  # fmt: skip
    numbered = {k: [{"child_id": f"C{i}", **r} for i, r in enumerate(v)] for k, v in rows.items()}
    result = check_workbook(write_lists(tmp_path / "ok.xlsx", numbered), reference_date=REFERENCE)
    assert result.findings.filter(pl.col("severity") == "error").rows() == []
    assert result.error_count == 0
