"""`generate`: one seeded workbook and its manifest, from the spec under `rules/`."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from annexa_check.annex.model import TEMPLATES
from annexa_check.catalogue.spec import load_spec
from example_returns.generate.builder import Builder
from example_returns.generate.inject import Injector
from example_returns.generate.manifest import Manifest, manifest_path
from example_returns.generate.write import STYLES, write


def generate(
    path: Path,
    *,
    seed: int = 1,
    children: int = 300,
    template: str = "2023",
    reference_date: date = date(2025, 3, 31),
    inject: Mapping[str, int] | None = None,
    style: str = "template",
) -> Manifest:
    """Write a synthetic Annex A workbook to `path` and its manifest beside it; return the manifest.

    The same arguments always give the same cell values. `inject` maps error types
    (see ERROR_TYPES) to exact counts; without it the workbook is clean.
    """
    if template not in TEMPLATES:
        raise ValueError(f"template must be one of {', '.join(TEMPLATES)}")
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}")
    if children < 50:
        raise ValueError("children must be at least 50")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    spec = load_spec()
    builder = Builder(spec, template, reference_date, seed, children)
    sheets = builder.build()
    first_row = 3 if style == "template" else 2
    injected = Injector(builder, first_row).run(inject or {})
    names = write(path, sheets, template, style, reference_date, random.Random(seed + 7919))
    manifest = Manifest(
        seed=seed,
        children=children,
        template=template,
        reference_date=reference_date,
        style=style,
        rows={k: len(s.rows) for k, s in sheets.items()},
        sheets=names,
        header_row=first_row - 1,
        injected=injected,
    )
    manifest.save(manifest_path(path))
    return manifest
