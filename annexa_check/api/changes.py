"""Two dry runs compared: each side a workbook checked now or a run recorded in the history."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from annexa_check.catalogue.selection import select_rules
from annexa_check.catalogue.spec import load_spec
from annexa_check.engine.check import check_workbook
from annexa_check.errors import AnnexaError
from annexa_check.history import store as history
from annexa_check.history.compare import run_side, write_changes
from annexa_check.report.change import Comparison, Side, compare


def compare_runs(
    old: str,
    new: str,
    *,
    reference_date: date,
    select: Iterable[str],
    ignore: Iterable[str],
    store: Callable[[], Path],
    outputs: Iterable[Path] = (),
) -> Comparison:
    """Compare OLD with NEW (the selected rules only) and write the changes asked for.

    `store` names the history; it is asked for only when a side is a recorded run.
    """
    codes = [r.code for r in select_rules(load_spec(), list(select), list(ignore))]
    comparison = compare(*(side(arg, reference_date, store, codes) for arg in (old, new)))
    protect = tuple(Path(arg) for arg in (old, new) if _exists(arg))
    for path in outputs:
        write_changes(comparison, path, protect)
    return comparison


def side(argument: str, reference_date: date, store: Callable[[], Path], codes: list[str]) -> Side:
    """A workbook if the file exists, else a recorded run by id or reference date; `codes` rules only."""
    path = Path(argument)
    if _exists(argument):
        result = check_workbook(path, reference_date=reference_date, select=codes)
        return Side(path.name, reference_date.isoformat(), result.findings)
    if not (argument.isdigit() or _is_date(argument)):
        raise AnnexaError(f"'{argument}' is not a workbook, a run id or the reference date of a recorded run")
    where = store()
    return run_side(where, history.find_run(where, argument), codes)


def _exists(argument: str) -> bool:
    """Does an argument name an existing file? An empty one (not the current folder) or an
    over-long one does not."""
    if not argument:
        return False
    try:
        return Path(argument).exists()
    except OSError:
        return False


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
