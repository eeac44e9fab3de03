"""Lists 6 and 7: children in need and child protection plans, which follow those in care (List 8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from example_returns.generate.people import WINDOW, within

if TYPE_CHECKING:
    from example_returns.generate.builder import Builder

# Weights keyed by code of the spec's primary_need and closure_reason sets.
PRIMARY_NEED_W = {
    "N1": 55, "N2": 8, "N3": 4, "N4": 8, "N5": 12, "N6": 3, "N7": 1, "N8": 4, "N9": 3,
}  # fmt: skip
CLOSURE_W = {"RC1": 2, "RC2": 1, "RC3": 3, "RC4": 4, "RC5": 5, "RC6": 3, "RC7": 50, "RC8": 15, "RC9": 15}
# Initial abuse category of a CP plan (abuse_category), and whether the child was seen alone (yes_no_unknown).
ABUSE_W = {"NEG": 50, "EMO": 30, "PHY": 8, "SAB": 4, "MUL": 8}
SEEN_ALONE_W = {"Yes": 75, "No": 20, "Unknown": 5}
# A child leaving care (List 8's reason ceased) closes the CIN episode with the matching reason.
ENDS_TO_RC = {
    "E11": "RC1",
    "E12": "RC1",
    "E2": "RC2",
    "E41": "RC3",
    "E45": "RC4",
    "E46": "RC4",
    "E3": "RC5",
    "E7": "RC6",
}


def choose_cin(b: Builder) -> None:
    rng = b.rng
    n6 = min(len(b.kids), round(b.n * 0.5))
    b.cin = rng.sample(b.kids, n6)
    n8 = min(n6, round(b.n * 0.2))
    b.cla = b.cin[:n8]
    n7 = min(n6 - n8, round(b.n * 0.1))
    b.cp = b.cin[n8 : n8 + n7]


def list_7(b: Builder) -> None:
    sheet, c, rng, refo = b.new_sheet("list_7"), b.codes, b.rng, b.refo
    b.cp_facts = {}
    rows = []
    for p in b.cp:
        dob = p.dob.toordinal()
        start = b.rd(max(dob, refo - 2 * 365), refo)
        ended = start < refo and rng.random() < 0.3
        end = b.rd(max(start + 1, refo - WINDOW + 1), refo) if ended else None
        last = end or refo
        initial = c.pick("abuse_category", ABUSE_W)
        latest = initial if rng.random() < 0.85 else c.any("abuse_category")
        team, worker = b.team("cp")
        cells = b.person_cells(p)
        cells.update(
            cp_start_date=b.d(start),
            cp_initial_category=c.render("abuse_category", initial),
            cp_latest_category=c.render("abuse_category", latest),
            cp_end_date=b.d(end),
            epo_last_six_months=b.yn(0.05),
            previous_cp_plans=rng.choices(range(4), [70, 20, 7, 3])[0],
            allocated_team=team,
            allocated_worker=worker,
        )
        if rng.random() < 0.95:
            cells["cp_last_visit_date"] = b.d(b.rd(max(start, last - 14), last))
            cells["cp_seen_alone"] = c.render("yes_no_unknown", c.pick("yes_no_unknown", SEEN_ALONE_W))
        if last - start >= 30:
            review = within(b.rd(start + 30, last), last, 180)  # reviews at most six months apart
            cells["cp_latest_review_date"] = b.d(review)
        b.cp_facts[p.id] = {"start": start, "end": end}
        rows.append((p.id, cells, b.meta(p)))
    for _, cells, meta in sorted(rows, key=lambda r: int(r[0])):
        b.add(sheet, cells, meta)


def list_6(b: Builder) -> None:
    sheet, c, rng, refo = b.new_sheet("list_6"), b.codes, b.rng, b.refo
    rows = []
    for p in b.cin:
        dob = p.dob.toordinal()
        closure = reason = None
        if p.id in b.cla_facts:
            f = b.cla_facts[p.id]
            start = b.rd(max(dob, f["start"] - 365), f["start"])
            status = "Looked after"
            if f["end"] is not None:
                closure, status = f["end"], "Closed"
                reason = ENDS_TO_RC.get(f["reason"], "RC7")
            team_group = "cic"
        elif p.id in b.cp_facts:
            f = b.cp_facts[p.id]
            start = b.rd(max(dob, f["start"] - 200), f["start"])
            status, team_group = "CP plan", "cp"
            if f["end"] is not None:
                status, team_group = "CIN plan", "cin"
                if rng.random() < 0.4:
                    closure, status = b.rd(f["end"], refo), "Closed"
                    reason = c.pick("closure_reason", CLOSURE_W)
        else:
            r = rng.random()
            if r < 0.33:
                status, team_group = "CIN plan", "cin"
                start = b.rd(max(dob, refo - 2 * 365), refo)
            elif r < 0.5:
                status, team_group = "Open assessment", "assessment"
                start = b.rd(max(dob, refo - 60), refo)
            else:
                status, team_group = "Closed", rng.choice(("assessment", "cin"))
                closure = b.rd(max(dob, refo - WINDOW + 1), refo)
                start = b.rd(max(dob, closure - 540), closure)
                reason = c.pick("closure_reason", CLOSURE_W)
        team, worker = b.team(team_group)
        cells = b.person_cells(p)
        cells.update(
            cin_start_date=b.d(start),
            primary_need=c.render("primary_need", c.pick("primary_need", PRIMARY_NEED_W)),
            cin_closure_date=b.d(closure),
            closure_reason=c.render("closure_reason", reason) if reason else None,
            case_status=c.render("case_status", status),
            allocated_team=team,
            allocated_worker=worker,
        )
        if rng.random() < 0.93:
            last = closure or refo
            cells["last_seen_date"] = b.d(b.rd(max(start, last - 40), last))
        rows.append((p.id, cells, b.meta(p, closed=closure is not None)))
    for _, cells, meta in sorted(rows, key=lambda r: int(r[0])):
        b.add(sheet, cells, meta)
