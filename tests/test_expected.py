"""'What a correct value looks like' is specific for every check kind: dates from the reference date,
ranges from the rule, combinations from its conditions, and the due date of each overdue record."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from builders import CHILD, write_lists

from annexa_check.catalogue.expected import expected_value
from annexa_check.catalogue.kinds import KINDS
from annexa_check.catalogue.spec import Spec
from annexa_check.engine.check import check_workbook
from annexa_check.report.model import build_report

REFERENCE = date(2025, 3, 31)

# One rule of each check kind, and exactly what its finding says a correct value is.
BY_KIND = {
    "required": ("ADP001", "A date: an Excel date or dd/mm/yyyy text, e.g. 01/09/2024"),
    "date_order": (
        "ADP003",
        "A date on or after the Date the Child Entered Care (an Excel date or dd/mm/yyyy text, e.g. 01/09/2024)",
    ),
    "combination": (
        "CL023",
        "When Type of Accommodation is one of S, X: Suitability of Accommodation must be other than Suitable",
    ),
    "blank": ("ADP009", "Blank: nothing should be recorded here"),
    "valid": ("ADR007", "One of Yes, No"),
    "future_date": (
        "ADP012",
        "A date on or before the reference date (31/03/2025): an event that has happened",
    ),
    "lookback": (
        "CLA059",
        "A date on or after 31/12/2024 (no more than 3 months before the reference date, 31/03/2025)",
    ),
    "unique": ("ADP014", "One row per child on this list: keep the most recent episode"),
    "range": ("ADR022", "A whole number of at least 0"),
    "placeholder_date": (
        "ADR030",
        "The real date of the event (on or after 01/01/1910), not a placeholder such as 01/01/1900",
    ),
    "list_present": ("AX001", "A sheet named List_1 (Contacts) with the template's column headers"),
    "column_present": ("AX002", "A column headed 'Child Unique ID'"),
    "cell_error": (
        "AX003",
        "The Child Unique ID itself, not an Excel error such as #N/A: fix the extract's lookup or formula, "
        "then the value",
    ),
    "list_headers": (
        "AX009",
        "The template's header row (e.g. 'Child Unique ID') within the first 20 rows of the sheet",
    ),
    "column_unique": ("AX010", "One column headed 'Child Unique ID'"),
    "code_form": ("AX011", "One of a) Male, b) Female, c) Not stated/recorded (or unborn), d) Neither"),
    "age_matches_dob": (
        "CHD011",
        "The child's age in whole years on 31/03/2025, the reference date, by Date of Birth (or as it was "
        "up to 12 days before, when the lists were built)",
    ),
    "age_range": (
        "CHD013",
        "A child aged at most 17 on 31/03/2025, the reference date (by Date of Birth, else Age): check the "
        "date of birth, or whether the child belongs on this list",
    ),
    "consistent": (
        "CHD017",
        "The same Gender as on the child's other lists (the message says what each list has)",
    ),
    "on_list": ("CIN017", "A child also on List 8 (Children in care): add them there, or correct the ID"),
    "code_age": (
        "CL003",
        "The category that fits the age at the reference date: a) Relevant child if aged 16-17; d) Eligible "
        "child if aged 16-17; b) Former relevant child if aged 18 or over; c) Qualifying care leaver if "
        "aged 16-25",
    ),
    "pattern": (
        "CLA043",
        "A Placement postcode of the form [A-Z]{1,2}[0-9][A-Z0-9]? *[0-9][A-Z]{2} (letters in any case), "
        "e.g. HD1 2AB",
    ),
    "constant_per_child": (
        "ENQ012",
        "The same Number of Section 47 Enquiries in the last 12 months on every row of the child",
    ),
}


def test_every_check_kind_has_a_specific_expected_value(spec: Spec) -> None:
    assert set(BY_KIND) == set(KINDS)  # a new kind needs its line here
    rules = {r.code: r for r in spec.rules}
    said = {}
    for kind, (code, _) in BY_KIND.items():
        rule = rules[code]
        assert rule.check == kind
        targets = rule.targets(spec)
        lst, col = targets[0] if targets else (spec.lists[rule.lists[0]], None)
        said[kind] = (code, expected_value(rule, lst, col, spec, "2023", REFERENCE))
    assert said == BY_KIND


def test_an_overdue_visit_says_when_it_was_due(tmp_path: Path) -> None:
    """Each overdue record: the date the next visit was due (its own date plus three months)."""
    rows = [
        {**CHILD, "child_id": "C1", "cla_start_date": "01/01/2020", "last_visit_date": "30/12/2024"},
        {**CHILD, "child_id": "C2", "cla_start_date": "01/01/2020", "last_visit_date": "15/06/2024"},
        {**CHILD, "child_id": "C3", "cla_start_date": "01/01/2020", "last_visit_date": "31/12/2024"},
    ]
    book = write_lists(tmp_path / "in.xlsx", {"list_8": rows})
    report = build_report(check_workbook(book, reference_date=REFERENCE, select=["CLA059"]))
    found = dict(report.exceptions.select("child_id", "expected").iter_rows())
    window = "A date on or after 31/12/2024 (no more than 3 months before the reference date, 31/03/2025)"
    assert found == {
        "C1": f"Due by 30/03/2025 (3 months after 30/12/2024). {window}",
        "C2": f"Due by 15/09/2024 (3 months after 15/06/2024). {window}",
    }
