"""Who and when: invented names, teams and places, the cohort's ethnicity mix, and date arithmetic.

Shared by every list, so that a child, a worker or a date window means the same thing on
each. Every name, team, place and postcode here is invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

WINDOW = 182  # days: the six-month look-back of Lists 1-8

FIRST = (
    "Aria", "Ben", "Chloe", "Dev", "Ellis", "Farah", "Gus", "Hana", "Idris", "Jo", "Kit", "Lena",
    "Milo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tess", "Uma", "Vik", "Wren", "Yusuf",
)  # fmt: skip
LAST = (
    "Ashdown", "Brackley", "Corvane", "Dunmore", "Elsby", "Fenwick", "Garside", "Holloway", "Ingram",
    "Jessop", "Kettle", "Lowther", "Marchant", "Northey", "Orchard", "Pennock", "Quarry", "Rudd",
)  # fmt: skip
TEAMS = {
    "assessment": ("Assessment Team North", "Assessment Team South", "Front Door Team"),
    "cin": ("Children in Need Team 1", "Children in Need Team 2", "Disabled Children's Team"),
    "cp": ("Child Protection Team 1", "Child Protection Team 2"),
    "cic": ("Children in Care Team 1", "Children in Care Team 2", "Disabled Children's Team"),
    "leaving": ("Leaving Care Team",),
}
EH_ORGS = (
    "Early Help Hub", "Family Support Service North", "Family Support Service South",
    "School Nursing Service", "Children's Centre East", "Youth Support Service",
)  # fmt: skip
HOME_LA = "Kirklees"
OTHER_LAS = ("Leeds", "Bradford", "Wakefield", "Calderdale", "Sheffield", "Lancashire", "Kent")

# Ethnicity weights (codes of the spec's ethnicity set; see codes.check_weights).
ETHNICITY_W = {
    "WBRI": 640, "WIRI": 8, "WIRT": 4, "WOTH": 40, "WROM": 6, "MWBC": 30, "MWBA": 12, "MWAS": 12,
    "MOTH": 20, "AIND": 20, "APKN": 45, "ABAN": 12, "AOTH": 15, "BCRB": 15, "BAFR": 30, "BOTH": 8,
    "CHNE": 4, "OOTH": 25, "REFU": 10, "NOBT": 25,
}  # fmt: skip
# Disability (codes of the spec's yes_no_unknown set).
DISABILITY_W = {"Yes": 8, "No": 85, "Unknown": 7}


@dataclass
class Person:
    id: str
    dob: date | None
    age: int
    gender: str  # code
    ethnicity: str  # code
    disability: str  # code


def years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def age_on(dob: date, ref: date) -> int:
    return ref.year - dob.year - ((ref.month, ref.day) < (dob.month, dob.day))


def within(day: int, last: int, days: int) -> int:
    """`day` folded into the `days` before `last`: no extra random draw, so seeded output elsewhere holds."""
    return day if day >= last - days else last - (last - day) % (days + 1)


def postcode(rng: random.Random) -> str:
    """A well-formed postcode in a plausible area; not looked up, so not anyone's address."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    area = rng.choice(("HX", "HD", "WF", "BD", "LS", "OL"))
    return f"{area}{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
