"""The package version, in one place for the CLI, the summary document and the build."""

__version__ = "0.1.0"
