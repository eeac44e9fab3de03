"""Errors the command line reports as one clear line (exit code 2), never as a traceback."""


class AnnexaError(Exception):
    """A problem the user can act on: bad input, bad options, bad rule data.

    `detail` is what a library said about it (a reader's own error text). It can quote
    what is in the file, so the command line shows it only with --verbose.
    """

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail


class InputError(AnnexaError):
    """The workbook cannot be read (missing, not a workbook, encrypted, ...)."""


class SpecError(AnnexaError):
    """The rule data under rules/ is malformed."""
