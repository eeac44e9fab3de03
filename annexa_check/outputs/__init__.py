"""Every output of a run, each rendered from the report model."""

# How docs/rules.md is made; here, not in catalogue.py, so the command line's help needs no polars.
DOCS_COMMAND = "annexa-check rules --format markdown > docs/rules.md"
