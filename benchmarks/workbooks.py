"""The seeded dry runs the benchmark scripts measure, generated once under bench_out/ and reused."""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from example_returns.generate import DIRTY_COUNTS, generate  # noqa: E402

REFERENCE = date(2025, 3, 31)


def bench_workbook(children: int) -> Path:
    """The seeded dry run of this many children (about 3.5 rows each), generated on first use."""
    out = ROOT / "bench_out"
    out.mkdir(exist_ok=True)
    path = out / f"bench_{children}.xlsx"
    if not path.exists():
        start = time.perf_counter()
        generate(path, seed=7, children=children, inject=DIRTY_COUNTS, reference_date=REFERENCE)
        print(f"generated {path.name} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return path
