"""The public library API, used as a notebook or pipeline would: only the names `annexa_check` exports.

Nothing here imports from inside the package, so a test that passes proves the documented
names are enough; the README's Python examples are run as written.
"""

from __future__ import annotations

import doctest
import json
import os
import re
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest

import annexa_check
from annexa_check import AnnexaError, Policy, Result, Settings, check

VALIDATE = [sys.executable, "-m", "annexa_check", "validate", "--reference-date", "2025-03-31"]
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example_returns" / "example_dry_run.xlsx"
REFERENCE = date(2025, 3, 31)
FINDING_COLUMNS = [
    "error_type",
    "rule",
    "severity",
    "list",
    "row",
    "child_id",
    "column",
    "value",
    "message",
    "team",
    "worker",
    "sheet",
    "fingerprint",
    "scope",
]
# The bundled example's counts by error type (records, children), with the whole catalogue.
EXAMPLE_COUNTS = {
    "excel_error_value": (1, 1),
    "invalid_care_leaver_eligibility": (3, 3),
    "invalid_date": (2, 2),
    "invalid_ethnicity": (2, 2),
    "invalid_placement_type": (1, 1),
    "missing_accommodation_suitability": (1, 1),
    "missing_cic_placement": (1, 1),
    "missing_cla_end_reason": (2, 2),
    "missing_closure_reason": (15, 15),
    "missing_ethnicity": (11, 11),
    "missing_placement_location": (2, 2),
    "missing_placement_provider": (3, 3),
    "missing_primary_need": (12, 12),
    "non_standard_code": (22, 0),
}
CIN_ROW = {
    "Child Unique ID": "C1",
    "Gender": "a) Male",
    "Ethnicity": "a) WBRI",
    "Date of Birth": date(2012, 6, 1),
    "Age of Child (Years)": 12,
    "Does the Child have a Disability": "b) No",
    "CIN Start Date": date(2025, 1, 1),
    "Primary Need Code": "N1",
    "Date Child Was Last Seen": None,
    "CIN Closure Date": None,
    "Reason for Closure": None,
    "Case status": "c) Child in need plan",
    "Allocated Team": "Team North",
    "Allocated Worker": "Worker A",
}


@pytest.fixture(scope="module")
def example() -> Result:
    return check(EXAMPLE, reference_date=REFERENCE)


def cin_frames() -> dict[str, pl.DataFrame]:
    """List 6 in memory: one complete child, and one with no primary need and no team."""
    return {
        "list_6": pl.DataFrame(
            [CIN_ROW, {**CIN_ROW, "Child Unique ID": "C2", "Primary Need Code": None, "Allocated Team": None}]
        )
    }


def test_all_lists_exactly_the_public_names_and_each_resolves() -> None:
    assert sorted(annexa_check.__all__) == sorted(
        ["AnnexaError", "Policy", "Result", "Settings", "__version__", "check", "schema"]
    )
    for name in annexa_check.__all__:
        assert getattr(annexa_check, name) is not None
    with pytest.raises(AttributeError, match="module 'annexa_check' has no attribute 'check_workbook'"):
        annexa_check.check_workbook  # noqa: B018


def test_importing_the_package_loads_no_polars_until_a_public_name_is_used() -> None:
    code = (
        "import sys, annexa_check; before = 'polars' in sys.modules; annexa_check.check; "
        "print(before, 'polars' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == "False True\n"


def test_a_workbook_path_gives_the_findings_table_and_counts(example: Result) -> None:
    assert example.findings.columns == FINDING_COLUMNS
    assert example.findings.height == 139
    assert example.reference_date == REFERENCE and example.template == "2023"
    counts = {r["error_type"]: (r["count"], r["children"]) for r in example.counts().iter_rows(named=True)}
    assert counts == EXAMPLE_COUNTS


def test_a_result_shows_its_headline(example: Result) -> None:
    assert repr(example) == (
        "<Result example_dry_run.xlsx at 2025-03-31: 56 errors in 13 types across 52 children; "
        "0 lists incomplete.>"
    )


def test_summary_is_the_validate_json_document(example: Result, tmp_path: Path) -> None:
    cli = subprocess.run(
        [*VALIDATE, str(EXAMPLE), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # no settings file here, as the library reads none
    )
    assert cli.returncode == 1
    assert example.summary() == json.loads(cli.stdout)


def test_the_workbook_as_bytes_gives_the_same_findings_under_the_name_bytes(example: Result) -> None:
    uploaded = check(EXAMPLE.read_bytes(), reference_date=REFERENCE)
    assert uploaded.findings.equals(example.findings)
    assert uploaded.summary()["workbook"] == "<bytes>"
    assert example.summary()["workbook"] == str(EXAMPLE)


def test_bytes_that_are_no_workbook_are_one_line() -> None:
    with pytest.raises(AnnexaError) as caught:
        check(b"Child Unique ID,Gender\r\n1,a) Male\r\n", reference_date=REFERENCE)
    assert str(caught.value) == (
        "<bytes>: not a workbook or a .zip of CSV files (no zip package or Excel 97-2003 file inside)"
    )
    with pytest.raises(AnnexaError, match=r"^<bytes>: the workbook is empty \(no bytes\)$"):
        check(b"", reference_date=REFERENCE)


def test_damaged_workbook_bytes_are_told_by_the_name_bytes_never_a_temporary_file() -> None:
    with pytest.raises(AnnexaError) as caught:
        check(EXAMPLE.read_bytes()[:5000], reference_date=REFERENCE)
    assert str(caught.value).startswith("<bytes>: ")
    assert "annexa-check-" not in str(caught.value)


def test_frames_in_memory_give_exact_findings() -> None:
    result = check(cin_frames(), reference_date=REFERENCE, select="CIN001")
    assert result.findings.rows() == [
        (
            "missing_primary_need",
            "CIN001",
            "error",
            "List 6",
            3,
            "C2",
            "Primary Need Code",
            None,
            "Primary Need Code is blank. Record the child's latest primary need (N1-N9, or N0 if not stated).",
            None,
            "Worker A",
            "list_6",
            "4841a84f6dfa032c",
            "record",
        )
    ]
    assert result.summary()["workbook"] == "frames"


def test_a_folder_and_a_zip_of_csv_extracts_give_the_frames_findings(tmp_path: Path) -> None:
    frames = cin_frames()
    folder = tmp_path / "extracts"
    folder.mkdir()
    as_typed = frames["list_6"].with_columns(
        pl.col(pl.Date).dt.strftime("%d/%m/%Y")
    )  # as a workbook shows them
    as_typed.write_csv(folder / "List 6 - children in need.csv")
    with zipfile.ZipFile(tmp_path / "extracts.zip", "w") as archive:
        archive.write(folder / "List 6 - children in need.csv", "List 6 - children in need.csv")
    in_memory = check(frames, reference_date=REFERENCE).findings
    assert in_memory.height == 13  # 10 missing lists, a blank primary need and team, a non-standard code
    for source in (folder, str(folder), tmp_path / "extracts.zip"):
        found = check(source, reference_date=REFERENCE).findings
        assert found.drop("sheet").equals(in_memory.drop("sheet"))
        assert found.filter(pl.col("list") == "List 6")["sheet"].unique().to_list() == [
            "List 6 - children in need.csv"
        ]


def test_passed_follows_fail_on_and_maxima_as_the_command_line_does(example: Result) -> None:
    assert example.passed() is False
    assert example.passed(fail_on="never") is True
    every = {key: count for key, (count, _children) in EXAMPLE_COUNTS.items()}
    assert example.passed(maxima=every) is True
    assert example.passed(maxima={**every, "missing_ethnicity": 10}) is False
    assert example.passed(Policy("warning", {**every, "missing_ethnicity": 11})) is True
    document = example.summary(fail_on="never", maxima={"missing_ethnicity": 10})
    assert document["policy"] == {
        "fail_on": "never",
        "max": {"missing_ethnicity": 10},
        "passed": False,
        "reasons": ["missing_ethnicity: 11 records, more than --max 10"],
    }


def test_a_bad_policy_is_one_line(example: Result) -> None:
    with pytest.raises(AnnexaError, match=r"^fail_on 'errors': expected one of error, warning, never$"):
        example.passed(fail_on="errors")
    with pytest.raises(AnnexaError) as caught:
        example.passed(maxima={"missing_ethnicty": 3})
    assert str(caught.value) == (
        "--max 'missing_ethnicty=3': 'missing_ethnicty' is not an error type (see 'annexa-check rules')"
    )


def test_exceptions_split_by_team_with_no_team_last(example: Result) -> None:
    teams = example.exceptions()
    assert {team: frame.height for team, frame in teams.items()} == {
        "Assessment Team North": 5,
        "Assessment Team South": 2,
        "Child Protection Team 1": 1,
        "Children in Care Team 1": 10,
        "Children in Care Team 2": 6,
        "Children in Need Team 1": 1,
        "Children in Need Team 2": 1,
        "Disabled Children's Team": 10,
        "Front Door Team": 5,
        "Leaving Care Team": 8,
        "(no team recorded)": 7,  # records only: the 83 extract-level findings are no team's
    }
    assert list(teams)[-1] == "(no team recorded)"
    assert teams["Front Door Team"].columns == [*FINDING_COLUMNS, "expected"]
    assert teams["Front Door Team"]["team"].unique().to_list() == ["Front Door Team"]
    assert sum(frame.height for frame in example.exceptions("worker").values()) == 56
    with pytest.raises(AnnexaError, match=r"^split_by must be one of team, worker, not 'teams'$"):
        example.exceptions("teams")


def test_write_chooses_the_format_by_extension(example: Result, tmp_path: Path) -> None:
    written = example.write(tmp_path / "summary.json")
    assert json.loads(written.read_text(encoding="utf-8")) == example.summary()
    example.write(str(tmp_path / "exceptions.csv"))
    lines = (tmp_path / "exceptions.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ",".join([*FINDING_COLUMNS, "reference_date"]) and len(lines) == 140
    with pytest.raises(AnnexaError) as caught:
        example.write(tmp_path / "out.txt")
    assert str(caught.value) == (
        f"'{tmp_path / 'out.txt'}': --output must be a file name ending in .csv, .xlsx, .json, .xml, .md or .parquet"
    )


def test_parquet_holds_the_findings_table_with_its_types(example: Result, tmp_path: Path) -> None:
    example.write(tmp_path / "findings.parquet")
    table = pl.read_parquet(tmp_path / "findings.parquet")
    assert table.columns == [*FINDING_COLUMNS, "reference_date"]
    assert table.schema["row"] == pl.Int64 and table.schema["reference_date"] == pl.Date
    assert table.drop("reference_date").equals(example.findings)
    assert table["reference_date"].unique().to_list() == [REFERENCE]
    assert [p.name for p in tmp_path.iterdir()] == ["findings.parquet"]  # no temporary file left


def test_validate_writes_parquet_with_o(tmp_path: Path) -> None:
    out = tmp_path / "findings.parquet"
    cli = subprocess.run(
        [*VALIDATE, str(EXAMPLE), "-q", "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert (cli.returncode, cli.stderr) == (1, "")
    assert pl.read_parquet(out).height == 139


def test_the_library_never_reads_a_settings_file_it_was_not_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "annexa-check.toml").write_text('ignore = ["missing_primary_need"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert check(cin_frames(), reference_date=REFERENCE).summary()["config"] is None
    told = check(cin_frames(), reference_date=REFERENCE, config="annexa-check.toml")
    assert "missing_primary_need" not in told.findings["error_type"].to_list()
    assert told.summary()["config"]["ignore"] == ["missing_primary_need"]


def test_settings_give_the_reference_date_and_are_reused(tmp_path: Path) -> None:
    file = tmp_path / "council.toml"
    file.write_text('reference_date = "2025-03-31"\nignore = ["missing_list"]\n', encoding="utf-8")
    first = check(cin_frames(), config=file)
    assert first.reference_date == REFERENCE
    assert isinstance(first.settings, Settings)
    assert "missing_list" not in first.findings["error_type"].to_list()
    again = check(cin_frames(), config=first.settings, reference_date="2025-04-30")
    assert again.reference_date == date(2025, 4, 30)
    assert again.findings.filter(pl.col("error_type") != "missing_list").height == again.findings.height


@pytest.mark.parametrize(
    ("source", "options", "message"),
    [
        ("no-such.xlsx", {}, "no-such.xlsx: file not found"),
        (EXAMPLE, {"template": "2020"}, "unknown template '2020' (use 2019, 2023, 2024 or auto)"),
        (
            EXAMPLE,
            {"reference_date": "31/03/2025"},
            "reference_date '31/03/2025' is not a date in the form YYYY-MM-DD",
        ),
        (EXAMPLE, {"config": "missing.toml"}, "missing.toml: configuration file not found"),
        ({"list_12": pl.DataFrame()}, {}, "frames: unknown list key 'list_12' (expected list_1 ... list_11)"),
        ({}, {}, "frames: no lists given (expected list keys list_1 ... list_11 with their frames)"),
        ("", {}, "the source is an empty path; name a workbook, a folder or a .zip"),
        (
            42,
            {},
            "cannot check a int: give a workbook's path or bytes, a folder or .zip of CSV extracts, or a mapping "
            "of list keys to polars DataFrames",
        ),
    ],
)
def test_a_users_mistake_is_one_annexa_error_line(source: object, options: dict, message: str) -> None:
    with pytest.raises(AnnexaError) as caught:
        check(source, **{"reference_date": REFERENCE, **options})  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_select_and_ignore_take_a_list_a_comma_separated_text_or_none() -> None:
    for select in (["CIN001", "CIN003"], "CIN001,CIN003", " CIN001 , CIN003 "):
        found = check(cin_frames(), reference_date=REFERENCE, select=select, ignore=None)
        assert found.findings["rule"].to_list() == ["CIN001"]
    assert check(cin_frames(), reference_date=REFERENCE, ignore="missing_list,CIN").findings[
        "error_type"
    ].to_list() == ["non_standard_code", "missing_allocated_team"]  # by list, row, rule


def test_an_implausible_date_and_an_unknown_rule_are_refused_as_on_the_command_line() -> None:
    with pytest.raises(AnnexaError, match=r"^reference_date: 1900-01-01 is not a plausible reference date"):
        check(EXAMPLE, reference_date=date(1900, 1, 1))
    with pytest.raises(AnnexaError) as caught:
        check(EXAMPLE, reference_date=REFERENCE, select=["CIN999"])
    assert str(caught.value).startswith("'CIN999' names no rule: the CIN rules are CIN001-")


def test_a_pipe_is_refused_before_the_reader_blocks_on_it(tmp_path: Path) -> None:
    fifo = tmp_path / "dry_run.xlsx"
    os.mkfifo(fifo)
    with pytest.raises(AnnexaError) as caught:
        check(fifo, reference_date=REFERENCE)
    assert str(caught.value) == (
        f"{fifo}: is not a regular file (a pipe, socket or device); give a workbook file"
    )


def generated_list_6() -> pl.DataFrame:
    """List 6 as the example generator makes it (clean), with the template's headers."""
    from annexa_check.catalogue.spec import load_spec  # only to drive the generator, never the check
    from example_returns.generate.builder import Builder

    sheet = Builder(load_spec(), "2023", REFERENCE, 3, 60).build()["list_6"]
    headers = [sheet.lst.column(key).header for key in sheet.keys]  # type: ignore[union-attr]
    return pl.DataFrame(sheet.rows, schema=headers, orient="row", infer_schema_length=None)


def test_the_schema_passes_a_clean_generated_list_of_real_dates_and_integers() -> None:
    clean = generated_list_6()
    assert clean.height == 30
    assert clean.schema["CIN Start Date"] == pl.Date and clean.schema["Age of Child (Years)"] == pl.Int64
    assert annexa_check.schema("list_6").validate(clean).equals(clean)


def test_the_schema_names_each_failure_of_a_dirty_list_by_its_rule() -> None:
    import pandera.polars as pa

    rows = generated_list_6().with_columns(pl.col("CIN Start Date").dt.strftime("%d/%m/%Y")).rows(named=True)
    rows[0]["Primary Need Code"] = None
    rows[1]["Primary Need Code"] = "N10"
    rows[2]["Ethnicity"] = " wbri "  # another spelling of a) WBRI: recognised, as check recognises it
    rows[3]["Case status"] = "   "
    rows[4]["Age of Child (Years)"] = None
    rows[5]["CIN Start Date"] = "2024-05-03"  # ISO text: never guessed
    dirty = pl.DataFrame(rows, infer_schema_length=None)
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        annexa_check.schema("list_6").validate(dirty, lazy=True)
    failures = caught.value.failure_cases.select("column", "check", "failure_case", "index")
    assert sorted(failures.rows(), key=lambda r: r[3]) == [
        ("Primary Need Code", "Primary Need Code is blank (CIN001)", None, 0),
        (
            "Primary Need Code",
            "Primary Need Code: not a code of the primary_need code set (2023 template)",
            "N10",
            1,
        ),
        ("Case status", "Case status is blank (CIN008)", "   ", 3),
        ("Age of Child (Years)", "Age of Child (Years) is blank (CHD004)", None, 4),
        ("CIN Start Date", "CIN Start Date: not a date (a real date, or dd/mm/yyyy text)", "2024-05-03", 5),
    ]
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        annexa_check.schema("list_6").validate(generated_list_6().drop("Case status"), lazy=True)
    assert caught.value.failure_cases.select("check", "failure_case").rows() == [
        ("column_in_dataframe", "Case status")
    ]


def test_the_schema_is_the_rule_data_and_carries_the_code_sets() -> None:
    list_9 = annexa_check.schema("list_9", template="2019")
    assert "Latest Date of Contact" not in list_9.columns  # added by the 2023/24 revision
    assert "Latest Date of Contact" in annexa_check.schema("list_9").columns
    ethnicity = annexa_check.schema("list_6").columns["Ethnicity"]
    assert ethnicity.metadata["codeset"] == "ethnicity"
    assert ethnicity.metadata["codes"]["WBRI"] == "a) WBRI"
    told = annexa_check.schema.__doc__ or ""
    assert "cross-field" in told and "cross-list" in told and "annexa_check.check" in told
    with pytest.raises(AnnexaError, match=r"^unknown list key 'list_12' \(expected list_1 ... list_11\)$"):
        annexa_check.schema("list_12")
    with pytest.raises(AnnexaError, match=r"^unknown template '2024' \(use 2019, 2023\)$"):
        annexa_check.schema("list_6", template="2024")


def _readme_examples() -> list[str]:
    """The ```python blocks of the README's 'Using it from Python' section, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Using it from Python\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_every_readme_example_runs_as_written_and_shows_what_it_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run as a notebook would, in order, in one namespace, from a folder holding the example."""
    examples = _readme_examples()
    assert len(examples) == 5
    (tmp_path / "example_returns").mkdir()
    (tmp_path / "example_returns" / EXAMPLE.name).symlink_to(EXAMPLE)
    monkeypatch.chdir(tmp_path)
    parser, namespace = doctest.DocTestParser(), {"__name__": "readme"}
    for number, example in enumerate(examples, start=1):
        test = parser.get_doctest(example, namespace, f"README example {number}", "README.md", 0)
        assert any(step.want for step in test.examples), f"README example {number} shows no result"
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        told: list[str] = []
        failed, _tried = runner.run(test, out=told.append, clear_globs=False)
        assert failed == 0, "".join(told)
        namespace = test.globs  # the next example goes on from this one (the parser copies the names)
    assert (tmp_path / "findings.parquet").is_file()
