"""Prove that a change to the generator kept its output: record digests before, check them after.

    python -m example_returns.identical record before.json
    python -m example_returns.identical check before.json

Each case is one seeded generation: both templates and both styles, clean, small-dirty
and dirty; two of every injectable type; another reference date; the benchmark's
dry runs of about 17k and 106k rows; and the bundled example. The workbook's bytes are
the same for the same arguments (its creation time is the reference date), so a case's
digest is the SHA-256 of the workbook and of its manifest. `check` names each case that
differs and exits 1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from example_returns.generate import (
    DIRTY_COUNTS,
    SMALL_DIRTY_COUNTS,
    generate,
    injectable_types,
    manifest_path,
)

REFERENCE = date(2025, 3, 31)


def cases() -> dict[str, dict[str, Any]]:
    """Every generation compared, by name: the arguments `generate` gets."""
    out: dict[str, dict[str, Any]] = {
        "example": {"seed": 2025, "children": 300, "inject": SMALL_DIRTY_COUNTS},
        "bench-17k": {"seed": 7, "children": 5000, "inject": DIRTY_COUNTS},
        "bench-106k": {"seed": 7, "children": 30000, "inject": DIRTY_COUNTS},
        "2019-extract-2024-09-30": {
            "seed": 7,
            "children": 400,
            "template": "2019",
            "style": "extract",
            "reference_date": date(2024, 9, 30),
            "inject": SMALL_DIRTY_COUNTS,
        },
    }
    mixes: dict[str, tuple[int, Mapping[str, int] | None]] = {
        "clean": (300, None),
        "small-dirty": (300, SMALL_DIRTY_COUNTS),
        "dirty": (3000, DIRTY_COUNTS),
    }
    for template in ("2019", "2023"):
        for style in ("template", "extract"):
            for mix, (children, inject) in mixes.items():
                out[f"{template}-{style}-{mix}"] = {
                    "seed": 11,
                    "children": children,
                    "template": template,
                    "style": style,
                    "inject": inject,
                }
        out[f"{template}-every-type"] = {
            "seed": 21,
            "children": 600,
            "template": template,
            "inject": {t: 2 for t in injectable_types(template)},
        }
    for args in out.values():
        args.setdefault("reference_date", REFERENCE)
    return out


def digests() -> dict[str, str]:
    """Each case's SHA-256 of workbook bytes and manifest bytes."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in cases().items():
            path = Path(tmp) / f"{name}.xlsx"
            generate(path, **args)
            digest = hashlib.sha256(path.read_bytes())
            digest.update(manifest_path(path).read_bytes())
            out[name] = digest.hexdigest()
            print(f"{name}: {out[name][:16]}", file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m example_returns.identical", description=__doc__.split("\n")[0]
    )
    p.add_argument("action", choices=("record", "check"))
    p.add_argument("file", type=Path)
    args = p.parse_args(argv)
    now = digests()
    if args.action == "record":
        args.file.write_text(json.dumps(now, indent=1) + "\n", encoding="utf-8")
        return 0
    before = json.loads(args.file.read_text(encoding="utf-8"))
    differ = sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))
    for name in differ:
        print(f"differs: {name}")
    print(f"{len(before) - len(differ)} of {len(before)} cases identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
