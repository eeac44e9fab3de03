"""Rule selection as ruff selects: a selector's letters name one family, its digits narrow within it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from builders import CHILD, write_lists
from click.testing import CliRunner
from conftest import run

from annexa_check.catalogue.selection import select_rules
from annexa_check.catalogue.spec import Spec
from annexa_check.cli.main import main
from annexa_check.errors import AnnexaError


def codes(spec: Spec, *select: str, ignore: tuple[str, ...] = ()) -> list[str]:
    return [r.code for r in select_rules(spec, select, ignore)]


def test_letters_name_one_family_exactly(spec: Spec) -> None:
    cl = codes(spec, "CL")
    assert len(cl) == 22
    assert {c[:3] for c in cl} == {"CL0"}  # List 9's family only: no CLA rule
    assert len(codes(spec, "CLA")) == 72
    assert codes(spec, "cla") == codes(spec, "CLA")


def test_digits_narrow_within_the_family(spec: Spec) -> None:
    assert codes(spec, "CLA0") == codes(spec, "CLA")  # CLA001-CLA099: every CLA rule there is
    assert codes(spec, "CLA04") == [f"CLA04{n}" for n in range(10)]
    assert codes(spec, "CLA045") == ["CLA045"]
    assert codes(spec, "cla045") == ["CLA045"]
    assert codes(spec, "CL02") == ["CL020", "CL021", "CL022", "CL023"]


def test_ignore_narrows_the_same_way(spec: Spec) -> None:
    chosen = codes(spec, "CLA04", "CL02", ignore=("CLA045", "CL021"))
    assert sorted(chosen) == ["CL020", "CL022", "CL023", *(f"CLA04{n}" for n in (0, 1, 2, 3, 4, 6, 7, 8, 9))]


def test_error_types_keep_working(spec: Spec) -> None:
    assert codes(spec, "missing_primary_need") == ["CIN001", "CLA011"]
    assert codes(spec, "CIN", ignore=("missing_primary_need",))[:2] == ["CIN002", "CIN003"]


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        (
            "C",
            "'C' names no rule family: a selector's letters name one family exactly (CHD, CIN, CL, CLA, CON, CP)",
        ),
        ("AD", "'AD' names no rule family: a selector's letters name one family exactly (ADP, ADR)"),
        ("CLA9", "'CLA9' names no rule: the CLA rules are CLA001-CLA073"),
        ("CL1", "'CL1' names no rule: the CL rules are CL001-CL023"),
        ("CLA0451", "'CLA0451' names no rule: the CLA rules are CLA001-CLA073"),
        ("NOPE", "'NOPE' is not a rule code, code prefix or error type"),
        (
            "Missing_Primary_Need",
            "'Missing_Primary_Need' is not a rule code, code prefix or error type; "
            "did you mean missing_primary_need?",
        ),
        ("CLA-045", "'CLA-045' is not a rule code, code prefix or error type; did you mean CLA045?"),
    ],
)
def test_a_selector_that_names_nothing_is_refused(spec: Spec, selector: str, message: str) -> None:
    with pytest.raises(AnnexaError) as caught:
        select_rules(spec, [selector])
    assert str(caught.value) == f"{message} (see 'annexa-check rules')"
    with pytest.raises(AnnexaError) as ignored:
        select_rules(spec, ignore=[selector])
    assert str(ignored.value) == str(caught.value)


def test_ignoring_a_whole_selection_leaves_nothing(spec: Spec) -> None:
    with pytest.raises(AnnexaError, match=r"^--select and --ignore leave no rule to run$"):
        select_rules(spec, ["CL"], ["CL0"])


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    """A List 8 and a List 9 row with only the child's details: both families find problems."""
    return write_lists(tmp_path / "dry run.xlsx", {"list_8": [dict(CHILD)], "list_9": [dict(CHILD)]})


def rules_found(*args: str) -> list[str]:
    result = CliRunner().invoke(
        main, ["validate", *args, "--format", "csv", "--reference-date", "2025-03-31"]
    )
    assert result.exit_code == 1, result.output
    return sorted({row["rule"] for row in csv.DictReader(io.StringIO(result.stdout))})


def test_command_line_and_settings_file_select_the_same_rules(workbook: Path, tmp_path: Path) -> None:
    assert rules_found(str(workbook), "--no-config", "--select", "CL") == ["CL001", "CL007", "CL020"]
    settings = tmp_path / "annexa-check.toml"
    settings.write_text('select = ["CL"]\nignore = ["CL02"]\n', encoding="utf-8")
    assert rules_found(str(workbook), "--config", str(settings)) == ["CL001", "CL007"]
    settings.write_text('select = ["CLA04", "CL0"]\n', encoding="utf-8")
    found = rules_found(str(workbook), "--config", str(settings))
    assert found == ["CL001", "CL007", "CL020", "CLA041", "CLA047"]


def test_the_settings_file_refuses_a_selector_naming_no_family(tmp_path: Path, workbook: Path) -> None:
    settings = tmp_path / "annexa-check.toml"
    settings.write_text('ignore = ["AD"]\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(workbook), "--config", str(settings)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"annexa-check: error: {settings}: ignore: 'AD' names no rule family: a selector's letters name "
        "one family exactly (ADP, ADR) (see 'annexa-check rules')\n"
    )


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("CLA03", "no rule or error type 'CLA03'; did you mean CLA030, CLA031 or CLA032?"),
        ("CLA30", "no rule or error type 'CLA30'; did you mean CLA030?"),
        ("missing_etnicity", "no rule or error type 'missing_etnicity'; did you mean missing_ethnicity?"),
        ("nothing_like_it", "no rule or error type 'nothing_like_it'"),
    ],
)
def test_explain_offers_the_nearest_codes(given: str, said: str) -> None:
    result = run("explain", given)
    assert result.exit_code == 2
    assert result.stderr == f"annexa-check: error: {said} (see 'annexa-check rules')\n"


def test_a_misspelt_selector_offers_the_nearest_error_type(spec: Spec) -> None:
    with pytest.raises(AnnexaError) as refused:
        select_rules(spec, ["missing_primary_ned"])
    assert str(refused.value) == (
        "'missing_primary_ned' is not a rule code, code prefix or error type; did you mean "
        "missing_primary_need? (see 'annexa-check rules')"
    )
