"""Lists 1-5, the front door: contacts, early help, referrals, assessments, section 47 enquiries."""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING, Any

from example_returns.generate.people import EH_ORGS, WINDOW

if TYPE_CHECKING:
    from example_returns.generate.builder import Builder

# Contact and referral sources (codes of the spec's referral_source set).
SOURCE_W = {
    "1A": 4, "1B": 4, "1C": 3, "1D": 2, "2A": 18, "2B": 4, "3A": 5, "3B": 4, "3C": 3, "3D": 2,
    "3E": 2, "3F": 2, "4": 3, "5A": 5, "5B": 3, "5C": 3, "5D": 2, "6": 28, "7": 1, "8": 3, "9": 1, "10": 1,
}  # fmt: skip
# Whether the child was seen during the assessment (codes of the spec's yes_no_unknown set).
CHILD_SEEN_W = {"Yes": 90, "No": 8, "Unknown": 2}


def list_1(b: Builder) -> None:
    sheet, c, rng = b.new_sheet("list_1"), b.codes, b.rng
    people = list(b.unborn) + rng.choices(b.kids, k=max(0, round(b.n * 1.5) - len(b.unborn)))
    rows = []
    seen: set[tuple[str, int, str]] = set()
    for p in people:
        cells = b.person_cells(p)
        cells.pop("disability")
        o = b.recent(p)
        cells["contact_source"] = c.render("referral_source", c.pick("referral_source", SOURCE_W))
        o = b.unrepeated(seen, p.id, o, cells["contact_source"])
        cells["contact_date"] = b.d(o)
        rows.append((cells["contact_date"], p.id, cells, b.meta(p, protected=p.dob is None)))
    for _, _, cells, meta in sorted(rows, key=lambda r: (r[0], r[1])):
        b.add(sheet, cells, meta)


def list_2(b: Builder) -> None:
    sheet, rng = b.new_sheet("list_2"), b.rng
    rows = []
    for p in rng.sample(b.kids, min(len(b.kids), round(b.n * 0.12))):
        cells = b.person_cells(p)
        start = b.recent(p)
        cells["eh_assessment_start_date"] = b.d(start)
        if rng.random() < 0.65:
            cells["eh_assessment_completion_date"] = b.d(b.rd(start, min(start + 45, b.refo)))
        cells["eh_organisation"] = rng.choice(EH_ORGS)
        rows.append((start, p.id, cells, b.meta(p)))
    for _, _, cells, meta in sorted(rows, key=lambda r: (r[0], r[1])):
        b.add(sheet, cells, meta)


def list_3(b: Builder) -> None:
    sheet, c, rng = b.new_sheet("list_3"), b.codes, b.rng
    b.referred = rng.choices(b.kids, k=round(b.n * 0.4))
    prior: dict[str, int] = {}
    rows = []
    seen: set[tuple[str, int, str]] = set()
    for p in b.referred:
        cells = b.person_cells(p)
        o = b.recent(p)
        team, worker = b.team("assessment")
        source = c.render("referral_source", c.pick("referral_source", SOURCE_W))
        o = b.unrepeated(seen, p.id, o, source)
        cells.update(
            referral_date=b.d(o),
            referral_source=source,
            referral_nfa=b.yn(0.15),
            referrals_last_12_months=prior.setdefault(p.id, rng.choices(range(5), [50, 25, 12, 8, 5])[0]),
            allocated_team=team,
            allocated_worker=worker,
        )
        rows.append((o, p.id, cells, b.meta(p)))
    for _, _, cells, meta in sorted(rows, key=lambda r: (r[0], r[1])):
        b.add(sheet, cells, meta)


def list_4(b: Builder) -> None:
    sheet, c, rng = b.new_sheet("list_4"), b.codes, b.rng
    pool = list(dict.fromkeys(p.id for p in b.referred))
    by_id = {p.id: p for p in b.referred}
    chosen = rng.sample(pool, min(len(pool), round(b.n * 0.35)))
    rows = []
    for pid in chosen:
        p = by_id[pid]
        cells = b.person_cells(p)
        start = b.recent(p)
        team, worker = b.team("assessment")
        cells.update(
            assessment_start_date=b.d(start),
            assessment_child_seen=c.render("yes_no_unknown", c.pick("yes_no_unknown", CHILD_SEEN_W)),
            allocated_team=team,
            allocated_worker=worker,
        )
        if start + 5 <= b.refo and rng.random() < 0.75:
            cells["assessment_authorised_date"] = b.d(b.rd(start + 5, min(start + 45, b.refo)))
            cells["assessment_support_required"] = b.yn(0.6)
        rows.append((start, p.id, cells, b.meta(p)))
    for _, _, cells, meta in sorted(rows, key=lambda r: (r[0], r[1])):
        b.add(sheet, cells, meta)


def list_5(b: Builder) -> None:
    sheet, rng = b.new_sheet("list_5"), b.rng
    counts: dict[str, tuple[int, int]] = {}
    rows = []
    for p in rng.sample(b.kids, min(len(b.kids), round(b.n * 0.1))):
        cells = b.person_cells(p)
        start = b.rd(max(b.refo - WINDOW, p.dob.toordinal()), b.refo - 21)
        team, worker = b.team("assessment")
        s47s, icpcs = counts.setdefault(p.id, (rng.choice((0, 0, 0, 1, 2)), rng.choice((0, 0, 0, 1))))
        cells.update(
            s47_start_date=b.d(start),
            s47s_last_12_months=s47s,
            icpcs_last_12_months=icpcs,
            allocated_team=team,
            allocated_worker=worker,
        )
        if rng.random() < 0.4:
            cells["icpc_unnecessary"] = b.codes.render("yes_no", "Yes")
        else:
            cells["icpc_unnecessary"] = b.codes.render("yes_no", "No")
            icpc = min(start + rng.randint(5, 20), b.refo)
            while date.fromordinal(icpc).weekday() >= 5:
                icpc -= 1
            cells["icpc_date"] = b.d(max(icpc, start))
            cells["icpc_resulted_in_plan"] = b.yn(0.8)
        rows.append((start, p.id, cells, b.meta(p)))
    rows += repeat_s47s(b, rows)
    for _, _, cells, meta in sorted(rows, key=lambda r: (r[0], r[1])):
        b.add(sheet, cells, meta)


def repeat_s47s(b: Builder, rows: list[tuple[int, str, dict[str, Any], dict[str, Any]]]) -> list[Any]:
    """An earlier enquiry for some children, with the same counts on both rows as the template asks.

    Drawn from a separate generator so the rest of a seeded workbook is unchanged.
    """
    rng = random.Random(b.seed * 7919 + 5)
    out = []
    for start, child, cells, meta in rows:
        earliest = max(b.refo - WINDOW, cells["date_of_birth"].toordinal())
        if rng.random() >= 0.15 or start - 30 < earliest:
            continue
        cells["s47s_last_12_months"] = max(cells["s47s_last_12_months"], 1)
        earlier = {
            **cells,
            "s47_start_date": b.d(rng.randint(earliest, start - 30)),
            "icpc_unnecessary": b.codes.render("yes_no", "Yes"),
            "icpc_date": None,
            "icpc_resulted_in_plan": None,
        }
        out.append((earlier["s47_start_date"].toordinal(), child, earlier, dict(meta)))
    return out


def icpc_plans_on_list_7(b: Builder) -> None:
    """An ICPC that resulted in a plan puts the child on List 7; other outcomes become No."""
    sheet = b.sheets["list_5"]
    col, no = sheet.idx("icpc_resulted_in_plan"), b.codes.label("yes_no", "No")
    for row, meta in zip(sheet.rows, sheet.meta, strict=True):
        said = row[col]
        if said and said.strip().lower().endswith("yes") and meta["id"] not in b.cp_facts:
            row[col] = no
