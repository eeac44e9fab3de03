"""The HTML report: self-contained, headline first, and filterable in a real browser (headless Chromium)."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from annexa_check.api.audience import previous_comparison
from annexa_check.engine.check import check_workbook
from annexa_check.history import store as history
from annexa_check.outputs.html import write_html
from annexa_check.report.model import build_report, summary
from example_returns.generate import SMALL_DIRTY_COUNTS, generate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "example_returns" / "example_dry_run.xlsx"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def browser_page(tmp_path: Path) -> Iterator[Any]:
    """A page in headless Chromium (a fresh profile), or the test skipped with the reason."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (.ci/run does)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            args=FLAGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = check_workbook(EXAMPLE, reference_date=date(2025, 3, 31), ignore=["non_standard_code"])
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_html(build_report(result), path)
    return path


@pytest.fixture(scope="module")
def change_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's report after an earlier check of it (more primary-need and closure gaps,
    fewer missing ethnicities) was recorded: the headline and a section show the change."""
    folder = tmp_path_factory.mktemp("earlier")
    store, earlier = folder / "history.sqlite", folder / EXAMPLE.name
    more = {"missing_primary_need": 20, "missing_ethnicity": 9, "missing_closure_reason": 18}
    generate(
        earlier, seed=2025, children=300, reference_date=date(2025, 3, 31), inject=SMALL_DIRTY_COUNTS | more
    )
    before = check_workbook(earlier, reference_date=date(2025, 3, 31), ignore=["non_standard_code"])
    history.record(store, summary(before), before.findings)
    result = check_workbook(EXAMPLE, reference_date=date(2025, 3, 31), ignore=["non_standard_code"])
    path = folder / "report.html"
    model = build_report(result)
    write_html(model.compared(previous_comparison(store, model)), path)
    return path


def _wait_for_text(page: Any, selector: str, wanted: str, seconds: float = 5.0) -> None:
    """Wait for an element's text (the page's policy forbids the evaluated scripts playwright would use)."""
    deadline = time.monotonic() + seconds
    while page.inner_text(selector) != wanted and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert page.inner_text(selector) == wanted


def test_the_report_is_one_self_contained_file(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    assert "default-src 'none'" in text  # the page may not fetch anything
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text)
    assert "@import" not in text and "url(" not in text
    assert '<h1 id="headline"><span id="key-errors">50</span> key errors in this dry run</h1>' in text
    assert "56 errors in 13 types across 52 children; 0 lists incomplete." in text
    block = re.search(r'<script type="application/json" id="findings-data">(.*?)</script>', text, re.S)
    assert block is not None
    data = json.loads(block.group(1))
    assert data["rows"] == 56 and len(data["child_id"]) == 56  # every finding, in one JSON block
    assert data["dict"]["type_words"][data["error_type"][0]] == "Missing primary need"  # key types first
    # the first page is HTML too (the nine key error types: 50 findings), readable without the script
    tbody = re.search(r'<table id="findings".*?<tbody>(.*?)</tbody>', text, re.S)
    assert tbody is not None and tbody.group(1).count("<tr>") == 50
    # the chart: groups in words, key types first, and a text alternative naming every bar
    chart = re.search(r'<svg class="chart".*?</svg>', text, re.S)
    assert chart is not None
    texts = re.findall(r"<text [^>]*>([^<]+)</text>", chart.group())
    labels = [t for t in texts if not t.replace(",", "").isdigit()]
    assert labels[:4] == [
        "Key error types",
        "Missing primary need",
        "Missing ethnicity",
        "Missing closure reason",
    ]
    assert "Other errors" in labels and labels.index("Other errors") == 10  # after the nine key types
    assert '<desc id="chart-desc">Missing primary need (Key error types): 12 records; ' in chart.group()
    assert "; Missing CIC placement (Key error types): 1 record; " in chart.group()  # one, not "1 records"
    assert "<title>Missing CIC placement: 1 record</title>" in chart.group()
    assert '<th scope="row">Disabled Children&#x27;s Team</th><td class=num>10</td>' in text


def test_the_report_in_a_browser(report: Path, tmp_path: Path) -> None:
    requests: list[str] = []
    with browser_page(tmp_path) as page:
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.as_uri())
        page.keyboard.press("Tab")  # keyboard users start at the skip link
        assert page.evaluate("document.activeElement.textContent") == "Skip to the child-level table"

        assert page.inner_text("#headline") == "50 key errors in this dry run"
        assert (
            page.inner_text("#summary-line")
            == "56 errors in 13 types across 52 children; 0 lists incomplete."
        )
        items = page.locator(".key-types li").all_inner_texts()
        assert [i.split(" (")[0] for i in items[:3]] == [
            "15 missing closure reason",
            "12 missing primary need",
            "11 missing ethnicity",
        ]
        assert page.inner_text("#shown") == "Showing 50 of 56 findings"  # it opens on the key errors

        def visible() -> int:
            return page.locator("#findings tbody tr").count()

        assert visible() == 50

        page.select_option("#filter-type", "missing_primary_need")
        assert visible() == 12
        assert page.inner_text("#shown") == "Showing 12 of 56 findings"
        page.select_option("#filter-team", "Children in Care Team 2")
        assert visible() == 4
        page.click("#filter-reset")  # everything, not only key errors
        assert page.inner_text("#shown") == "Showing 56 of 56 findings"
        page.select_option("#filter-list", "List 9")
        assert visible() == 7
        page.click("#filter-reset")
        page.fill("#filter-text", "rosa quarry")  # searched a moment after typing stops
        _wait_for_text(page, "#shown", "Showing 5 of 56 findings")
        assert visible() == 5
        page.fill("#filter-text", "")
        _wait_for_text(page, "#shown", "Showing 56 of 56 findings")
        assert visible() == 56

        page.focus("#findings thead th:nth-child(3) button")  # sort by row from the keyboard
        page.keyboard.press("Enter")
        assert page.get_attribute("#findings thead th:nth-child(3)", "aria-sort") == "ascending"
        rows = [int(t) for t in page.locator("#findings tbody tr td:nth-child(3)").all_inner_texts()]
        assert rows == sorted(rows)

    assert requests == [report.as_uri()]


def test_the_change_in_a_browser(change_report: Path, tmp_path: Path) -> None:
    with browser_page(tmp_path) as page:
        page.goto(change_report.as_uri())
        assert page.inner_text("#key-errors") == "50"
        assert page.inner_text("#key-change") == " \u2014 down 9 from 59 at the previous check"
        rows = page.locator("#change table").first.locator("tbody tr").all_inner_texts()
        # error type, previous, now, change, new, resolved (as the two generators' manifests say)
        assert [r.split("\t") for r in rows[:3]] == [
            ["missing_closure_reason", "18", "15", "\u22123", "0", "3"],
            ["missing_primary_need", "20", "12", "\u22128", "3", "11"],
            ["missing_ethnicity", "9", "11", "+2", "2", "0"],
        ]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)


def test_the_child_table_pages_over_every_finding(tmp_path: Path) -> None:
    """More record findings than a page (visits and reviews overdue as well as the key errors):
    paging, and search over all pages. Extract-level findings are in the lead, not the table."""
    workbook = tmp_path / "overdue.xlsx"
    overdue = {**SMALL_DIRTY_COUNTS, "cla_visit_overdue": 30, "cla_review_overdue": 30}
    generate(workbook, seed=7, children=300, inject=overdue)
    report = build_report(check_workbook(workbook, reference_date=date(2025, 3, 31)))
    records = report.exceptions
    total = records.height
    assert total == 116  # 56 errors and 60 warnings, all record-level
    path = tmp_path / "report.html"
    write_html(report, path)
    with browser_page(tmp_path) as page:
        page.goto(path.as_uri())
        page.select_option("#filter-group", "")
        assert page.inner_text("#shown") == f"Showing {total} of {total} findings"
        assert page.inner_text("#page-at") == "Page 1 of 2"
        assert page.locator("#findings tbody tr").count() == 100
        assert page.is_disabled("#page-prev")
        page.click("#page-next")
        assert page.inner_text("#page-at") == "Page 2 of 2"
        assert page.locator("#findings tbody tr").count() == total - 100
        assert page.is_disabled("#page-next")
        # the warnings are last: the final row of the last page is a warning
        last = page.locator("#findings tbody tr").last.locator("td").nth(6).inner_text()
        assert last in {"CLA visit overdue", "CLA review overdue"}
        page.select_option("#filter-group", "warning")
        warnings = records.filter(pl.col("severity") == "warning").height
        assert warnings == 60
        assert page.inner_text("#shown") == f"Showing {warnings} of {total} findings"
        assert page.inner_text("#page-at") == "Page 1 of 1"
