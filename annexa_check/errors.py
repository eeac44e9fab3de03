"""Errors the command line reports as one clear line (exit code 2), never as a traceback."""

import os
import re
import signal

# Characters that would break a message over lines, move the cursor, recolour the terminal or
# reorder the text: C0 and C1 controls, DEL, line and paragraph separators, bidirectional controls.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")


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


class Stopped(BaseException):
    """A catchable signal (SIGTERM, SIGHUP) stopping the run, raised so every clean-up still runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name


REPORT_BUG = "this is a bug: please report it (set ANNEXA_CHECK_DEBUG=1 for details)"


def printable(text: object) -> str:
    """User data (a sheet name, header, team name, path) made safe to echo: one line, no escapes.

    Workbooks and paths come from other people's systems, so anything in them may be a
    newline or a terminal escape sequence; each such character is shown as its escape
    (`\\x1b`). A file name that is not valid UTF-8 keeps its readable part, with each
    undecodable byte shown as U+FFFD, so printing it cannot fail. Rich markup is not
    touched here: the terminal renderer escapes it, as only it interprets markup.
    """
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    return _UNPRINTABLE.sub(lambda m: _escape(m.group()), decodable(str(text)))


def decodable(text: str) -> str:
    """`text` with every undecodable byte of a file name (a lone surrogate) shown as U+FFFD.

    Python reads a file name that is not valid UTF-8 into lone surrogates, which no
    UTF-8 file, terminal or spreadsheet can hold; writing one would fail.
    """
    return _SURROGATE.sub("\ufffd", text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(exc: BaseException, verbose: bool = False) -> str:
    """How an error is told to the user: one line, quoting nothing from the workbook unless `verbose`.

    A library's own text (an AnnexaError's detail, an unexpected error's message) can
    quote a header or a cell, so it is added only when asked for with --verbose.
    """
    if isinstance(exc, AnnexaError):
        if not exc.detail:
            return printable(exc)
        told = f"{exc} ({exc.detail})" if verbose else f"{exc}; --verbose shows the reader's own message"
        return printable(told)
    said = str(exc).splitlines()[0] if verbose and str(exc) else ""
    kind = f"{type(exc).__name__}: {said}" if said else type(exc).__name__
    return printable(f"internal error ({kind}); {REPORT_BUG}")
