"""End to end on generated dry runs: clean ones pass, dirty ones yield exactly the injected rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from annexa_check.engine.check import check_workbook
from annexa_check.findings.table import KEY_ERROR_TYPES
from example_returns.generate import SMALL_DIRTY_COUNTS, Manifest, generate, injectable_types

REFERENCE = date(2025, 3, 31)
EXAMPLE = Path(__file__).resolve().parent.parent / "example_returns" / "example_dry_run.xlsx"


def _injected_rows(manifest: Manifest, spec_lists) -> set[tuple[str, str, int, str]]:
    return {
        (i.error_type, spec_lists[i.list_key].name, i.row, None if i.child_id is None else str(i.child_id))
        for i in manifest.injected
    }


# Spelling warnings: the generator writes some codes bare or re-cased, as real extracts do.
STYLE = pl.col("error_type") == "non_standard_code"


def _found_rows(findings: pl.DataFrame) -> set[tuple[str, str, int, str]]:
    return set(findings.filter(~STYLE).select("error_type", "list", "row", "child_id").rows())


def _counts(result) -> dict[str, int]:
    counts = result.counts().filter(~STYLE)
    return {row["error_type"]: row["count"] for row in counts.iter_rows(named=True)}


@pytest.mark.parametrize("template", ["2019", "2023"])
@pytest.mark.parametrize("style", ["template", "extract"])
def test_clean_workbook_has_no_findings(tmp_path: Path, template: str, style: str) -> None:
    path = tmp_path / "clean.xlsx"
    generate(path, seed=11, children=200, template=template, style=style, reference_date=REFERENCE)
    result = check_workbook(path, reference_date=REFERENCE)
    assert result.template == template
    assert result.findings.filter(~STYLE).select("rule", "list", "row", "column", "value").rows() == []
    assert result.findings.filter(STYLE).height > 0  # bare and re-cased codes are reported, as warnings
    assert result.error_count == 0
    assert result.skipped == []
    for loaded in result.workbook.lists.values():
        assert loaded.present and loaded.rows > 0 and loaded.unrecognised == [], loaded.spec.name


def test_clean_workbook_holds_the_legal_look_alikes(tmp_path: Path) -> None:
    """The zero above means something only if the traps a naive check falls into are there."""
    path = tmp_path / "clean.xlsx"
    generate(path, seed=11, children=200, reference_date=REFERENCE)
    lists = check_workbook(path, reference_date=REFERENCE).workbook.lists
    cla = lists["list_8"].frame
    temporary = cla.filter(
        pl.col("placement_type").str.contains(r"T[0-4]|Z1") & pl.col("placement_provider").is_null()
    )
    assert temporary.height > 0
    assert cla.filter(pl.col("cla_end_date").is_null() & pl.col("cla_end_reason").is_null()).height > 0
    cin = lists["list_6"].frame
    assert cin.filter(pl.col("cin_closure_date").is_null() & pl.col("closure_reason").is_null()).height > 0
    leavers = lists["list_9"].frame
    not_in_touch = leavers.filter(
        ~pl.col("la_in_touch").str.to_lowercase().str.contains("yes")
        & pl.col("accommodation_suitability").is_null()
    )
    assert not_in_touch.height > 0


@pytest.mark.parametrize(("template", "style"), [("2023", "template"), ("2019", "extract")])
def test_dirty_workbook_yields_exactly_the_injected_rows(tmp_path: Path, template: str, style: str) -> None:
    path = tmp_path / "dirty.xlsx"
    manifest = generate(
        path,
        seed=5,
        children=300,
        template=template,
        style=style,
        reference_date=REFERENCE,
        inject=SMALL_DIRTY_COUNTS,
    )
    result = check_workbook(path, reference_date=REFERENCE)
    counts = _counts(result)
    assert counts == SMALL_DIRTY_COUNTS
    assert _found_rows(result.findings) == _injected_rows(manifest, result.spec.lists)


@pytest.mark.parametrize("template", ["2019", "2023"])
def test_every_injectable_type_is_found_exactly(tmp_path: Path, template: str) -> None:
    """Two of every error type the generator can make, all in one workbook: no more, no fewer."""
    wanted = {error_type: 2 for error_type in injectable_types(template)}
    path = tmp_path / "all.xlsx"
    manifest = generate(
        path, seed=21, children=600, template=template, reference_date=REFERENCE, inject=wanted
    )
    result = check_workbook(path, reference_date=REFERENCE)
    assert sorted(manifest.counts()) == sorted(wanted)
    assert _counts(result) == manifest.counts()
    assert _found_rows(result.findings) == _injected_rows(manifest, result.spec.lists)


def test_real_council_mix_counts(tmp_path: Path) -> None:
    """The nine types at one council's dry-run volumes (729 key errors)."""
    from example_returns.generate import DIRTY_COUNTS

    path = tmp_path / "council.xlsx"
    manifest = generate(path, seed=3, children=3000, reference_date=REFERENCE, inject=DIRTY_COUNTS)
    result = check_workbook(path, reference_date=REFERENCE)
    counts = _counts(result)
    assert counts == DIRTY_COUNTS
    assert sum(counts[k] for k in KEY_ERROR_TYPES) == 729
    assert _found_rows(result.findings) == _injected_rows(manifest, result.spec.lists)


def test_bundled_example_matches_its_manifest() -> None:
    manifest = Manifest.load(EXAMPLE.with_suffix(".manifest.json"))
    assert manifest.counts() == SMALL_DIRTY_COUNTS
    result = check_workbook(EXAMPLE, reference_date=manifest.reference_date)
    assert result.template == "2023"
    nine = result.findings.filter(pl.col("error_type").is_in(KEY_ERROR_TYPES))
    assert _counts(result) == SMALL_DIRTY_COUNTS
    assert nine.height == sum(SMALL_DIRTY_COUNTS[k] for k in KEY_ERROR_TYPES) == 50
    assert _found_rows(result.findings) == _injected_rows(manifest, result.spec.lists)
    assert result.error_count == 56


def test_bundled_example_is_what_the_generator_makes(tmp_path: Path) -> None:
    manifest = Manifest.load(EXAMPLE.with_suffix(".manifest.json"))
    again = generate(
        tmp_path / "again.xlsx",
        seed=manifest.seed,
        children=manifest.children,
        template=manifest.template,
        style=manifest.style,
        reference_date=manifest.reference_date,
        inject=SMALL_DIRTY_COUNTS,
    )
    assert (tmp_path / "again.xlsx").read_bytes() == EXAMPLE.read_bytes()
    assert again.injected == manifest.injected


# Error types the generator cannot plant alone, and why; every other type is injected above.
NOT_INJECTABLE = {
    # the sheet itself, not a cell: each has its own workbook-level tests
    "missing_list": "a whole list left out",
    "missing_column": "a column left out",
    "list_without_headers": "a sheet without a header row",
    "duplicate_column": "a column written twice",
    "formula_without_value": "a formula with no saved result (tests/test_loader.py writes one)",
    "non_standard_code": "reported once per column and spelling, not per row",
    "duplicate_child": "a second row for a child on a one-row-per-child list changes what other lists say",
    # one change upsets the child's row on another list, or a second rule on the same row
    "care_leaver_on_cin_list": "needs an ID already on List 6",
    "looked_after_child_not_on_list_8": "changing the ID or status also upsets List 8's check against List 6",
    "open_cla_child_not_on_list_6": "changing the ID also upsets List 6's check against List 8",
    "cla_child_not_looked_after_on_list_6": "needs the List 6 row of the same child changed",
    "open_cp_plan_not_on_list_6": "changing the ID also changes List 6's case-status check",
    "open_cp_plan_case_status_on_list_6": "needs the List 6 row of the same child changed",
    "case_status_contradicts_closure": "a looked-after or CP child's status also drives the cross-list checks",
    "care_leaver_age_out_of_range": "an age outside 16-25 also contradicts the eligibility category (CL003)",
    "future_date_of_birth": "a future date of birth also disagrees with the stated age",
    "unborn_child_in_care": "an unborn child in care also has no date of birth (missing_date_of_birth)",
    "cla_end_before_start": "an end date before the start is also outside the look-back window",
    "adopted_child_not_on_list_10": "every adopted child the generator makes is on List 10; ending another "
    "child's care by adoption also changes the adoption checks on List 8",
}


def test_every_other_error_type_is_injectable() -> None:
    from annexa_check.catalogue.spec import load_spec
    from example_returns.generate import ERROR_TYPES

    assert set(load_spec().error_types) - set(ERROR_TYPES) == set(NOT_INJECTABLE)


def test_the_generator_help_explains_each_option_and_shows_an_example(capsys) -> None:
    """A new user runs `--help` before generating a workbook: every option says what it does."""
    from example_returns.generate.cli import main as generate_main

    with pytest.raises(SystemExit) as done:
        generate_main(["--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--dirty inject a real council's dry-run mix (DIRTY_COUNTS; needs about 3000 children)" in text
    assert "--clean inject no errors" in text and "--seed SEED the same seed writes the same workbook" in text
    assert text.endswith(
        "Example: python -m example_returns.generate dry_run.xlsx --children 5000 --dirty (about 17k rows; "
        "then: annexa-check validate dry_run.xlsx --reference-date 2025-03-31)"
    )
