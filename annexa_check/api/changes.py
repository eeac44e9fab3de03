"""Two dry runs compared: each side a workbook checked now or a run recorded in the history."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from annexa_check.catalogue.spec import load_spec
from annexa_check.engine.check import check_workbook, selected_rules
from annexa_check.errors import AnnexaError
from annexa_check.findings.table import counted
from annexa_check.history import store as history
from annexa_check.history.compare import run_side, write_changes
from annexa_check.read.safety import DEFAULT_LIMITS, Limits
from annexa_check.report.change import Comparison, Side, compare
from annexa_check.settings.config import Config


@dataclass(frozen=True)
class Checking:
    """How a workbook side is checked: as `validate` would check it with the same options."""

    reference_date: date
    template: str = "auto"
    config: Config | None = None
    limits: Limits = DEFAULT_LIMITS


def compare_runs(
    old: str,
    new: str,
    *,
    reference_date: date,
    select: Iterable[str],
    ignore: Iterable[str],
    store: Callable[[], Path],
    outputs: Iterable[Path] = (),
    old_reference_date: date | None = None,
    template: str = "auto",
    config: Config | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Comparison:
    """Compare OLD with NEW (the selected rules only) and write the changes asked for.

    A workbook side is checked as `validate` checks it (template, settings file, selection);
    NEW at `reference_date`, OLD at `old_reference_date` (default: the same date), since
    last month's return was due on last month's date. `store` names the history; it is asked
    for only when a side is a recorded run.
    """
    select, ignore = list(select), list(ignore)
    codes = [r.code for r in selected_rules(load_spec(), config, select, ignore)[1]]
    checking = Checking(reference_date, template, config, limits)
    before = replace(checking, reference_date=old_reference_date or reference_date)
    comparison = compare(
        side(old, before, store, codes, select, ignore), side(new, checking, store, codes, select, ignore)
    )
    protect = tuple(Path(arg) for arg in (old, new) if _exists(arg))
    for path in outputs:
        write_changes(comparison, path, protect)
    return comparison


def side(
    argument: str,
    checking: Checking,
    store: Callable[[], Path],
    codes: list[str],
    select: list[str],
    ignore: list[str],
) -> Side:
    """A workbook if the file exists, else a recorded run by id or reference date; `codes` rules only."""
    path = Path(argument)
    if _exists(argument):
        result = check_workbook(
            path,
            reference_date=checking.reference_date,
            template=checking.template,
            select=select,
            ignore=ignore,
            config=checking.config,
            limits=checking.limits,
        )
        # an extract fault as the record findings it stands for, as a recorded run stores it
        return Side(path.name, checking.reference_date.isoformat(), counted(result.findings, result.absorbed))
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
