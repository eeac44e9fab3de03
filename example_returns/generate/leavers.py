"""List 9, care leavers aged 16-25, and the eligible children (2023 template) still in care.

Which eligibility category fits which age, which in-touch answers call for accommodation
details, and which accommodation types are barred under 18 are read from the rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annexa_check.catalogue.spec import Spec
from example_returns.generate.codes import rule_codes, rule_param
from example_returns.generate.people import FIRST, LAST

if TYPE_CHECKING:
    from example_returns.generate.builder import Builder

# Weights keyed by code of the spec's accommodation_type, activity_status and la_in_touch sets.
ACCOM_W = {
    "B": 8,
    "C": 2,
    "D": 25,
    "E": 6,
    "G": 1,
    "K": 3,
    "R": 1,
    "S": 1,
    "T": 5,
    "U": 35,
    "V": 1,
    "W": 1,
    "X": 2,
    "Y": 3,
    "Z": 6,
}
ACTIVITY_W = {
    "F1": 8,
    "P1": 1,
    "F2": 15,
    "P2": 3,
    "F3": 8,
    "P3": 4,
    "F4": 5,
    "P4": 1,
    "F5": 10,
    "P5": 4,
    "G4": 6,
    "G5": 20,
    "G6": 4,
}
IN_TOUCH_W = {"Yes": 80, "No": 7, "Died": 1, "Refu": 3, "NREQ": 5, "Rhom": 4}
# Accommodation always recorded as unsuitable (homeless, emergency, bed and breakfast, not known).
UNSUITABLE = ("S", "V", "W", "R")
# Eligibility categories of care leavers under and over 18 (codes of eligibility_category).
UNDER_18_W = {"Relevant": 55, "Qualifying": 15}
ADULT_W = {"Former relevant": 90, "Qualifying": 10}
# In-touch answers given to the first rows (after the two age edge cases), so each one is there.
FORCED_TOUCH = ("No", "No", "NREQ", "NREQ", "Died", "Refu", "Rhom")


def barred_under_18(spec: Spec) -> frozenset[str]:
    """Accommodation types a rule bars at some age under 18: drawn for adults only."""
    not_ages = rule_param(spec, "accommodation_invalid_for_age", "not_ages")
    return frozenset(code for code, (lo, _hi) in not_ages.items() if (lo or 0) < 18)


def list_9(b: Builder) -> None:
    sheet, c, rng, refo = b.new_sheet("list_9"), b.codes, b.rng, b.refo
    ages = rule_param(b.spec, "invalid_care_leaver_eligibility", "ages")
    b.eligibility_ages = ages
    in_touch_codes = rule_codes(b.spec, "missing_accommodation_suitability", "in")
    barred = barred_under_18(b.spec)

    def under_18(code: str) -> bool:
        return code not in barred

    forced_touch = list(FORCED_TOUCH)
    # Eligible children (2023 template) are still in care: 16-17-year-olds open on List 8.
    eligible = [
        p
        for p in b.cla
        if 16 <= p.age <= 17
        and b.cla_facts[p.id]["end"] is None
        and c.has("eligibility_category", "Eligible")
    ]
    rows = []
    for i, p in enumerate([*b.leavers, *eligible]):
        is_eligible = i >= len(b.leavers)
        fits = [
            code
            for code in c.labels["eligibility_category"]
            if code in ages and (ages[code][0] or 0) <= p.age <= (ages[code][1] or 999)
        ]
        if is_eligible:
            category = "Eligible"
        elif i == 0:
            category = "Former relevant"
        elif i == 1:
            category = "Relevant"
        elif p.age < 18:
            category = c.pick(
                "eligibility_category",
                UNDER_18_W,  # not looked after, so not eligible
                lambda x, fits=fits: x in fits,
            )
        else:
            category = c.pick(
                "eligibility_category",
                ADULT_W,
                lambda x, fits=fits: x in fits,
            )
        protected = i < 2 or is_eligible
        if 2 <= i < 2 + len(forced_touch):
            touch, protected = forced_touch[i - 2], True
        elif is_eligible:
            touch = "Yes"  # the LA looks after them
        else:
            touch = c.pick("la_in_touch", IN_TOUCH_W)
        # Injected errors go on rows in touch, whose accommodation and activity are filled in.
        protected = protected or touch not in in_touch_codes
        team, worker = b.team("leaving")
        cells = b.person_cells(p)
        cells.update(
            uasc=b.yn(0.08),
            allocated_team=team,
            allocated_worker=worker,
            personal_advisor=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            eligibility_category=c.render("eligibility_category", category),
            pathway_plan_review_date=b.d(b.rd(refo - 200, refo)) if rng.random() < 0.9 else None,
            la_in_touch=c.render("la_in_touch", touch),
        )
        if touch in in_touch_codes:
            accom = c.pick("accommodation_type", ACCOM_W, None if p.age >= 18 else under_18)
            unsuitable = accom in UNSUITABLE or rng.random() < 0.06
            cells.update(
                latest_contact_date=b.d(b.rd(refo - 60, refo)),
                accommodation_type=c.render("accommodation_type", accom),
                accommodation_suitability=c.render(
                    "accommodation_suitability", "Unsuitable" if unsuitable else "Suitable"
                ),
                activity_status=c.render("activity_status", c.pick("activity_status", ACTIVITY_W)),
            )
        rows.append(
            (p.id, cells, b.meta(p, protected=protected, age=p.age, in_touch=touch in in_touch_codes))
        )
    for _, cells, meta in sorted(rows, key=lambda r: int(r[0])):
        b.add(sheet, cells, meta)
