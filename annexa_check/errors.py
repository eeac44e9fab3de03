"""Errors the command line reports as one clear line (exit code 2), never as a traceback."""


class AnnexaError(Exception):
    """A problem the user can act on: bad input, bad options, bad rule data."""


class InputError(AnnexaError):
    """The workbook cannot be read (missing, not a workbook, encrypted, ...)."""


class SpecError(AnnexaError):
    """The rule data under rules/ is malformed."""


class ConfigError(AnnexaError):
    """The council's configuration file is malformed (the message names the file and key)."""
