"""`annexa-check settings [WORKBOOK]`: which settings file a check would use, and the values it gives.

The file is found from the workbook's folder upwards, so a run from another folder can
quietly use another council's file, or none; this command says which, before a run.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click

from annexa_check.cli.main import _config_options, _fail, _Path, _printing, _reference_date, main
from annexa_check.errors import AnnexaError, printable


@main.command("settings")
@click.argument("workbook", required=False, type=_Path(path_type=Path))
@click.option(
    "--reference-date",
    callback=_reference_date,
    metavar="YYYY-MM-DD",
    help="As validate's: shown as the date used, in place of the file's. "
    "Example: --reference-date 2025-03-31",
)
@_config_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="What to print: a list for people, or JSON for scripts. Example: --format json",
)
def settings_command(
    workbook: Path | None, reference_date: date | None, config_path: Path | None, no_config: bool, fmt: str
) -> None:
    """Show the settings file a check of WORKBOOK (or of this folder) would use, and the values in effect.

    Example: annexa-check settings returns/april.xlsx
    """
    from annexa_check.catalogue.spec import load_spec
    from annexa_check.engine.check import selected_rules
    from annexa_check.settings.config import effective, load_settings

    if workbook is not None and not workbook.exists():  # a mistyped name would show another folder's file
        _fail(f"{workbook}: file not found")
    with _printing():
        try:
            spec = load_spec()
            settings = load_settings(
                spec,
                config_path=config_path,
                no_config=no_config,
                reference_date=reference_date,
                near=workbook,
            )
            config = settings.config
            values = effective(settings)
            values["rules"] = len(selected_rules(spec, config, (), ())[1])
        except AnnexaError as exc:
            _fail(str(exc))
        if fmt == "json":
            click.echo(json.dumps(values, indent=2, ensure_ascii=False))
            return
        for line in _text(values, len(spec.rules)):
            click.echo(printable(line))


def _text(values: dict[str, Any], all_rules: int) -> list[str]:
    file = values["file"]
    lines = [f"Settings file: {file} ({values['found']})" if file else f"Settings file: {values['found']}"]
    rule = values["reference_date_rule"]
    lines.append(
        f"Reference date: {values['reference_date']}" + (f' (reference_date = "{rule}")' if rule else "")
    )
    lines.append(f"Rules run: {values['rules']} of {all_rules}")
    lines.append("Select: " + (", ".join(values["select"]) or "every rule"))
    lines.append("Ignore: " + (", ".join(values["ignore"]) or "nothing"))
    lines.append(
        "Severity: "
        + (", ".join(f"{k} = {v}" for k, v in values["severity"].items()) or "as in the rule data")
    )
    aliases = [
        f"{lst}.{col}: {', '.join(headers)}"
        for lst, cols in values["aliases"].items()
        for col, headers in cols.items()
    ]
    lines.append("Header aliases: " + ("; ".join(aliases) or "none"))
    synonyms = [
        f'{name}: "{value}" = {code}'
        for name, pairs in values["synonyms"].items()
        for value, code in pairs.items()
    ]
    lines.append("Code synonyms: " + ("; ".join(synonyms) or "none"))
    lines.append("Limits:")
    limits = values["limits"]
    for name, entry in limits.items():
        value = entry["value"]
        if value is None:  # max_upload_mb unset: serve refuses uploads at the pre-check's own limit
            value = f"{limits['max_unpacked_mb']['value']}, as max_unpacked_mb"
        lines.append(f"  {name} = {value} ({entry['from']})")
    return lines
