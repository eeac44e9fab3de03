"""List 8, children in care: placements, legal statuses and periods of care that end.

Which placement types need no provider, which have no Ofsted URN and which are barred
below an age are read from the rules that say so, and which are in use on a date from the
code set's DfE dates; the tables here only weight the spec's codes and keep the picks realistic.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from annexa_check.catalogue.spec import Spec
from example_returns.generate.codes import rule_codes, rule_param
from example_returns.generate.people import HOME_LA, OTHER_LAS, WINDOW, postcode, within

if TYPE_CHECKING:
    from example_returns.generate.builder import Builder

# Weights keyed by code of the spec's category_of_need, legal_status, cla_end_reason and
# placement_type sets.
CATEGORY_W = {"N1": 65, "N2": 5, "N3": 3, "N4": 8, "N5": 10, "N6": 2, "N7": 1, "N8": 6}
LEGAL_W = {"C1": 20, "C2": 45, "E1": 8, "V2": 20, "J1": 2, "L2": 1, "V3": 2, "L1": 1}
LEAVE_ENDS = {"E4A": 30, "E4B": 6, "E11": 8, "E12": 4, "E13": 3, "E3": 4, "E41": 3, "E45": 6, "E46": 2}
LEAVE_ENDS_16 = {"E5": 10, "E6": 3, "E7": 1, "E8": 4, "E9": 1, "E14": 1}
PLACEMENT_W = {
    "U1": 8, "U2": 1, "U3": 10, "U4": 20, "U5": 2, "U6": 22, "A3": 1, "A4": 1, "A5": 1, "A6": 1,
    "P1": 5, "P2": 2, "H5": 1, "K1": 1, "K2": 10, "K3": 2, "R1": 1, "R2": 1, "R3": 1, "R5": 1,
    "S1": 1, "Z1": 2, "T0": 1, "T1": 1, "T2": 1, "T3": 1, "T4": 1,
}  # fmt: skip
# Realistic age limits on top of the rules' own (placement_type_age_mismatch adds K3 at 16).
PLACEMENT_MIN_AGE = {"P2": 16, "P3": 16, "H5": 16, "R5": 15, "S1": 5}
PLACEMENT_MAX_AGE = {"A3": 9, "A4": 9, "A5": 9, "A6": 9, "R3": 1}
PROVIDERS = {
    "U": ("PR1", "PR1", "PR1", "PR4", "PR4", "PR5"), "A": ("PR1", "PR2", "PR5"), "P1": ("PR0",),
    "P2": ("PR1", "PR4"), "P3": ("PR4",), "H5": ("PR4", "PR5"), "K1": ("PR1", "PR2"),
    "K2": ("PR1", "PR4", "PR4", "PR5"), "K3": ("PR4",), "R1": ("PR1", "PR4"), "R2": ("PR3",),
    "R3": ("PR4",), "R5": ("PR3",), "S1": ("PR4", "PR5"),
}  # fmt: skip
# Not registered with Ofsted, so no URN, besides the types urn_not_expected names (SSDA903 rule 218).
# None: H5 supported accommodation is registered from 28/10/2023 and needs its URN (rule 230).
UNREGISTERED: tuple[str, ...] = ()
# Return interviews offered after a missing episode (codes of the spec's yes_no_unknown set).
RETURN_INTERVIEW_W = {"Yes": 75, "No": 15, "Unknown": 10}
# Supported accommodation: systems on the 2023/24 layout record it as K3, not H5 or P2.
RECORDED_AS_K3 = {"2023": ("H5", "P2")}
WITHDRAWN_BECOMES = "K3"


def min_ages(spec: Spec) -> dict[str, int]:
    """The age below which each placement type is not drawn: the table above and the rules' limits."""
    return {**PLACEMENT_MIN_AGE, **min_ages_at_start(spec)}


def min_ages_at_start(spec: Spec) -> dict[str, int]:
    """The rules' limits, which hold on the placement's start date (placement_type_age_mismatch)."""
    barred = rule_param(spec, "placement_type_age_mismatch", "not_ages")
    return {code: hi + 1 for code, (lo, hi) in barred.items() if lo is None}


def _birthday(dob: date, years: int) -> date:
    """The day a child turns `years` (a 29 February birthday falls on 1 March)."""
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:
        return date(dob.year + years, 3, 1)


def _age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((dob.month, dob.day) > (day.month, day.day))


def list_8(b: Builder) -> None:
    sheet, c, rng, refo = b.new_sheet("list_8"), b.codes, b.rng, b.refo
    exempt = set(rule_codes(b.spec, "missing_placement_provider", "not_in"))
    withdrawn = RECORDED_AS_K3.get(b.template, ())
    placement_codes = {code.code: code for code in b.spec.codesets["placement_type"].codes}
    no_urn = {*rule_codes(b.spec, "urn_not_expected", "in"), *UNREGISTERED}
    min_age, at_start = min_ages(b.spec), min_ages_at_start(b.spec)
    temporary = [code for code in c.labels["placement_type"] if code in exempt]
    refday = date.fromordinal(refo)
    forced = [t for t in ("T0", "T1", "T4", "Z1", "Z1", "T2") if t in temporary]
    forced = [t for t in forced if placement_codes[t].in_use_on(refday)]  # Z1 ends on 31/03/2025
    b.cla_facts = {}
    rows = []
    for p in b.cla:
        dob = p.dob.toordinal()
        ceased = not forced and rng.random() < 0.2
        if ceased:
            end = b.rd(max(refo - WINDOW + 1, dob), refo)
            start = b.rd(max(dob, end - 4 * 365), end)
        else:
            end = None
            start = b.rd(max(dob, refo - 365 * min(p.age + 1, 6)), refo)
        last = end or refo
        age = p.age
        age_at_last = _age_on(p.dob, date.fromordinal(last))  # the oldest the child was in this placement
        if forced and not ceased:
            ptype, protected = forced.pop(0), True
        else:
            protected = False

            def ok(
                code: str, age: int = age, ceased: bool = ceased, at_last: int = age_at_last, last: int = last
            ) -> bool:
                if ceased and code in exempt:  # a period of care may not end in a temporary placement
                    return False
                if not placement_codes[code].in_use_on(date.fromordinal(last)):  # the DfE's dates
                    return False
                if code in at_start and at_last < at_start[code]:  # too young in the whole placement
                    return False
                return min_age.get(code, 0) <= age <= PLACEMENT_MAX_AGE.get(code, 99)

            ptype = c.pick("placement_type", PLACEMENT_W, ok)
            if ptype in withdrawn:  # withdrawn by the DfE when supported accommodation (K3) came in
                ptype = WITHDRAWN_BECOMES
        legal = c.pick("legal_status", LEGAL_W)
        if ptype == "P1" and legal == "V2":
            legal = "C2"
        if ptype[0] == "A":
            legal = "E1"
        provider = None
        if ptype not in exempt:
            provider = rng.choice(PROVIDERS.get(ptype, PROVIDERS.get(ptype[0], ("PR1", "PR4"))))
        pstart = b.rd(start, last)
        if ptype in at_start:  # the placement starts once the child is old enough for it
            pstart = max(pstart, _birthday(p.dob, at_start[ptype]).toordinal())
        team, worker = b.team("cic" if age < 16 else rng.choice(("cic", "leaving")))
        missing = 0 if rng.random() < 0.85 else rng.randint(1, 6)
        cells = b.person_cells(p)
        cells.update(
            uasc_last_12_months=b.yn(0.12 if age >= 12 else 0.0),
            cla_start_date=b.d(start),
            category_of_need=c.render("category_of_need", c.pick("category_of_need", CATEGORY_W)),
            subsequent_period=b.yn(0.1),
            legal_status_start_date=b.d(b.rd(start, min(last, start + 300))),
            legal_status=c.render("legal_status", legal),
            last_visit_date=b.d(b.rd(max(start, last - 42), last)),
            placements_last_12_months=1 if pstart == start else rng.choice((1, 2, 2, 3, 4)),
            placement_start_date=b.d(pstart),
            placement_type=c.render("placement_type", ptype),
            placement_provider=c.render("placement_provider", provider) if provider else None,
            placement_postcode=postcode(rng),
            placement_location=None,
            missing_episodes=missing,
            absent_episodes=0 if rng.random() < 0.8 else rng.randint(1, 5),
            allocated_team=team,
            allocated_worker=worker,
        )
        if last - start >= 20:
            drawn = b.rd(start + 20, last)
            iro = drawn if rng.random() < 0.5 else b.rd(drawn, last)
            review = within(drawn, last, 180)  # reviews at most six months apart
            cells["latest_review_date"] = b.d(review)
            cells["last_iro_date"] = b.d(max(iro, review))
        if last - start >= 28:
            health = b.rd(max(start + 14, last - 330), last)
            if age < 5:  # health assessments six-monthly under five, else yearly
                health = within(health, last, 170)
            cells["health_assessment_date"] = b.d(health)
        if age >= 1 and last - start >= 60 and rng.random() < 0.9:
            cells["dental_check_date"] = b.d(b.rd(max(start + 30, last - 330), last))
        if rng.random() < 0.9:
            cells["permanence_plan"] = c.render("permanence_plan", c.any("permanence_plan"))
        if ptype not in exempt and ptype not in no_urn:
            cells["placement_urn"] = (
                f"SC{rng.randint(100000, 999999)}"
                if ptype[0] in "KRH"
                else str(rng.randint(1000000, 9999999))
            )
        drawn_inside = rng.random() < 0.65
        # The LA's own non-foster provision sits inside its boundary (SSDA903 query 1015).
        inside = drawn_inside or (provider == "PR1" and ptype[0] not in "UA")
        cells["placement_location"] = c.render("placement_location", "In" if inside else "Out")
        elsewhere = None if drawn_inside else rng.choice(OTHER_LAS)  # drawn as before: seeds hold
        cells["placement_la"] = HOME_LA if inside else elsewhere
        if missing:
            offered = c.pick("yes_no_unknown", RETURN_INTERVIEW_W)
            cells["return_interview_offered"] = c.render("yes_no_unknown", offered)
            if offered == "Yes":
                cells["return_interview_accepted"] = c.render(
                    "yes_no_unknown", "Yes" if rng.random() < 0.6 else "No"
                )
        reason = None
        if ceased:
            pool = dict(LEAVE_ENDS, **(LEAVE_ENDS_16 if age >= 16 else {}))
            reason = c.pick("cla_end_reason", pool) if age >= 16 else c.pick("cla_end_reason", LEAVE_ENDS)
            cells["cla_end_date"] = b.d(end)
            cells["cla_end_reason"] = c.render("cla_end_reason", reason)
        b.cla_facts[p.id] = {"start": start, "end": end, "reason": reason}
        meta = b.meta(
            p,
            protected=protected,
            ptype=ptype,
            needs_provider=ptype not in exempt,
            ceased=ceased,
        )
        rows.append((p.id, cells, meta))
    for _, cells, meta in sorted(rows, key=lambda r: int(r[0])):
        b.add(sheet, cells, meta)
