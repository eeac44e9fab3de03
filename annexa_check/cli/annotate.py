"""`annexa-check annotate`: a copy of the council's workbook with every problem marked in its cell."""

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


@main.command()
@click.argument("workbook", type=_Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=_Path(path_type=Path, dir_okay=False),
    help="The marked copy to write (.xlsx; .xlsm for a macro workbook); default: WORKBOOK's name with "
    ".checked before its extension, beside it. Example: -o DRY_RUN.checked.xlsx",
)
@_reference_date_option
@_template_option
@_selection_options
@_config_options
@_max_unpacked_option
@click.option(
    "--pseudonymise",
    is_flag=True,
    hidden=True,  # accepted only to be refused with the reason, as validate users may pass it by habit
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing and show no progress bar. Example: -q")
@_verbose_option
def annotate(
    workbook: Path,
    output: Path | None,
    reference_date: date | None,
    template: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_path: Path | None,
    no_config: bool,
    max_unpacked_mb: int | None,
    pseudonymise: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Write a copy of WORKBOOK with each problem marked in its own cell.

    Every cell with a finding is filled (errors orange, warnings blue) and carries a
    note: what is wrong, what a correct value looks like, the rule. A row's finding
    marks its child ID cell; a column's or list's marks the header cell. A new first
    sheet, Findings, lists them all with a link to each cell. Every sheet, value,
    format, width, data validation and defined name is kept (and an .xlsm's macros);
    WORKBOOK itself is never written to. Takes validate's options, but not
    --pseudonymise: the copy holds the council's real data by nature.

    Exit codes: 0 the copy was written, 2 it could not be (one line says why).

    Example: annexa-check annotate DRY_RUN.xlsx -o DRY_RUN.checked.xlsx

    Example: annexa-check annotate DRY_RUN.xlsm --reference-date 2025-03-31
    """
    from annexa_check.api.annotate import annotate as annotate_copy
    from annexa_check.api.annotate import default_output
    from annexa_check.catalogue.spec import load_spec
    from annexa_check.outputs.terminal import progress_bar
    from annexa_check.settings.config import load_settings

    click.get_current_context().meta[_VERBOSE] = verbose
    if pseudonymise:
        _fail(
            "--pseudonymise cannot apply to annotate: the marked copy is the council's own workbook, "
            "real child IDs and all; use validate --pseudonymise for a list to share"
        )
    target = output or default_output(workbook)
    try:
        settings = load_settings(
            load_spec(),
            config_path=config_path,
            no_config=no_config,
            reference_date=reference_date,
            max_unpacked_mb=max_unpacked_mb,
            near=workbook,
        )
        with progress_bar(enabled=not quiet) as progress:
            done = annotate_copy(
                workbook,
                target,
                settings,
                template=template,
                select=tuple(_split(select)),
                ignore=tuple(_split(ignore)),
                progress=progress,
            )
    except AnnexaError as exc:
        _fail(one_line(exc, verbose))
    if quiet:
        return
    with _printing():
        placed = done.findings - done.unplaced
        click.echo(
            f"Wrote {printable(done.output)}: {placed:,} finding{'s' if placed != 1 else ''} marked on "
            f"{done.cells:,} cell{'s' if done.cells != 1 else ''} (errors orange, warnings blue); "
            f"every finding is on its first sheet, Findings."
        )
        if done.unplaced:
            one = done.unplaced == 1
            click.echo(
                f"{done.unplaced:,} finding{'' if one else 's'} about a missing list "
                f"{'is' if one else 'are'} on the Findings sheet only."
            )
        if done.dropped:
            click.echo(
                f"Note: the copy does not keep the workbook's {' or its '.join(done.dropped)}; "
                "the original still has them."
            )
        click.echo(done.report.headline)
