"""`history` and `trend`: the recorded runs, counts per error type over them, and the chart."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import polars as pl
import pytest
from conftest import Month, record, run

from annexa_check.api.recorded import trend_of
from annexa_check.errors import AnnexaError


@pytest.fixture(scope="module")
def store(two_months: tuple[Month, Month], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trend") / "history.sqlite"
    for month in (*two_months, two_months[1]):
        record(month.path, path)
    return path


def test_trend_table(store: Path) -> None:
    result = run("trend", "--history", str(store), "--format", "csv", "--last", "2")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "error_type,run 2,run 3",
        "missing_closure_reason,2,2",
        "missing_ethnicity,3,3",
        "missing_placement_location,3,3",
        "missing_primary_need,4,4",
    ]
    report = json.loads(
        run("trend", "--history", str(store), "--format", "json", "--workbook", "march.xlsx").stdout
    )
    assert [r["id"] for r in report["runs"]] == [1]
    assert report["counts"]["missing_primary_need"] == {"run 1": 6}
    assert run("trend", "--history", str(store), "--workbook", "kent.xlsx").stderr == (
        f"annexa-check: error: {store}: no recorded runs of kent.xlsx\n"
    )


def test_trend_chart_png_and_svg(store: Path, tmp_path: Path) -> None:
    stem = tmp_path / "board" / "trend"
    stem.parent.mkdir()
    result = run("trend", "--history", str(store), "--chart", str(stem))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-2:] == [f"Wrote {stem}.png", f"Wrote {stem}.svg"]
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text(encoding="utf-8")
    ET.fromstring(text)
    # the nine key error types in words, on a calendar axis, with the chart in words as its description
    assert "Missing primary need" in text and "Missing accommodation suitability" in text
    assert "<!-- Apr 2025 -->" in text and "<!-- Reference date -->" in text  # a month on a calendar axis
    assert (
        "<dc:description>Records of the nine key error types in 3 recorded runs, by reference date. " in text
    )
    assert "Missing primary need: 6 on 2025-03-31, 4 on 2025-03-31" in text
    first = svg.read_bytes()
    run("trend", "--history", str(store), "--chart", str(stem))
    assert svg.read_bytes() == first  # no dates or random ids: the same history gives the same file
    run("trend", "--history", str(store), "--chart", str(stem), "--last", "1")
    assert "in 1 recorded run, by reference date. " in svg.read_text(encoding="utf-8")  # not "1 run(s)"


def test_history_lists_runs(store: Path) -> None:
    lines = [line.rstrip() for line in run("history", "--history", str(store)).stdout.splitlines()]
    assert lines[0] == f"Runs recorded in {store}"
    assert [line.split()[0] for line in lines[3:]] == ["1", "2", "3"]


def test_the_api_chooses_the_runs(store: Path) -> None:
    everything = trend_of(store)
    assert [r.id for r in everything.runs] == [1, 2, 3]
    assert everything.table.columns == ["error_type", "run 1", "run 2", "run 3"]
    april = trend_of(store, last=1, workbook_name="april.xlsx")
    assert [r.id for r in april.runs] == [3]
    assert april.table.filter(pl.col("error_type") == "missing_ethnicity")["run 3"].to_list() == [3]
    with pytest.raises(AnnexaError) as refused:
        trend_of(store, workbook_name="kent.xlsx")
    assert str(refused.value) == f"{store}: no recorded runs of kent.xlsx"
