"""The cohort and the order the lists are built in; each list's rows are made by its own module.

One seeded RNG feeds every draw, in a fixed order, so the same arguments give the same
cells. The lists are built in dependency order: the front door (Lists 1-5), then those in
care (8) before child protection (7) and children in need (6), which follow them, then
care leavers (9) and adoption (10-11).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from annexa_check.annex.model import ListSpec
from annexa_check.catalogue.spec import Spec
from example_returns.generate import adoption, care, cin, front_door, leavers
from example_returns.generate.codes import Codes
from example_returns.generate.people import (
    DISABILITY_W,
    ETHNICITY_W,
    FIRST,
    LAST,
    TEAMS,
    WINDOW,
    Person,
    age_on,
    years_before,
)


@dataclass
class Sheet:
    """One list's rows (cell values in column order) and per-row facts for injection."""

    lst: ListSpec
    keys: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    meta: list[dict[str, Any]] = field(default_factory=list)
    text_dates: list[bool] = field(default_factory=list)

    def idx(self, key: str) -> int:
        return self.keys.index(key)


class Builder:
    """Builds the eleven lists for one cohort; all randomness comes from one seeded RNG."""

    def __init__(self, spec: Spec, template: str, ref: date, seed: int, children: int) -> None:
        self.spec = spec
        self.template = template
        self.ref = ref
        self.refo = ref.toordinal()
        self.seed = seed
        self.rng = random.Random(seed)
        self.codes = Codes(spec, template, self.rng)
        self.n = children
        self.workers = {
            team: [f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}" for _ in range(4)]
            for group in TEAMS.values()
            for team in group
        }
        self.sheets: dict[str, Sheet] = {}
        # Facts one list leaves for the next (set as each list is built).
        self.unborn: list[Person] = []
        self.leavers: list[Person] = []
        self.kids: list[Person] = []
        self.referred: list[Person] = []
        self.cin: list[Person] = []
        self.cla: list[Person] = []
        self.cp: list[Person] = []
        self.cla_facts: dict[str, dict[str, Any]] = {}
        self.cp_facts: dict[str, dict[str, Any]] = {}
        self.eligibility_ages: dict[str, Any] = {}

    # -- small utilities
    def rd(self, lo: int, hi: int) -> int:
        """A random day (ordinal) in [lo, hi]; lo when the range is empty."""
        return lo if hi <= lo else self.rng.randint(lo, hi)

    def d(self, o: int | None) -> date | None:
        return None if o is None else date.fromordinal(o)

    def team(self, group: str) -> tuple[str, str]:
        t = self.rng.choice(TEAMS[group])
        return t, self.rng.choice(self.workers[t])

    def yn(self, p_yes: float, cs: str = "yes_no") -> str:
        return self.codes.render(cs, "Yes" if self.rng.random() < p_yes else "No")

    def dob_for_age(self, age: int) -> date:
        hi = years_before(self.ref, age).toordinal()
        lo = years_before(self.ref, age + 1).toordinal() + 1
        o = self.rd(lo, hi)
        dob = date.fromordinal(o)
        if dob.month == 2 and dob.day == 29:  # keep ages unambiguous whatever the reference date
            dob = date.fromordinal(o - 1 if o - 1 >= lo else o + 1)
        return dob

    def new_sheet(self, key: str) -> Sheet:
        lst = self.spec.lists[key]
        sheet = Sheet(lst, [c.key for c in lst.columns_for(self.template)])
        self.sheets[key] = sheet
        return sheet

    def add(self, sheet: Sheet, values: dict[str, Any], meta: dict[str, Any]) -> None:
        sheet.rows.append([values.get(k) for k in sheet.keys])
        sheet.meta.append(meta)
        sheet.text_dates.append(self.rng.random() < 0.03)

    def person_cells(self, p: Person, gender_cs: str = "gender") -> dict[str, Any]:
        c = self.codes
        return {
            "child_id": p.id,
            "gender": c.render(gender_cs, p.gender),
            "ethnicity": c.render("ethnicity", p.ethnicity),
            "date_of_birth": p.dob,
            "age": p.age,
            "disability": c.render("yes_no_unknown", p.disability),
        }

    def meta(self, p: Person, **extra: Any) -> dict[str, Any]:
        return {"id": p.id, "eth": p.ethnicity, **extra}

    # -- the cohort
    def cohort(self) -> None:
        rng, c = self.rng, self.codes
        n = self.n
        ids = [str(i) for i in rng.sample(range(100000, 1000000), n)]
        n_unborn = max(3, round(n * 0.005))
        n_leavers = max(10, round(n * 0.1))
        kid_age_w = [6, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 7, 8, 8, 8, 6]

        def gender() -> str:
            r = rng.random()
            return "Male" if r < 0.51 else "Female" if r < 0.995 else "Neither"

        def person(i: int, age: int) -> Person:
            dob = self.dob_for_age(age)
            return Person(
                ids[i],
                dob,
                age,
                gender(),
                c.pick("ethnicity", ETHNICITY_W),
                c.pick("yes_no_unknown", DISABILITY_W),
            )

        self.unborn = [
            Person(ids[i], None, -1, "Not stated", "NOBT", c.pick("yes_no_unknown", DISABILITY_W))
            for i in range(n_unborn)
        ]
        self.leavers = []
        leaver_ages = list(range(16, 26))
        leaver_w = [5, 10, 15, 14, 13, 12, 10, 8, 7, 6]
        for i in range(n_unborn, n_unborn + n_leavers):
            self.leavers.append(person(i, rng.choices(leaver_ages, leaver_w)[0]))
        # Edge cases that are legal: 18 today (former relevant), 18 tomorrow (still relevant).
        first, second = self.leavers[0], self.leavers[1]
        first.dob, first.age = years_before(self.ref, 18), 18
        second.dob = date.fromordinal(years_before(self.ref, 18).toordinal() + 1)
        second.age = age_on(second.dob, self.ref)
        self.kids = []
        for i in range(n_unborn + n_leavers, n):
            self.kids.append(person(i, rng.choices(range(18), kid_age_w)[0]))
        for p in self.kids[:3]:  # NOBT is valid, however "missing" it looks
            p.ethnicity = "NOBT"

    def recent(self, p: Person, days: int = WINDOW) -> int:
        """An event date in the look-back window, not before the child's birth."""
        lo = self.refo - days
        if p.dob is not None:
            lo = max(lo, p.dob.toordinal())
        return self.rd(lo, self.refo)

    def unrepeated(self, seen: set[tuple[str, int, str]], child: str, day: int, source: str) -> int:
        """The day, or the nearest later one (up to the reference date, else earlier) the child is free.

        The same contact or referral listed twice is a duplicate row, not data; moving the
        day (no new random draw) leaves every other row of the seeded workbook as it was.
        """
        later = (d for d in range(day, self.refo + 1) if (child, d, source) not in seen)
        free = next(later, None)
        if free is None:
            free = next(d for d in range(day - 1, 0, -1) if (child, d, source) not in seen)
        seen.add((child, free, source))
        return free

    def build(self) -> dict[str, Sheet]:
        """Every list's rows, in the spec's list order; the call order below is the draw order."""
        self.cohort()
        front_door.list_1(self)
        front_door.list_2(self)
        front_door.list_3(self)
        front_door.list_4(self)
        front_door.list_5(self)
        cin.choose_cin(self)
        care.list_8(self)
        cin.list_7(self)
        front_door.icpc_plans_on_list_7(self)
        cin.list_6(self)
        leavers.list_9(self)
        adoption.list_10_11(self)
        return {k: self.sheets[k] for k in self.spec.lists}
