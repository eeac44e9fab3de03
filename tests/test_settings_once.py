"""Settings are loaded once into one picklable object that the API and the worker processes receive."""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path

import pytest

from annexa_check.catalogue.spec import load_spec
from annexa_check.errors import AnnexaError
from annexa_check.read.safety import DEFAULT_LIMITS
from annexa_check.settings.config import Settings, load_settings

EXAMPLE_SETTINGS = Path(__file__).resolve().parent.parent / "annexa-check.example.toml"
TODAY = date(2025, 4, 15)


def test_the_file_is_read_once_and_its_reference_date_resolved() -> None:
    settings = load_settings(load_spec(), config_path=EXAMPLE_SETTINGS, today=TODAY)
    assert settings.reference_date == date(2025, 3, 31)  # end-of-last-month
    assert settings.config is not None and settings.config.file == EXAMPLE_SETTINGS
    assert settings.config.ignore == ("missing_list",)
    assert settings.limits == DEFAULT_LIMITS


def test_the_command_line_wins() -> None:
    settings = load_settings(
        load_spec(),
        config_path=EXAMPLE_SETTINGS,
        reference_date=date(2025, 1, 31),
        max_unpacked_mb=2000,
        today=TODAY,
    )
    assert settings.reference_date == date(2025, 1, 31)
    assert settings.limits.max_unpacked_mb == 2000
    assert settings.limits.max_seconds == DEFAULT_LIMITS.max_seconds


def test_no_file_means_today_and_the_default_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no annexa-check.toml here
    assert load_settings(load_spec(), today=TODAY) == Settings(
        TODAY, None, DEFAULT_LIMITS, "none found: the defaults"
    )


def test_config_and_no_config_together_are_refused() -> None:
    with pytest.raises(AnnexaError) as refused:
        load_settings(load_spec(), config_path=EXAMPLE_SETTINGS, no_config=True)
    assert str(refused.value) == "--config and --no-config contradict each other; give one"


def test_settings_reach_a_worker_process_intact() -> None:
    settings = load_settings(load_spec(), config_path=EXAMPLE_SETTINGS, max_unpacked_mb=900, today=TODAY)
    assert pickle.loads(pickle.dumps(settings)) == settings


def test_the_summary_shows_what_the_file_set() -> None:
    settings = load_settings(load_spec(), config_path=EXAMPLE_SETTINGS, today=TODAY)
    assert settings.config is not None
    shown = settings.config.as_dict()
    assert shown["file"] == str(EXAMPLE_SETTINGS)
    assert shown["reference_date"] == "end-of-last-month"
    assert shown["ignore"] == ["missing_list"]
    assert list(shown) == ["file", "reference_date", "select", "ignore", "severity"]
