"""Time and peak memory of `annexa-check fix` on a generated dry run (default ~106k rows).

Run: python benchmarks/fix.py [--children 30000] [--runs 1]
The workbook is generated once (seeded) under bench_out/ and reused; each fix runs as a
command in its own child process, whose peak resident set size the operating system reports.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

from workbooks import REFERENCE, bench_workbook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=30000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()

    path = bench_workbook(args.children)
    ready = path.with_name(f"{path.stem}.READY.xlsx")
    cli = [
        sys.executable, "-m", "annexa_check", "fix", str(path), "-o", str(ready),
        "--reference-date", REFERENCE.isoformat(), "--no-config", "--max-rows", "10000000",
    ]  # fmt: skip
    seconds, peaks, line = [], [], ""
    for _ in range(args.runs):
        start = time.perf_counter()
        done = subprocess.run(cli, capture_output=True, text=True, check=False)
        seconds.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"fix could not run (exit code {done.returncode}): {done.stderr.strip()}")
        # the children's peak so far: the largest run's, since every run does the same work
        peaks.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)  # Linux reports KiB
        line = done.stdout.splitlines()[0]
    print(f"workbook: {path.stat().st_size / 1e6:.1f} MB ({args.children:,} children)")
    print(line)
    print(f"fix command line: median {statistics.median(seconds):.1f} s over {args.runs} run(s), "
          f"peak RSS {max(peaks):,.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
