"""The command line: parses options, calls the API and the writers, maps outcomes to exit codes."""

from annexa_check.cli import annotate as _annotate  # noqa: F401  (registers the command)
from annexa_check.cli import fix as _fix  # noqa: F401  (registers the command)
from annexa_check.cli import serve as _serve  # noqa: F401  (registers the command)
from annexa_check.cli.main import main

__all__ = ["main"]
