"""Benchmark: a bare calamine read of a ~100k-row dry run vs `annexa-check validate` on it.

Run: python benchmarks/benchmark.py [--children 30000] [--repeat 3]
The workbook is generated once (seeded) under bench_out/ and reused. Figures are the
median of the repeats; the command-line figure includes Python start-up and imports.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbooks import REFERENCE, bench_workbook  # noqa: E402

from annexa_check.engine.check import check_workbook  # noqa: E402
from annexa_check.outputs.files import write_csv  # noqa: E402
from annexa_check.read.safety import inspect  # noqa: E402
from annexa_check.report.model import build_report  # noqa: E402


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=30000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    path = bench_workbook(args.children)
    out = path.parent
    sheets = pl.read_excel(path, sheet_id=0, engine="calamine", infer_schema_length=0)
    rows = sum(frame.height for frame in sheets.values())
    print(f"workbook: {path.stat().st_size / 1e6:.1f} MB, {len(sheets)} sheets, {rows:,} data rows")

    def bare_read() -> None:
        pl.read_excel(path, sheet_id=0, engine="calamine", infer_schema_length=0)

    csv_path = out / "exceptions.csv"

    def validate() -> None:
        report = build_report(check_workbook(path, reference_date=REFERENCE))
        json.dumps(report.as_dict())
        write_csv(report, csv_path)

    validate()  # warm the spec cache and imports, as a long-lived process would be
    read_s = _median(bare_read, args.repeat)
    inspect_s = _median(lambda: inspect(path), args.repeat)
    validate_s = _median(validate, args.repeat)
    cli = [sys.executable, "-m", "annexa_check", "validate", str(path),
           "--reference-date", REFERENCE.isoformat(), "--format", "json", "-o", str(csv_path)]  # fmt: skip
    cli_s = _median(lambda: subprocess.run(cli, capture_output=True, check=False), args.repeat)
    findings = check_workbook(path, reference_date=REFERENCE).findings.height

    print(f"bare calamine read (all sheets as text): {read_s:.2f} s")
    print(f"pre-check (zip directory, sizes, sheet extents; included in validate): {inspect_s:.2f} s")
    print(f"validate in process (load + rules + JSON + CSV of {findings:,} findings): {validate_s:.2f} s "
          f"= {validate_s / read_s:.2f}x the bare read")  # fmt: skip
    print(f"validate command line (with start-up and imports): {cli_s:.2f} s = {cli_s / read_s:.2f}x")


if __name__ == "__main__":
    main()
