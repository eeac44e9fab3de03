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


class ConfigError(AnnexaError):
    """The council's configuration file is malformed (the message names the file and key)."""


def one_line(exc: BaseException, verbose: bool = False) -> str:
    """How an error is told to the user: one line, quoting nothing from the workbook unless `verbose`.

    A library's own text (an AnnexaError's detail, an unexpected error's message) can
    quote a header or a cell, so it is added only when asked for with --verbose.
    """
    if isinstance(exc, AnnexaError):
        if not exc.detail:
            return str(exc)
        return f"{exc} ({exc.detail})" if verbose else f"{exc}; --verbose shows the reader's own message"
    said = str(exc).splitlines()[0] if verbose and str(exc) else ""
    kind = f"{type(exc).__name__}: {said}" if said else type(exc).__name__
    return f"internal error ({kind}); set ANNEXA_CHECK_DEBUG=1 for details"
