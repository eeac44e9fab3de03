"""Extract faults: a rule failing on (nearly) every row of a list is one extract-level finding.

The real-extract workbooks are the generator's clean output with one change made to every
data row (tests/extract_shapes.py), so each one's findings are known exactly: the clean
workbook's only findings are its non-standard code spellings (AX011, column-level).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date
from importlib.resources import files
from pathlib import Path

import jsonschema
import openpyxl
import polars as pl
import pytest
from builders import write_lists
from conftest import CIN_CHILD, run
from extract_shapes import (
    age_in_words,
    clean,
    emptied,
    fractional_age,
    lookup_failed,
    sql_date,
    system_gender,
    transform,
)

from annexa_check.engine.check import CheckResult, check_workbook
from annexa_check.errors import ConfigError
from annexa_check.outputs.console import run_text
from annexa_check.outputs.html import render_html
from annexa_check.outputs.teams import write_split
from annexa_check.report.model import Report, build_report
from annexa_check.settings.config import ExtractFaults, load_config
from example_returns.generate import Manifest

REFERENCE = date(2025, 3, 31)
# Rows per list of the clean workbook (seed 11, 120 children): List 10 has too few for an extract fault.
ROWS = {1: 180, 2: 14, 3: 48, 4: 40, 5: 14, 6: 60, 7: 12, 8: 24, 9: 12, 10: 4, 11: 5}
AGE_LISTS = range(1, 11)  # List 11 (adopters) has no Age


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    folder = tmp_path_factory.mktemp("extracts")
    manifest = clean(folder / "clean.xlsx")
    assert manifest.rows == {f"list_{n}": rows for n, rows in ROWS.items()}
    return folder / "clean.xlsx", manifest


def _check(path: Path, **kwargs: object) -> CheckResult:
    return check_workbook(path, reference_date=REFERENCE, **kwargs)  # type: ignore[arg-type]


def _shape(generated: tuple[Path, Manifest], name: str, **kwargs: object) -> Report:
    source, manifest = generated
    path = transform(source, source.with_name(f"{name}.xlsx"), manifest, **kwargs)  # type: ignore[arg-type]
    return build_report(_check(path))


def _found(report: Report) -> Counter[tuple[str, str, str]]:
    """(rule, scope, list) of every finding but the clean workbook's own spelling warnings."""
    return Counter(
        (f["rule"], f["scope"], f["list"])
        for f in report.findings.filter(pl.col("rule") != "AX011").iter_rows(named=True)
    )


def _extract(report: Report, list_name: str, column: str) -> dict[str, object]:
    found = report.findings.filter(
        (pl.col("scope") == "extract") & (pl.col("list") == list_name) & (pl.col("column") == column)
    )
    assert found.height == 1
    return found.row(0, named=True)


def test_the_clean_workbook_has_only_spelling_warnings(generated: tuple[Path, Manifest]) -> None:
    report = build_report(_check(generated[0]))
    assert set(report.findings["rule"]) == {"AX011"}
    assert set(report.findings["scope"]) == {"extract"}  # column-level findings are about the extract
    assert report.absorbed is not None and report.absorbed.height == 0
    assert report.extract_lead is None  # warnings only: nothing leads
    html = render_html(report)  # the warnings are folded under "The extract", out of the child table
    assert '<h2 id="extract-h">The extract</h2>' in html and "Fix the extract first" not in html
    assert f"<summary>{report.findings.height} extract-level warnings" in html
    assert 'data-total="0"' in html


@pytest.mark.parametrize(
    ("name", "change", "sample"),
    [("fractions", fractional_age, "7.138261465"), ("words", age_in_words, "7 years")],
)
def test_ages_written_wrongly_on_every_row_are_one_finding_per_list(
    generated: tuple[Path, Manifest], name: str, change: object, sample: str
) -> None:
    report = _shape(generated, name, changes={("*", "age"): change})
    expected = Counter({("AX006", "extract", f"List {n}"): 1 for n in AGE_LISTS if n != 10})
    expected[("AX006", "record", "List 10")] = 4  # 4 rows: below the 5 an extract fault needs
    assert _found(report) == expected
    invalid = report.counts["invalid_integer"]
    assert (invalid.count, invalid.from_extract, invalid.severity) == (408, 404, "error")
    assert report.totals.errors == 408  # counts still count the rows affected
    age = _extract(report, "List 6", "Age")
    assert (age["rule"], age["row"], age["child_id"], age["value"]) == ("AX006", None, None, sample)
    assert age["message"] == (
        "Extract fault in 'Age': Number is not a whole number, on 60 of the 60 rows with a value "
        f"(rows 2, 3, 4, 5, 6, ...); for example '{sample}'. The same fault on every row comes from the "
        "query that builds the list, not from the children's records: change how the extract writes "
        "this column (a whole number, e.g. 12), then re-run."
    )
    assert report.extract_lead == (
        "Fix the extract first: 9 faults of the extract itself, in place of 404 row-level findings. "
        "Each is one finding, not one per child: fix the query that builds the lists, then re-run."
    )


def test_a_failed_lookup_down_a_whole_column_is_one_finding_per_column(
    generated: tuple[Path, Manifest],
) -> None:
    changes = {("list_6", "allocated_team"): lookup_failed, ("list_6", "allocated_worker"): lookup_failed}
    report = _shape(generated, "lookup", changes=changes)
    assert _found(report) == Counter({("AX003", "extract", "List 6"): 2})
    assert report.counts["excel_error_value"].as_dict() == {
        "count": 60,  # 60 rows, each counted once for the type though two of its cells hold #N/A
        "children": 60,
        "severity": "error",
        "from_extract": 60,
    }
    team = _extract(report, "List 6", "AllocatedTeam")
    assert team["value"] == "#N/A"
    assert team["message"] == (
        "Extract fault in 'AllocatedTeam': Cell holds an Excel error value, on 60 of the 60 rows with a "
        "value (rows 2, 3, 4, 5, 6, ...); for example '#N/A'. The formula or lookup that fills this "
        "column failed for every row: fix it in the extract (or paste values once it works), then re-run."
    )
    _extract(report, "List 6", "AllocatedWorker")


def test_a_column_the_extract_never_fills_is_one_finding_and_the_key_count_keeps_its_meaning(
    generated: tuple[Path, Manifest],
) -> None:
    report = _shape(generated, "blank", changes={("list_6", "primary_need"): emptied})
    assert _found(report) == Counter({("CIN001", "extract", "List 6"): 1})
    need = report.counts["missing_primary_need"]  # one of the nine key error types
    assert (need.count, need.children, need.from_extract) == (60, 60, 60)
    found = _extract(report, "List 6", "PrimaryNeedCode")
    assert (found["error_type"], found["value"]) == ("missing_primary_need", None)
    assert found["message"] == (
        "Extract fault in 'PrimaryNeedCode': the column is blank on 60 of 60 rows, so 'Primary need code "
        "is blank' on 60 rows (rows 2, 3, 4, 5, 6, ...). The extract leaves this column empty: map it to "
        "its field in the case-management system, then re-run."
    )
    html = render_html(report)  # the headline counts the 60 rows, though no child row is listed
    assert '<span id="key-errors">60</span> key errors' in html
    assert "<strong>60</strong> missing primary need" in html
    assert 'data-total="0"' in html


def test_history_and_compare_count_an_extract_fault_by_its_rows(
    generated: tuple[Path, Manifest], tmp_path: Path
) -> None:
    """A recorded run, the trend and compare keep the 60 rows the fault stands for, as the counts do."""
    source, manifest = generated
    path = transform(source, tmp_path / "blank.xlsx", manifest, {("list_6", "primary_need"): emptied})
    store = tmp_path / "history.db"
    ref = REFERENCE.isoformat()
    recorded = run("validate", str(path), "--reference-date", ref, "--record", "--history", str(store), "-q")
    assert recorded.exit_code == 1, recorded.output
    trend = run("trend", "--format", "json", "--history", str(store))
    assert trend.exit_code == 0, trend.output
    assert json.loads(trend.stdout)["counts"]["missing_primary_need"] == {"run 1": 60}
    same = run("compare", str(path), str(path), "--reference-date", ref, "--format", "json")
    assert same.exit_code == 0, same.output
    need = json.loads(same.stdout)["by_error_type"]["missing_primary_need"]
    assert need == {"new": 0, "resolved": 0, "still_open": 60}
    against = run(
        "compare", "1", str(path), "--reference-date", ref, "--format", "json", "--history", str(store)
    )
    assert against.exit_code == 0, against.output
    assert json.loads(against.stdout)["by_error_type"]["missing_primary_need"] == need


def test_codes_in_a_systems_own_spelling_throughout_are_one_finding_per_list(
    generated: tuple[Path, Manifest],
) -> None:
    report = _shape(generated, "gender", changes={("*", "gender"): system_gender})
    expected = Counter({("CHD002", "extract", f"List {n}"): 1 for n in ROWS if n != 10})
    expected[("CHD002", "record", "List 10")] = 4
    assert _found(report) == expected
    gender = report.counts["invalid_gender"]
    assert (gender.count, gender.from_extract) == (sum(ROWS.values()), sum(ROWS.values()) - 4)
    assert _extract(report, "List 6", "Gender")["message"].endswith(
        "change how the extract writes this column (one of a) Male, b) Female, c) Not stated/recorded "
        "(or unborn), d) Neither), then re-run."
    )


def test_extra_system_columns_and_sql_text_dates_change_no_finding(generated: tuple[Path, Manifest]) -> None:
    before = build_report(_check(generated[0]))
    extra = _shape(
        generated, "extra", changes={}, extra_columns={"Person ID (Mosaic)": "P1", "Run Date": "x"}
    )
    dates = {
        ("*", key): sql_date for key in ("date_of_birth", "contact_date", "referral_date", "cin_start_date")
    }
    sql = _shape(generated, "sql", changes=dates)
    for report in (extra, sql):
        assert report.findings.select("rule", "list", "column", "value").equals(
            before.findings.select("rule", "list", "column", "value")
        )
    assert extra.lists["list_6"].unrecognised_columns == ["Person ID (Mosaic)", "Run Date"]
    source, manifest = generated
    book = openpyxl.load_workbook(source.with_name("sql.xlsx"))
    birth = [c.value for c in book[manifest.sheets["list_8"]][2]][3]
    assert isinstance(birth, str) and birth.endswith(" 00:00:00")  # the dates really are SQL text


def test_a_workbook_shaped_like_the_published_sample(generated: tuple[Path, Manifest]) -> None:
    """Eleven lists of five or six rows, every Age a fraction, #N/A in List 6's team and worker."""
    keep = {f"list_{n}": 5 + n % 2 for n in ROWS if n != 10}  # List 10 keeps all 4 of its rows
    changes = {
        ("*", "age"): fractional_age,
        ("list_6", "allocated_team"): lookup_failed,
        ("list_6", "allocated_worker"): lookup_failed,
    }
    report = _shape(generated, "sample", changes=changes, keep_rows=keep)
    findings = report.findings
    for n in AGE_LISTS:
        age = findings.filter((pl.col("list") == f"List {n}") & (pl.col("column") == "Age"))
        assert age.height == (4 if n == 10 else 1), n  # List 10: 4 rows, too few to be sure
        assert age["row"].is_null().all() or n == 10  # no child rows for the fraction
    list_6 = findings.filter((pl.col("list") == "List 6") & pl.col("rule").is_in(["AX003"]))
    assert sorted(list_6["column"]) == ["AllocatedTeam", "AllocatedWorker"]
    assert list_6["row"].is_null().all()
    assert report.counts["excel_error_value"].as_dict() == {
        "count": 5,  # List 6 kept five rows
        "children": 5,
        "severity": "error",
        "from_extract": 5,
    }
    ages = sum(rows for key, rows in keep.items() if key != "list_11") + 4  # and List 10's four
    assert ages == 54
    assert (report.counts["invalid_integer"].count, report.counts["invalid_integer"].from_extract) == (
        ages,
        ages - 4,
    )
    assert report.exceptions.filter(pl.col("column") == "Age").height == 4  # only List 10's reach a team


def _small_list(tmp_path: Path, ages: list[object]) -> Path:
    rows = [{**CIN_CHILD, "child_id": f"C{i}", "age": age} for i, age in enumerate(ages)]
    return write_lists(tmp_path / "in.xlsx", {"list_6": rows})


@pytest.mark.parametrize(
    ("ages", "thresholds", "scopes"),
    [
        (["12.5"] * 5, ExtractFaults(), {"extract": 1}),
        (["12.5"] * 4, ExtractFaults(), {"record": 4}),  # fewer rows than min_rows
        (["12.5"] * 4, ExtractFaults(min_rows=4), {"extract": 1}),
        (["12.5"] * 19 + ["12"], ExtractFaults(), {"extract": 1}),  # 19 of 20: 95%
        (["12.5"] * 18 + ["12"] * 2, ExtractFaults(), {"record": 18}),  # 90%
        (["12.5"] * 18 + ["12"] * 2, ExtractFaults(share=0.9), {"extract": 1}),
        (["12.5"] * 5 + [""] * 5, ExtractFaults(), {"extract": 1}),  # a share of the rows with a value
    ],
)
def test_the_share_and_the_minimum_rows_decide(
    tmp_path: Path, ages: list[object], thresholds: ExtractFaults, scopes: dict[str, int]
) -> None:
    from annexa_check.catalogue.spec import load_spec
    from annexa_check.engine.extract import find_extract_faults
    from annexa_check.engine.run import run_rules
    from annexa_check.read.extracts import load_source

    spec = load_spec()
    workbook = load_source(_small_list(tmp_path, ages), spec, None)
    findings, _ = run_rules(workbook, spec, template="2023", reference_date=REFERENCE)
    ax006 = findings.filter(pl.col("rule") == "AX006")
    after, absorbed = find_extract_faults(ax006, workbook, spec, "2023", thresholds)
    assert dict(Counter(after["scope"])) == scopes
    assert absorbed.height == (ax006.height if "extract" in scopes else 0)


def test_every_plan_overdue_for_review_stays_with_the_teams(tmp_path: Path) -> None:
    """A timeliness rule failing on every row is the teams' work, not the extract's."""
    plan = {
        "cp_start_date": "01/01/2024",
        "cp_latest_review_date": "29/09/2024",
        "cp_last_visit_date": "20/03/2025",
    }
    rows = [{**CIN_CHILD, **plan, "child_id": f"C{i}"} for i in range(6)]
    path = write_lists(tmp_path / "in.xlsx", {"list_7": rows})
    findings = _check(path, select=["CP007"]).findings
    assert (findings.height, set(findings["scope"]), findings["row"].to_list()) == (
        6,
        {"record"},
        [2, 3, 4, 5, 6, 7],
    )


def test_the_settings_file_sets_the_share_and_minimum(tmp_path: Path, spec) -> None:
    settings = tmp_path / "annexa-check.toml"
    settings.write_text("[extract]\nshare = 0.9\nmin_rows = 3\n", encoding="utf-8")
    config = load_config(settings, spec)
    assert config.extract == ExtractFaults(share=0.9, min_rows=3)
    assert config.as_dict()["extract"] == {"share": 0.9, "min_rows": 3}
    path = _small_list(tmp_path, ["12.5"] * 3)
    assert set(_check(path, select=["AX006"], config=config).findings["scope"]) == {"extract"}
    assert set(_check(path, select=["AX006"]).findings["scope"]) == {"record"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("share = 0.4", "extract.share: must be a fraction above 0.5 and at most 1, such as 0.95 (got 0.4)"),
        ("share = 2", "extract.share: must be a fraction above 0.5 and at most 1, such as 0.95 (got 2)"),
        (
            'share = "most"',
            "extract.share: must be a fraction above 0.5 and at most 1, such as 0.95 (got text)",
        ),
        ("min_rows = 0", "extract.min_rows: must be a whole number of rows, at least 1 (got 0)"),
        ("min_rows = 2.5", "extract.min_rows: must be a whole number of rows, at least 1 (got 2.5)"),
        ("min_row = 3", "extract.min_row: unknown key (did you mean 'min_rows'?); expected share, min_rows"),
    ],
)
def test_a_wrong_extract_setting_gets_one_line_naming_the_key(
    tmp_path: Path, spec, text: str, message: str
) -> None:
    settings = tmp_path / "annexa-check.toml"
    settings.write_text(f"[extract]\n{text}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(settings, spec)
    assert str(caught.value) == f"{settings}: {message}"


def test_every_output_leads_with_the_extract_and_teams_get_records_only(
    generated: tuple[Path, Manifest], tmp_path: Path
) -> None:
    changes = {("*", "age"): fractional_age, ("list_6", "allocated_team"): lookup_failed}
    report = _shape(generated, "outputs", changes=changes)
    faults = report.extract_faults
    assert faults.height == 10 and set(faults["rule"]) == {"AX003", "AX006"}
    lead = report.extract_lead
    assert lead is not None and lead.startswith("Fix the extract first: 10 faults of the extract itself")

    document = json.loads(run_text(report, "json"))
    schema = json.loads(
        (files("annexa_check") / "schemas" / "summary.schema.json").read_text(encoding="utf-8")
    )
    jsonschema.Draft202012Validator(schema).validate(document)
    assert list(document)[6:8] == ["ignored_sheets", "extract_faults"]
    assert document["extract_faults"][0] == {
        "list": "List 1",
        "column": "Age",
        "rule": "AX006",
        "error_type": "invalid_integer",
        "rows": 180,
        "message": faults["message"][0],
    }
    assert document["counts"]["invalid_integer"] == {
        "count": 408,
        "children": report.counts["invalid_integer"].children,
        "severity": "error",
        "from_extract": 404,
    }

    markdown = run_text(report, "markdown")
    assert f"#### {lead}" in markdown
    assert "- List 6, `AllocatedTeam`: Extract fault in 'AllocatedTeam'" in markdown
    assert "| `invalid_integer` | error | 408 | " in markdown and "| yes | 404 |" in markdown
    assert "| Fails the run | Of the records, from an extract fault |" in markdown

    junit = ET.fromstring(run_text(report, "junit").split("\n", 1)[1])
    [case] = [c for c in junit.iter("testcase") if c.get("name", "").startswith("AX006 ")]
    failure = case.find("failure")
    assert failure is not None and failure.get("message", "").startswith("408 records, ")  # rows affected
    assert (failure.text or "").startswith("List 1, Age: Extract fault in 'Age'")

    csv = run_text(report, "csv").splitlines()
    assert csv[0].split(",")[-2:] == ["scope", "reference_date"]
    assert (
        sum(line.endswith(",extract,2025-03-31") for line in csv)
        == report.findings.filter(pl.col("scope") == "extract").height
    )

    html = render_html(report)
    assert '<h2 id="extract-h">Fix the extract first</h2>' in html
    assert html.index('id="extract"') < html.index('id="children"')
    assert 'data-total="4"' in html  # the child-level table: List 10's four ages only
    spelling = report.findings.filter(pl.col("rule") == "AX011").height
    assert f"<summary>{spelling} extract-level warnings (a list not found, codes written" in html

    hidden = report.with_pseudonyms(b"a key of twenty bytes")  # the rows kept for counting too
    assert report.absorbed is not None and hidden.absorbed is not None
    assert not set(hidden.absorbed["child_id"].drop_nulls()) & set(report.absorbed["child_id"].drop_nulls())
    assert hidden.counts_by_list.equals(report.counts_by_list)
    assert hidden.extract_faults["rows"].equals(faults["rows"])

    written = write_split(report, "team", tmp_path / "teams")
    values = [
        row
        for path in written
        for name in ("Errors", "Warnings")
        for row in openpyxl.load_workbook(path)[name].iter_rows(min_row=2, values_only=True)
        if any(row)
    ]
    assert len(values) == 4 and all("List 10" in row for row in values)


def test_the_terminal_leads_with_the_extract(generated: tuple[Path, Manifest]) -> None:
    source, manifest = generated
    path = transform(
        source, source.with_name("terminal.xlsx"), manifest, {("list_6", "allocated_team"): lookup_failed}
    )
    result = run("validate", str(path), "--reference-date", REFERENCE.isoformat())
    assert result.exit_code == 1
    text = " ".join(result.output.split())  # as printed, whatever the terminal's width
    assert "Fix the extract first: 1 fault of the extract itself, in place of 60 row-level findings." in text
    assert "List 6, AllocatedTeam: Extract fault in 'AllocatedTeam'" in text
    assert result.output.index("Fix the extract first") < result.output.index("Lists loaded")
