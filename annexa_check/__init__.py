"""annexa-check: check an Ofsted Annex A dry-run workbook before it is submitted."""

from annexa_check.version import __version__

__all__ = ["__version__"]
