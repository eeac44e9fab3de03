"""annexa-check: check an Ofsted Annex A dry-run workbook before it is submitted."""

__version__ = "0.1.0"
