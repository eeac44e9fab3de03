"""The command line: `python -m example_returns.generate OUT.xlsx [...]` writes one workbook."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from annexa_check.annex.model import TEMPLATES
from example_returns.generate.api import generate
from example_returns.generate.inject import DIRTY_COUNTS, SMALL_DIRTY_COUNTS
from example_returns.generate.manifest import manifest_path
from example_returns.generate.write import STYLES

DESCRIPTION = "Generate synthetic Annex A dry-run workbooks with a manifest of injected errors."


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write one workbook and print what it holds."""
    p = argparse.ArgumentParser(
        prog="python -m example_returns.generate",
        description=DESCRIPTION,
        epilog="Example: python -m example_returns.generate dry_run.xlsx --children 5000 --dirty\n"
        "  (about 17k rows; then: annexa-check validate dry_run.xlsx --reference-date 2025-03-31)",
        formatter_class=argparse.RawDescriptionHelpFormatter,  # the example as typed, never wrapped
    )
    p.add_argument("out", type=Path, help="the .xlsx to write (its manifest goes beside it)")
    p.add_argument("--seed", type=int, default=1, help="the same seed writes the same workbook (default 1)")
    p.add_argument("--children", type=int, default=None, help="cohort size (default 300; 3000 with --dirty)")
    p.add_argument("--template", choices=TEMPLATES, default="2023", help="template year (default 2023)")
    p.add_argument(
        "--style",
        choices=STYLES,
        default="template",
        help="template: List_1 ... sheets under a title row; extract: sheets and headers as a SQL "
        "extract names them (default template)",
    )
    p.add_argument(
        "--reference-date",
        type=date.fromisoformat,
        default=date(2025, 3, 31),
        help="YYYY-MM-DD that ages and look-backs are built around (default 2025-03-31)",
    )
    mix = p.add_mutually_exclusive_group()
    mix.add_argument("--clean", dest="mix", action="store_const", const="clean", help="inject no errors")
    mix.add_argument(
        "--dirty",
        dest="mix",
        action="store_const",
        const="dirty",
        help="inject a real council's dry-run mix (DIRTY_COUNTS; needs about 3000 children)",
    )
    mix.add_argument(
        "--small-dirty",
        dest="mix",
        action="store_const",
        const="small",
        help="inject that mix scaled to 300 children, plus a few format errors "
        "(SMALL_DIRTY_COUNTS; the default)",
    )
    args = p.parse_args(argv)
    mix_name = args.mix or "small"
    inject = {"clean": None, "dirty": DIRTY_COUNTS, "small": SMALL_DIRTY_COUNTS}[mix_name]
    children = args.children or (3000 if mix_name == "dirty" else 300)
    try:
        m = generate(
            args.out,
            seed=args.seed,
            children=children,
            template=args.template,
            reference_date=args.reference_date,
            inject=inject,
            style=args.style,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({sum(m.rows.values())} rows) and {manifest_path(args.out)}")
    for et, n in m.counts().items():
        print(f"  {et}: {n}")
    return 0
