"""Lists 10 and 11: children with an adoption decision, and the adopters and families matched to them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from example_returns.generate.people import ETHNICITY_W

if TYPE_CHECKING:
    from example_returns.generate.builder import Builder

# Reasons ceased (spec's cla_end_reason codes) that mean the child was adopted.
ADOPTED_ENDS = ("E11", "E12")
# Adopters' genders (codes of the spec's adopter_gender set).
ADOPTER_GENDER_W = {"Male": 48, "Female": 50, "Neither": 1, "Not stated": 1}


def list_10_11(b: Builder) -> None:
    s10, s11 = b.new_sheet("list_10"), b.new_sheet("list_11")
    c, rng, refo = b.codes, b.rng, b.refo
    # Children placed for adoption are still in care (open on List 8); adopted ones left
    # List 8 with an adoption reason on the adoption order date.
    young = [
        p
        for p in b.cla
        if p.age < 9 and (b.cla_facts[p.id]["end"] is None or b.cla_facts[p.id]["reason"] in ADOPTED_ENDS)
    ]
    n10 = min(len(young), max(4, round(b.n * 0.025)))
    families: list[dict[str, Any]] = []
    fam_no = rng.randint(3000, 4000)
    rows10 = []
    for p in rng.sample(young, n10):
        f = b.cla_facts[p.id]
        entered = f["start"]
        cells = b.person_cells(p)
        matched = placed = order = None
        if f["end"] is not None:  # adopted in the last six months
            order = f["end"]
            placed = b.rd(max(entered, order - 300), max(entered, order - 70))
            matched = b.rd(max(entered, placed - 40), placed)
            shobpa = b.rd(max(entered, matched - 200), matched)
            cells["placement_order_date"] = b.d(b.rd(shobpa, matched))
        else:
            shobpa = b.rd(min(entered + 60, refo), min(entered + 300, refo))
            if rng.random() < 0.12:  # decision reversed, within List 10's 12-month window
                cells["decision_reversed_date"] = b.d(b.rd(max(shobpa, refo - 365), refo))
                cells["decision_reversed_reason"] = c.render(
                    "decision_reversed_reason", c.any("decision_reversed_reason")
                )
            else:
                t = shobpa
                if rng.random() < 0.85:
                    t = b.rd(t, min(t + 120, refo))
                    cells["placement_order_date"] = b.d(t)
                if rng.random() < 0.6:
                    matched = b.rd(t, min(t + 150, refo))
                    if rng.random() < 0.7:
                        placed = b.rd(matched, min(matched + 40, refo))
        if shobpa > entered and rng.random() < 0.2:
            cells["ffa_placement_date"] = b.d(b.rd(entered, shobpa))
        cells.update(entered_care_date=b.d(entered), shobpa_decision_date=b.d(shobpa))
        if matched is not None:
            fam_no += rng.randint(1, 9)
            fam = {
                "id": f"F{fam_no}",
                "matched": matched,
                "placed": placed,
                "order": order,
                "children": 1,
            }
            families.append(fam)
            cells.update(
                family_id=fam["id"],
                matched_date=b.d(matched),
                placed_for_adoption_date=b.d(placed),
                adoption_order_date=b.d(order),
            )
        rows10.append((p.id, cells, b.meta(p)))
    for _, cells, meta in sorted(rows10, key=lambda r: int(r[0])):
        b.add(s10, cells, meta)
    # Adopters: the families above plus families still in assessment (about 1 per 50 children).
    for _ in range(max(2, len(families), round(b.n * 0.02))):
        fam_no += rng.randint(1, 9)
        families.append({"id": f"F{fam_no}", "matched": None, "placed": None, "order": None, "children": 0})
    adopter_no = rng.randint(20000, 30000)
    for fam in families:
        first_date = fam["matched"] or refo
        s2_end = b.rd(first_date - 120, first_date) if fam["matched"] else None
        enquiry = (s2_end or refo) - rng.randint(150, 330)
        s1_start = b.rd(enquiry + 7, enquiry + 40)
        s1_end = b.rd(s1_start + 30, s1_start + 60)
        s2_start = b.rd(s1_end + 1, s1_end + 20)
        dates = {"enquiry_date": enquiry}
        stage_dates = (
            ("stage1_start_date", s1_start),
            ("stage1_end_date", s1_end),
            ("stage2_start_date", s2_start),
            ("stage2_end_date", s2_end),
        )
        leaving = None
        for key, o in stage_dates:
            if o is None or o > refo:
                break
            dates[key] = o
        if fam["matched"] is None and "stage2_start_date" in dates and rng.random() < 0.5:
            end = b.rd(dates["stage2_start_date"] + 60, dates["stage2_start_date"] + 150)
            if end <= refo:
                dates["stage2_end_date"] = end
        if fam["matched"] is None and rng.random() < 0.12:
            leaving = b.rd(max(dates.values()), refo)
        ffa = rng.random() < 0.15
        for _ in range(2 if rng.random() < 0.6 else 1):
            adopter_no += rng.randint(1, 7)
            cells: dict[str, Any] = {
                "child_id": f"A{adopter_no}",
                "family_id": fam["id"],
                "gender": c.render(
                    "adopter_gender",
                    c.pick("adopter_gender", ADOPTER_GENDER_W),
                ),
                "ethnicity": None,
                "disability": b.yn(0.05),
                "fostering_for_adoption": c.label("yes_no_plain", "Yes" if ffa else "No"),
                "matched_date": fam["matched"],
                "placed_date": fam["placed"],
                "adoption_order_date": fam["order"],
                "children_placed": fam["children"] if fam["placed"] else None,
            }
            eth = c.pick("ethnicity", ETHNICITY_W, lambda x: x != "NOBT")
            cells["ethnicity"] = c.render("ethnicity", eth)
            cells.update(dates)
            if leaving is not None:
                cells["leaving_date"] = leaving
                cells["leaving_reason"] = c.render("adopter_leaving_reason", c.any("adopter_leaving_reason"))
            for k, v in cells.items():
                if isinstance(v, int) and k.endswith("date"):
                    cells[k] = b.d(v)
            # Injected errors go on families still in assessment, so a match stays linked to List 10.
            b.add(s11, cells, {"id": cells["child_id"], "eth": eth, "protected": fam["matched"] is not None})
