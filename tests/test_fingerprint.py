"""Fingerprints recognise the same problem next month even after the rows have moved."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from builders import write_lists

from annexa_check.engine.check import check_workbook

REFERENCE = date(2025, 3, 31)
CONTACT = {"gender": "a) Male", "ethnicity": "", "date_of_birth": "01/06/2012", "age": 12}


def fingerprints(path: Path) -> dict[tuple[str, str, int], str]:
    findings = check_workbook(path, reference_date=REFERENCE, select=["ETH001"]).findings
    return {(r["child_id"], r["list"], r["row"]): r["fingerprint"] for r in findings.iter_rows(named=True)}


def test_fingerprint_ignores_row_numbers_but_not_the_record(tmp_path: Path) -> None:
    first = write_lists(
        tmp_path / "march.xlsx",
        {
            "list_1": [
                {**CONTACT, "child_id": "C1", "contact_date": "01/03/2025"},
                {**CONTACT, "child_id": "C1", "contact_date": "05/03/2025"},
            ]
        },
    )
    second = write_lists(
        tmp_path / "april.xlsx",
        {
            "list_1": [
                {**CONTACT, "child_id": "C9", "contact_date": "02/03/2025", "ethnicity": "a) WBRI"},
                {**CONTACT, "child_id": "C1", "contact_date": "05/03/2025"},
                {**CONTACT, "child_id": "C1", "contact_date": "01/03/2025"},
            ]
        },
    )
    march, april = fingerprints(first), fingerprints(second)
    assert sorted(march) == [("C1", "List 1", 2), ("C1", "List 1", 3)]
    assert sorted(april) == [("C1", "List 1", 3), ("C1", "List 1", 4)]
    # the contact of 01/03 moved from row 2 to row 4, the one of 05/03 from row 3 to row 3
    assert april[("C1", "List 1", 4)] == march[("C1", "List 1", 2)]
    assert april[("C1", "List 1", 3)] == march[("C1", "List 1", 3)]
    assert march[("C1", "List 1", 2)] != march[("C1", "List 1", 3)]


def test_identical_records_get_numbered_fingerprints(tmp_path: Path) -> None:
    path = write_lists(
        tmp_path / "twice.xlsx",
        {"list_1": [{**CONTACT, "child_id": "C1", "contact_date": "01/03/2025"}] * 2},
    )
    found = fingerprints(path)
    first, second = found[("C1", "List 1", 2)], found[("C1", "List 1", 3)]
    assert len(first) == 16
    assert second == f"{first}-2"
