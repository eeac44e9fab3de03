"""A council's settings file: what it changes, what it reports, and how it refuses mistakes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from builders import write_xlsx
from click.testing import CliRunner

from annexa_check.catalogue.spec import Spec
from annexa_check.cli.main import main
from annexa_check.settings.config import apply_config, load_config, resolve_reference_date

REPO = Path(__file__).resolve().parents[1]
HEADERS = ["Child Unique ID", "Ethnicity", "Need Code", "Case Status", "Does the Child have a Disability"]
ROWS = [
    ["C1", "White British", "N1", "c) Child in need plan", "Y"],
    ["C2", " white  BRITISH ", "N2", "c) Child in need plan", "a) Yes"],
    ["C3", "a) WBRI", "", "c) Child in need plan", "N"],
    ["C4", "Any other White background", "N1", "c) Child in need plan", "Y"],
    ["C5", "British", "N1", "c) Child in need plan", "b) No"],
    ["C6", "White British and Irish", "N1", "c) Child in need plan", "y"],
]
CONFIG = """\
ignore = ["missing_list"]

[severity]
missing_column = "warning"

[lists.list_6.aliases]
primary_need = ["Need Code"]

[codesets.ethnicity.synonyms]
"White British" = "WBRI"
"Any other White background" = "woth"
"White Irish" = "WIRI"

[codesets.yes_no_unknown.synonyms]
Y = "Yes"
N = "No"
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "dry run.xlsx", {"List 6": [HEADERS, *ROWS]})


def write_config(tmp_path: Path, text: str, name: str = "annexa-check.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_mapping_applied_is_reported_with_its_cells(workbook: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path, CONFIG)
    result = run(
        "validate",
        str(workbook),
        "--config",
        str(config),
        "--reference-date",
        "2025-03-31",
        "--format",
        "json",
    )
    report = json.loads(result.stdout)
    assert report["config"] == {
        "file": str(config),
        "reference_date": None,
        "select": [],
        "ignore": ["missing_list"],
        "severity": {"missing_column": "warning"},
        "header_aliases_used": [{"list": "List 6", "header": "Need Code", "column": "Primary Need Code"}],
        "synonyms_applied": [
            {
                "code_set": "ethnicity",
                "synonym": "White British",
                "code": "WBRI",
                "list": "List 6",
                "column": "Ethnicity",
                "cells": 2,
            },
            {
                "code_set": "ethnicity",
                "synonym": "Any other White background",
                "code": "WOTH",
                "list": "List 6",
                "column": "Ethnicity",
                "cells": 1,
            },
            {
                "code_set": "yes_no_unknown",
                "synonym": "Y",
                "code": "Yes",
                "list": "List 6",
                "column": "Does the Child have a Disability",
                "cells": 3,
            },
            {
                "code_set": "yes_no_unknown",
                "synonym": "N",
                "code": "No",
                "list": "List 6",
                "column": "Does the Child have a Disability",
                "cells": 1,
            },
        ],
    }
    # whole values only: "British" and "White British and Irish" are still invalid
    assert report["counts"]["invalid_ethnicity"] == {"count": 2, "children": 2, "severity": "error"}
    assert report["counts"]["missing_primary_need"] == {"count": 1, "children": 1, "severity": "error"}
    assert report["counts"]["missing_column"]["severity"] == "warning"
    assert "missing_list" not in report["counts"]
    assert "invalid_disability" not in report["counts"]
    assert result.exit_code == 1


def test_the_text_summary_names_the_file_and_each_mapping(workbook: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path, CONFIG)
    result = run("validate", str(workbook), "--config", str(config), "--reference-date", "2025-03-31")
    lines = result.stdout.splitlines()
    start = lines.index(f"Settings from {config}")
    assert lines[start + 1 : start + 8] == [
        "  List 6: header 'Need Code' read as Primary Need Code",
        "  List 6 Ethnicity: 'White British' read as WBRI in 2 cells",
        "  List 6 Ethnicity: 'Any other White background' read as WOTH in 1 cell",
        "  List 6 Does the Child have a Disability: 'Y' read as Yes in 3 cells",
        "  List 6 Does the Child have a Disability: 'N' read as No in 1 cell",
        "  severity: missing_column = warning",
        "  ignore: missing_list",
    ]


def test_without_the_file_the_same_values_are_findings(workbook: Path) -> None:
    result = run(
        "validate", str(workbook), "--reference-date", "2025-03-31", "--format", "json", "--no-config"
    )
    report = json.loads(result.stdout)
    assert report["config"] is None
    assert report["counts"]["invalid_ethnicity"]["count"] == 5
    assert report["lists"]["list_6"]["unrecognised_columns"] == ["Need Code"]


def test_the_file_in_the_working_folder_is_used(workbook: Path, tmp_path: Path, monkeypatch) -> None:
    write_config(tmp_path, 'ignore = ["missing_list", "missing_column"]\n')
    monkeypatch.chdir(tmp_path)
    report = json.loads(run("validate", workbook.name, "--format", "json").stdout)
    assert report["config"]["file"] == str(tmp_path / "annexa-check.toml")  # found beside the workbook
    assert {"missing_list", "missing_column"} & set(report["counts"]) == set()
    ignored = json.loads(run("validate", workbook.name, "--format", "json", "--no-config").stdout)
    assert ignored["config"] is None
    assert ignored["counts"]["missing_list"]["count"] == 10


def test_command_line_select_replaces_the_files_and_ignore_adds_to_it(workbook: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path, 'select = "ETH"\nignore = ["ETH001, AX011"]\n')
    base = ["validate", str(workbook), "--config", str(config), "--format", "json"]
    assert set(json.loads(run(*base).stdout)["counts"]) == {"invalid_ethnicity"}
    counts = json.loads(run(*base, "--select", "missing_column,ETH").stdout)["counts"]
    assert set(counts) == {"invalid_ethnicity", "missing_column"}
    result = run(*base, "--ignore", "ETH002")
    assert result.exit_code == 2
    assert result.stderr == (
        f"annexa-check: error: --select and --ignore, with select and ignore in {config}, leave no rule to run\n"
    )


def test_severity_by_rule_code_and_by_error_type(workbook: Path, tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        '[severity]\nETH002 = "warning"\nmissing_primary_need = "warning"\n'
        '[lists.list_6.aliases]\nprimary_need = "Need Code"\n',
    )
    result = run(
        "validate", str(workbook), "--config", str(config), "--format", "json", "--select", "ETH002,CIN001"
    )
    assert result.exit_code == 0  # nothing left at error severity
    counts = json.loads(result.stdout)["counts"]
    assert counts == {
        "invalid_ethnicity": {"count": 5, "children": 5, "severity": "warning"},
        "missing_primary_need": {"count": 1, "children": 1, "severity": "warning"},
    }


def test_reference_date_rules() -> None:
    today = date(2025, 4, 9)
    assert resolve_reference_date("today", today) == date(2025, 4, 9)
    assert resolve_reference_date("end-of-last-month", today) == date(2025, 3, 31)
    assert resolve_reference_date("end-of-last-month", date(2025, 1, 1)) == date(2024, 12, 31)
    assert resolve_reference_date("2024-03-31", today) == date(2024, 3, 31)


def test_the_files_reference_date_is_the_default_and_the_option_wins(workbook: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path, "reference_date = 2024-03-31\n")
    base = ["validate", str(workbook), "--config", str(config), "--format", "json"]
    assert json.loads(run(*base).stdout)["reference_date"] == "2024-03-31"
    assert json.loads(run(*base, "--reference-date", "2025-03-31").stdout)["reference_date"] == "2025-03-31"


def test_config_changes_a_copy_of_the_spec(spec: Spec) -> None:
    config = load_config(REPO / "annexa-check.example.toml", spec)
    changed = apply_config(spec, config)
    assert changed.lists["list_8"].column("placement_type").aliases[-1] == "Placement Type Code"
    assert "Placement Type Code" not in spec.lists["list_8"].column("placement_type").aliases
    wbri = next(c for c in changed.codesets["ethnicity"].codes if c.code == "WBRI")
    assert wbri.aliases == ("White British",)
    assert {r.code: r.severity for r in changed.rules if r.code in ("AX002", "AX010")} == {
        "AX002": "warning",
        "AX010": "error",
    }
    assert changed.lists["list_7"] == spec.lists["list_7"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('select = ["CIN"\nignore = 1\n', "not valid TOML: Unclosed array (at line 2, column 1)"),
        (
            'selct = ["CIN"]\n',
            "selct: unknown key (did you mean 'select'?); expected reference_date, select, ignore, severity, lists, codesets, limits, extract, max_unpacked_mb",
        ),
        ("select = 5\n", "select: expected text or a list of text, got a number"),
        (
            'ignore = ["NOPE"]\n',
            "ignore: 'NOPE' is not a rule code, code prefix or error type (see 'annexa-check rules')",
        ),
        (
            'reference_date = "31/03/2025"\n',
            "reference_date: '31/03/2025' is not today, end-of-last-month or a date YYYY-MM-DD",
        ),
        (
            'reference_date = "1990-01-01"\n',
            "reference_date: 1990-01-01 is not a plausible reference date (expected between 2000-01-01 and ",
        ),
        ('severity = "error"\n', "severity: expected a table, got text"),
        (
            '[severity]\nNOBT001 = "error"\n',
            "severity.NOBT001: not a rule code or error type (see 'annexa-check rules')",
        ),
        (
            '[severity]\nmissing_ethnicty = "warning"\n',
            "severity.missing_ethnicty: not a rule code or error type (did you mean 'missing_ethnicity'?) (see 'annexa-check rules')",
        ),
        ('[severity]\nETH001 = "fatal"\n', "severity.ETH001: 'fatal' is not error or warning"),
        (
            '[severity]\nCL001 = "warning"\n',
            "severity.CL001: 'warning' would give error type 'invalid_care_leaver_eligibility' two severities "
            "(CL002, CL003 would stay 'error'); set invalid_care_leaver_eligibility = \"warning\" to change them all",
        ),
        (
            '[lists.list_12.aliases]\nethnicity = ["Ethnic"]\n',
            "lists.list_12: no such list; lists are list_1 ... list_11",
        ),
        (
            '[lists.list_6]\nalias = {ethnicity = "E"}\n',
            "lists.list_6.alias: unknown key (did you mean 'aliases'?); expected aliases",
        ),
        (
            '[lists.list_6.aliases]\nplacement_type = ["Placement"]\n',
            "lists.list_6.aliases.placement_type: List 6 has no column 'placement_type'",
        ),
        (
            '[lists.list_6.aliases]\nethnicity = ["Primary need code"]\n',
            "lists.list_6.aliases.ethnicity: 'Primary need code' already names column 'primary_need' on List 6",
        ),
        (
            "[lists.list_6.aliases]\nethnicity = [1]\n",
            "lists.list_6.aliases.ethnicity: expected text or a list of text, got a number",
        ),
        (
            '[codesets.ethnicty.synonyms]\n"White British" = "WBRI"\n',
            "codesets.ethnicty: no such code set (did you mean 'ethnicity'?)",
        ),
        (
            '[codesets.gender.synonyms]\nM = "Man"\n',
            "codesets.gender.synonyms.M: 'Man' is not a code of code set 'gender' (codes: Male, Female, Not stated, Neither)",
        ),
        (
            '[codesets.ethnicity.synonyms]\n"a) WIRI" = "WBRI"\n',
            "codesets.ethnicity.synonyms.\"a) WIRI\": 'a) WIRI' already means WIRI in code set 'ethnicity'",
        ),
        (
            '[codesets.ethnicity.synonyms]\n"  " = "WBRI"\n',
            'codesets.ethnicity.synonyms."  ": a blank synonym',
        ),
        (
            '[codesets.ethnicity.synonyms]\n"White British" = "WBRI"\n"white  british" = "WIRI"\n',
            "codesets.ethnicity.synonyms.\"white  british\": 'white  british' and 'White British' are the same value mapped to two codes",
        ),
        (
            '[codesets.ethnicity.synonyms]\n"White British" = 1\n',
            'codesets.ethnicity.synonyms."White British": expected a code as text, got a number',
        ),
    ],
)
def test_bad_config_is_one_line_naming_file_and_key(
    workbook: Path, tmp_path: Path, text: str, message: str
) -> None:
    config = write_config(tmp_path, text, "council.toml")
    result = run("validate", str(workbook), "--config", str(config))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"annexa-check: error: {config}: {message}")
    assert result.stderr.count("\n") == 1


def test_a_missing_config_file_is_refused(workbook: Path, tmp_path: Path) -> None:
    result = run("validate", str(workbook), "--config", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2
    assert result.stderr == f"annexa-check: error: {tmp_path / 'nope.toml'}: configuration file not found\n"
    result = run("validate", str(workbook), "--config", str(tmp_path / "nope.toml"), "--no-config")
    assert result.exit_code == 2
    assert result.stderr == "annexa-check: error: --config and --no-config contradict each other; give one\n"


def test_the_shipped_example_is_a_valid_config(spec: Spec) -> None:
    config = load_config(REPO / "annexa-check.example.toml", spec)
    assert config.reference_date == "end-of-last-month"
    assert config.ignore == ("missing_list",)
    assert config.synonyms["yes_no_unknown"] == {"Y": "Yes", "N": "No"}


def test_a_byte_order_mark_is_read_and_other_encodings_are_refused(workbook: Path, tmp_path: Path) -> None:
    config = tmp_path / "notepad.toml"
    config.write_bytes('\ufeffignore = ["missing_list"]\n'.encode())
    report = json.loads(run("validate", str(workbook), "--config", str(config), "--format", "json").stdout)
    assert report["config"]["ignore"] == ["missing_list"]
    config.write_bytes('[codesets.ethnicity.synonyms]\n"Wh\u00eete" = "WBRI"\n'.encode("cp1252"))
    result = run("validate", str(workbook), "--config", str(config))
    assert result.exit_code == 2
    assert result.stderr == f"annexa-check: error: {config}: not UTF-8 text; save it with UTF-8 encoding\n"
