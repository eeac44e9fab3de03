"""annexa-check: check an Ofsted Annex A dry-run workbook before it is submitted.

The public API is what `__all__` lists; everything else in the package may change
between releases. The names are imported on first use, so `annexa-check --version`
and `--help` stay instant (no polars, no rule data).

    import annexa_check
    result = annexa_check.check("dry_run.xlsx", reference_date="2025-03-31")
    result.counts()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from annexa_check.errors import AnnexaError
from annexa_check.version import __version__

if TYPE_CHECKING:
    from annexa_check.api.library import Result, check
    from annexa_check.api.schema import schema
    from annexa_check.report.policy import Policy
    from annexa_check.settings.config import Settings

__all__ = ["AnnexaError", "Policy", "Result", "Settings", "__version__", "check", "schema"]

_LAZY = {
    "check": "annexa_check.api.library",
    "Result": "annexa_check.api.library",
    "Policy": "annexa_check.report.policy",
    "Settings": "annexa_check.settings.config",
    "schema": "annexa_check.api.schema",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module 'annexa_check' has no attribute '{name}'")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
