"""Speed and peak memory of `annexa-check annotate` beside `validate`, on the same dry run, alternately.

Run: python benchmarks/annotate.py [--children 30000] [--repeat 3]

annotate checks the workbook as validate does, then loads every cell with openpyxl to
mark a copy and saves it: the load and the save are what it costs on top. Each command
is a whole process; its peak resident memory is the operating system's figure. The
cells counted are what `max_edit_cells` is compared with.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from paired import _run  # noqa: E402
from workbooks import REFERENCE, bench_workbook  # noqa: E402

from annexa_check.api.annotate import count_cells  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=30000, help="about 3.5 rows each (30000: ~106k rows)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    path = bench_workbook(args.children)
    out = path.parent
    common = ["--reference-date", REFERENCE.isoformat(), "--no-config"]
    cli = [sys.executable, "-m", "annexa_check"]
    copy = out / f"{path.stem}.checked.xlsx"
    commands = {
        "validate": [*cli, "validate", str(path), *common, "--format", "json"],
        "annotate": [*cli, "annotate", str(path), *common, "-q", "-o", str(copy)],
    }
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(args.repeat):
        for name in list(commands) if i % 2 == 0 else list(reversed(commands)):
            took, peak = _run(commands[name], ROOT)
            seconds[name].append(took)
            peaks[name].append(peak)

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.platform()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
    cells = count_cells(path)
    print(
        f"{path.name}, {path.stat().st_size / 1e6:.1f} MB, {cells:,} cells; {when}; {machine}; "
        f"medians of {args.repeat}"
    )
    for name in commands:
        median, peak = statistics.median(seconds[name]), statistics.median(peaks[name])
        print(f"  {name:9s} {median:6.1f} s  peak {peak:5.0f} MiB")
    extra = statistics.median(peaks["annotate"]) - statistics.median(peaks["validate"])
    print(f"  annotate over validate: {extra / cells * 2**20:.0f} bytes of peak memory per cell")


if __name__ == "__main__":
    main()
