"""The generator draws codes from the spec: its tables name only spec codes, rule facts come from rules."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from annexa_check.catalogue.spec import load_spec
from example_returns.generate import care, leavers, main
from example_returns.generate.codes import rule_codes
from example_returns.generate.tables import unknown_table_codes

ROOT = Path(__file__).resolve().parent.parent


def test_generator_tables_name_only_spec_codes() -> None:
    assert unknown_table_codes(load_spec()) == []


def test_a_table_code_the_spec_lacks_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(care, "PLACEMENT_W", {**care.PLACEMENT_W, "Q9": 1})
    monkeypatch.setattr(leavers, "UNSUITABLE", ("S", "HOTEL"))
    assert unknown_table_codes(load_spec()) == [
        "care.PLACEMENT_W: 'Q9' is not a code of placement_type",
        "leavers.UNSUITABLE: 'HOTEL' is not a code of accommodation_type",
    ]


def test_placement_facts_come_from_the_rules() -> None:
    spec = load_spec()
    in_use = {code.code: code.in_use_on for code in spec.codesets["placement_type"].codes}
    assert not in_use["H5"](date(2025, 4, 1)) and in_use["H5"](date(2025, 3, 31))  # the DfE's dates
    assert not in_use["K3"](date(2024, 3, 31)) and in_use["K3"](date(2024, 4, 1))
    assert rule_codes(spec, "missing_placement_provider", "not_in") == (
        "T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14",
    )  # fmt: skip
    ages = care.min_ages(spec)
    assert ages["K3"] == 16  # placement_type_age_mismatch: K3 only from 16
    assert ages["P2"] == 16 and ages["S1"] == 5  # the generator's own realism
    assert leavers.barred_under_18(spec) == frozenset({"Z", "T"})  # accommodation_invalid_for_age


def test_a_rule_lookup_for_an_unknown_error_type_fails_by_name() -> None:
    with pytest.raises(LookupError, match="no rule for no_such_error with a 'in' condition"):
        rule_codes(load_spec(), "no_such_error", "in", "2023")


def test_command_line_writes_a_workbook_and_its_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "clean.xlsx"
    assert main([str(out), "--clean", "--children", "60", "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"wrote {out} (")
    assert printed.rstrip().endswith(f"and {tmp_path / 'clean.manifest.json'}")
    assert out.is_file() and (tmp_path / "clean.manifest.json").is_file()


def test_command_line_refuses_a_cohort_too_small(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "x.xlsx"), "--children", "10"]) == 2
    assert capsys.readouterr().err == "error: children must be at least 50\n"
    assert not (tmp_path / "x.xlsx").exists()


def test_runs_as_a_module(tmp_path: Path) -> None:
    out = tmp_path / "m.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "example_returns.generate", str(out), "--clean", "--children", "50"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith(f"wrote {out} (")
    assert out.is_file()
