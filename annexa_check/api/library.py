"""The public library: `annexa_check.check(...)` and its `Result`, the one way into a check.

The command line's validate (through `batch.check_one`) and a notebook or pipeline both
call `run_check` here, so a workbook gives the same findings, summary and files whichever
way it is checked, and a user's mistake is the same one-line `AnnexaError` either way.
"""

from __future__ import annotations

import stat
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from annexa_check.catalogue.expected import EXPECTED
from annexa_check.catalogue.spec import Spec, load_spec
from annexa_check.engine.check import CheckResult, Progress, check_workbook
from annexa_check.errors import AnnexaError, InputError, decodable
from annexa_check.findings.table import FINDING_COLUMNS
from annexa_check.read.safety import CFB_MAGIC, ZIP_MAGIC
from annexa_check.report.change import allocation, unallocated
from annexa_check.report.model import Report, build_report
from annexa_check.report.policy import FAIL_ON, Policy, parse_maxima
from annexa_check.settings import implausible_reference_date
from annexa_check.settings.config import Settings, load_settings

Source = str | Path | bytes | Mapping[str, pl.DataFrame]
BYTES_NAME = "<bytes>"  # how a workbook given as bytes is named in messages and the summary
SPLITS = ("team", "worker")


def check(
    source: Source,
    *,
    reference_date: date | str | None = None,
    template: str = "auto",
    select: Iterable[str] | str | None = (),
    ignore: Iterable[str] | str | None = (),
    config: str | Path | Settings | None = None,
) -> Result:
    """Check one Annex A return and return its findings.

    `source` is a workbook's path (.xlsx, .xlsm, .xls, .ods), the workbook's bytes (a file
    uploaded to a web app: written to a private temporary file, removed afterwards), a
    folder or .zip of CSV extracts (one file per list), or a mapping of list keys
    (`"list_1"` ... `"list_11"`) to polars DataFrames of any dtypes, with the template's
    headers as column names.

    `reference_date` is the date ages are measured at (a date or `"YYYY-MM-DD"`; default:
    the settings' `reference_date`, else today). `template` is `"2019"`, `"2023"` or `"2024"`
    (both the 2023/24 layout), or `"auto"` (picked by List 9's headers). `select` and `ignore`
    take rule codes, code prefixes or error types, as `--select` and `--ignore` do.

    `config` is a settings file's path or a `Settings` (a `Result.settings` to reuse).
    None means no settings file at all: unlike the command line, the library never picks
    up an `annexa-check.toml` from the working folder, so a pipeline's result cannot
    change with the folder it runs in.

    Raises `AnnexaError` (one line naming the file, sheet, row or key) for anything the
    caller can fix: a missing or unreadable file, an unknown option, a bad settings file.
    """
    spec = load_spec()
    settings = _settings(spec, config, _date(reference_date))
    with _as_source(source) as (path, shown):
        report = run_check(
            path,
            settings,
            template=template,
            select=_codes(select),
            ignore=_codes(ignore),
            spec=spec,
            shown=shown,
        )
    return Result(report, settings)


def run_check(
    source: Path | Mapping[str, pl.DataFrame],
    settings: Settings,
    *,
    template: str = "auto",
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    spec: Spec | None = None,
    progress: Progress | None = None,
    shown: Path | None = None,
) -> Report:
    """The check itself, for `check` and the command line alike: read, run the rules, build the report."""
    return build_report(
        run_check_loaded(
            source,
            settings,
            template=template,
            select=select,
            ignore=ignore,
            spec=spec,
            progress=progress,
            shown=shown,
        )
    )


def run_check_loaded(
    source: Path | Mapping[str, pl.DataFrame],
    settings: Settings,
    *,
    template: str = "auto",
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    spec: Spec | None = None,
    progress: Progress | None = None,
    shown: Path | None = None,
) -> CheckResult:
    """`run_check` before the report is built: with the loaded workbook (where each list's columns
    are), for `annotate`, which marks the cells themselves.

    A path that is a pipe or device is refused before the reader blocks on it; one whose
    name is not valid UTF-8 is read through a link (see `readable_name`). `shown` is the
    name the report and any error give the source instead of `source` (a temporary file's).
    """
    if isinstance(source, Path):
        problem = workbook_problem(source)
        if problem is not None:
            raise InputError(problem)
    with _renamed(source, shown) as readable:
        result = check_workbook(
            readable,
            reference_date=settings.reference_date,
            template=template,
            select=select,
            ignore=ignore,
            spec=spec or load_spec(),
            config=settings.config,
            progress=progress,
            limits=settings.limits,
        )
    if isinstance(source, Path):
        result.workbook.path = shown or source
    return result


@dataclass(frozen=True, repr=False)
class Result:
    """One checked return: its findings table, counts, JSON summary, files and verdict.

    `settings` are the ones the check used (reference date, settings file, limits): pass
    them as `config=` to check the next return the same way. `report` is the internal
    account every writer renders; its shape may change between releases.
    """

    report: Report
    settings: Settings

    def __repr__(self) -> str:
        """What a notebook shows for a result: the run and its headline, not the whole report."""
        report = self.report
        return f"<Result {report.workbook.name} at {report.reference_date}: {report.headline}>"

    @property
    def findings(self) -> pl.DataFrame:
        """One row per problem (the exception list's columns), sorted by list, row and rule."""
        return self.report.findings.select(FINDING_COLUMNS)

    @property
    def reference_date(self) -> date:
        return self.report.reference_date

    @property
    def template(self) -> str:
        """The template year the rules ran for ("2019" or "2023")."""
        return self.report.template

    def counts(self) -> pl.DataFrame:
        """Records and distinct children per error type (error_type, count, children, severity)."""
        return self.report.counts_table

    def summary(
        self, policy: Policy | None = None, *, fail_on: str = "error", maxima: Mapping[str, int] | None = None
    ) -> dict[str, Any]:
        """The `validate --format json` document, judged by `policy` (default: fail on any error)."""
        return self._judged(policy, fail_on, maxima).as_dict()

    def passed(
        self, policy: Policy | None = None, *, fail_on: str = "error", maxima: Mapping[str, int] | None = None
    ) -> bool:
        """Would `validate` exit 0? `fail_on` and `maxima` are `--fail-on` and `--max` (error type -> N)."""
        verdict = self._judged(policy, fail_on, maxima).verdict
        assert verdict is not None
        return verdict.passed

    def write(
        self,
        path: str | Path,
        policy: Policy | None = None,
        *,
        fail_on: str = "error",
        maxima: Mapping[str, int] | None = None,
    ) -> Path:
        """Write the file `-o path` writes, chosen by its extension: the exception list (.csv, .xlsx,
        .parquet), the summary (.json), JUnit XML (.xml) or Markdown (.md); atomically. Returns the path."""
        from annexa_check.outputs.files import write_output

        target = Path(path)
        write_output(self._judged(policy, fail_on, maxima), target)
        return target

    def exceptions(self, split_by: str = "team") -> dict[str, pl.DataFrame]:
        """The exception list per allocated team (or worker), as the `--split-by` workbooks hold it.

        Each frame has the findings' columns and `expected` (what a correct value looks like).
        Findings with no team recorded are under `"(no team recorded)"` (or worker), listed last.
        """
        if split_by not in SPLITS:
            raise AnnexaError(f"split_by must be one of {', '.join(SPLITS)}, not '{split_by}'")
        table = self.report.exceptions.select([*FINDING_COLUMNS, EXPECTED])
        grouped = table.with_columns(allocation(split_by).alias("__group"))
        none = unallocated(split_by)
        groups = sorted(grouped["__group"].unique().to_list(), key=lambda g: (g == none, g.casefold()))
        return {g: grouped.filter(pl.col("__group") == g).drop("__group") for g in groups}

    def _judged(self, policy: Policy | None, fail_on: str, maxima: Mapping[str, int] | None) -> Report:
        chosen = policy if policy is not None else make_policy(fail_on, maxima, self.report.spec)
        if chosen.fail_on not in FAIL_ON:
            raise AnnexaError(f"fail_on '{chosen.fail_on}': expected one of {', '.join(FAIL_ON)}")
        return self.report.judged(chosen.judge(self.report.counts_as_dict()))


def make_policy(
    fail_on: str = "error", maxima: Mapping[str, int] | None = None, spec: Spec | None = None
) -> Policy:
    """The exit policy from `--fail-on` and `--max` values, refused as the command line refuses them."""
    if fail_on not in FAIL_ON:
        raise AnnexaError(f"fail_on '{fail_on}': expected one of {', '.join(FAIL_ON)}")
    pairs = [f"{name}={count}" for name, count in (maxima or {}).items()]
    return Policy(fail_on, parse_maxima(pairs, (spec or load_spec()).error_types))


def workbook_problem(path: Path) -> str | None:
    """Why `path` cannot be opened as a workbook, told before the reader tries (None: it may be).

    A pipe or device would block the reader or feed it endlessly. A missing file is left
    to the reader, which says "file not found"; a folder is read as CSV extracts.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{path}: cannot be opened ({exc.strerror or exc})"
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return f"{path}: is not a regular file (a pipe, socket or device); give a workbook file"
    return None  # one this user may not read is told by the reader, which opens it


@contextmanager
def _renamed(
    source: Path | Mapping[str, pl.DataFrame], shown: Path | None
) -> Iterator[Path | Mapping[str, pl.DataFrame]]:
    """`source` as the reader can take it, with any error told under the name the user knows.

    Old file servers keep names in a legacy encoding (Latin-1 `café`), which Python holds as
    lone surrogates; the reader takes only UTF-8 text, so it is handed a link instead.
    """
    if not isinstance(source, Path):
        yield source
        return
    try:
        str(source).encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        with _told_as(source, shown or source):
            yield source
        return
    with tempfile.TemporaryDirectory(prefix="annexa-check-") as folder:
        link = Path(folder) / f"workbook{decodable(source.suffix)}"
        link.symlink_to(source.absolute())
        with _told_as(link, shown or source):
            yield link


@contextmanager
def _told_as(used: Path, shown: Path) -> Iterator[None]:
    """An error naming `used` (a link or temporary file) is told naming `shown` instead."""
    try:
        yield
    except AnnexaError as exc:
        if used == shown:
            raise
        told = str(exc).replace(str(used), str(shown))
        raise type(exc)(told, exc.detail) from exc


@contextmanager
def _as_source(source: Source) -> Iterator[tuple[Path | Mapping[str, pl.DataFrame], Path | None]]:
    """The source as `run_check` takes it, and the name to show for it (None: its own)."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        with tempfile.TemporaryDirectory(prefix="annexa-check-") as folder:
            path = Path(folder) / f"upload{_suffix_of(data)}"
            path.write_bytes(data)  # the folder is private to this user (mode 0700)
            yield path, Path(BYTES_NAME)
        return
    if isinstance(source, Mapping):
        yield source, None
        return
    if isinstance(source, str | Path):
        if not str(source):
            raise AnnexaError("the source is an empty path; name a workbook, a folder or a .zip")
        yield Path(source), None
        return
    raise AnnexaError(
        f"cannot check a {type(source).__name__}: give a workbook's path or bytes, a folder or .zip of CSV "
        "extracts, or a mapping of list keys to polars DataFrames"
    )


def _suffix_of(data: bytes) -> str:
    """The extension a workbook's bytes need for the reader: found from what they hold, never guessed."""
    if not data:
        raise InputError(f"{BYTES_NAME}: the workbook is empty (no bytes)")
    if data.startswith(CFB_MAGIC):
        return ".xls"  # or an encrypted workbook, which the reader names as such
    if not data.startswith(ZIP_MAGIC):
        raise InputError(
            f"{BYTES_NAME}: not a workbook or a .zip of CSV files "
            "(no zip package or Excel 97-2003 file inside)"
        )
    try:
        import io

        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return ".xlsx"  # the reader says how it is damaged
    if "mimetype" in names:
        return ".ods"
    if "[Content_Types].xml" in names:
        return ".xlsx"
    return ".zip"


def _settings(spec: Spec, config: str | Path | Settings | None, reference_date: date | None) -> Settings:
    """The run's settings: from a `Settings`, a settings file, or none; an explicit date wins."""
    if isinstance(config, Settings):
        if reference_date is None:
            return config
        return Settings(reference_date, config.config, config.limits)
    if config is not None and not isinstance(config, str | Path):
        raise AnnexaError(
            f"config must be a settings file's path or a Settings, not a {type(config).__name__}"
        )
    if isinstance(config, str) and not config:
        raise AnnexaError("config is an empty path; name the settings file, or pass None for none")
    path = None if config is None else Path(config)
    return load_settings(spec, config_path=path, no_config=path is None, reference_date=reference_date)


def _date(value: date | str | None) -> date | None:
    """A reference date from a date or ISO text, refused (as --reference-date is) when implausible."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise AnnexaError(f"reference_date '{value}' is not a date in the form YYYY-MM-DD") from None
    elif not isinstance(value, date):
        raise AnnexaError(f"reference_date must be a date or 'YYYY-MM-DD', not a {type(value).__name__}")
    problem = implausible_reference_date(value)
    if problem:
        raise AnnexaError(f"reference_date: {problem}")
    return value


def _codes(values: Iterable[str] | str | None) -> list[str]:
    """Rule codes, prefixes or error types, as a list or comma-separated as on the command line."""
    if values is None:
        return []
    if not isinstance(values, str | Iterable):
        raise AnnexaError(
            f"select and ignore take rule codes, code prefixes or error types (text or a list of them), "
            f"not a {type(values).__name__}"
        )
    items = [values] if isinstance(values, str) else list(values)
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]
