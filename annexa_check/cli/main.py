"""Command line: `annexa-check validate`, `rules`, `explain`, `compare`, `history` and `trend`.

Exit codes are a contract with CI jobs: 0 the run passed its policy (by default: no
error-severity findings), 1 it failed it, 2 the command could not run (bad option,
unreadable workbook) with a one-line reason.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from annexa_check.errors import AnnexaError, Stopped, decodable, one_line, printable
from annexa_check.outputs import DOCS_COMMAND
from annexa_check.read.safety import DEFAULT_LIMITS
from annexa_check.report.policy import FAIL_ON, FAIL_ON_NEW
from annexa_check.settings import CONFIG_NAME, implausible_reference_date
from annexa_check.version import __version__

if TYPE_CHECKING:
    from annexa_check.api.batch import Outcome

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _reference_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    """A typed date must be plausible, or every age check would be wrong (None: not given)."""
    if value is None:
        return None
    try:
        chosen = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date in the form YYYY-MM-DD") from None
    problem = implausible_reference_date(chosen)
    if problem:
        raise click.BadParameter(problem)
    return chosen


def _split(values: tuple[str, ...]) -> list[str]:
    return [part for value in values for part in value.split(",") if part.strip()]


def _fail(message: str) -> NoReturn:
    click.echo(f"annexa-check: error: {printable(message)}", err=True)
    sys.exit(EXIT_USAGE)


NAME_MAX = 255  # bytes in one file or folder name, on every file system a council is likely to use
PATH_MAX = 4096  # bytes in a whole path (Linux)


class _Path(click.Path):
    """click's path, refusing what no file system accepts before anything runs.

    An empty argument would otherwise mean the current folder (and check every workbook
    in it); a name longer than a file system allows makes every later look at it fail.
    """

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str | bytes) and not value:
            self.fail("the path is empty; name a file or folder", param, ctx)
        if isinstance(value, str):
            if len(os.fsencode(value)) > PATH_MAX:
                self.fail(f"the path is {len(os.fsencode(value))} bytes; at most {PATH_MAX} work", param, ctx)
            for part in Path(value).parts:
                size = len(os.fsencode(part))
                if size > NAME_MAX:
                    self.fail(
                        f"'{part[:20]}…' is a name of {size} bytes; a file or folder name may have at most "
                        f"{NAME_MAX}",
                        param,
                        ctx,
                    )
        return super().convert(value, param, ctx)


class _Boundary(click.Group):
    """Every command's errors end here: one line on stderr, exit 2, no traceback, no cell values.

    A library's own error text can quote the workbook (a header, a value), so it is shown
    only with --verbose; an unexpected error names its type, and its traceback appears
    only with ANNEXA_CHECK_DEBUG=1.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.exceptions.NoArgsIsHelpError:
            raise  # no command at all: the help is the answer
        except click.exceptions.UsageError as exc:  # an unknown top-level option: one line too
            _usage(exc)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with _signals_stop():
                return super().invoke(ctx)
        except click.exceptions.UsageError as exc:  # one line, like every other error
            _usage(exc)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("annexa-check: interrupted; no partial output was left", err=True)
            sys.exit(130)
        except Stopped as exc:
            click.echo(f"annexa-check: stopped by {exc.name}; no partial output was left", err=True)
            sys.exit(128 + exc.signum)
        except MemoryError:
            _fail("not enough memory to finish; close other programs or check a smaller workbook")
        except (SystemExit, GeneratorExit):
            raise
        except BaseException as exc:  # a bug (or a library panic): say so without echoing any cell value
            _unexpected(ctx, exc)


def _usage(exc: click.exceptions.UsageError) -> NoReturn:
    command = " ".join(["annexa-check", *(exc.ctx.command_path.split()[1:] if exc.ctx else [])])
    _fail(f"{exc.format_message().rstrip('.')}; see '{command} -h'")


def _unexpected(ctx: click.Context, exc: BaseException) -> NoReturn:
    if os.environ.get("ANNEXA_CHECK_DEBUG") and not isinstance(exc, AnnexaError):
        raise exc
    _fail(one_line(exc, ctx.meta.get(_VERBOSE, False)))


@contextmanager
def _printing() -> Iterator[None]:
    """Standard output that cannot be written (a full disk, a closed pipe) ends the run with one line.

    What is still buffered would fail again as the interpreter exits, with a traceback;
    pointing standard output at the null device lets it exit with the one line instead.
    """
    try:
        try:
            yield
        finally:
            sys.stdout.flush()
    except OSError as exc:
        with suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        _fail(f"cannot write to standard output ({exc.strerror or exc})")


@contextmanager
def _signals_stop() -> Iterator[None]:
    """SIGTERM and SIGHUP (a CI job cancelled, a terminal closed) end the run as Ctrl-C does.

    Python's default for them ends the process at once, skipping the clean-up that removes
    half-written temporary files; raised as an exception, they run it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: Any) -> None:
        raise Stopped(signum)

    wanted = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    before = {signum: signal.signal(signum, stop) for signum in wanted}
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


_VERBOSE = "annexa_check.verbose"


@click.group(cls=_Boundary, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="annexa-check")
def main() -> None:
    """Check an Ofsted Annex A dry-run workbook before it is submitted.

    Example: annexa-check validate dry_run.xlsx --reference-date 2025-03-31

    Each command's -h shows its options, each with an example.
    """


def _history_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--history",
        "history_path",
        type=_Path(path_type=Path, dir_okay=False),
        envvar="ANNEXA_CHECK_HISTORY",
        help="The history database (default: history.sqlite in your user data folder; "
        "or set ANNEXA_CHECK_HISTORY). Example: --history S:/DataQuality/annexa-history.sqlite",
    )(command)


def _store(history_path: Path | None) -> Path:
    """The history database: --history or ANNEXA_CHECK_HISTORY, else the one in the user data folder."""
    from annexa_check.history import store as history

    return history_path or history.default_path()


def _selection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--select and --ignore, as linters have them: rule codes, code prefixes or error types."""
    command = click.option(
        "--ignore",
        multiple=True,
        metavar="CODES",
        help="Skip these rule codes, code prefixes or error types. Example: --ignore missing_list",
    )(command)
    return click.option(
        "--select",
        multiple=True,
        metavar="CODES",
        help="Only these rule codes, families (CL is List 9's rules, not CLA; CLA04 is CLA040-CLA049) or "
        "error types. Example: --select CIN,ETH001",
    )(command)


def _format_option(*choices: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--format for the history commands: tables for people, JSON (or CSV) for scripts."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help=f"What to print: tables for people, or {' or '.join(c.upper() for c in choices[1:])} for "
        "scripts. Example: --format json",
    )


# Written out, not read from rules/lists.yaml, so --help loads no rule data (a test keeps them equal).
TEMPLATE_CHOICES = ["auto", "2019", "2023", "2024"]


def _reference_date_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--reference-date for every command that checks a workbook now."""
    return click.option(
        "--reference-date",
        callback=_reference_date,
        metavar="YYYY-MM-DD",
        help="Date that ages are measured at (default: the configuration file's reference_date, else "
        "today). Example: --reference-date 2025-03-31",
    )(command)


def _max_unpacked_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--max-unpacked-mb: the pre-check's one limit a genuine return can meet, for every reading command."""
    return click.option(
        "--max-unpacked-mb",
        type=click.IntRange(min=1),
        default=None,
        help=f"Refuse a workbook that unpacks to more than this many MB (a zip-bomb guard; default "
        f"{DEFAULT_LIMITS.max_unpacked_mb}, or max_unpacked_mb in the settings file; a million-row "
        "return unpacks to about 560). Example: --max-unpacked-mb 2000",
    )(command)


def _verbose_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--verbose: the reader's own message, which may quote cells, only when asked for."""
    return click.option(
        "--verbose",
        "-v",
        is_flag=True,
        help="When a workbook cannot be read, also print the reader's own message, which may quote "
        "the workbook's contents. Example: -v",
    )(command)


def _template_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--template for every command that checks a workbook: one list of choices, one help text."""
    return click.option(
        "--template",
        type=click.Choice(TEMPLATE_CHOICES),
        default="auto",
        show_default=True,
        help="Annex A template year: 2019, or 2023 or 2024 for the 2023/24 layout; auto picks it by List 9's "
        "headers and the summary says why. Example: --template 2019",
    )(command)


def _config_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--config and --no-config: the council's settings file, found as `annexa-check settings` shows."""
    command = click.option(
        "--no-config", is_flag=True, help=f"Ignore any {CONFIG_NAME}. Example: --no-config"
    )(command)
    return click.option(
        "--config",
        "config_path",
        type=_Path(path_type=Path),
        help=f"Council settings file (default: the nearest {CONFIG_NAME}, or [tool.annexa-check] in a "
        "pyproject.toml, from the workbook's folder upwards, else the one in your user config folder; "
        "'annexa-check settings' shows which). Example: --config ../annexa-check.toml",
    )(command)


@main.command()
@click.argument("workbooks", nargs=-1, required=True, type=_Path(path_type=Path))
@_reference_date_option
@_template_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "csv", "junit", "markdown", "github"]),
    default="text",
    show_default=True,
    help="What to print: a summary for people, one JSON object for scripts, the exception list as CSV, "
    "JUnit XML for CI, a Markdown summary for a CI job page, or GitHub Actions annotations (one per "
    "error type). Example: --format junit",
)
@click.option(
    "--output",
    "-o",
    "outputs",
    multiple=True,
    type=_Path(path_type=Path),
    help="Also write the exception list (.csv, .xlsx, .parquet), the JSON summary (.json), JUnit XML (.xml) "
    "or the Markdown summary (.md); repeatable. With several workbooks, one file each "
    "(exceptions.<workbook>.csv). Example: -o exceptions.xlsx",
)
@_selection_options
@click.option(
    "--split-by",
    type=click.Choice(["team", "worker"]),
    help="Also write one exception workbook per allocated team or worker (blank: '(no team recorded)') "
    "into --out-dir. Example: --split-by team --out-dir exceptions/",
)
@click.option(
    "--out-dir",
    type=_Path(path_type=Path, file_okay=False),
    help="Folder for the --split-by workbooks (created if needed). Example: --out-dir exceptions/",
)
@click.option(
    "--pseudonymise",
    is_flag=True,
    help="Replace child IDs in every file written with a keyed hash; the key is read from "
    "ANNEXA_CHECK_PSEUDONYM_KEY and never written. Example: --pseudonymise --split-by team --out-dir out/",
)
@click.option(
    "--report",
    "report_path",
    type=_Path(path_type=Path, dir_okay=False),
    help="Also write a one-file HTML report for the data-quality meeting (opens offline, "
    "prints to PDF). Example: --report report.html",
)
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="Print nothing in text mode and show no progress bar; use the exit code. Example: -q",
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="error",
    show_default=True,
    help="The severity that fails the run (exit code 1). Example: --fail-on warning",
)
@click.option(
    "--max",
    "maxima",
    multiple=True,
    metavar="ERROR_TYPE=N",
    help="Tolerate up to N records of an error type (whatever --fail-on says); repeatable. "
    "Example: --max missing_ethnicity=150",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="With several workbooks: how many to check at once (default: one per CPU core, or one "
    "at a time when they are small). Example: --jobs 2",
)
@click.option(
    "--record", is_flag=True, help="Store this run in the history (see --history). Example: --record"
)
@_history_option
@_config_options
@_max_unpacked_option
@_verbose_option
def validate(
    workbooks: tuple[Path, ...],
    reference_date: date | None,
    template: str,
    fmt: str,
    outputs: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    split_by: str | None,
    out_dir: Path | None,
    pseudonymise: bool,
    report_path: Path | None,
    quiet: bool,
    fail_on: str,
    maxima: tuple[str, ...],
    jobs: int | None,
    record: bool,
    history_path: Path | None,
    config_path: Path | None,
    no_config: bool,
    max_unpacked_mb: int | None,
    verbose: bool,
) -> None:
    """Check WORKBOOKS (files, or folders of them) and report problems by error type and child.

    Exit codes: 0 passed (by default: no errors; warnings allowed), 1 failed the policy
    (--fail-on, --max), 2 could not run (or, with several workbooks, one could not be read).

    Example: annexa-check validate dry_run.xlsx --reference-date 2025-03-31 -o exceptions.xlsx

    Example: annexa-check validate dry_run.xlsx --split-by team --out-dir exceptions/ --report report.html
    """
    from annexa_check.api.audience import check_destinations
    from annexa_check.api.batch import Job, expand, jobs_for, run_batch
    from annexa_check.catalogue.spec import load_spec
    from annexa_check.outputs.files import suffix_problem
    from annexa_check.report.policy import Policy, parse_maxima
    from annexa_check.settings.config import load_settings

    click.get_current_context().meta[_VERBOSE] = verbose
    for path in outputs:  # refuse before the work, not after it
        problem = suffix_problem(path)
        if problem:
            _fail(problem)
    single = len(workbooks) == 1 and not workbooks[0].is_dir()
    if fmt == "csv" and not single:
        _fail("--format csv prints one exception list; for several workbooks use -o exceptions.csv")
    try:
        key = check_destinations(outputs, split_by, out_dir, report_path, pseudonymise)
        spec = load_spec()
        policy = Policy(fail_on, parse_maxima(maxima, spec.error_types))
        settings = load_settings(
            spec,
            config_path=config_path,
            no_config=no_config,
            reference_date=reference_date,
            max_unpacked_mb=max_unpacked_mb,
            near=workbooks[0],
        )
    except AnnexaError as exc:
        _fail(str(exc))
    paths, skipped = expand(workbooks)
    asked = Job(
        Path(),
        settings,
        template,
        tuple(_split(select)),
        tuple(_split(ignore)),
        policy,
        outputs=outputs,
        split_by=split_by,
        out_dir=out_dir,
        report_path=report_path,
        key=key,
        progress=not quiet and fmt == "text",
        keep_result=True,
        verbose=verbose,
        history=_store(history_path) if report_path else None,
    )
    work = jobs_for(paths, asked, single=single)
    if not work:
        extracts = any(path.suffix.lower() == ".csv" for path, _ in skipped)
        _fail(
            f"no workbooks found in {', '.join(str(w) for w in workbooks)}"
            + (
                "; to check CSV extracts as one return's lists, zip them and validate the .zip"
                if extracts
                else ""
            )
        )
    outcomes = run_batch(work, jobs)
    if record:
        _record(outcomes, history_path)
    with _printing():
        if single:
            _show_one(outcomes[0], fmt, quiet, work[0].outputs)
        else:
            _show_batch(outcomes, skipped, settings.reference_date, fmt, quiet)


def _record(outcomes: list[Outcome], history_path: Path | None) -> None:
    from annexa_check.api.recorded import record_outcomes

    try:
        record_outcomes(_store(history_path), outcomes)
    except AnnexaError as exc:
        _fail(str(exc))


def _show_one(outcome: Outcome, fmt: str, quiet: bool, outputs: tuple[Path, ...] = ()) -> NoReturn:
    from annexa_check.outputs.console import print_run, run_text, stdout_console

    if outcome.error is not None:
        _unreadable_junit(outcome, fmt, outputs)
        _fail(outcome.error)
    assert outcome.model is not None and outcome.verdict is not None
    if fmt != "text":
        click.echo(run_text(outcome.model, fmt), nl=False)
    elif not quiet:
        print_run(outcome.model, outcome.lines, stdout_console())
    sys.exit(EXIT_OK if outcome.verdict.passed else EXIT_FINDINGS)


def _unreadable_junit(outcome: Outcome, fmt: str, outputs: tuple[Path, ...]) -> None:
    """JUnit for a workbook that could not be read: one errored test case with the reason, never an
    empty document, which CI servers read as 'no tests'."""
    from annexa_check.outputs import formats
    from annexa_check.outputs.files import write_text

    wanted = [path for path in outputs if path.suffix.lower() == ".xml"]
    if not outcome.unread or (fmt != "junit" and not wanted):
        return
    assert outcome.error is not None
    document = formats.junit_document([formats.junit_failed_suite(str(outcome.workbook), outcome.error)])
    for path in wanted:
        try:
            write_text(path, document, outcome.workbook)
        except AnnexaError as exc:
            click.echo(f"annexa-check: error: {printable(str(exc))}", err=True)
    if fmt == "junit":
        click.echo(decodable(document), nl=False)


def _show_batch(
    outcomes: list[Outcome], skipped: list[tuple[Path, str]], reference_date: date, fmt: str, quiet: bool
) -> NoReturn:
    from annexa_check.api.batch import combined, junit_suites
    from annexa_check.outputs.console import batch_text, print_batch, stdout_console

    document = combined(outcomes, reference_date, skipped)
    for outcome in outcomes:
        if outcome.error is not None:
            click.echo(f"annexa-check: error: {printable(outcome.error)}", err=True)
    if fmt != "text":
        parts = [o.markdown for o in outcomes if o.error is None]
        click.echo(batch_text(document, fmt, junit_suites(outcomes), parts), nl=False)
    elif not quiet:
        print_batch(document, [line for o in outcomes for line in o.lines], stdout_console())
    if any(o.error is not None for o in outcomes):
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_OK if all(o.verdict is not None and o.verdict.passed for o in outcomes) else EXIT_FINDINGS)


@main.command("rules")
@click.option(
    "--list",
    "list_number",
    type=click.IntRange(1, 11),
    metavar="N",
    help="Only rules on List N. Example: --list 8",
)
@click.option(
    "--severity",
    type=click.Choice(["error", "warning"]),
    help="Only this severity. Example: --severity warning",
)
@click.option(
    "--error-type", metavar="KEY", help="Only this error type. Example: --error-type missing_ethnicity"
)
@click.option(
    "--template",
    type=click.Choice(TEMPLATE_CHOICES[1:]),
    help="Only rules in this template year's rule pack (2023 and 2024 both name the 2023/24 layout). "
    "Example: --template 2019",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help=f"A table for people, JSON for scripts, or Markdown ({DOCS_COMMAND}). Example: --format json",
)
def rules_command(
    list_number: int | None, severity: str | None, error_type: str | None, template: str | None, fmt: str
) -> None:
    """List the rule catalogue.  Example: annexa-check rules --list 9 --severity error"""
    from annexa_check.catalogue.spec import load_spec
    from annexa_check.outputs.catalogue import catalogue_markdown, filter_rules, rules_json, rules_table

    with _printing():
        spec = load_spec()
        if error_type is not None and error_type not in spec.error_types:
            _fail(f"no error type '{error_type}' (see 'annexa-check rules')")
        if template is not None and (year := spec.template_for(template)) is not None:
            template = year.key  # a year, as validate's --template takes it, names its rule pack
        chosen = filter_rules(
            spec, list_number=list_number, severity=severity, error_type=error_type, template=template
        )
        if fmt == "json":
            click.echo(rules_json(chosen, spec))
        elif fmt == "markdown":
            click.echo(catalogue_markdown(chosen, spec), nl=False)
        else:
            click.echo(rules_table(chosen, spec))


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print a rule (or every rule of an error type) in full: what it checks, why, and its examples.

    Example: annexa-check explain CLA003    or    annexa-check explain missing_primary_need
    """
    from annexa_check.catalogue.selection import did_you_mean
    from annexa_check.catalogue.spec import load_spec
    from annexa_check.outputs.catalogue import explain_text

    with _printing():
        spec = load_spec()
        chosen = [r for r in spec.rules if code.upper() == r.code or code == r.error_type]
        if not chosen:
            _fail(f"no rule or error type '{code}'{did_you_mean(spec, code)} (see 'annexa-check rules')")
        click.echo("\n\n".join(explain_text(rule, spec) for rule in chosen))


@main.command()
@click.argument("old")
@click.argument("new")
@click.option(
    "--reference-date",
    callback=_reference_date,
    metavar="YYYY-MM-DD",
    help="For a workbook NEW: the date ages are measured at (default: the settings file's reference_date, "
    "else today). Example: --reference-date 2025-04-30",
)
@click.option(
    "--old-reference-date",
    callback=_reference_date,
    metavar="YYYY-MM-DD",
    help="For a workbook OLD: the date its ages are measured at (default: NEW's reference date). "
    "Example: --old-reference-date 2025-03-31",
)
@_template_option
@click.option(
    "--output",
    "-o",
    "outputs",
    multiple=True,
    type=_Path(path_type=Path),
    help="Write the child-level lists of new, resolved and still-open problems (.xlsx: one sheet each; "
    ".csv: a status column) or the comparison as JSON (.json); repeatable. Example: -o changes.xlsx",
)
@_selection_options
@click.option(
    "--fail-on-new",
    type=click.Choice(FAIL_ON_NEW),
    default="key",
    show_default=True,
    help="What new in NEW fails the comparison (exit code 1): a record of one of the nine key error "
    "types, any error, any error or warning, or never. Example: --fail-on-new error",
)
@_format_option("text", "json")
@_history_option
@_config_options
@_max_unpacked_option
@_verbose_option
def compare(
    old: str,
    new: str,
    reference_date: date | None,
    old_reference_date: date | None,
    template: str,
    outputs: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on_new: str,
    fmt: str,
    history_path: Path | None,
    config_path: Path | None,
    no_config: bool,
    max_unpacked_mb: int | None,
    verbose: bool,
) -> None:
    """Compare two dry runs: problems new in NEW, resolved since OLD, and still open.

    OLD and NEW are each a workbook, or a recorded run given by its id or reference date
    (see 'annexa-check history'). A workbook is checked as validate checks it: the same
    settings file, --template, --select and --ignore. Problems are matched by fingerprint,
    so they are recognised after rows move. Counts are per error type and per team.

    Exit codes: 0 nothing new that --fail-on-new counts (by default: no new record of a
    key error type), 1 there is, 2 could not run.

    Example: annexa-check compare march.xlsx april.xlsx --old-reference-date 2025-03-31
    --reference-date 2025-04-30 -o changes.xlsx
    """
    from annexa_check.api.changes import compare_runs
    from annexa_check.catalogue.spec import load_spec
    from annexa_check.history.compare import COMPARE_SUFFIXES, judge_new
    from annexa_check.outputs.console import print_comparison, stdout_console
    from annexa_check.outputs.files import json_text
    from annexa_check.settings.config import load_settings

    click.get_current_context().meta[_VERBOSE] = verbose
    with _printing():
        for path in outputs:
            if path.suffix.lower() not in COMPARE_SUFFIXES:
                _fail(f"'{path}': --output must be a file name ending in .csv, .xlsx or .json")
        try:
            settings = load_settings(
                load_spec(),
                config_path=config_path,
                no_config=no_config,
                reference_date=reference_date,
                max_unpacked_mb=max_unpacked_mb,
                near=next((Path(arg) for arg in (new, old) if Path(arg).suffix), None),
            )
            comparison = compare_runs(
                old,
                new,
                reference_date=settings.reference_date,
                old_reference_date=old_reference_date,
                template=template,
                config=settings.config,
                limits=settings.limits,
                select=_split(select),
                ignore=_split(ignore),
                store=lambda: _store(history_path),
                outputs=outputs,
            )
        except AnnexaError as exc:
            _fail(one_line(exc, verbose))
        verdict = judge_new(comparison, fail_on_new)
        if fmt == "json":
            click.echo(
                json_text({**comparison.as_dict(), "fail_on_new": fail_on_new, "passed": verdict.passed}),
                nl=False,
            )
        else:
            print_comparison(comparison, outputs, stdout_console())
            if not verdict.passed:
                new_counts = comparison.as_dict()["by_error_type"]
                listed = ", ".join(f"{t} {new_counts[t]['new']:,}" for t in verdict.failing)
                click.echo(f"New problems fail --fail-on-new {fail_on_new}: {listed}.")
    sys.exit(EXIT_OK if verdict.passed else EXIT_FINDINGS)


@main.command("history")
@_format_option("text", "json")
@_history_option
def history_command(fmt: str, history_path: Path | None) -> None:
    """List the recorded runs (validate --record), oldest first.  Example: annexa-check history"""
    from annexa_check.history import store as history
    from annexa_check.outputs.console import print_runs, runs_json, stdout_console

    with _printing():
        store = _store(history_path)
        try:
            recorded = history.runs(store)
        except AnnexaError as exc:
            _fail(str(exc))
        if fmt == "json":
            click.echo(runs_json(store, recorded), nl=False)
            return
        print_runs(store, recorded, list(history.Run.__dataclass_fields__), stdout_console())


@main.command()
@click.option("--last", type=click.IntRange(min=1), help="Only the last N runs. Example: --last 12")
@click.option(
    "--workbook",
    "workbook_name",
    metavar="NAME",
    help="Only runs of workbooks with this file name (a shared history may hold several councils). "
    "Example: --workbook kirklees_dry_run.xlsx",
)
@click.option(
    "--chart",
    type=_Path(path_type=Path, dir_okay=False),
    metavar="PATH",
    help="Also write the chart as PATH.png and PATH.svg (needs the 'chart' extra). "
    "Example: --chart board/trend",
)
@_format_option("text", "json", "csv")
@_history_option
def trend(
    last: int | None, workbook_name: str | None, chart: Path | None, fmt: str, history_path: Path | None
) -> None:
    """Records per error type over the recorded runs, and a chart for a board paper.

    Example: annexa-check trend --last 12 --chart dq-trend
    """
    from annexa_check.api.recorded import trend_of
    from annexa_check.history.trend import write_chart
    from annexa_check.outputs.console import print_trend, stdout_console, trend_text

    with _printing():
        try:
            found = trend_of(_store(history_path), last=last, workbook_name=workbook_name)
        except AnnexaError as exc:
            _fail(str(exc))
        recorded, table = found.runs, found.table
        if fmt != "text":
            click.echo(trend_text(recorded, table, fmt), nl=False)
        else:
            print_trend(recorded, table, stdout_console())
        if chart:  # after the table, which needs no plotting library
            try:
                written = write_chart(recorded, table, chart)
            except AnnexaError as exc:
                _fail(str(exc))
            for path in written:
                click.echo(f"Wrote {printable(path)}", err=fmt != "text")
