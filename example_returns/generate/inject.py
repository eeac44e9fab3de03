"""Injected errors: the mixes, the error types, and the injector that places exact counts of each.

The nine dry-run error types and a few format problems are placed by hand-written steps
(`Injector.one`); every other injectable type comes from the rules: a rule's `inject`
overlay, or for errors between rows (repeats, counts that vary, cross-list conflicts)
its check.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from annexa_check.catalogue.spec import Rule, Spec, load_spec
from example_returns.generate.manifest import Injected

if TYPE_CHECKING:
    from example_returns.generate.builder import Builder

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

BAD_ETHNICITY = ("White British", "u) UNKNOWN", "WBRIX", "Mixed", "Not known")
BAD_ELIGIBILITY = ("Care Leaver - PA to 25", "FR", "Other - under 16", "former relevant 21-24")
BAD_PLACEMENT = ("Foster care", "Q1", "Residential")

# Order in which error types are placed: scarcest candidates first.
INJECT_ORDER = (
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
PEOPLE_LISTS = tuple(f"list_{n}" for n in range(1, 11))  # List 11 holds adopters
TOKEN = re.compile(r"^\{(ref[+-]\d+|new_id)\}$")


def relational(rule: Rule, spec: Spec) -> bool:
    """Errors that live between rows rather than in one, injected by copying or changing a related row."""
    if rule.check == "unique":
        return bool(rule.params.get("with")) and not spec.lists[rule.lists[0]].one_row_per_child
    if rule.check == "constant_per_child":
        return True
    return rule.check == "consistent" and rule.columns in (("gender",), ("ethnicity",), ("date_of_birth",))


def overlay_rules(spec: Spec) -> dict[str, Rule]:
    """Injectable error types and the rule (the first by code) that says how: its `inject` overlay,
    or for errors between rows (duplicates, counts that vary, cross-list conflicts) its check."""
    out: dict[str, Rule] = {}
    for rule in spec.rules:
        if rule.error_type in INJECT_ORDER:
            continue
        if rule.inject is not None or relational(rule, spec):
            out.setdefault(rule.error_type, rule)
    return out


ERROR_TYPES = tuple(sorted({*INJECT_ORDER, *overlay_rules(load_spec())}))


def injectable_types(template: str) -> tuple[str, ...]:
    """The error types `generate` can inject into a workbook of this template year."""
    overlays = overlay_rules(load_spec())
    return tuple(t for t in ERROR_TYPES if t not in overlays or template in overlays[t].templates)


class Injector:
    """Places exact numbers of errors on rows chosen from the seed, one problem per row and type."""

    def __init__(self, b: Builder, first_row: int) -> None:
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
        overlays = overlay_rules(self.b.spec)
        unknown = sorted(set(inject) - set(INJECT_ORDER) - set(overlays))
        if unknown:
            raise ValueError(
                f"unknown error type(s) {', '.join(unknown)}; supported: {', '.join(ERROR_TYPES)}"
            )
        for error_type in [*INJECT_ORDER, *sorted(overlays)]:
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
        lists = [k for k in PEOPLE_LISTS if column in self.sheets[k].keys and k in rule.lists]
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
        match = TOKEN.match(value)
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
                lambda k, i: BAD_PLACEMENT[k % len(BAD_PLACEMENT)],
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
                    return BAD_ELIGIBILITY[(k // 3) % len(BAD_ELIGIBILITY)]
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
            self.ethnicity(et, n, lambda k: BAD_ETHNICITY[k % len(BAD_ETHNICITY)])
