"""The council's settings file: found, read once and checked (config.py)."""

from datetime import date

# Here, not in config.py, so the command line's help and its date option need no polars.
CONFIG_NAME = "annexa-check.toml"
EARLIEST_REFERENCE = date(2000, 1, 1)


def implausible_reference_date(chosen: date) -> str | None:
    """Why a reference date cannot be meant (every age check would be wrong), or None."""
    today = date.today()
    latest = today.replace(year=today.year + 1, day=min(today.day, 28))
    if EARLIEST_REFERENCE <= chosen <= latest:
        return None
    return f"{chosen} is not a plausible reference date (expected between {EARLIEST_REFERENCE} and {latest})"
