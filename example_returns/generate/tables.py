"""Every table of codes the generator keeps, with the spec code set its codes belong to.

The tables choose among the spec's codes (weights, age limits, providers per placement
type); they never add codes. `unknown_table_codes` names any code a table holds that the
spec does not, so a code renamed or dropped under `rules/` cannot leave a table stale.
"""

from __future__ import annotations

from collections.abc import Iterable

from annexa_check.catalogue.spec import Spec
from example_returns.generate import adoption, care, cin, front_door, leavers, people
from example_returns.generate.codes import unknown_codes


def code_tables() -> list[tuple[str, str, Iterable[str]]]:
    """(table name, code set, codes) for every table of codes in the generator."""
    return [
        ("people.ETHNICITY_W", "ethnicity", people.ETHNICITY_W),
        ("people.DISABILITY_W", "yes_no_unknown", people.DISABILITY_W),
        ("front_door.CHILD_SEEN_W", "yes_no_unknown", front_door.CHILD_SEEN_W),
        ("front_door.SOURCE_W", "referral_source", front_door.SOURCE_W),
        ("cin.PRIMARY_NEED_W", "primary_need", cin.PRIMARY_NEED_W),
        ("cin.CLOSURE_W", "closure_reason", cin.CLOSURE_W),
        ("cin.ABUSE_W", "abuse_category", cin.ABUSE_W),
        ("cin.SEEN_ALONE_W", "yes_no_unknown", cin.SEEN_ALONE_W),
        ("cin.ENDS_TO_RC (keys)", "cla_end_reason", cin.ENDS_TO_RC),
        ("cin.ENDS_TO_RC (values)", "closure_reason", cin.ENDS_TO_RC.values()),
        ("care.CATEGORY_W", "category_of_need", care.CATEGORY_W),
        ("care.LEGAL_W", "legal_status", care.LEGAL_W),
        ("care.LEAVE_ENDS", "cla_end_reason", care.LEAVE_ENDS),
        ("care.LEAVE_ENDS_16", "cla_end_reason", care.LEAVE_ENDS_16),
        ("care.PLACEMENT_W", "placement_type", care.PLACEMENT_W),
        ("care.PLACEMENT_MIN_AGE", "placement_type", care.PLACEMENT_MIN_AGE),
        ("care.PLACEMENT_MAX_AGE", "placement_type", care.PLACEMENT_MAX_AGE),
        (
            "care.PROVIDERS (keys)",
            "placement_type",
            [k for k in care.PROVIDERS if len(k) > 1],
        ),  # else a letter
        ("care.PROVIDERS (values)", "placement_provider", {p for ps in care.PROVIDERS.values() for p in ps}),
        ("care.UNREGISTERED", "placement_type", care.UNREGISTERED),
        ("care.RETURN_INTERVIEW_W", "yes_no_unknown", care.RETURN_INTERVIEW_W),
        ("care.WITHDRAWN_BECOMES", "placement_type", (care.WITHDRAWN_BECOMES,)),
        ("leavers.ACCOM_W", "accommodation_type", leavers.ACCOM_W),
        ("leavers.UNSUITABLE", "accommodation_type", leavers.UNSUITABLE),
        ("leavers.ACTIVITY_W", "activity_status", leavers.ACTIVITY_W),
        ("leavers.IN_TOUCH_W", "la_in_touch", leavers.IN_TOUCH_W),
        ("leavers.FORCED_TOUCH", "la_in_touch", leavers.FORCED_TOUCH),
        ("leavers.UNDER_18_W", "eligibility_category", leavers.UNDER_18_W),
        ("leavers.ADULT_W", "eligibility_category", leavers.ADULT_W),
        ("adoption.ADOPTED_ENDS", "cla_end_reason", adoption.ADOPTED_ENDS),
        ("adoption.ADOPTER_GENDER_W", "adopter_gender", adoption.ADOPTER_GENDER_W),
    ]


def unknown_table_codes(spec: Spec) -> list[str]:
    """One line per code a generator table names that the spec's code set does not hold."""
    return [
        f"{name}: '{code}' is not a code of {codeset}"
        for name, codeset, codes in code_tables()
        for code in unknown_codes(spec, codeset, codes)
    ]
