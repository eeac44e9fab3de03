"""The council's settings file: found, read once and checked (config.py)."""

CONFIG_NAME = "annexa-check.toml"  # here, not in config.py, so the command line's help needs no polars
