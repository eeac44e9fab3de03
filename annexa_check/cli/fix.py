"""`annexa-check fix`: a template-conformant copy of a dry run for ChAT, with every change logged."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from annexa_check.cli.main import (
    _VERBOSE,
    _fail,
    _Path,
    _printing,
    _reference_date,
    _selection_options,
    _split,
    main,
)
from annexa_check.errors import AnnexaError, printable
from annexa_check.read.safety import DEFAULT_LIMITS
from annexa_check.settings import CONFIG_NAME

DEFAULT_MAX_ROWS = 500_000  # api/fix.py's; repeated so that --help imports no polars


@main.command("fix")
@click.argument("workbook", type=_Path(path_type=Path, dir_okay=False))
@click.option(
    "--output",
    "-o",
    "output",
    required=True,
    type=_Path(path_type=Path, dir_okay=False),
    help="The corrected copy to write (.xlsx); never the workbook itself. Example: -o READY.xlsx",
)
@click.option(
    "--reference-date",
    callback=_reference_date,
    metavar="YYYY-MM-DD",
    help="Date that ages are measured at in the re-check (default: the settings file's reference_date, "
    "else today). Example: --reference-date 2025-03-31",
)
@click.option(
    "--template",
    type=click.Choice(["auto", "2019", "2023"]),
    default="auto",
    show_default=True,
    help="Annex A template year whose sheets and headers are written; auto detects it from the List 9 "
    "layout. Example: --template 2019",
)
@_selection_options
@click.option(
    "--config",
    "config_path",
    type=_Path(path_type=Path),
    help=f"Council settings file, whose code synonyms are rewritten as codes (default: {CONFIG_NAME} in "
    "this folder, if there is one). Example: --config ../annexa-check.toml",
)
@click.option("--no-config", is_flag=True, help=f"Ignore any {CONFIG_NAME}. Example: --no-config")
@click.option(
    "--max-unpacked-mb",
    type=click.IntRange(min=1),
    default=None,
    help=f"Refuse a workbook that unpacks to more than this many MB (default "
    f"{DEFAULT_LIMITS.max_unpacked_mb}). Example: --max-unpacked-mb 2000",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_ROWS,
    show_default=True,
    help="Refuse a workbook with more rows than this on its lists: fix holds every row in memory "
    "(about 0.4 GB per 100,000 rows). Example: --max-rows 600000",
)
@click.option(
    "--pseudonymise",
    is_flag=True,
    help="Refused: the corrected copy is for ChAT and holds the real child IDs by nature.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing and show no progress bar. Example: -q")
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="When a workbook cannot be read, also print the reader's own message. Example: -v",
)
def fix(
    workbook: Path,
    output: Path,
    reference_date: date | None,
    template: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_path: Path | None,
    no_config: bool,
    max_unpacked_mb: int | None,
    max_rows: int,
    pseudonymise: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Write a corrected copy of WORKBOOK for ChAT: every list on the template's sheet, with its title row
    and headers in the template's order, codes and text dates in the template's form, child IDs as
    text. Nothing is guessed: a blank stays blank, and an unknown code or an ambiguous date stays as it
    was. Its 'Changes' sheet logs every change; its 'Still to fix' sheet lists what a check of the copy
    still finds.

    Exit codes: 0 the copy was written, 2 it could not be (with a one-line reason).

    Example: annexa-check fix dry_run.xlsx -o READY.xlsx --reference-date 2025-03-31
    """
    from annexa_check.api.fix import fix_problem, fix_workbook
    from annexa_check.catalogue.spec import load_spec
    from annexa_check.outputs.terminal import progress_bar
    from annexa_check.settings.config import load_settings

    click.get_current_context().meta[_VERBOSE] = verbose
    if pseudonymise:
        _fail(
            "--pseudonymise cannot be used with fix: the corrected copy is the return itself, "
            "with the real child IDs ChAT needs"
        )
    problem = fix_problem(workbook, output)
    if problem:
        _fail(problem)
    try:
        settings = load_settings(
            load_spec(),
            config_path=config_path,
            no_config=no_config,
            reference_date=reference_date,
            max_unpacked_mb=max_unpacked_mb,
        )
        with progress_bar(enabled=not quiet) as progress:
            result = fix_workbook(
                workbook,
                output,
                settings,
                template=template,
                select=_split(select),
                ignore=_split(ignore),
                max_rows=max_rows,
                progress=progress,
            )
    except AnnexaError as exc:
        _fail(str(exc))
    if quiet:
        return
    with _printing():
        errors = result.still.filter(result.still["severity"] == "error").height
        click.echo(
            f"Wrote {printable(result.path)} ({result.template} template): {len(result.changes):,} "
            f"change(s) on its '{'Changes'}' sheet; {result.still.height:,} finding(s) still to fix "
            f"({errors:,} error(s)) on its 'Still to fix' sheet"
        )
        for note in result.notes:
            click.echo(f"  {printable(note)}")
