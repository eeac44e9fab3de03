"""Peak memory of `annexa-check validate` on a large dry run (default ~1 million rows).

Run: python benchmarks/memory.py [--children 300000] [-- more validate options]
The workbook is generated once (seeded) under bench_out/ and reused; the check runs as
a command in a child process, whose peak resident set size the operating system reports.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

from workbooks import REFERENCE, bench_workbook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=300000)
    parser.add_argument("more", nargs="*", help="further options for validate, after --")
    args = parser.parse_args()

    path = bench_workbook(args.children)
    options = [
        "--reference-date",
        REFERENCE.isoformat(),
        "--format",
        "json",
        "-o",
        str(path.with_suffix(".csv")),
    ]
    cli = [sys.executable, "-m", "annexa_check", "validate", str(path), *options, *args.more]
    start = time.perf_counter()
    done = subprocess.run(cli, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux reports KiB
    if done.returncode not in (0, 1):
        sys.exit(f"validate could not run (exit code {done.returncode}): {done.stderr.strip()}")
    rows = sum(lst["rows"] for lst in json.loads(done.stdout)["lists"].values())
    print(f"workbook: {path.stat().st_size / 1e6:.1f} MB, {rows:,} data rows; exit code {done.returncode}")
    print(f"validate command line: {seconds:.1f} s, peak RSS {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
