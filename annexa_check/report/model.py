"""The one account of a run, built once from the findings table, the load report and the verdict.

Every writer (terminal, JSON, CSV/Excel, JUnit, Markdown, team workbooks, HTML) is a
function of a `Report`: none of them looks at the workbook, the rule files or the
history again, and none recomputes what is here. `Report.as_dict()` is the
machine-readable document (`--format json`, schemas/summary.schema.json).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from annexa_check.catalogue.expected import with_expected
from annexa_check.catalogue.spec import SEVERITIES, Rule, Spec
from annexa_check.engine.check import CheckResult
from annexa_check.findings.pseudonym import pseudonymise
from annexa_check.findings.table import KEY_ERROR_TYPES, counted, counts_by, counts_by_type, distinct_people
from annexa_check.report.change import allocation
from annexa_check.version import __version__

if TYPE_CHECKING:
    from annexa_check.report.change import Comparison
    from annexa_check.report.policy import Verdict


SCHEMA_VERSION = "1.2"


@dataclass(frozen=True)
class ListReport:
    """How one list of the template was found (or not) in the workbook."""

    name: str
    title: str
    found: bool
    sheet: str | None
    found_by: str | None
    header_row: int | None
    rows: int
    matched_columns: dict[str, str]
    missing_columns: list[str]
    unrecognised_columns: list[str]
    duplicate_columns: list[str]
    problem: str | None

    @property
    def incomplete(self) -> bool:
        return not self.found or bool(self.missing_columns)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class TypeCount:
    """Records and distinct children of one error type (a record counts once per type).

    `count` is the records affected, whether each has its own finding or an extract fault
    stands for it (fractional ages on every row: one finding, every row counted);
    `from_extract` says how many of them come from such a fault.
    """

    count: int
    children: int
    severity: str
    from_extract: int = 0

    def as_dict(self) -> dict[str, Any]:
        """`from_extract` only where an extract fault stands for some records (an optional key)."""
        counts = {"count": self.count, "children": self.children, "severity": self.severity}
        return counts | ({"from_extract": self.from_extract} if self.from_extract else {})


@dataclass(frozen=True)
class Totals:
    findings: int
    errors: int
    warnings: int
    error_types: int
    children_with_errors: int
    lists_found: int
    lists_incomplete: int

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class SkippedRule:
    """A selected rule that could not run here (a column or list it needs is missing)."""

    rule: str
    list: str
    reason: str


@dataclass(frozen=True)
class Report:
    """One run, as every output shows it. Built by `build_report`; never changed, only replaced."""

    workbook: Path
    reference_date: date
    template: str
    template_source: str
    lists: dict[str, ListReport]
    ignored_sheets: list[str]
    counts: dict[str, TypeCount]  # by error type, in the order of `counts_table`
    counts_table: pl.DataFrame  # the same counts as a frame (error_type, count, children, severity)
    totals: Totals
    skipped: tuple[SkippedRule, ...]
    notes: list[str]
    config: dict[str, Any] | None  # what a settings file changed (settings/config.config_report)
    findings: pl.DataFrame  # FINDING_COLUMNS, as written (pseudonymised when `pseudonymised`)
    rules: tuple[Rule, ...]  # the rules selected for the run, in catalogue order
    spec: Spec  # the run's rule set (settings applied), already loaded
    verdict: Verdict | None = None
    comparison: Comparison | None = None  # against the workbook's previous recorded run, when asked
    pseudonymised: bool = False
    absorbed: pl.DataFrame | None = None  # the record findings the extract findings stand for

    @property
    def headline(self) -> str:
        """The sentence a data officer pastes into an email."""
        return headline_of(self.totals)

    def rule(self, code: str) -> Rule:
        return self._rules_by_code[code]

    @cached_property
    def _rules_by_code(self) -> dict[str, Rule]:
        return {r.code: r for r in self.spec.rules}

    @cached_property
    def expected(self) -> pl.DataFrame:
        """Every finding with the `expected` column (what a correct value looks like), computed once.

        The text depends on the rule, the cell and its value alone, so it is worked out once per
        distinct one (3,689 at 281,925 findings) and joined back: a quarter of the time.
        """
        cells = ["rule", "list", "column", "value"]
        distinct = with_expected(
            self.findings.select(cells).unique(), self.spec, self.template, self.reference_date
        )
        return self.findings.join(distinct, on=cells, how="left", maintain_order="left", nulls_equal=True)

    @cached_property
    def exceptions(self) -> pl.DataFrame:
        """The record-level findings with `expected`: what a team or worker receives, and the HTML's
        child-level table. A fault of the extract is no team's to fix, so it is shown once, in the lead
        (`extract_faults`), not here."""
        return self.expected.filter(pl.col("scope") == "record")

    @cached_property
    def extract_faults(self) -> pl.DataFrame:
        """The extract-level errors, to fix before anything else: FINDING_COLUMNS plus `rows`, the
        records each stands for (0 for a missing list or column). Warnings stay in the findings."""
        faults = self.findings.filter((pl.col("scope") == "extract") & (pl.col("severity") == "error"))
        if self.absorbed is None or self.absorbed.height == 0:
            return faults.with_columns(pl.lit(0, dtype=pl.UInt32).alias("rows"))
        rows = self.absorbed.group_by("extract").agg(pl.col("row").n_unique().alias("rows"))
        return faults.join(
            rows, left_on="fingerprint", right_on="extract", how="left", maintain_order="left"
        ).with_columns(pl.col("rows").fill_null(0))

    @property
    def extract_lead(self) -> str | None:
        """The sentence every output leads with when the extract itself is at fault, else None."""
        faults = self.extract_faults
        if faults.height == 0:
            return None
        rows = int(faults["rows"].sum())
        standing = f", in place of {rows:,} row-level finding{'s' if rows != 1 else ''}" if rows else ""
        return (
            f"Fix the extract first: {faults.height:,} fault{'s' if faults.height != 1 else ''} "
            f"of the extract itself{standing}. Each is one finding, not one per child: "
            "fix the query that builds the lists, then re-run."
        )

    @cached_property
    def counted(self) -> pl.DataFrame:
        """The findings as every count takes them: each extract fault as the record findings it replaced."""
        return counted(self.findings, self.absorbed)

    @cached_property
    def counts_by_list(self) -> pl.DataFrame:
        """Records and children per list (list, severity, count, children)."""
        return counts_by(self.counted, "list")

    @cached_property
    def counts_by_list_and_type(self) -> pl.DataFrame:
        """Records and children per list and error type."""
        return counts_by(self.counted, "list", "error_type")

    @cached_property
    def counts_by_team(self) -> pl.DataFrame:
        """Records and children per allocated team (team, severity, count, children); none recorded is
        `unallocated("team")`, kept apart from any team of that name. Record-level findings only, as
        the team workbooks hold: a fault of the extract is no team's to fix."""
        records = self.findings.filter(pl.col("scope") == "record")
        allocated = records.with_columns(allocation("team").alias("__team"))
        return counts_by(allocated, "__team").rename({"__team": "team"})

    @cached_property
    def counts_in_all_lists(self) -> pl.DataFrame:
        """One row, list "All lists": every list's records and children together."""
        everything = self.counted.with_columns(pl.lit("All lists").alias("__all"))
        return counts_by(everything, "__all").rename({"__all": "list"})

    def titles(self, findings: pl.DataFrame) -> dict[str, str]:
        """Per error type in `findings`, the titles of the rules that found it (a type may have several)."""
        found = findings.group_by("error_type").agg(pl.col("rule").unique().sort())
        return {t: "; ".join(self.rule(code).title for code in codes) for t, codes in found.iter_rows()}

    def counts_as_dict(self) -> dict[str, dict[str, Any]]:
        return {key: c.as_dict() for key, c in self.counts.items()}

    def judged(self, verdict: Verdict) -> Report:
        return dataclasses.replace(self, verdict=verdict)

    def compared(self, comparison: Comparison | None) -> Report:
        return dataclasses.replace(self, comparison=comparison)

    def with_pseudonyms(self, key: bytes | None) -> Report:
        """The report every file is written from: child IDs replaced when a key is given.

        Counts and totals stay as built: a pseudonym stands for one child, so they are the same.
        """
        if key is None:
            return self
        findings, absorbed = pseudonymise(self.findings, self.spec, key), self.absorbed
        if absorbed is not None and absorbed.height:  # re-keyed fingerprints: each still names its fault
            keyed = dict(zip(self.findings["fingerprint"], findings["fingerprint"], strict=True))
            absorbed = pseudonymise(absorbed, self.spec, key).with_columns(
                pl.col("extract").replace_strict(keyed, return_dtype=pl.String)
            )
        return dataclasses.replace(self, findings=findings, pseudonymised=True, absorbed=absorbed)

    def as_dict(self) -> dict[str, Any]:
        """The run as one JSON-ready object (schema in schemas/summary.schema.json, documented in the README).

        With a verdict, the exit policy and its outcome are included, so a pipeline can read why it failed.
        """
        faults = [  # what to fix before any child's record: the key is there only when there is any
            {key: f[key] for key in ("list", "column", "rule", "error_type", "rows", "message")}
            for f in self.extract_faults.iter_rows(named=True)
        ]
        document: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "annexa-check", "version": __version__},
            "workbook": str(self.workbook),
            "reference_date": self.reference_date.isoformat(),
            "template": {"year": self.template, "source": self.template_source},
            "lists": {key: lst.as_dict() for key, lst in self.lists.items()},
            "ignored_sheets": self.ignored_sheets,
            **({"extract_faults": faults} if faults else {}),
            "counts": self.counts_as_dict(),
            "totals": self.totals.as_dict(),
            "rules_skipped": [{"rule": s.rule, "list": s.list, "reason": s.reason} for s in self.skipped],
            "notes": self.notes,
            "config": self.config,
        }
        if self.verdict is not None:
            document["policy"] = self.verdict.as_dict()
        return document


def build_report(
    result: CheckResult, verdict: Verdict | None = None, comparison: Comparison | None = None
) -> Report:
    """The report of a checked workbook: counted once here, then only rendered."""
    everything = counted(result.findings, result.absorbed)
    table = counts_by_type(everything)
    from_extract = (
        dict(counts_by_type(result.absorbed).select("error_type", "count").iter_rows())
        if result.absorbed is not None and result.absorbed.height
        else {}
    )
    counts = {
        row["error_type"]: TypeCount(
            row["count"], row["children"], row["severity"], from_extract.get(row["error_type"], 0)
        )
        for row in table.iter_rows(named=True)
    }
    lists = {}
    for key, loaded in result.workbook.lists.items():
        expected = loaded.spec.columns_for(result.template)
        lists[key] = ListReport(
            name=loaded.spec.name,
            title=loaded.spec.title,
            found=loaded.present,
            sheet=loaded.sheet,
            found_by=loaded.found_by,
            header_row=loaded.header_row,
            rows=loaded.rows,
            matched_columns=dict(loaded.matched),
            missing_columns=[c.header for c in expected if loaded.present and c.key not in loaded.matched],
            unrecognised_columns=loaded.unrecognised,
            duplicate_columns=[f"{header} (column {letter})" for _, header, letter in loaded.duplicates],
            problem=loaded.problem,
        )
    by_severity = {
        severity: sum(c.count for c in counts.values() if c.severity == severity) for severity in SEVERITIES
    }
    totals = Totals(
        findings=result.findings.height,
        errors=by_severity["error"],
        warnings=by_severity["warning"],
        error_types=sum(1 for c in counts.values() if c.severity == "error"),
        children_with_errors=distinct_people(everything.filter(pl.col("severity") == "error")),
        lists_found=sum(1 for lst in lists.values() if lst.found),
        lists_incomplete=sum(1 for lst in lists.values() if lst.incomplete),
    )
    return Report(
        workbook=result.workbook.path,
        reference_date=result.reference_date,
        template=result.template,
        template_source=result.template_source,
        lists=lists,
        ignored_sheets=result.workbook.ignored_sheets,
        counts=counts,
        counts_table=table,
        totals=totals,
        skipped=tuple(SkippedRule(s.rule, s.list, s.reason) for s in result.skipped),
        notes=result.workbook.notes,
        config=result.config,
        findings=result.findings,
        rules=tuple(result.rules),
        spec=result.spec,
        verdict=verdict,
        comparison=comparison,
        absorbed=result.absorbed,
    )


def summary(result: CheckResult, verdict: Verdict | None = None) -> dict[str, Any]:
    """`build_report(result, verdict).as_dict()`: the JSON document of a run, for scripts and tests."""
    return build_report(result, verdict).as_dict()


def headline_of(totals: Totals) -> str:
    """The headline sentence from a run's totals: pasted into emails, so it reads as English."""

    def many(count: int, one: str, more: str) -> str:
        return f"{count:,} {one if count == 1 else more}"

    lists = f"{many(totals.lists_incomplete, 'list', 'lists')} incomplete"
    if totals.errors == 0:
        return f"No errors found ({many(totals.warnings, 'warning', 'warnings')}); {lists}."
    return (
        f"{many(totals.errors, 'error', 'errors')} in {many(totals.error_types, 'type', 'types')} across "
        f"{many(totals.children_with_errors, 'child', 'children')}; {lists}."
    )


# The order every output lists error types in: the nine key types (the monthly meeting's), then
# other errors, then warnings grouped by their rules' category.
KEY_GROUP, OTHER_ERRORS, WARNINGS = "Key error type", "Other error", "Warning"


def type_words(error_type: str) -> str:
    """An error type's title in words ("Missing closure reason") for charts, headings and sheets;
    the key itself stays in JSON, CSV and `explain`."""
    words = [_ACRONYMS.get(word, word) for word in error_type.split("_")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


_ACRONYMS = {
    word: word.upper()
    for word in ("cla", "cic", "cin", "cp", "uasc", "urn", "la", "id", "dob", "upn", "nhs", "sgo")
}


def type_group(error_type: str, severity: str) -> str:
    """Which of the three groups an error type is shown in."""
    if error_type in KEY_ERROR_TYPES:
        return KEY_GROUP
    return OTHER_ERRORS if severity == "error" else WARNINGS


def categories(spec: Spec) -> dict[str, str]:
    """Each error type's category (its rules share one; the first rule's, if not)."""
    found: dict[str, str] = {}
    for rule in spec.rules:
        found.setdefault(rule.error_type, rule.category)
    return found


def type_order(counts: pl.DataFrame, spec: Spec | None = None) -> pl.DataFrame:
    """Counts (error_type, severity, count, ...) in the order every output shows them.

    The key types in their fixed order, then other errors by most records, then warnings
    by category (with `spec`) and most records; ties by key, so the order is stable.
    """
    kinds = categories(spec) if spec is not None else {}
    key_rank = {key: n for n, key in enumerate(KEY_ERROR_TYPES)}
    rows = counts.with_columns(
        pl.col("error_type")
        .replace_strict(key_rank, default=len(key_rank), return_dtype=pl.Int64)
        .alias("__key"),
        pl.when(pl.col("error_type").is_in(KEY_ERROR_TYPES))
        .then(0)
        .when(pl.col("severity") == "error")
        .then(1)
        .otherwise(2)
        .alias("__group"),
        pl.when(pl.col("severity") == "error")
        .then(pl.lit(""))
        .otherwise(pl.col("error_type").replace_strict(kinds, default="", return_dtype=pl.String))
        .alias("__category"),
    )
    return rows.sort(
        ["__group", "__key", "__category", "count", "error_type"],
        descending=[False, False, False, True, False],
    ).drop("__key", "__group", "__category")
