"""Synthetic Annex A dry-run workbooks for tests, demos and benchmarks.

Use `from example_returns.generate import generate`: it writes a realistic, seeded
workbook plus an exact manifest of the errors it injected, so the checker can be
tested against known answers. Nothing is imported here eagerly: the generator
loads the spec, which a plain `import example_returns` should not pay for.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = ("DIRTY_COUNTS", "SMALL_DIRTY_COUNTS", "Injected", "Manifest")


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        from example_returns import generate as _gen

        return getattr(_gen, name)
    raise AttributeError(f"module 'example_returns' has no attribute {name!r}")
