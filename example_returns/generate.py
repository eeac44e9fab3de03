"""Generate synthetic Annex A dry-run workbooks with a manifest of injected errors.

The checker needs realistic input with known answers: a clean workbook full of the
legal look-alikes a naive checker would flag (temporary placements without a
provider, open episodes, care leavers not in touch, unborn children, bare codes,
text dates, numeric IDs, header variants), and dirty workbooks whose every error is
recorded, row by row, in a JSON manifest. Headers and codes come from the spec
under `rules/`; every person, ID, name and team is invented.

    python -m example_returns.generate OUT.xlsx [--seed N] [--children N]
        [--template 2019|2023] [--style template|extract]
        [--clean | --dirty | --small-dirty] [--reference-date YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import xlsxwriter

from annexa_check.annex.model import ListSpec
from annexa_check.catalogue.spec import Rule, Spec, load_spec

# The nine error types of a real council's dry run, at that council's volumes.
DIRTY_COUNTS: dict[str, int] = {
    "missing_primary_need": 197,
    "missing_ethnicity": 183,
    "missing_closure_reason": 250,
    "missing_placement_provider": 39,
    "missing_cla_end_reason": 23,
    "missing_cic_placement": 9,
    "invalid_care_leaver_eligibility": 11,
    "missing_placement_location": 16,
    "missing_accommodation_suitability": 1,
}

# The same mix scaled for a 300-child example, plus one of each format problem.
SMALL_DIRTY_COUNTS: dict[str, int] = {
    "missing_primary_need": 12,
    "missing_ethnicity": 11,
    "missing_closure_reason": 15,
    "missing_placement_provider": 3,
    "missing_cla_end_reason": 2,
    "missing_cic_placement": 1,
    "invalid_care_leaver_eligibility": 3,
    "missing_placement_location": 2,
    "missing_accommodation_suitability": 1,
    "invalid_ethnicity": 2,
    "invalid_date": 2,
    "invalid_placement_type": 1,
    "excel_error_value": 1,
}

TEMPLATES = ("2019", "2023")
STYLES = ("template", "extract")
WINDOW = 182  # days: the six-month look-back of Lists 1-8
EXCEL_EPOCH = date(1899, 12, 30).toordinal()

# Row 1 titles of the official template where they differ from the spec's list title.
_TEMPLATE_TITLES = {
    "list_3": "Referral",
    "list_5": "Section 47 enquiries and Initial Child Protection Conferences",
}

_FIRST = (
    "Aria", "Ben", "Chloe", "Dev", "Ellis", "Farah", "Gus", "Hana", "Idris", "Jo", "Kit", "Lena",
    "Milo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tess", "Uma", "Vik", "Wren", "Yusuf",
)  # fmt: skip
_LAST = (
    "Ashdown", "Brackley", "Corvane", "Dunmore", "Elsby", "Fenwick", "Garside", "Holloway", "Ingram",
    "Jessop", "Kettle", "Lowther", "Marchant", "Northey", "Orchard", "Pennock", "Quarry", "Rudd",
)  # fmt: skip
_TEAMS = {
    "assessment": ("Assessment Team North", "Assessment Team South", "Front Door Team"),
    "cin": ("Children in Need Team 1", "Children in Need Team 2", "Disabled Children's Team"),
    "cp": ("Child Protection Team 1", "Child Protection Team 2"),
    "cic": ("Children in Care Team 1", "Children in Care Team 2", "Disabled Children's Team"),
    "leaving": ("Leaving Care Team",),
}
_EH_ORGS = (
    "Early Help Hub", "Family Support Service North", "Family Support Service South",
    "School Nursing Service", "Children's Centre East", "Youth Support Service",
)  # fmt: skip
_HOME_LA = "Kirklees"
_OTHER_LAS = ("Leeds", "Bradford", "Wakefield", "Calderdale", "Sheffield", "Lancashire", "Kent")

# Code weights (codes not in the template's code set are dropped, so these never add codes).
_ETHNICITY_W = {
    "WBRI": 640, "WIRI": 8, "WIRT": 4, "WOTH": 40, "WROM": 6, "MWBC": 30, "MWBA": 12, "MWAS": 12,
    "MOTH": 20, "AIND": 20, "APKN": 45, "ABAN": 12, "AOTH": 15, "BCRB": 15, "BAFR": 30, "BOTH": 8,
    "CHNE": 4, "OOTH": 25, "REFU": 10, "NOBT": 25,
}  # fmt: skip
_SOURCE_W = {
    "1A": 4, "1B": 4, "1C": 3, "1D": 2, "2A": 18, "2B": 4, "3A": 5, "3B": 4, "3C": 3, "3D": 2,
    "3E": 2, "3F": 2, "4": 3, "5A": 5, "5B": 3, "5C": 3, "5D": 2, "6": 28, "7": 1, "8": 3, "9": 1, "10": 1,
}  # fmt: skip
_PRIMARY_NEED_W = {
    "N1": 55, "N2": 8, "N3": 4, "N4": 8, "N5": 12, "N6": 3, "N7": 1, "N8": 4, "N9": 3,
}  # fmt: skip
_CATEGORY_W = {"N1": 65, "N2": 5, "N3": 3, "N4": 8, "N5": 10, "N6": 2, "N7": 1, "N8": 6}
_CLOSURE_W = {"RC1": 2, "RC2": 1, "RC3": 3, "RC4": 4, "RC5": 5, "RC6": 3, "RC7": 50, "RC8": 15, "RC9": 15}
_LEGAL_W = {"C1": 20, "C2": 45, "E1": 8, "V2": 20, "J1": 2, "L2": 1, "V3": 2, "L1": 1}
_LEAVE_ENDS = {"E4A": 30, "E4B": 6, "E11": 8, "E12": 4, "E13": 3, "E3": 4, "E41": 3, "E45": 6, "E46": 2}
_LEAVE_ENDS_16 = {"E5": 10, "E6": 3, "E7": 1, "E8": 4, "E9": 1, "E14": 1}
_ENDS_TO_RC = {
    "E11": "RC1",
    "E12": "RC1",
    "E2": "RC2",
    "E41": "RC3",
    "E45": "RC4",
    "E46": "RC4",
    "E3": "RC5",
    "E7": "RC6",
}
_PLACEMENT_W = {
    "U1": 8, "U2": 1, "U3": 10, "U4": 20, "U5": 2, "U6": 22, "A3": 1, "A4": 1, "A5": 1, "A6": 1,
    "P1": 5, "P2": 2, "H5": 1, "K1": 1, "K2": 10, "K3": 2, "R1": 1, "R2": 1, "R3": 1, "R5": 1,
    "S1": 1, "Z1": 2, "T0": 1, "T1": 1, "T2": 1, "T3": 1, "T4": 1,
}  # fmt: skip
_PLACEMENT_MIN_AGE = {"P2": 16, "P3": 16, "H5": 16, "K3": 16, "R5": 15, "S1": 5}
_PLACEMENT_MAX_AGE = {"A3": 9, "A4": 9, "A5": 9, "A6": 9, "R3": 1}
_PROVIDERS = {
    "U": ("PR1", "PR1", "PR1", "PR4", "PR4", "PR5"), "A": ("PR1", "PR2", "PR5"), "P1": ("PR0",),
    "P2": ("PR1", "PR4"), "P3": ("PR4",), "H5": ("PR4", "PR5"), "K1": ("PR1", "PR2"),
    "K2": ("PR1", "PR4", "PR4", "PR5"), "K3": ("PR4",), "R1": ("PR1", "PR4"), "R2": ("PR3",),
    "R3": ("PR4",), "R5": ("PR3",), "S1": ("PR4", "PR5"),
}  # fmt: skip
_NO_URN = ("P1", "P2", "P3", "R1", "R2", "R5", "H5")  # SSDA903 rule 218: no Ofsted URN expected
_ACCOM_W = {
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
_ACTIVITY_W = {
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
_IN_TOUCH_W = {"Yes": 80, "No": 7, "Died": 1, "Refu": 3, "NREQ": 5, "Rhom": 4}

_BAD_ETHNICITY = ("White British", "u) UNKNOWN", "WBRIX", "Mixed", "Not known")
_BAD_ELIGIBILITY = ("Care Leaver - PA to 25", "FR", "Other - under 16", "former relevant 21-24")
_BAD_PLACEMENT = ("Foster care", "Q1", "Residential")

# Order in which error types are placed: scarcest candidates first.
_INJECT_ORDER = (
    "missing_accommodation_suitability",
    "invalid_care_leaver_eligibility",
    "missing_cla_end_reason",
    "missing_cic_placement",
    "missing_placement_provider",
    "invalid_placement_type",
    "missing_placement_location",
    "missing_closure_reason",
    "missing_primary_need",
    "invalid_date",
    "excel_error_value",
    "missing_ethnicity",
    "invalid_ethnicity",
)
_PEOPLE_LISTS = tuple(f"list_{n}" for n in range(1, 11))  # List 11 holds adopters
_TOKEN = re.compile(r"^\{(ref[+-]\d+|new_id)\}$")


def _relational(rule: Rule, spec: Spec) -> bool:
    """Errors that live between rows rather than in one, injected by copying or changing a related row."""
    if rule.check == "unique":
        return bool(rule.params.get("with")) and not spec.lists[rule.lists[0]].one_row_per_child
    if rule.check == "constant_per_child":
        return True
    return rule.check == "consistent" and rule.columns in (("gender",), ("ethnicity",), ("date_of_birth",))


def _overlay_rules(spec: Spec) -> dict[str, Rule]:
    """Injectable error types and the rule (the first by code) that says how: its `inject` overlay,
    or for errors between rows (duplicates, counts that vary, cross-list conflicts) its check."""
    out: dict[str, Rule] = {}
    for rule in spec.rules:
        if rule.error_type in _INJECT_ORDER:
            continue
        if rule.inject is not None or _relational(rule, spec):
            out.setdefault(rule.error_type, rule)
    return out


ERROR_TYPES = tuple(sorted({*_INJECT_ORDER, *_overlay_rules(load_spec())}))


def injectable_types(template: str) -> tuple[str, ...]:
    """The error types `generate` can inject into a workbook of this template year."""
    overlays = _overlay_rules(load_spec())
    return tuple(t for t in ERROR_TYPES if t not in overlays or template in overlays[t].templates)


@dataclass(frozen=True)
class Injected:
    """One injected error: where it is, as Excel shows it, and whose row it is."""

    error_type: str
    list_key: str
    row: int
    child_id: str
    column: str


@dataclass
class Manifest:
    """What a generated workbook holds: its parameters, rows per list and every injected error."""

    seed: int
    children: int
    template: str
    reference_date: date
    style: str
    rows: dict[str, int]
    sheets: dict[str, str]
    header_row: int
    injected: list[Injected] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Injected errors per error type (the answer a checker should give)."""
        out: dict[str, int] = {}
        for inj in self.injected:
            out[inj.error_type] = out.get(inj.error_type, 0) + 1
        return dict(sorted(out.items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "children": self.children,
            "template": self.template,
            "reference_date": self.reference_date.isoformat(),
            "style": self.style,
            "header_row": self.header_row,
            "sheets": self.sheets,
            "rows": self.rows,
            "counts": self.counts(),
            "injected": [vars(i) for i in self.injected],
        }

    def save(self, path: Path) -> None:
        Path(path).write_text(
            json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read a manifest written by `save` (the `counts` summary is recomputed, not trusted)."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(
            seed=data["seed"],
            children=data["children"],
            template=data["template"],
            reference_date=date.fromisoformat(data["reference_date"]),
            style=data["style"],
            rows=dict(data["rows"]),
            sheets=dict(data["sheets"]),
            header_row=data["header_row"],
            injected=[Injected(**i) for i in data["injected"]],
        )


def manifest_path(path: Path) -> Path:
    """Where the manifest of workbook `path` lives: `<stem>.manifest.json` beside it."""
    path = Path(path)
    return path.with_name(path.stem + ".manifest.json")


# --------------------------------------------------------------------------- helpers


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def _age(dob: date, ref: date) -> int:
    return ref.year - dob.year - ((ref.month, ref.day) < (dob.month, dob.day))


class _Codes:
    """The spec's code sets for one template: labels, bare codes and messy-but-legal renderings."""

    def __init__(self, spec: Spec, template: str, rng: random.Random) -> None:
        self.rng = rng
        self.labels: dict[str, dict[str, str]] = {}
        self.bare: dict[str, bool] = {}
        for key, cs in spec.codesets.items():
            self.labels[key] = {c.code: c.label for c in cs.codes_for(template)}
            self.bare[key] = cs.bare_code
        self._weights: dict[tuple[str, tuple], tuple[list[str], list[float]]] = {}

    def has(self, cs: str, code: str) -> bool:
        return code in self.labels[cs]

    def label(self, cs: str, code: str) -> str:
        return self.labels[cs][code]

    def render(self, cs: str, code: str) -> str:
        """Mostly the template label; sometimes the bare code or odd case/spacing (all legal)."""
        label = self.labels[cs][code]
        r = self.rng.random()
        if r < 0.12 and self.bare[cs] and label != code:
            return code
        if r < 0.135:
            return f" {label.lower()} "
        if r < 0.145:
            return label.upper()
        return label

    def pick(
        self, cs: str, weights: Mapping[str, float], allowed: Callable[[str], bool] | None = None
    ) -> str:
        """A weighted random code of `cs`, limited to the template's codes (and `allowed`)."""
        key = (cs, tuple(weights.items())) if allowed is None else None
        if key is not None and key in self._weights:
            pop, cum = self._weights[key]
        else:
            pop = [c for c in weights if c in self.labels[cs] and (allowed is None or allowed(c))]
            cum, total = [], 0.0
            for c in pop:
                total += weights[c]
                cum.append(total)
            if key is not None:
                self._weights[key] = (pop, cum)
        return self.rng.choices(pop, cum_weights=cum)[0]

    def any(self, cs: str) -> str:
        return self.rng.choice(list(self.labels[cs]))


@dataclass
class _Person:
    id: str
    dob: date | None
    age: int
    gender: str  # code
    ethnicity: str  # code
    disability: str  # code


@dataclass
class _Sheet:
    """One list's rows (cell values in column order) and per-row facts for injection."""

    lst: ListSpec
    keys: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    meta: list[dict[str, Any]] = field(default_factory=list)
    text_dates: list[bool] = field(default_factory=list)

    def idx(self, key: str) -> int:
        return self.keys.index(key)


class _Builder:
    """Builds the eleven lists for one cohort; all randomness comes from one seeded RNG."""

    def __init__(self, spec: Spec, template: str, ref: date, seed: int, children: int) -> None:
        self.spec = spec
        self.template = template
        self.ref = ref
        self.refo = ref.toordinal()
        self.seed = seed
        self.rng = random.Random(seed)
        self.codes = _Codes(spec, template, self.rng)
        self.n = children
        self.workers = {
            team: [f"{self.rng.choice(_FIRST)} {self.rng.choice(_LAST)}" for _ in range(4)]
            for group in _TEAMS.values()
            for team in group
        }
        self.sheets: dict[str, _Sheet] = {}

    # -- small utilities
    def rd(self, lo: int, hi: int) -> int:
        """A random day (ordinal) in [lo, hi]; lo when the range is empty."""
        return lo if hi <= lo else self.rng.randint(lo, hi)

    def d(self, o: int | None) -> date | None:
        return None if o is None else date.fromordinal(o)

    def team(self, group: str) -> tuple[str, str]:
        t = self.rng.choice(_TEAMS[group])
        return t, self.rng.choice(self.workers[t])

    def yn(self, p_yes: float, cs: str = "yes_no") -> str:
        return self.codes.render(cs, "Yes" if self.rng.random() < p_yes else "No")

    def dob_for_age(self, age: int) -> date:
        hi = _years_before(self.ref, age).toordinal()
        lo = _years_before(self.ref, age + 1).toordinal() + 1
        o = self.rd(lo, hi)
        dob = date.fromordinal(o)
        if dob.month == 2 and dob.day == 29:  # keep ages unambiguous whatever the reference date
            dob = date.fromordinal(o - 1 if o - 1 >= lo else o + 1)
        return dob

    def new_sheet(self, key: str) -> _Sheet:
        lst = self.spec.lists[key]
        sheet = _Sheet(lst, [c.key for c in lst.columns_for(self.template)])
        self.sheets[key] = sheet
        return sheet

    def add(self, sheet: _Sheet, values: dict[str, Any], meta: dict[str, Any]) -> None:
        sheet.rows.append([values.get(k) for k in sheet.keys])
        sheet.meta.append(meta)
        sheet.text_dates.append(self.rng.random() < 0.03)

    def person_cells(self, p: _Person, gender_cs: str = "gender") -> dict[str, Any]:
        c = self.codes
        return {
            "child_id": p.id,
            "gender": c.render(gender_cs, p.gender),
            "ethnicity": c.render("ethnicity", p.ethnicity),
            "date_of_birth": p.dob,
            "age": p.age,
            "disability": c.render("yes_no_unknown", p.disability),
        }

    def meta(self, p: _Person, **extra: Any) -> dict[str, Any]:
        return {"id": p.id, "eth": p.ethnicity, **extra}

    # -- the cohort
    def cohort(self) -> None:
        rng, c = self.rng, self.codes
        n = self.n
        ids = [str(i) for i in rng.sample(range(100000, 1000000), n)]
        n_unborn = max(3, round(n * 0.005))
        n_leavers = max(10, round(n * 0.1))
        kid_age_w = [6, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 7, 8, 8, 8, 6]
        dis_w = {"Yes": 8, "No": 85, "Unknown": 7}

        def gender() -> str:
            r = rng.random()
            return "Male" if r < 0.51 else "Female" if r < 0.995 else "Neither"

        def person(i: int, age: int) -> _Person:
            dob = self.dob_for_age(age)
            return _Person(
                ids[i], dob, age, gender(), c.pick("ethnicity", _ETHNICITY_W), c.pick("yes_no_unknown", dis_w)
            )

        self.unborn = [
            _Person(ids[i], None, -1, "Not stated", "NOBT", c.pick("yes_no_unknown", dis_w))
            for i in range(n_unborn)
        ]
        self.leavers = []
        leaver_ages = list(range(16, 26))
        leaver_w = [5, 10, 15, 14, 13, 12, 10, 8, 7, 6]
        for i in range(n_unborn, n_unborn + n_leavers):
            self.leavers.append(person(i, rng.choices(leaver_ages, leaver_w)[0]))
        # Edge cases that are legal: 18 today (former relevant), 18 tomorrow (still relevant).
        first, second = self.leavers[0], self.leavers[1]
        first.dob, first.age = _years_before(self.ref, 18), 18
        second.dob = date.fromordinal(_years_before(self.ref, 18).toordinal() + 1)
        second.age = _age(second.dob, self.ref)
        self.kids = []
        for i in range(n_unborn + n_leavers, n):
            self.kids.append(person(i, rng.choices(range(18), kid_age_w)[0]))
        for p in self.kids[:3]:  # NOBT is valid, however "missing" it looks
            p.ethnicity = "NOBT"

    def recent(self, p: _Person, days: int = WINDOW) -> int:
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

    # -- Lists 1-5: front door
    def list_1(self) -> None:
        sheet, c, rng = self.new_sheet("list_1"), self.codes, self.rng
        people = list(self.unborn) + rng.choices(self.kids, k=max(0, round(self.n * 1.5) - len(self.unborn)))
        rows = []
        seen: set[tuple[str, int, str]] = set()
        for p in people:
            cells = self.person_cells(p)
            cells.pop("disability")
            o = self.recent(p)
            cells["contact_source"] = c.render("referral_source", c.pick("referral_source", _SOURCE_W))
            o = self.unrepeated(seen, p.id, o, cells["contact_source"])
            cells["contact_date"] = self.d(o)
            rows.append((cells["contact_date"], p.id, cells, self.meta(p, protected=p.dob is None)))
        for _, _, cells, meta in sorted(rows, key=lambda r: (r[0], r[1])):
            self.add(sheet, cells, meta)

    def list_2(self) -> None:
        sheet, rng = self.new_sheet("list_2"), self.rng
        rows = []
        for p in rng.sample(self.kids, min(len(self.kids), round(self.n * 0.12))):
            cells = self.person_cells(p)
            start = self.recent(p)
            cells["eh_assessment_start_date"] = self.d(start)
            if rng.random() < 0.65:
                cells["eh_assessment_completion_date"] = self.d(self.rd(start, min(start + 45, self.refo)))
            cells["eh_organisation"] = rng.choice(_EH_ORGS)
            rows.append((start, p.id, cells, self.meta(p)))
        for _, _, cells, meta in sorted(rows, key=lambda r: (r[0], r[1])):
            self.add(sheet, cells, meta)

    def list_3(self) -> None:
        sheet, c, rng = self.new_sheet("list_3"), self.codes, self.rng
        self.referred = rng.choices(self.kids, k=round(self.n * 0.4))
        prior: dict[str, int] = {}
        rows = []
        seen: set[tuple[str, int, str]] = set()
        for p in self.referred:
            cells = self.person_cells(p)
            o = self.recent(p)
            team, worker = self.team("assessment")
            source = c.render("referral_source", c.pick("referral_source", _SOURCE_W))
            o = self.unrepeated(seen, p.id, o, source)
            cells.update(
                referral_date=self.d(o),
                referral_source=source,
                referral_nfa=self.yn(0.15),
                referrals_last_12_months=prior.setdefault(p.id, rng.choices(range(5), [50, 25, 12, 8, 5])[0]),
                allocated_team=team,
                allocated_worker=worker,
            )
            rows.append((o, p.id, cells, self.meta(p)))
        for _, _, cells, meta in sorted(rows, key=lambda r: (r[0], r[1])):
            self.add(sheet, cells, meta)

    def list_4(self) -> None:
        sheet, c, rng = self.new_sheet("list_4"), self.codes, self.rng
        pool = list(dict.fromkeys(p.id for p in self.referred))
        by_id = {p.id: p for p in self.referred}
        chosen = rng.sample(pool, min(len(pool), round(self.n * 0.35)))
        rows = []
        for pid in chosen:
            p = by_id[pid]
            cells = self.person_cells(p)
            start = self.recent(p)
            team, worker = self.team("assessment")
            cells.update(
                assessment_start_date=self.d(start),
                assessment_child_seen=c.render(
                    "yes_no_unknown", c.pick("yes_no_unknown", {"Yes": 90, "No": 8, "Unknown": 2})
                ),
                allocated_team=team,
                allocated_worker=worker,
            )
            if start + 5 <= self.refo and rng.random() < 0.75:
                cells["assessment_authorised_date"] = self.d(self.rd(start + 5, min(start + 45, self.refo)))
                cells["assessment_support_required"] = self.yn(0.6)
            rows.append((start, p.id, cells, self.meta(p)))
        for _, _, cells, meta in sorted(rows, key=lambda r: (r[0], r[1])):
            self.add(sheet, cells, meta)

    def list_5(self) -> None:
        sheet, rng = self.new_sheet("list_5"), self.rng
        counts: dict[str, tuple[int, int]] = {}
        rows = []
        for p in rng.sample(self.kids, min(len(self.kids), round(self.n * 0.1))):
            cells = self.person_cells(p)
            start = self.rd(max(self.refo - WINDOW, p.dob.toordinal()), self.refo - 21)
            team, worker = self.team("assessment")
            s47s, icpcs = counts.setdefault(p.id, (rng.choice((0, 0, 0, 1, 2)), rng.choice((0, 0, 0, 1))))
            cells.update(
                s47_start_date=self.d(start),
                s47s_last_12_months=s47s,
                icpcs_last_12_months=icpcs,
                allocated_team=team,
                allocated_worker=worker,
            )
            if rng.random() < 0.4:
                cells["icpc_unnecessary"] = self.codes.render("yes_no", "Yes")
            else:
                cells["icpc_unnecessary"] = self.codes.render("yes_no", "No")
                icpc = min(start + rng.randint(5, 20), self.refo)
                while date.fromordinal(icpc).weekday() >= 5:
                    icpc -= 1
                cells["icpc_date"] = self.d(max(icpc, start))
                cells["icpc_resulted_in_plan"] = self.yn(0.8)
            rows.append((start, p.id, cells, self.meta(p)))
        rows += self.repeat_s47s(rows)
        for _, _, cells, meta in sorted(rows, key=lambda r: (r[0], r[1])):
            self.add(sheet, cells, meta)

    def repeat_s47s(self, rows: list[tuple[int, str, dict[str, Any], dict[str, Any]]]) -> list[Any]:
        """An earlier enquiry for some children, with the same counts on both rows as the template asks.

        Drawn from a separate generator so the rest of a seeded workbook is unchanged.
        """
        rng = random.Random(self.seed * 7919 + 5)
        out = []
        for start, child, cells, meta in rows:
            earliest = max(self.refo - WINDOW, cells["date_of_birth"].toordinal())
            if rng.random() >= 0.15 or start - 30 < earliest:
                continue
            cells["s47s_last_12_months"] = max(cells["s47s_last_12_months"], 1)
            earlier = {
                **cells,
                "s47_start_date": self.d(rng.randint(earliest, start - 30)),
                "icpc_unnecessary": self.codes.render("yes_no", "Yes"),
                "icpc_date": None,
                "icpc_resulted_in_plan": None,
            }
            out.append((earlier["s47_start_date"].toordinal(), child, earlier, dict(meta)))
        return out

    def icpc_plans_on_list_7(self) -> None:
        """An ICPC that resulted in a plan puts the child on List 7; other outcomes become No."""
        sheet = self.sheets["list_5"]
        col, no = sheet.idx("icpc_resulted_in_plan"), self.codes.label("yes_no", "No")
        for row, meta in zip(sheet.rows, sheet.meta, strict=True):
            said = row[col]
            if said and said.strip().lower().endswith("yes") and meta["id"] not in self.cp_facts:
                row[col] = no

    # -- Lists 6-9: one row per child
    def choose_cin(self) -> None:
        rng = self.rng
        n6 = min(len(self.kids), round(self.n * 0.5))
        self.cin = rng.sample(self.kids, n6)
        n8 = min(n6, round(self.n * 0.2))
        self.cla = self.cin[:n8]
        n7 = min(n6 - n8, round(self.n * 0.1))
        self.cp = self.cin[n8 : n8 + n7]

    def list_8(self) -> None:
        sheet, c, rng, refo = self.new_sheet("list_8"), self.codes, self.rng, self.refo
        exempt = set(_rule_codes(self.spec, "missing_placement_provider", "not_in"))
        temporary = [code for code in c.labels["placement_type"] if code in exempt]
        forced = [t for t in ("T0", "T1", "T4", "Z1", "Z1", "T2") if t in temporary]
        self.cla_facts: dict[str, dict[str, Any]] = {}
        rows = []
        for p in self.cla:
            dob = p.dob.toordinal()
            ceased = not forced and rng.random() < 0.2
            if ceased:
                end = self.rd(max(refo - WINDOW + 1, dob), refo)
                start = self.rd(max(dob, end - 4 * 365), end)
            else:
                end = None
                start = self.rd(max(dob, refo - 365 * min(p.age + 1, 6)), refo)
            last = end or refo
            age = p.age
            if forced and not ceased:
                ptype, protected = forced.pop(0), True
            else:
                protected = False

                def ok(code: str, age: int = age, ceased: bool = ceased) -> bool:
                    if ceased and code in exempt:  # a period of care may not end in a temporary placement
                        return False
                    return _PLACEMENT_MIN_AGE.get(code, 0) <= age <= _PLACEMENT_MAX_AGE.get(code, 99)

                ptype = c.pick("placement_type", _PLACEMENT_W, ok)
                if self.template == "2023" and ptype in ("H5", "P2"):
                    ptype = "K3"  # withdrawn by the DfE when supported accommodation (K3) came in
            legal = c.pick("legal_status", _LEGAL_W)
            if ptype == "P1" and legal == "V2":
                legal = "C2"
            if ptype[0] == "A":
                legal = "E1"
            provider = None
            if ptype not in exempt:
                provider = rng.choice(_PROVIDERS.get(ptype, _PROVIDERS.get(ptype[0], ("PR1", "PR4"))))
            pstart = self.rd(start, last)
            team, worker = self.team("cic" if age < 16 else rng.choice(("cic", "leaving")))
            missing = 0 if rng.random() < 0.85 else rng.randint(1, 6)
            cells = self.person_cells(p)
            cells.update(
                uasc_last_12_months=self.yn(0.12 if age >= 12 else 0.0),
                cla_start_date=self.d(start),
                category_of_need=c.render("category_of_need", c.pick("category_of_need", _CATEGORY_W)),
                subsequent_period=self.yn(0.1),
                legal_status_start_date=self.d(self.rd(start, min(last, start + 300))),
                legal_status=c.render("legal_status", legal),
                last_visit_date=self.d(self.rd(max(start, last - 42), last)),
                placements_last_12_months=1 if pstart == start else rng.choice((1, 2, 2, 3, 4)),
                placement_start_date=self.d(pstart),
                placement_type=c.render("placement_type", ptype),
                placement_provider=c.render("placement_provider", provider) if provider else None,
                placement_postcode=_postcode(rng),
                placement_location=None,
                missing_episodes=missing,
                absent_episodes=0 if rng.random() < 0.8 else rng.randint(1, 5),
                allocated_team=team,
                allocated_worker=worker,
            )
            if last - start >= 20:
                drawn = self.rd(start + 20, last)
                iro = drawn if rng.random() < 0.5 else self.rd(drawn, last)
                review = _within(drawn, last, 180)  # reviews at most six months apart
                cells["latest_review_date"] = self.d(review)
                cells["last_iro_date"] = self.d(max(iro, review))
            if last - start >= 28:
                health = self.rd(max(start + 14, last - 330), last)
                if age < 5:  # health assessments six-monthly under five, else yearly
                    health = _within(health, last, 170)
                cells["health_assessment_date"] = self.d(health)
            if age >= 1 and last - start >= 60 and rng.random() < 0.9:
                cells["dental_check_date"] = self.d(self.rd(max(start + 30, last - 330), last))
            if rng.random() < 0.9:
                cells["permanence_plan"] = c.render("permanence_plan", c.any("permanence_plan"))
            if ptype not in exempt and ptype not in _NO_URN:
                cells["placement_urn"] = (
                    f"SC{rng.randint(100000, 999999)}"
                    if ptype[0] in "KRH"
                    else str(rng.randint(1000000, 9999999))
                )
            drawn_inside = rng.random() < 0.65
            # The LA's own non-foster provision sits inside its boundary (SSDA903 query 1015).
            inside = drawn_inside or (provider == "PR1" and ptype[0] not in "UA")
            cells["placement_location"] = c.render("placement_location", "In" if inside else "Out")
            elsewhere = None if drawn_inside else rng.choice(_OTHER_LAS)  # drawn as before: seeds hold
            cells["placement_la"] = _HOME_LA if inside else elsewhere
            if missing:
                offered = c.pick("yes_no_unknown", {"Yes": 75, "No": 15, "Unknown": 10})
                cells["return_interview_offered"] = c.render("yes_no_unknown", offered)
                if offered == "Yes":
                    cells["return_interview_accepted"] = c.render(
                        "yes_no_unknown", "Yes" if rng.random() < 0.6 else "No"
                    )
            reason = None
            if ceased:
                pool = dict(_LEAVE_ENDS, **(_LEAVE_ENDS_16 if age >= 16 else {}))
                reason = (
                    c.pick("cla_end_reason", pool) if age >= 16 else c.pick("cla_end_reason", _LEAVE_ENDS)
                )
                cells["cla_end_date"] = self.d(end)
                cells["cla_end_reason"] = c.render("cla_end_reason", reason)
            self.cla_facts[p.id] = {"start": start, "end": end, "reason": reason}
            meta = self.meta(
                p,
                protected=protected,
                ptype=ptype,
                needs_provider=ptype not in exempt,
                ceased=ceased,
            )
            rows.append((p.id, cells, meta))
        for _, cells, meta in sorted(rows, key=lambda r: int(r[0])):
            self.add(sheet, cells, meta)

    def list_7(self) -> None:
        sheet, c, rng, refo = self.new_sheet("list_7"), self.codes, self.rng, self.refo
        self.cp_facts: dict[str, dict[str, Any]] = {}
        rows = []
        for p in self.cp:
            dob = p.dob.toordinal()
            start = self.rd(max(dob, refo - 2 * 365), refo)
            ended = start < refo and rng.random() < 0.3
            end = self.rd(max(start + 1, refo - WINDOW + 1), refo) if ended else None
            last = end or refo
            initial = c.pick("abuse_category", {"NEG": 50, "EMO": 30, "PHY": 8, "SAB": 4, "MUL": 8})
            latest = initial if rng.random() < 0.85 else c.any("abuse_category")
            team, worker = self.team("cp")
            cells = self.person_cells(p)
            cells.update(
                cp_start_date=self.d(start),
                cp_initial_category=c.render("abuse_category", initial),
                cp_latest_category=c.render("abuse_category", latest),
                cp_end_date=self.d(end),
                epo_last_six_months=self.yn(0.05),
                previous_cp_plans=rng.choices(range(4), [70, 20, 7, 3])[0],
                allocated_team=team,
                allocated_worker=worker,
            )
            if rng.random() < 0.95:
                cells["cp_last_visit_date"] = self.d(self.rd(max(start, last - 14), last))
                cells["cp_seen_alone"] = c.render(
                    "yes_no_unknown", c.pick("yes_no_unknown", {"Yes": 75, "No": 20, "Unknown": 5})
                )
            if last - start >= 30:
                review = _within(self.rd(start + 30, last), last, 180)  # reviews at most six months apart
                cells["cp_latest_review_date"] = self.d(review)
            self.cp_facts[p.id] = {"start": start, "end": end}
            rows.append((p.id, cells, self.meta(p)))
        for _, cells, meta in sorted(rows, key=lambda r: int(r[0])):
            self.add(sheet, cells, meta)

    def list_6(self) -> None:
        sheet, c, rng, refo = self.new_sheet("list_6"), self.codes, self.rng, self.refo
        rows = []
        for p in self.cin:
            dob = p.dob.toordinal()
            closure = reason = None
            if p.id in self.cla_facts:
                f = self.cla_facts[p.id]
                start = self.rd(max(dob, f["start"] - 365), f["start"])
                status = "Looked after"
                if f["end"] is not None:
                    closure, status = f["end"], "Closed"
                    reason = _ENDS_TO_RC.get(f["reason"], "RC7")
                team_group = "cic"
            elif p.id in self.cp_facts:
                f = self.cp_facts[p.id]
                start = self.rd(max(dob, f["start"] - 200), f["start"])
                status, team_group = "CP plan", "cp"
                if f["end"] is not None:
                    status, team_group = "CIN plan", "cin"
                    if rng.random() < 0.4:
                        closure, status = self.rd(f["end"], refo), "Closed"
                        reason = c.pick("closure_reason", _CLOSURE_W)
            else:
                r = rng.random()
                if r < 0.33:
                    status, team_group = "CIN plan", "cin"
                    start = self.rd(max(dob, refo - 2 * 365), refo)
                elif r < 0.5:
                    status, team_group = "Open assessment", "assessment"
                    start = self.rd(max(dob, refo - 60), refo)
                else:
                    status, team_group = "Closed", rng.choice(("assessment", "cin"))
                    closure = self.rd(max(dob, refo - WINDOW + 1), refo)
                    start = self.rd(max(dob, closure - 540), closure)
                    reason = c.pick("closure_reason", _CLOSURE_W)
            team, worker = self.team(team_group)
            cells = self.person_cells(p)
            cells.update(
                cin_start_date=self.d(start),
                primary_need=c.render("primary_need", c.pick("primary_need", _PRIMARY_NEED_W)),
                cin_closure_date=self.d(closure),
                closure_reason=c.render("closure_reason", reason) if reason else None,
                case_status=c.render("case_status", status),
                allocated_team=team,
                allocated_worker=worker,
            )
            if rng.random() < 0.93:
                last = closure or refo
                cells["last_seen_date"] = self.d(self.rd(max(start, last - 40), last))
            rows.append((p.id, cells, self.meta(p, closed=closure is not None)))
        for _, cells, meta in sorted(rows, key=lambda r: int(r[0])):
            self.add(sheet, cells, meta)

    def list_9(self) -> None:
        sheet, c, rng, refo = self.new_sheet("list_9"), self.codes, self.rng, self.refo
        ages = _rule_param(self.spec, "invalid_care_leaver_eligibility", "ages")
        self.eligibility_ages = ages
        in_touch_codes = _rule_codes(self.spec, "missing_accommodation_suitability", "in")
        forced_touch = ["No", "No", "NREQ", "NREQ", "Died", "Refu", "Rhom"]
        # Eligible children (2023 template) are still in care: 16-17-year-olds open on List 8.
        eligible = [
            p
            for p in self.cla
            if 16 <= p.age <= 17
            and self.cla_facts[p.id]["end"] is None
            and c.has("eligibility_category", "Eligible")
        ]
        rows = []
        for i, p in enumerate([*self.leavers, *eligible]):
            is_eligible = i >= len(self.leavers)
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
                    {"Relevant": 55, "Qualifying": 15},  # not looked after, so not eligible
                    lambda x, fits=fits: x in fits,
                )
            else:
                category = c.pick(
                    "eligibility_category",
                    {"Former relevant": 90, "Qualifying": 10},
                    lambda x, fits=fits: x in fits,
                )
            protected = i < 2 or is_eligible
            if 2 <= i < 2 + len(forced_touch):
                touch, protected = forced_touch[i - 2], True
            elif is_eligible:
                touch = "Yes"  # the LA looks after them
            else:
                touch = c.pick("la_in_touch", _IN_TOUCH_W)
            # Injected errors go on rows in touch, whose accommodation and activity are filled in.
            protected = protected or touch not in in_touch_codes
            team, worker = self.team("leaving")
            cells = self.person_cells(p)
            cells.update(
                uasc=self.yn(0.08),
                allocated_team=team,
                allocated_worker=worker,
                personal_advisor=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
                eligibility_category=c.render("eligibility_category", category),
                pathway_plan_review_date=self.d(self.rd(refo - 200, refo)) if rng.random() < 0.9 else None,
                la_in_touch=c.render("la_in_touch", touch),
            )
            if touch in in_touch_codes:
                accom = c.pick("accommodation_type", _ACCOM_W, None if p.age >= 18 else _under_18_accom)
                unsuitable = accom in ("S", "V", "W", "R") or rng.random() < 0.06
                cells.update(
                    latest_contact_date=self.d(self.rd(refo - 60, refo)),
                    accommodation_type=c.render("accommodation_type", accom),
                    accommodation_suitability=c.render(
                        "accommodation_suitability", "Unsuitable" if unsuitable else "Suitable"
                    ),
                    activity_status=c.render("activity_status", c.pick("activity_status", _ACTIVITY_W)),
                )
            rows.append(
                (p.id, cells, self.meta(p, protected=protected, age=p.age, in_touch=touch in in_touch_codes))
            )
        for _, cells, meta in sorted(rows, key=lambda r: int(r[0])):
            self.add(sheet, cells, meta)

    # -- Lists 10-11: adoption
    def list_10_11(self) -> None:
        s10, s11 = self.new_sheet("list_10"), self.new_sheet("list_11")
        c, rng, refo = self.codes, self.rng, self.refo
        # Children placed for adoption are still in care (open on List 8); adopted ones left
        # List 8 with an adoption reason on the adoption order date.
        adopted_codes = ("E11", "E12")
        young = [
            p
            for p in self.cla
            if p.age < 9
            and (self.cla_facts[p.id]["end"] is None or self.cla_facts[p.id]["reason"] in adopted_codes)
        ]
        n10 = min(len(young), max(4, round(self.n * 0.025)))
        families: list[dict[str, Any]] = []
        fam_no = rng.randint(3000, 4000)
        rows10 = []
        for p in rng.sample(young, n10):
            f = self.cla_facts[p.id]
            entered = f["start"]
            cells = self.person_cells(p)
            matched = placed = order = None
            if f["end"] is not None:  # adopted in the last six months
                order = f["end"]
                placed = self.rd(max(entered, order - 300), max(entered, order - 70))
                matched = self.rd(max(entered, placed - 40), placed)
                shobpa = self.rd(max(entered, matched - 200), matched)
                cells["placement_order_date"] = self.d(self.rd(shobpa, matched))
            else:
                shobpa = self.rd(min(entered + 60, refo), min(entered + 300, refo))
                if rng.random() < 0.12:  # decision reversed, within List 10's 12-month window
                    cells["decision_reversed_date"] = self.d(self.rd(max(shobpa, refo - 365), refo))
                    cells["decision_reversed_reason"] = c.render(
                        "decision_reversed_reason", c.any("decision_reversed_reason")
                    )
                else:
                    t = shobpa
                    if rng.random() < 0.85:
                        t = self.rd(t, min(t + 120, refo))
                        cells["placement_order_date"] = self.d(t)
                    if rng.random() < 0.6:
                        matched = self.rd(t, min(t + 150, refo))
                        if rng.random() < 0.7:
                            placed = self.rd(matched, min(matched + 40, refo))
            if shobpa > entered and rng.random() < 0.2:
                cells["ffa_placement_date"] = self.d(self.rd(entered, shobpa))
            cells.update(entered_care_date=self.d(entered), shobpa_decision_date=self.d(shobpa))
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
                    matched_date=self.d(matched),
                    placed_for_adoption_date=self.d(placed),
                    adoption_order_date=self.d(order),
                )
            rows10.append((p.id, cells, self.meta(p)))
        for _, cells, meta in sorted(rows10, key=lambda r: int(r[0])):
            self.add(s10, cells, meta)
        # Adopters: the families above plus families still in assessment (about 1 per 50 children).
        for _ in range(max(2, len(families), round(self.n * 0.02))):
            fam_no += rng.randint(1, 9)
            families.append(
                {"id": f"F{fam_no}", "matched": None, "placed": None, "order": None, "children": 0}
            )
        adopter_no = rng.randint(20000, 30000)
        for fam in families:
            first_date = fam["matched"] or refo
            s2_end = self.rd(first_date - 120, first_date) if fam["matched"] else None
            enquiry = (s2_end or refo) - rng.randint(150, 330)
            s1_start = self.rd(enquiry + 7, enquiry + 40)
            s1_end = self.rd(s1_start + 30, s1_start + 60)
            s2_start = self.rd(s1_end + 1, s1_end + 20)
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
                end = self.rd(dates["stage2_start_date"] + 60, dates["stage2_start_date"] + 150)
                if end <= refo:
                    dates["stage2_end_date"] = end
            if fam["matched"] is None and rng.random() < 0.12:
                leaving = self.rd(max(dates.values()), refo)
            ffa = rng.random() < 0.15
            for _ in range(2 if rng.random() < 0.6 else 1):
                adopter_no += rng.randint(1, 7)
                cells: dict[str, Any] = {
                    "child_id": f"A{adopter_no}",
                    "family_id": fam["id"],
                    "gender": c.render(
                        "adopter_gender",
                        c.pick("adopter_gender", {"Male": 48, "Female": 50, "Neither": 1, "Not stated": 1}),
                    ),
                    "ethnicity": None,
                    "disability": self.yn(0.05),
                    "fostering_for_adoption": c.label("yes_no_plain", "Yes" if ffa else "No"),
                    "matched_date": fam["matched"],
                    "placed_date": fam["placed"],
                    "adoption_order_date": fam["order"],
                    "children_placed": fam["children"] if fam["placed"] else None,
                }
                eth = c.pick("ethnicity", _ETHNICITY_W, lambda x: x != "NOBT")
                cells["ethnicity"] = c.render("ethnicity", eth)
                cells.update(dates)
                if leaving is not None:
                    cells["leaving_date"] = leaving
                    cells["leaving_reason"] = c.render(
                        "adopter_leaving_reason", c.any("adopter_leaving_reason")
                    )
                for k, v in cells.items():
                    if isinstance(v, int) and k.endswith("date"):
                        cells[k] = self.d(v)
                # Injected errors go on families still in assessment, so a match stays linked to List 10.
                self.add(
                    s11, cells, {"id": cells["child_id"], "eth": eth, "protected": fam["matched"] is not None}
                )

    def build(self) -> dict[str, _Sheet]:
        self.cohort()
        self.list_1()
        self.list_2()
        self.list_3()
        self.list_4()
        self.list_5()
        self.choose_cin()
        self.list_8()
        self.list_7()
        self.icpc_plans_on_list_7()
        self.list_6()
        self.list_9()
        self.list_10_11()
        return {k: self.sheets[k] for k in self.spec.lists}


def _within(day: int, last: int, days: int) -> int:
    """`day` folded into the `days` before `last`: no extra random draw, so seeded output elsewhere holds."""
    return day if day >= last - days else last - (last - day) % (days + 1)


def _under_18_accom(code: str) -> bool:
    return code not in ("Z", "T")  # SSDA903: no former foster carers at 17, no foyers under 18


def _postcode(rng: random.Random) -> str:
    """A well-formed postcode in a plausible area; not looked up, so not anyone's address."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    area = rng.choice(("HX", "HD", "WF", "BD", "LS", "OL"))
    return f"{area}{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def _rule_codes(spec: Spec, error_type: str, op: str) -> tuple[str, ...]:
    """The codes named in a rule's `when` (e.g. the placement types exempt from a provider)."""
    for rule in spec.rules:
        if rule.error_type == error_type:
            for cond in rule.when:
                codes = cond.not_in_codes if op == "not_in" else cond.in_codes
                if codes:
                    return codes
    raise LookupError(f"no rule for {error_type} with a '{op}' condition")


def _rule_param(spec: Spec, error_type: str, param: str) -> dict[str, Any]:
    for rule in spec.rules:
        if rule.error_type == error_type and param in rule.params:
            return dict(rule.params[param])
    raise LookupError(f"no rule for {error_type} with '{param}'")


# --------------------------------------------------------------------------- injection


class _Injector:
    """Places exact numbers of errors on rows chosen from the seed, one problem per row and type."""

    def __init__(self, b: _Builder, first_row: int) -> None:
        self.b = b
        self.rng = random.Random(b.rng.getrandbits(64))
        self.sheets = b.sheets
        self.first_row = first_row
        self.used: dict[tuple[str, int], set[str]] = {}
        self.eth_children: set[str] = set()
        self.out: list[Injected] = []
        self.new_ids = 0

    def candidates(self, list_key: str, pred: Callable[[dict[str, Any]], bool]) -> list[int]:
        return [i for i, m in enumerate(self.sheets[list_key].meta) if not m.get("protected") and pred(m)]

    def choose(
        self, list_key: str, idxs: list[int], count: int, touched: set[str], error_type: str
    ) -> list[int]:
        """`count` rows of `idxs`: untouched rows first, then rows with no clash of columns."""
        self.rng.shuffle(idxs)
        fresh = [i for i in idxs if (list_key, i) not in self.used]
        shared = [i for i in idxs if (list_key, i) in self.used and not (self.used[(list_key, i)] & touched)]
        picked = (fresh + shared)[:count]
        if len(picked) < count:
            raise ValueError(
                f"cannot inject {count} x {error_type}: only {len(picked)} suitable rows on "
                f"{list_key} (generate more children)"
            )
        return sorted(picked)

    def record(self, error_type: str, list_key: str, i: int, column: str, touched: set[str]) -> None:
        self.used.setdefault((list_key, i), set()).update(touched)
        sheet = self.sheets[list_key]  # the row's ID as written: an overlay may give it a {new_id}
        self.out.append(
            Injected(error_type, list_key, i + self.first_row, sheet.rows[i][sheet.idx("child_id")], column)
        )

    def set(self, list_key: str, i: int, column: str, value: Any) -> None:
        sheet = self.sheets[list_key]
        sheet.rows[i][sheet.idx(column)] = value

    def simple(
        self,
        error_type: str,
        list_key: str,
        count: int,
        column: str,
        pred: Callable[[dict], bool],
        touched: Sequence[str],
        values: Callable[[int, int], Any] = lambda k, i: None,
    ) -> None:
        """Inject on one list: set `column` to `values(k, i)` on `count` rows satisfying `pred`."""
        t = set(touched) | {column}
        for k, i in enumerate(self.choose(list_key, self.candidates(list_key, pred), count, t, error_type)):
            self.set(list_key, i, column, values(k, i))
            self.record(error_type, list_key, i, column, t)

    def ethnicity(self, error_type: str, count: int, values: Callable[[int], Any]) -> None:
        """Spread ethnicity errors over all lists in rounds (one per list per round), one per child."""
        queues: dict[str, list[int]] = {}
        for key, sheet in self.sheets.items():
            idxs = [
                i
                for i, m in enumerate(sheet.meta)
                if not m.get("protected")
                and m["eth"] != "NOBT"
                and "ethnicity" not in self.used.get((key, i), ())
                and m["id"] not in self.eth_children
            ]
            self.rng.shuffle(idxs)
            # Rows with no other injection are popped (from the end) first.
            queues[key] = [i for i in idxs if (key, i) in self.used] + [
                i for i in idxs if (key, i) not in self.used
            ]
        placed = 0
        while placed < count:
            live = [key for key, q in queues.items() if q]
            if not live:
                raise ValueError(f"cannot inject {count} x {error_type}: not enough rows")
            self.rng.shuffle(live)
            for key in live:
                queue = queues[key]
                while queue and self.sheets[key].meta[queue[-1]]["id"] in self.eth_children:
                    queue.pop()  # that child already has an ethnicity error on another row
                if not queue or placed == count:
                    continue
                i = queue.pop()
                self.eth_children.add(self.sheets[key].meta[i]["id"])
                self.set(key, i, "ethnicity", values(placed))
                self.record(error_type, key, i, "ethnicity", {"ethnicity"})
                placed += 1

    def run(self, inject: Mapping[str, int]) -> list[Injected]:
        overlays = _overlay_rules(self.b.spec)
        unknown = sorted(set(inject) - set(_INJECT_ORDER) - set(overlays))
        if unknown:
            raise ValueError(
                f"unknown error type(s) {', '.join(unknown)}; supported: {', '.join(ERROR_TYPES)}"
            )
        for error_type in [*_INJECT_ORDER, *sorted(overlays)]:
            count = int(inject.get(error_type, 0))
            if count < 0:
                raise ValueError(f"{error_type}: count must not be negative")
            if not count:
                continue
            rule = overlays.get(error_type)
            if rule is not None and rule.inject is None:
                {"unique": self.duplicate, "constant_per_child": self.vary, "consistent": self.conflict}[
                    rule.check
                ](rule, count)
            elif rule is not None:
                self.overlay(rule, count)
            else:
                self.one(error_type, count)
        return sorted(self.out, key=lambda x: (int(x.list_key.split("_")[1]), x.row, x.column))

    def overlay(self, rule: Rule, n: int) -> None:
        """Inject a rule's error by writing its `inject` cells over `n` valid rows of its list."""
        list_key = rule.lists[0]
        if self.b.template not in rule.templates:
            raise ValueError(
                f"cannot inject {rule.error_type}: {rule.code} is not in the {self.b.template} pack"
            )
        sheet = self.sheets[list_key]
        cells = dict(rule.inject or {})
        missing = [k for k in cells if k not in sheet.keys]
        if missing:
            raise ValueError(
                f"cannot inject {rule.error_type}: no column(s) {', '.join(missing)} in this layout"
            )
        low, high = rule.params.get("inject_age") or (None, None)

        def fits(m: dict[str, Any], i: int) -> bool:
            for cond in rule.inject_when:
                blank = sheet.rows[i][sheet.idx(cond.column)] is None
                if blank != bool(cond.blank):
                    return False
            if low is None and high is None:
                return True
            age = sheet.rows[i][sheet.idx("age")] if "age" in sheet.keys else None
            return isinstance(age, int) and (low is None or age >= low) and (high is None or age <= high)

        idxs = [i for i in self.candidates(list_key, lambda m: True) if fits(sheet.meta[i], i)]
        constant = {
            c
            for r in self.b.spec.rules
            if r.check == "constant_per_child" and list_key in r.lists
            for c in r.columns or ()
        }
        if constant & set(cells):  # changing one of a child's rows would also make its counts vary
            single = {ids[0] for ids in self._rows_by_child(list_key).values() if len(ids) == 1}
            idxs = [i for i in idxs if i in single]
        column = rule.columns[0] if rule.columns else next(iter(cells))
        touched = set(cells) | {column}
        for i in self.choose(list_key, idxs, n, touched, rule.error_type):
            for key, value in cells.items():
                self.set(list_key, i, key, self.token(value))
            self.record(rule.error_type, list_key, i, column, touched)

    def mark(self, list_key: str, i: int, columns: set[str]) -> None:
        self.used.setdefault((list_key, i), set()).update(columns)

    def free(self, list_key: str, i: int, columns: set[str]) -> bool:
        meta = self.sheets[list_key].meta[i]
        return not meta.get("protected") and not (self.used.get((list_key, i), set()) & columns)

    def duplicate(self, rule: Rule, n: int) -> None:
        """A repeated event: another row of the list becomes an exact copy of a chosen one."""
        list_key = rule.lists[0]
        sheet = self.sheets[list_key]
        every = set(sheet.keys)
        idxs = [i for i in range(len(sheet.rows)) if self.free(list_key, i, every)]
        self.rng.shuffle(idxs)
        if len(idxs) < 2 * n:
            raise ValueError(f"cannot inject {n} x {rule.error_type}: too few rows on {list_key}")
        for k in range(n):
            i, j = idxs[2 * k], idxs[2 * k + 1]
            sheet.rows[j] = list(sheet.rows[i])
            sheet.meta[j] = dict(sheet.meta[i])
            sheet.text_dates[j] = sheet.text_dates[i]
            for row in (i, j):
                self.record(rule.error_type, list_key, row, "child_id", every)

    def _rows_by_child(self, list_key: str) -> dict[str, list[int]]:
        sheet = self.sheets[list_key]
        out: dict[str, list[int]] = {}
        for i, row in enumerate(sheet.rows):
            out.setdefault(str(row[sheet.idx("child_id")]), []).append(i)
        return out

    def vary(self, rule: Rule, n: int) -> None:
        """A count that should be the same on all of a child's rows is one higher on one of them."""
        list_key, column = rule.lists[0], (rule.columns or ("",))[0]
        touched = {column, "child_id"}  # marked, so no later overlay gives one of the rows a new ID
        groups = [
            rows
            for rows in self._rows_by_child(list_key).values()
            if len(rows) > 1 and all(self.free(list_key, i, {column}) for i in rows)
        ]
        self.rng.shuffle(groups)
        if len(groups) < n:
            raise ValueError(f"cannot inject {n} x {rule.error_type}: too few children with two rows")
        sheet = self.sheets[list_key]
        for rows in sorted(groups[:n]):
            value = sheet.rows[rows[0]][sheet.idx(column)]
            self.set(list_key, rows[0], column, (value if isinstance(value, int) else 0) + 1)
            for i in rows:
                self.record(rule.error_type, list_key, i, column, touched)

    def conflict(self, rule: Rule, n: int) -> None:
        """One list records a child's gender, ethnicity or date of birth differently from the others."""
        column = (rule.columns or ("",))[0]
        touched = {column, "child_id", "age"}
        lists = [k for k in _PEOPLE_LISTS if column in self.sheets[k].keys and k in rule.lists]
        where: dict[str, list[tuple[str, int]]] = {}
        for key in lists:
            for child, rows in self._rows_by_child(key).items():
                where.setdefault(child, []).extend((key, i) for i in rows)
        ref = self.b.ref

        def safe(key: str, i: int) -> bool:
            row, sheet = self.sheets[key].rows[i], self.sheets[key]
            value = row[sheet.idx(column)]
            if value is None or not self.free(key, i, {column}):
                return False
            if column == "date_of_birth":  # a day earlier keeps the age, away from the birthday
                return (
                    isinstance(value, date)
                    and abs((value.replace(year=2000) - ref.replace(year=2000)).days) > 3
                )
            return row[sheet.idx("age")] != -1 if "age" in sheet.keys else True

        chosen = [
            spots
            for _child, spots in sorted(where.items())
            if len({k for k, _ in spots}) > 1 and all(safe(k, i) for k, i in spots)
        ]
        self.rng.shuffle(chosen)
        if len(chosen) < n:
            raise ValueError(f"cannot inject {n} x {rule.error_type}: too few children on two lists")
        for spots in chosen[:n]:
            key, i = spots[0]
            sheet = self.sheets[key]
            value = sheet.rows[i][sheet.idx(column)]
            self.set(key, i, column, self._other_value(key, i, column, value))
            for other_key, j in spots:
                self.record(rule.error_type, other_key, j, column, touched)

    def _other_value(self, list_key: str, i: int, column: str, value: Any) -> Any:
        if column == "date_of_birth":
            return value - timedelta(days=1)
        codes = self.b.codes
        if column == "gender":
            return codes.label("gender", "Male" if "female" in str(value).lower() else "Female")
        eth = self.sheets[list_key].meta[i]["eth"]
        return codes.label("ethnicity", "WBRI" if eth == "WOTH" else "WOTH")

    def token(self, value: Any) -> Any:
        """An overlay value: `{ref-N}` / `{ref+N}` become dates, `{new_id}` an ID on no other list."""
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            return value
        match = _TOKEN.match(value)
        if match is None:
            return value
        if match.group(1) == "new_id":
            self.new_ids += 1
            return f"N{self.new_ids:05d}"
        days = int(match.group(1)[3:])
        return self.b.d(self.b.refo + days)

    def one(self, et: str, n: int) -> None:
        ref = self.b.ref
        rng = self.rng
        everything: Callable[[dict], bool] = lambda m: True  # noqa: E731
        if et == "missing_primary_need":
            self.simple(et, "list_6", n, "primary_need", everything, ())
        elif et == "missing_closure_reason":
            self.simple(et, "list_6", n, "closure_reason", lambda m: m["closed"], ("cin_closure_date",))
        elif et == "missing_placement_provider":
            self.simple(
                et, "list_8", n, "placement_provider", lambda m: m["needs_provider"], ("placement_type",)
            )
        elif et == "missing_cla_end_reason":
            self.simple(et, "list_8", n, "cla_end_reason", lambda m: m["ceased"], ("cla_end_date",))
        elif et == "missing_cic_placement":
            rows = self.choose(
                "list_8",
                self.candidates("list_8", everything),
                n,
                {"placement_type", "placement_provider"},
                et,
            )
            for i in rows:
                self.set("list_8", i, "placement_type", None)
                self.set("list_8", i, "placement_provider", None)
                self.record(et, "list_8", i, "placement_type", {"placement_type", "placement_provider"})
        elif et == "invalid_placement_type":
            self.simple(
                et,
                "list_8",
                n,
                "placement_type",
                lambda m: m["needs_provider"],
                ("placement_provider",),
                lambda k, i: _BAD_PLACEMENT[k % len(_BAD_PLACEMENT)],
            )
        elif et == "missing_placement_location":
            self.simple(et, "list_8", n, "placement_location", everything, ())
        elif et == "invalid_care_leaver_eligibility":
            ages = self.b.eligibility_ages
            labels = self.b.codes.labels["eligibility_category"]
            meta = self.sheets["list_9"].meta

            def bad(k: int, i: int) -> str | None:
                if k % 3 == 0:
                    return None
                if k % 3 == 1:
                    return _BAD_ELIGIBILITY[(k // 3) % len(_BAD_ELIGIBILITY)]
                age = meta[i]["age"]
                wrong = [
                    c for c in labels if c in ages and not (ages[c][0] or 0) <= age <= (ages[c][1] or 999)
                ]
                return labels[wrong[0]]

            self.simple(et, "list_9", n, "eligibility_category", everything, (), bad)
        elif et == "missing_accommodation_suitability":
            self.simple(
                et, "list_9", n, "accommodation_suitability", lambda m: m["in_touch"], ("la_in_touch",)
            )
        elif et == "invalid_date":
            year = ref.year - 1

            def bad_date(k: int, i: int) -> str:
                return f"{30 + k % 2}/02/{year}" if k % 2 == 0 else f"{year}-13-{40 + k % 10}"

            self.simple(et, "list_1", n, "contact_date", everything, (), bad_date)
        elif et == "excel_error_value":
            lists = [k for k, s in self.sheets.items() if "allocated_worker" in s.keys]
            per: dict[str, int] = {}
            for _ in range(n):
                key = rng.choice(lists)
                per[key] = per.get(key, 0) + 1
            for key in lists:
                if per.get(key):
                    self.simple(et, key, per[key], "allocated_worker", everything, (), lambda k, i: "#N/A")
        elif et == "missing_ethnicity":
            self.ethnicity(et, n, lambda k: None)
        elif et == "invalid_ethnicity":
            self.ethnicity(et, n, lambda k: _BAD_ETHNICITY[k % len(_BAD_ETHNICITY)])


# --------------------------------------------------------------------------- writing


def _template_header(list_key: str, key: str, header: str, template: str) -> str:
    """The official template's header, quirks included (trailing spaces, 2019 'LA In Touch ')."""
    if (list_key, key) in (("list_8", "cla_end_date"), ("list_10", "adoption_order_date")):
        return header + " "
    if (list_key, key) == ("list_9", "la_in_touch") and template == "2019":
        return header.replace(" in ", " In ") + " "
    return header


def _camel(header: str) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in header).split()
    return "".join(w[:1].upper() + w[1:] for w in words)


def _extract_header(list_key: str, col: Any, rng: random.Random) -> str:
    """A header as a council's own extract writes it: an alias, CamelCase or a re-spaced form."""
    h = col.header
    forced = {
        "age": col.aliases[0] if col.aliases else h,
        "cin_closure_date": _camel(h),
        "case_status": h.title(),
        "missing_episodes": h.replace("‘", "'").replace("’", "'"),
        "referral_nfa": h.rstrip("?"),
        "return_interview_offered": h.rstrip("?"),
    }
    if col.key in forced:
        return forced[col.key]
    if col.key == "date_of_birth" and list_key == "list_2":
        return h.replace(" ", "\u00a0", 1)
    r = rng.random()
    if r < 0.25 and col.aliases:
        return rng.choice(col.aliases)
    if r < 0.45 and len(h.split()) <= 4:
        return _camel(h)
    if r < 0.5:
        return h.lower()
    return h


def _sheet_name(lst: ListSpec, style: str) -> str:
    if style == "template":
        return f"List_{lst.number}"
    if lst.number >= 8:
        return f"List {lst.number}"
    name = f"List {lst.number} -"
    for word in lst.title.split():  # Excel sheet names are at most 31 characters
        if len(name) + 1 + len(word) > 31:
            break
        name += " " + word
    return name


def _write(
    path: Path,
    sheets: dict[str, _Sheet],
    template: str,
    style: str,
    ref: date,
    rng: random.Random,
) -> dict[str, str]:
    wb = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    created = datetime(ref.year, ref.month, ref.day)
    wb.set_properties(
        {"title": "Annex A dry run (synthetic data)", "author": "example_returns", "created": created}
    )
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    bold = wb.add_format({"bold": True})
    numeric_ids = (
        {"list_1", "list_3"} if style == "template" else {"list_1", "list_2", "list_3", "list_4", "list_5"}
    )
    names = {}
    for key, sheet in sheets.items():
        lst = sheet.lst
        name = _sheet_name(lst, style)
        names[key] = name
        ws = wb.add_worksheet(name)
        cols = lst.columns_for(template)
        r0 = 0
        if style == "template":
            ws.write_string(0, 0, f"List {lst.number}: {_TEMPLATE_TITLES.get(key, lst.title)}", bold)
            r0 = 1
            headers = [_template_header(key, c.key, c.header, template) for c in cols]
        else:
            headers = [_extract_header(key, c, rng) for c in cols]
        ws.set_column(0, len(cols) - 1, 16)
        for j, h in enumerate(headers):
            ws.write_string(r0, j, h, bold)
        ws.freeze_panes(r0 + 1, 1)
        write_string, write_number = ws.write_string, ws.write_number
        id_col = sheet.idx("child_id")
        as_number = key in numeric_ids
        r = r0 + 1
        for row, text_dates in zip(sheet.rows, sheet.text_dates, strict=True):
            for j, v in enumerate(row):
                if v is None:
                    continue
                t = type(v)
                if t is str:
                    if j == id_col and as_number and v.isdigit():
                        write_number(r, j, int(v))
                    else:
                        write_string(r, j, v)
                elif t is int:
                    write_number(r, j, v)
                elif t is date:
                    if text_dates:
                        write_string(r, j, f"{v.day:02d}/{v.month:02d}/{v.year}")
                    else:
                        write_number(r, j, v.toordinal() - EXCEL_EPOCH, date_fmt)
                else:
                    raise TypeError(f"unexpected cell value {v!r}")
            r += 1
    wb.close()
    return names


# --------------------------------------------------------------------------- API


def generate(
    path: Path,
    *,
    seed: int = 1,
    children: int = 300,
    template: str = "2023",
    reference_date: date = date(2025, 3, 31),
    inject: Mapping[str, int] | None = None,
    style: str = "template",
) -> Manifest:
    """Write a synthetic Annex A workbook to `path` and its manifest beside it; return the manifest.

    The same arguments always give the same cell values. `inject` maps error types
    (see ERROR_TYPES) to exact counts; without it the workbook is clean.
    """
    if template not in TEMPLATES:
        raise ValueError(f"template must be one of {', '.join(TEMPLATES)}")
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}")
    if children < 50:
        raise ValueError("children must be at least 50")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    spec = load_spec()
    builder = _Builder(spec, template, reference_date, seed, children)
    sheets = builder.build()
    first_row = 3 if style == "template" else 2
    injected = _Injector(builder, first_row).run(inject or {})
    names = _write(path, sheets, template, style, reference_date, random.Random(seed + 7919))
    manifest = Manifest(
        seed=seed,
        children=children,
        template=template,
        reference_date=reference_date,
        style=style,
        rows={k: len(s.rows) for k, s in sheets.items()},
        sheets=names,
        header_row=first_row - 1,
        injected=injected,
    )
    manifest.save(manifest_path(path))
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write one workbook and print what it holds."""
    p = argparse.ArgumentParser(prog="python -m example_returns.generate", description=__doc__.split("\n")[0])
    p.add_argument("out", type=Path, help="the .xlsx to write (its manifest goes beside it)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--children", type=int, default=None, help="cohort size (default 300; 3000 with --dirty)")
    p.add_argument("--template", choices=TEMPLATES, default="2023")
    p.add_argument("--style", choices=STYLES, default="template")
    p.add_argument("--reference-date", type=date.fromisoformat, default=date(2025, 3, 31))
    mix = p.add_mutually_exclusive_group()
    mix.add_argument("--clean", dest="mix", action="store_const", const="clean")
    mix.add_argument("--dirty", dest="mix", action="store_const", const="dirty", help="DIRTY_COUNTS")
    mix.add_argument(
        "--small-dirty", dest="mix", action="store_const", const="small", help="SMALL_DIRTY_COUNTS"
    )
    args = p.parse_args(argv)
    mix_name = args.mix or "small"
    inject = {"clean": None, "dirty": DIRTY_COUNTS, "small": SMALL_DIRTY_COUNTS}[mix_name]
    children = args.children or (3000 if mix_name == "dirty" else 300)
    try:
        m = generate(
            args.out,
            seed=args.seed,
            children=children,
            template=args.template,
            reference_date=args.reference_date,
            inject=inject,
            style=args.style,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({sum(m.rows.values())} rows) and {manifest_path(args.out)}")
    for et, n in m.counts().items():
        print(f"  {et}: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
