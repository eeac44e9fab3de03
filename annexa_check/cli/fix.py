"""`annexa-check fix`: a template-conformant copy of a dry run for ChAT, with every change logged."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from annexa_check.cli.main import (
    _VERBOSE,
    _config_options,
    _fail,
    _max_unpacked_option,
    _Path,
    _printing,
    _reference_date_option,
    _selection_options,
    _split,
    _template_option,
    _verbose_option,
    main,
)
from annexa_check.errors import AnnexaError, one_line, printable
from annexa_check.read.safety import DEFAULT_LIMITS


@main.command("fix")
@click.argument("workbook", type=_Path(path_type=Path, dir_okay=False))
@click.option(
    "--output",
    "-o",
    "output",
    type=_Path(path_type=Path, dir_okay=False),
    help="The corrected copy to write (.xlsx); never the workbook itself (default: the workbook's name with "
    ".ready before .xlsx, beside it, as annotate names its copy .checked). Example: -o READY.xlsx",
)
@_reference_date_option
@_template_option
@_selection_options
@_config_options
@_max_unpacked_option
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=None,
    help="Refuse a workbook with more rows than this on its lists: fix holds every row in memory "
    f"(about 0.4 GB per 100,000 rows; default {DEFAULT_LIMITS.max_fix_rows:,}, or max_fix_rows under "
    "[limits] in the settings file). Example: --max-rows 600000",
)
@click.option(
    "--pseudonymise",
    is_flag=True,
    hidden=True,  # accepted only to be refused with the reason, as annotate does
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing and show no progress bar. Example: -q")
@_verbose_option
def fix(
    workbook: Path,
    output: Path | None,
    reference_date: date | None,
    template: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_path: Path | None,
    no_config: bool,
    max_unpacked_mb: int | None,
    max_rows: int | None,
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
    from dataclasses import replace

    from annexa_check.api.fix import default_output, fix_problem, fix_workbook
    from annexa_check.catalogue.spec import load_spec
    from annexa_check.outputs.terminal import progress_bar
    from annexa_check.settings.config import load_settings

    click.get_current_context().meta[_VERBOSE] = verbose
    if pseudonymise:
        _fail(
            "--pseudonymise cannot be used with fix: the corrected copy is the return itself, "
            "with the real child IDs ChAT needs"
        )
    output = output or default_output(workbook)
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
            near=workbook,
        )
        if max_rows is not None:  # the command line wins over the settings file
            settings = replace(settings, limits=replace(settings.limits, max_fix_rows=max_rows))
        with progress_bar(enabled=not quiet) as progress:
            result = fix_workbook(
                workbook,
                output,
                settings,
                template=template,
                select=_split(select),
                ignore=_split(ignore),
                progress=progress,
            )
    except AnnexaError as exc:
        _fail(one_line(exc, verbose))
    if quiet:
        return
    with _printing():
        errors = result.still.filter(result.still["severity"] == "error").height
        click.echo(
            f"Wrote {printable(result.path)} ({result.template} template): "
            f"{_count(len(result.changes), 'change')} on its 'Changes' sheet; "
            f"{_count(result.still.height, 'finding')} still to fix "
            f"({_count(errors, 'error')}) on its 'Still to fix' sheet"
        )
        for note in result.notes:
            click.echo(f"  {printable(note)}")


def _count(n: int, noun: str) -> str:
    """`1 change`, `15,342 changes`: the counts read as validate's and annotate's lines do."""
    return f"{n:,} {noun}{'s' if n != 1 else ''}"
