"""Command line: `annexa-check validate`, `rules` and `explain`.

Exit codes are a contract with CI jobs: 0 no error-severity findings, 1 there are some,
2 the command could not run (bad option, unreadable workbook) with a one-line reason.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console
from rich.table import Table

from annexa_check import __version__
from annexa_check.errors import AnnexaError
from annexa_check.safety import DEFAULT_LIMITS
from annexa_check.spec import Rule, Spec, load_spec

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


EARLIEST_REFERENCE = date(2000, 1, 1)


def _reference_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date:
    """Today by default; a typed date must be plausible, or every age check would be wrong."""
    if value is None:
        return date.today()
    try:
        chosen = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date in the form YYYY-MM-DD") from None
    latest = date.today().replace(year=date.today().year + 1, day=min(date.today().day, 28))
    if not EARLIEST_REFERENCE <= chosen <= latest:
        raise click.BadParameter(
            f"{value} is not a plausible reference date (expected between {EARLIEST_REFERENCE} and {latest})"
        )
    return chosen


def _split(values: tuple[str, ...]) -> list[str]:
    return [part for value in values for part in value.split(",") if part.strip()]


def _fail(message: str) -> NoReturn:
    click.echo(f"annexa-check: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


class _Boundary(click.Group):
    """Every command's errors end here: one line on stderr, exit 2, no traceback, no cell values.

    A library's own error text can quote the workbook (a header, a value), so it is shown
    only with --verbose; an unexpected error names its type, and its traceback appears
    only with ANNEXA_CHECK_DEBUG=1.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except AnnexaError as exc:
            detail = f" ({exc.detail})" if exc.detail and ctx.meta.get(_VERBOSE) else ""
            hint = "; --verbose shows the reader's own message" if exc.detail and not detail else ""
            _fail(f"{exc}{detail}{hint}")
        except KeyboardInterrupt:
            click.echo("annexa-check: interrupted", err=True)
            sys.exit(130)
        except MemoryError:
            _fail("not enough memory to finish; close other programs or check a smaller workbook")
        except (SystemExit, GeneratorExit):
            raise
        except BaseException as exc:  # a bug (or a library panic): say so without echoing any cell value
            if os.environ.get("ANNEXA_CHECK_DEBUG"):
                raise
            said = f": {_first_line(exc)}" if ctx.meta.get(_VERBOSE) else ""
            _fail(f"internal error ({type(exc).__name__}{said}); set ANNEXA_CHECK_DEBUG=1 for details")


_VERBOSE = "annexa_check.verbose"


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else ""


@click.group(cls=_Boundary, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="annexa-check")
def main() -> None:
    """Check an Ofsted Annex A dry-run workbook before it is submitted."""


@main.command()
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option(
    "--reference-date",
    callback=_reference_date,
    metavar="YYYY-MM-DD",
    help="Date that ages are measured at (default: today). Example: --reference-date 2025-03-31",
)
@click.option(
    "--template",
    type=click.Choice(["auto", "2019", "2023"]),
    default="auto",
    show_default=True,
    help="Annex A template year; auto detects it from the List 9 layout. Example: --template 2019",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="What to print: a summary for people, or one JSON object for scripts. Example: --format json",
)
@click.option(
    "--output",
    "-o",
    "outputs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Also write the exception list (.csv, .xlsx) or the JSON summary (.json); repeatable. "
    "Example: -o exceptions.xlsx",
)
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Run only these rule codes, code prefixes or error types. Example: --select CIN,ETH001",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="CODES",
    help="Skip these rule codes, code prefixes or error types. Example: --ignore missing_list",
)
@click.option(
    "--quiet", "-q", is_flag=True, help="Print nothing in text mode; use the exit code. Example: -q"
)
@click.option(
    "--max-unpacked-mb",
    type=click.IntRange(min=1),
    default=DEFAULT_LIMITS.max_unpacked_mb,
    show_default=True,
    help="Refuse a workbook that unpacks to more than this many MB (a zip-bomb guard; a million-row "
    "return unpacks to about 600). Example: --max-unpacked-mb 2000",
)
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="When the workbook cannot be read, also print the reader's own message, which may quote "
    "the workbook's contents. Example: -v",
)
def validate(
    workbook: Path,
    reference_date: date,
    template: str,
    fmt: str,
    outputs: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    quiet: bool,
    max_unpacked_mb: int,
    verbose: bool,
) -> None:
    """Check WORKBOOK and report problems by error type and child.

    Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 could not run.

    Example: annexa-check validate dry_run.xlsx --reference-date 2025-03-31 -o exceptions.xlsx
    """
    from annexa_check.check import check_workbook
    from annexa_check.report import OUTPUT_SUFFIXES, summary, write_output
    from annexa_check.terminal import render

    click.get_current_context().meta[_VERBOSE] = verbose
    for path in outputs:  # refuse before the work, not after it
        if path.suffix.lower() not in OUTPUT_SUFFIXES:
            _fail(f"'{path}': --output must be a file name ending in .csv, .xlsx or .json")
    result = check_workbook(
        workbook,
        reference_date=reference_date,
        template=template,
        select=_split(select),
        ignore=_split(ignore),
        limits=replace(DEFAULT_LIMITS, max_unpacked_mb=max_unpacked_mb),
    )
    for path in outputs:
        write_output(result, path)
    report = summary(result)
    if fmt == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    elif not quiet:
        console = Console()
        if not console.is_terminal:  # piped to a log or file: no need to wrap at 80 columns
            console = Console(width=120)
        render(report, console)
        for path in outputs:
            console.print(f"Wrote {path}")
    sys.exit(EXIT_FINDINGS if result.error_count else EXIT_OK)


@main.command("rules")
@click.option("--list", "list_filter", metavar="N", help="Only rules on this list number. Example: --list 8")
@click.option(
    "--severity",
    type=click.Choice(["error", "warning"]),
    help="Only this severity. Example: --severity warning",
)
def rules_command(list_filter: str | None, severity: str | None) -> None:
    """List the rule catalogue.  Example: annexa-check rules --list 9"""
    spec = load_spec()
    table = Table(show_edge=False, pad_edge=False)
    for name in ("Code", "Error type", "Severity", "Lists", "Title"):
        table.add_column(name)
    for rule in spec.rules:
        numbers = [spec.lists[k].number for k in rule.lists]
        if list_filter is not None and list_filter.strip() not in {str(n) for n in numbers}:
            continue
        if severity and rule.severity != severity:
            continue
        lists = "all" if len(numbers) == len(spec.lists) else ", ".join(str(n) for n in numbers)
        table.add_row(rule.code, rule.error_type, rule.severity, lists, rule.title)
    Console().print(table)


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print a rule (or every rule of an error type) in full: what it checks, why, and its examples.

    Example: annexa-check explain CLA003    or    annexa-check explain missing_primary_need
    """
    spec = load_spec()
    chosen = [r for r in spec.rules if code.upper() == r.code or code == r.error_type]
    if not chosen:
        _fail(f"no rule or error type '{code}' (see 'annexa-check rules')")
    click.echo("\n\n".join(_explain(rule, spec) for rule in chosen))


def _explain(rule: Rule, spec: Spec) -> str:
    lists = ", ".join(spec.lists[k].name for k in rule.lists)
    lines = [
        f"{rule.code}  {rule.title}",
        f"error type: {rule.error_type}    severity: {rule.severity}    check: {rule.check}",
        f"lists: {lists}",
        f"columns: {', '.join(rule.columns) if rule.columns else (rule.column_type or 'every') + ' columns'}",
    ]
    lines += [f"only when: {cond.describe()}" for cond in rule.when]
    lines += [f"message: {rule.message}", f"source: {rule.source}", "examples that pass:"]
    lines += [f"  {ex}" for ex in rule.examples["pass"]]
    lines.append("examples that fail:")
    lines += [f"  {ex}" for ex in rule.examples["fail"]]
    return "\n".join(lines)
