"""Templates by year: `--template` takes a year (2024 is the 2023/24 layout) or auto, and says why."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
import pytest
from builders import CHILD, write_lists
from click.testing import CliRunner

from annexa_check.catalogue.spec import load_spec
from annexa_check.cli.main import main
from annexa_check.engine.check import check_workbook
from annexa_check.errors import AnnexaError

LEAVER = {
    **CHILD,
    "child_id": "C1",
    "date_of_birth": "01/06/2006",
    "age": 18,
    "eligibility_category": "b) Former relevant child",
    "la_in_touch": "a) Yes",
    "accommodation_type": "U: Independent living",
    "accommodation_suitability": "a) Suitable",
    "activity_status": "F1: Full time in higher education",
}


def _template(path: Path, *option: str) -> dict[str, str]:
    args = ["validate", str(path), "--reference-date", "2025-03-31", "--format", "json", *option]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["template"]


def test_a_year_chooses_its_layout_and_auto_says_what_it_saw(tmp_path: Path) -> None:
    path = write_lists(tmp_path / "leavers_2019.xlsx", {"list_9": [LEAVER]}, template="2019")
    assert _template(path) == {
        "year": "2019",
        "source": "2019: List 9 has none of the 4 columns the 2023/24 layout added (such as 'Latest Date of Contact')",
    }
    assert _template(path, "--template", "2024") == {
        "year": "2023",
        "source": "2023/24: chosen with --template 2024",
    }
    assert _template(path, "--template", "2023") == {
        "year": "2023",
        "source": "2023/24: chosen with --template 2023",
    }
    assert _template(path, "--template", "2019") == {
        "year": "2019",
        "source": "2019: chosen with --template 2019",
    }


def test_the_option_offers_the_years_the_rule_data_names() -> None:
    """The choices are written out (so --help loads no rule data) and must match rules/lists.yaml."""
    validate = main.commands["validate"]
    option = next(p for p in validate.params if p.name == "template")
    assert isinstance(option.type, click.Choice)
    years = [year for template in load_spec().templates.values() for year in template.years]
    assert list(option.type.choices) == ["auto", *years] == ["auto", "2019", "2023", "2024"]


def test_an_unknown_year_is_one_line(tmp_path: Path) -> None:
    path = write_lists(tmp_path / "l9.xlsx", {"list_9": [LEAVER]})
    with pytest.raises(AnnexaError, match=r"^unknown template '2020' \(use 2019, 2023, 2024 or auto\)$"):
        check_workbook(path, reference_date=date(2025, 3, 31), template="2020")
