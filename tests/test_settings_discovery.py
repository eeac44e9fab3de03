"""The settings file is found as ruff's is: nearest to the workbook, then the working folder, then the
user's config folder; `annexa-check settings` says which and what it sets."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from builders import CHILD, write_lists
from conftest import REF, run

# One List 1 child with no ethnicity: missing_ethnicity (ETH) unless a settings file ignores it.
ROW = {**CHILD, "child_id": "C1", "contact_date": "01/03/2025", "ethnicity": ""}


def _workbook(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_lists(folder / "april.xlsx", {"list_1": [ROW]})


def _types(result_stdout: str) -> set[str]:
    return set(json.loads(result_stdout)["counts"])


def _validate(workbook: Path) -> tuple[set[str], str | None]:
    result = run("validate", str(workbook), "--reference-date", REF, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    return set(report["counts"]), (report.get("config") or {}).get("file")


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from an empty folder that is not above the workbook."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_the_nearest_file_above_the_workbook_is_used_from_any_folder(tmp_path: Path, elsewhere: Path) -> None:
    workbook = _workbook(tmp_path / "council" / "returns" / "2025-04")
    before, file = _validate(workbook)
    assert "missing_ethnicity" in before and file is None
    far = tmp_path / "council" / "annexa-check.toml"
    far.write_text('ignore = ["missing_ethnicity"]\n', encoding="utf-8")
    after, file = _validate(workbook)
    assert file == str(far)
    assert after == before - {"missing_ethnicity"}
    # a nearer file wins over a farther one, whole (files are not merged)
    near = tmp_path / "council" / "returns" / "annexa-check.toml"
    near.write_text('ignore = ["missing_list"]\n', encoding="utf-8")
    nearest, file = _validate(workbook)
    assert file == str(near)
    assert "missing_ethnicity" in nearest and "missing_list" not in nearest


def test_a_pyproject_table_counts_and_a_pyproject_without_one_is_passed_over(
    tmp_path: Path, elsewhere: Path
) -> None:
    workbook = _workbook(tmp_path / "repo" / "data")
    (tmp_path / "repo" / "data" / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    project = tmp_path / "repo" / "pyproject.toml"
    project.write_text('[project]\nname = "dq"\n\n[tool.annexa-check]\nignore = ["ETH"]\n', encoding="utf-8")
    types, file = _validate(workbook)
    assert file == str(project)
    assert "missing_ethnicity" not in types
    project.write_text('[tool.annexa-check]\nignor = ["ETH"]\n', encoding="utf-8")
    result = run("validate", str(workbook), "--reference-date", REF)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"annexa-check: error: {project}: ignor: unknown key (did you mean 'ignore'?)"
    )


def test_the_working_folder_then_the_user_config_folder(tmp_path: Path, elsewhere: Path) -> None:
    workbook = _workbook(tmp_path / "returns")
    user = Path(os.environ["XDG_CONFIG_HOME"]) / "annexa-check" / "annexa-check.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text('ignore = ["missing_ethnicity"]\n', encoding="utf-8")
    try:
        assert _validate(workbook)[1] == str(user)
        here = elsewhere / "annexa-check.toml"
        here.write_text('ignore = ["missing_list"]\n', encoding="utf-8")
        assert _validate(workbook)[1] == str(here)
    finally:
        user.unlink()


def test_settings_shows_the_file_and_the_values_in_effect(tmp_path: Path, elsewhere: Path) -> None:
    workbook = _workbook(tmp_path / "council" / "returns")
    file = tmp_path / "council" / "annexa-check.toml"
    file.write_text(
        'reference_date = "2025-03-31"\nignore = ["missing_list"]\n[severity]\nmissing_column = "warning"\n'
        "[limits]\nmax_parts = 500\n",
        encoding="utf-8",
    )
    result = run("settings", str(workbook))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:8] == [
        f"Settings file: {file} (the nearest to the workbook)",
        'Reference date: 2025-03-31 (reference_date = "2025-03-31")',
        lines[2],
        "Select: every rule",
        "Ignore: missing_list",
        "Severity: missing_column = warning",
        "Header aliases: none",
        "Code synonyms: none",
    ]
    run_count, _, every = lines[2].removeprefix("Rules run: ").split()
    assert int(run_count) == int(every) - 1  # missing_list is one rule
    assert "  max_parts = 500 (settings file)" in lines
    assert "  max_unpacked_mb = 1000 (default)" in lines
    assert "  max_upload_mb = 1000, as max_unpacked_mb (default)" in lines  # serve's limit, never "None"
    data = json.loads(run("settings", str(workbook), "--format", "json", "--reference-date", REF).stdout)
    assert (data["file"], data["found"], data["reference_date"]) == (
        str(file),
        "the nearest to the workbook",
        REF,
    )
    assert data["limits"]["max_parts"] == {"value": 500, "from": "settings file"}
    none = run("settings", str(workbook), "--no-config")
    assert none.stdout.splitlines()[0] == "Settings file: none: --no-config"
    assert run("settings").stdout.splitlines()[0] == "Settings file: none found: the defaults"
    gone = run("settings", str(workbook.parent / "aprill.xlsx"))  # a typo, as validate would refuse it
    assert (gone.exit_code, gone.stdout) == (2, "")
    assert gone.stderr == f"annexa-check: error: {workbook.parent / 'aprill.xlsx'}: file not found\n"
