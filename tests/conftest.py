"""Small fixtures shared by the test modules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import fastexcel
import pytest
from builders import CHILD
from click.testing import CliRunner, Result

from annexa_check.catalogue.spec import Spec, load_spec
from annexa_check.cli.main import main
from annexa_check.engine.check import check_workbook
from annexa_check.read.safety import Inspection, SheetScans
from annexa_check.report.model import Report, build_report
from example_returns.generate import Manifest, generate


@pytest.fixture
def reader_kept_out(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The reader opens a file only once its package has passed the pre-check (an
    `Inspection` is made), and loads a sheet only once that sheet has passed (an xlsx
    workbook's `SheetScans`; the others pass whole): a refused part never reaches it. Calls are recorded, not refused, so the pre-check's own refusal is
    what the test sees; the order is checked afterwards.
    """
    seen: dict[str, Any] = {"package": False, "passed": set(), "early": []}
    let_through, scans_passed = Inspection.__init__, SheetScans.passed
    open_reader, load_sheet = fastexcel.read_excel, fastexcel.ExcelReader.load_sheet

    def init(self: Inspection, *args: Any, **kwargs: Any) -> None:  # the package has passed
        let_through(self, *args, **kwargs)
        seen["package"], seen["whole"] = True, self.scans is None  # .xls and .ods pass whole

    def passed(self: SheetScans, sheet: str) -> bool:
        markers = scans_passed(self, sheet)
        seen["passed"].add(sheet)
        return markers

    def opened(*args: Any, **kwargs: Any) -> Any:
        if not seen["package"]:
            seen["early"].append("the workbook, before its package passed")
        return open_reader(*args, **kwargs)

    def loaded(self: Any, sheet: str, *args: Any, **kwargs: Any) -> Any:
        if not seen["package"] or not (seen["whole"] or sheet in seen["passed"]):
            seen["early"].append(f"sheet '{sheet}', before it passed")
        return load_sheet(self, sheet, *args, **kwargs)

    monkeypatch.setattr(Inspection, "__init__", init)
    monkeypatch.setattr(SheetScans, "passed", passed)
    monkeypatch.setattr(fastexcel, "read_excel", opened)
    monkeypatch.setattr(fastexcel.ExcelReader, "load_sheet", loaded)
    yield
    assert seen["early"] == [], f"the reader was given {seen['early']}"


@pytest.fixture(scope="session")
def spec() -> Spec:
    """The rule data under rules/, loaded once."""
    return load_spec()


REFERENCE_DATE = date(2025, 3, 31)
REF = REFERENCE_DATE.isoformat()
EXAMPLE = Path(__file__).resolve().parent.parent / "example_returns" / "example_dry_run.xlsx"


@pytest.fixture(scope="session")
def example_report() -> Report:
    """The bundled example's report (spelling warnings left out: they are column-level), built once."""
    result = check_workbook(EXAMPLE, reference_date=REFERENCE_DATE, ignore=["non_standard_code"])
    return build_report(result)


# Generated workbooks spell some valid codes in non-standard ways on purpose (warnings);
# tests that count the injected errors leave those aside.
SPELLING = ("--ignore", "non_standard_code")


@pytest.fixture(autouse=True)
def _no_user_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user config folder is an empty one: a tester's own annexa-check.toml never changes a test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "user-config"))
    # and the parsed rule data is kept in the test run's own cache folder, not the tester's
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "user-cache"))


# A List 6 row with every column valid (add a child_id).
CIN_CHILD = {
    **CHILD,
    "cin_start_date": "01/01/2025",
    "primary_need": "N1 - Abuse or neglect",
    "case_status": "c) Child in need plan",
}


def run(*args: str) -> Result:
    """The command line, in process, as a user would type it."""
    return CliRunner().invoke(main, list(args))


def record(path: Path, store: Path) -> None:
    """Check a generated month (its injected errors fail it) and record the run in `store`."""
    result = run(
        "validate", str(path), "--reference-date", REF, *SPELLING, "--record", "--history", str(store), "-q"
    )
    assert result.exit_code == 1, result.output


# Two months of one council's dry run: the same cohort (same seed), so rows do not move.
# Taking the first 4 of March's 6 primary-need rows is how the generator picks 4 (same
# shuffle), so April fixes 2 of them, keeps the rest, and adds 3 missing ethnicities.
MARCH = {"missing_primary_need": 6, "missing_placement_location": 3, "missing_closure_reason": 2}
APRIL = {**MARCH, "missing_primary_need": 4, "missing_ethnicity": 3}


class Month(NamedTuple):
    path: Path
    manifest: Manifest


@pytest.fixture(scope="session")
def two_months(tmp_path_factory: pytest.TempPathFactory) -> tuple[Month, Month]:
    """March and April workbooks with their manifests, generated once per session."""
    folder = tmp_path_factory.mktemp("months")
    months = []
    for name, inject in (("march", MARCH), ("april", APRIL)):
        path = folder / f"{name}.xlsx"
        months.append(
            Month(path, generate(path, seed=11, children=120, reference_date=REFERENCE_DATE, inject=inject))
        )
    return months[0], months[1]
