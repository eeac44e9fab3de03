"""Command line: `annexa-check validate`, `rules` and `explain`.

Exit codes are a contract with CI jobs: 0 no error-severity findings, 1 there are some,
2 the command could not run (bad option, unreadable workbook) with a one-line reason.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console

from annexa_check import __version__
from annexa_check.config import CONFIG_NAME, find_config, implausible_reference_date, load_config
from annexa_check.docs import (
    DOCS_COMMAND,
    catalogue_markdown,
    explain_text,
    filter_rules,
    rules_json,
    rules_table,
)
from annexa_check.errors import AnnexaError
from annexa_check.spec import load_spec

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
    click.echo(f"annexa-check: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="annexa-check")
def main() -> None:
    """Check an Ofsted Annex A dry-run workbook before it is submitted."""


@main.command()
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option(
    "--reference-date",
    callback=_reference_date,
    metavar="YYYY-MM-DD",
    help="Date that ages are measured at (default: the configuration file's reference_date, else today). "
    "Example: --reference-date 2025-03-31",
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
    "--split-by",
    type=click.Choice(["team", "worker"]),
    help="Also write one exception workbook per allocated team or worker (blank: Unallocated) "
    "into --out-dir. Example: --split-by team --out-dir exceptions/",
)
@click.option(
    "--out-dir",
    type=click.Path(path_type=Path, file_okay=False),
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
    type=click.Path(path_type=Path, dir_okay=False),
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
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help=f"Council settings file (default: {CONFIG_NAME} in this folder, if there is one). "
    "Example: --config ../annexa-check.toml",
)
@click.option("--no-config", is_flag=True, help=f"Ignore any {CONFIG_NAME}. Example: --no-config")
def validate(
    workbook: Path,
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
    config_path: Path | None,
    no_config: bool,
) -> None:
    """Check WORKBOOK and report problems by error type and child.

    Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 could not run.

    Example: annexa-check validate dry_run.xlsx --reference-date 2025-03-31 -o exceptions.xlsx

    Example: annexa-check validate dry_run.xlsx --split-by team --out-dir exceptions/ --report report.html
    """
    from annexa_check.check import check_workbook
    from annexa_check.report import OUTPUT_SUFFIXES, summary, write_output
    from annexa_check.terminal import progress_bar, render
    from annexa_check.writing import check_destinations, with_pseudonyms, write_audience_outputs

    for path in outputs:  # refuse before the work, not after it
        if path.suffix.lower() not in OUTPUT_SUFFIXES:
            _fail(f"'{path}': --output must be a file name ending in .csv, .xlsx or .json")
    try:
        key = check_destinations(outputs, split_by, out_dir, report_path, pseudonymise)
        spec = load_spec()
        if no_config and config_path is not None:
            raise AnnexaError("--config and --no-config contradict each other; give one")
        config_file = None if no_config else find_config(config_path)
        config = load_config(config_file, spec) if config_file else None
        if reference_date is None:
            reference_date = (config.reference_date_on(date.today()) if config else None) or date.today()
        with progress_bar(enabled=not quiet) as progress:
            result = check_workbook(
                workbook,
                reference_date=reference_date,
                template=template,
                select=_split(select),
                ignore=_split(ignore),
                spec=spec,
                config=config,
                progress=progress,
            )
        written = with_pseudonyms(result, key)
        for path in outputs:
            write_output(written, path)
        lines = [f"Wrote {path}" for path in outputs]
        lines += write_audience_outputs(
            written, split_by, out_dir, report_path, pseudonymised=key is not None
        )
    except AnnexaError as exc:
        _fail(str(exc))
    except Exception as exc:  # a bug: say so without echoing any cell value
        if os.environ.get("ANNEXA_CHECK_DEBUG"):
            raise
        _fail(
            f"internal error ({type(exc).__name__}) while checking {workbook}; "
            "set ANNEXA_CHECK_DEBUG=1 for details"
        )
    report = summary(result)
    if fmt == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    elif not quiet:
        console = Console()
        if not console.is_terminal:  # piped to a log or file: no need to wrap at 80 columns
            console = Console(width=120)
        render(report, console, result.findings)
        for line in lines:
            console.print(line)
    sys.exit(EXIT_FINDINGS if result.error_count else EXIT_OK)


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
    type=click.Choice(["2019", "2023"]),
    help="Only rules in this template year's rule pack. Example: --template 2019",
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
    spec = load_spec()
    if error_type is not None and error_type not in spec.error_types:
        _fail(f"no error type '{error_type}' (see 'annexa-check rules')")
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
    spec = load_spec()
    chosen = [r for r in spec.rules if code.upper() == r.code or code == r.error_type]
    if not chosen:
        _fail(f"no rule or error type '{code}' (see 'annexa-check rules')")
    click.echo("\n\n".join(explain_text(rule, spec) for rule in chosen))
