"""The HTML report at size: how large the page is and how soon Chromium paints it.

Checks the seeded benchmark dry run (30,000 children) at a late reference date, so that
visits and reviews are overdue (about 211,000 findings), then repeats its findings to
reach `--findings` (default a million) and writes the report; Chromium (headless, as the
tests drive it) opens it and the first contentful paint and the moment the table's first
page is on screen are read from the page. README's figures for the report come from here.

    python benchmarks/html_report.py [--findings 1000000]
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workbooks import bench_workbook

from annexa_check.engine.check import check_workbook
from annexa_check.outputs.html import write_html
from annexa_check.report.model import build_report

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--findings", type=int, default=1_000_000)
    wanted = parser.parse_args().findings
    report = build_report(check_workbook(bench_workbook(30_000), reference_date=date(2026, 11, 30)))
    base = report.findings
    times = -(-wanted // base.height)
    copies = [base.with_columns((pl.col("row") + n * 1_000_000).alias("row")) for n in range(times)]
    big = dataclasses.replace(report, findings=pl.concat(copies).head(wanted))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.html"
        start = time.perf_counter()
        write_html(big, path)
        written = time.perf_counter() - start
        size = path.stat().st_size
        print(f"{big.findings.height:,} findings: written in {written:.1f} s, {size / 1e6:.1f} MB")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            start = time.perf_counter()
            page.goto(path.as_uri(), wait_until="load")
            loaded = time.perf_counter() - start
            paint = page.evaluate(
                "performance.getEntriesByName('first-contentful-paint').map(e => e.startTime)[0] || null"
            )
            shown = page.inner_text("#shown")
            start = time.perf_counter()
            page.select_option("#filter-group", "")
            everything = time.perf_counter() - start
            page.fill("#filter-text", "zz")
            page.wait_for_timeout(400)
            print(
                f"first contentful paint {paint / 1000:.2f} s; loaded, table on screen in {loaded:.2f} s "
                f"({shown}); 'Everything' filter {everything:.2f} s"
            )
            browser.close()


if __name__ == "__main__":
    main()
