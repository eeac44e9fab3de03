"""Regenerate the figures README.md quotes, so they are the tool's own numbers, never typed by hand.

Each figure stands between `<!-- figure:NAME -->` and `<!-- /figure -->` in README.md:
the size of the rule catalogue, the number of error types, and what a check of the bundled
example says (its headline, key errors, findings, records and children). `--check` changes
nothing and exits 1 naming each figure that has drifted (the test suite runs it).

    python scripts/readme_figures.py          # rewrite README.md's figures
    python scripts/readme_figures.py --check  # exit 1 if any has drifted
"""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
EXAMPLE = ROOT / "example_returns" / "example_dry_run.xlsx"
FIGURE = re.compile(r"<!-- figure:([a-z_]+) -->(.*?)<!-- /figure -->", re.DOTALL)


def figures() -> dict[str, str]:
    """Every figure, as README shows it (the example checked as README's first command checks it)."""
    from annexa_check.catalogue.spec import load_spec
    from annexa_check.engine.check import check_workbook
    from annexa_check.findings.table import KEY_ERROR_TYPES, distinct_records
    from annexa_check.report.model import build_report

    spec = load_spec()
    errors = sum(1 for r in spec.rules if r.severity == "error")
    report = build_report(check_workbook(EXAMPLE, reference_date=date(2025, 3, 31)))
    key = sum(c.count for t, c in report.counts.items() if t in KEY_ERROR_TYPES)
    return {
        "rules_split": f"{len(spec.rules)} rules ({errors} errors, {len(spec.rules) - errors} warnings)",
        "error_types": f"{len(spec.error_types)} error types",
        "example_headline": report.headline,
        "example_key_errors": f"{key} key errors",
        "example_findings": f"{report.findings.height} findings",
        "example_records": f"{distinct_records(report.findings)} records",
        "example_children": f"{report.totals.children_with_errors} children",
    }


def drifted(text: str, wanted: dict[str, str]) -> list[str]:
    """The figures in `text` that differ from `wanted` (or name no figure), as 'NAME: has X, is Y'."""
    problems = []
    for match in FIGURE.finditer(text):
        name, shown = match.group(1), match.group(2)
        if name not in wanted:
            problems.append(f"{name}: no such figure")
        elif shown != wanted[name]:
            problems.append(f"{name}: README has '{shown}', the tool says '{wanted[name]}'")
    return problems


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    text = README.read_text(encoding="utf-8")
    wanted = figures()
    if "--check" in argv:
        problems = drifted(text, wanted)
        for problem in problems:
            print(f"README.md: {problem}; run python scripts/readme_figures.py", file=sys.stderr)
        return 1 if problems else 0
    new = FIGURE.sub(
        lambda m: f"<!-- figure:{m.group(1)} -->{wanted.get(m.group(1), m.group(2))}<!-- /figure -->", text
    )
    if new != text:
        README.write_text(new, encoding="utf-8")
        print("README.md: figures updated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
