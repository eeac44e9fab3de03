"""`annexa-check serve`: the check as a page in the browser, served from this computer only."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import click

from annexa_check.cli.main import _fail, _history_option, _Path, _store, main
from annexa_check.errors import AnnexaError
from annexa_check.settings import CONFIG_NAME

INSTALL = 'pip install "annexa-check[serve]"'


@main.command()
@click.option(
    "--host",
    metavar="ADDRESS",
    help="Listen on this address instead of 127.0.0.1 (this computer only); other computers that can "
    "reach it could then use the page. Example: --host 0.0.0.0",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help="Port to listen on (default: a free one). Example: --port 8765",
)
@click.option(
    "--no-browser", is_flag=True, help="Print the address but do not open a browser. Example: --no-browser"
)
@click.option(
    "--max-upload-mb",
    type=click.IntRange(min=1),
    default=None,
    help="Refuse an upload larger than this many MB (default: max_upload_mb under [limits] in the "
    "settings file, else the pre-check's unpacked-size limit). Example: --max-upload-mb 200",
)
@_history_option
@click.option(
    "--config",
    "config_path",
    type=_Path(path_type=Path),
    help=f"Council settings file (default: {CONFIG_NAME} in this folder, if there is one). "
    "Example: --config ../annexa-check.toml",
)
@click.option("--no-config", is_flag=True, help=f"Ignore any {CONFIG_NAME}. Example: --no-config")
def serve(
    host: str | None,
    port: int,
    no_browser: bool,
    max_upload_mb: int | None,
    history_path: Path | None,
    config_path: Path | None,
    no_config: bool,
) -> None:
    """Open a page in the browser to check a workbook: drop it in, read the report, download the lists.

    The page is served from this computer; the address printed carries a key made at each start,
    and requests without it are refused. Uploads are deleted once checked and everything is gone
    when the server stops (Ctrl-C). Needs the serve extra: pip install "annexa-check[serve]".

    Example: annexa-check serve    or    annexa-check serve --no-browser --port 8765
    """
    if not all(find_spec(name) for name in ("starlette", "uvicorn")) or not (
        find_spec("python_multipart") or find_spec("multipart")
    ):
        _fail(f"the serve command needs its extra; install it with: {INSTALL}")
    from annexa_check.catalogue.spec import load_spec
    from annexa_check.serve.server import run
    from annexa_check.settings.config import load_settings

    try:
        settings = load_settings(load_spec(), config_path=config_path, no_config=no_config)
        limits = settings.limits
        run(
            settings,
            history=_store(history_path),
            limit_mb=max_upload_mb or limits.max_upload_mb or limits.max_unpacked_mb,
            host=host,
            port=port,
            browser=not no_browser,
            say=lambda line: click.echo(line),
        )
    except AnnexaError as exc:
        _fail(str(exc))
