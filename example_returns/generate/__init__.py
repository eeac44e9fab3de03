"""Generate synthetic Annex A dry-run workbooks with a manifest of injected errors.

The checker needs realistic input with known answers: a clean workbook full of the
legal look-alikes a naive checker would flag (temporary placements without a
provider, open episodes, care leavers not in touch, unborn children, bare codes,
text dates, numeric IDs, header variants), and dirty workbooks whose every error is
recorded, row by row, in a JSON manifest. Headers and codes come from the spec
under `rules/`; every person, ID, name and team is invented.

`builder` makes the cohort and builds the lists in order, one module per list group
(`front_door`, `cin`, `care`, `leavers`, `adoption`) makes their rows, `inject` places
the errors and `write` writes the workbook (see example_returns/README.md).

    python -m example_returns.generate OUT.xlsx [--seed N] [--children N]
        [--template 2019|2023] [--style template|extract]
        [--clean | --dirty | --small-dirty] [--reference-date YYYY-MM-DD]
"""

from annexa_check.annex.model import TEMPLATES
from example_returns.generate.api import generate
from example_returns.generate.cli import main
from example_returns.generate.inject import (
    DIRTY_COUNTS,
    ERROR_TYPES,
    SMALL_DIRTY_COUNTS,
    injectable_types,
)
from example_returns.generate.manifest import Injected, Manifest, manifest_path
from example_returns.generate.write import STYLES

__all__ = [
    "DIRTY_COUNTS",
    "ERROR_TYPES",
    "SMALL_DIRTY_COUNTS",
    "STYLES",
    "TEMPLATES",
    "Injected",
    "Manifest",
    "generate",
    "injectable_types",
    "main",
    "manifest_path",
]
