"""Starting and stopping the server: bind this computer only (unless asked), print the address,
open the browser, and remove the private folder however it stops."""

from __future__ import annotations

import atexit
import contextlib
import socket
import threading
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path

import uvicorn

from annexa_check.errors import AnnexaError
from annexa_check.serve.app import State, create_app
from annexa_check.settings.config import Settings

LOCAL = "127.0.0.1"


def run(
    settings: Settings,
    *,
    history: Path,
    limit_mb: int,
    host: str | None,
    port: int,
    browser: bool,
    say: Callable[[str], None],
) -> None:
    """Serve until Ctrl-C (or SIGTERM); the first line printed is the address, token included.

    Only this computer can connect unless `host` is given, and then the line says so.
    """
    state = State(settings, history, limit_mb)
    atexit.register(state.folders.close)  # also when the process is ended some other way
    try:
        sock = _bind(host or LOCAL, port)
        shown = sock.getsockname()
        where = f"[{shown[0]}]" if ":" in shown[0] else shown[0]
        url = f"http://{where}:{shown[1]}{state.base}"
        if host is None:
            say(f"annexa-check serve: {url} (this computer only; Ctrl-C stops it)")
        else:
            say(
                f"annexa-check serve: {url} (listening on {host} as --host asks: other computers that can "
                "reach it can open this address; Ctrl-C stops it)"
            )
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(state),
                log_level="warning",
                access_log=False,
                lifespan="on",
                timeout_graceful_shutdown=5,
            )
        )
        if browser:
            threading.Thread(target=_open_when_up, args=(server, url), daemon=True).start()
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn passes Ctrl-C on once it has shut down
            server.run(sockets=[sock])
    finally:
        state.folders.close()
    say("annexa-check serve: stopped; the uploads and results are deleted")


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on `host` (port 0: a free one), so the address is known before serving."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)  # connections wait here until the server takes them
    except OSError as exc:
        raise AnnexaError(f"cannot listen on {host} port {port} ({exc.strerror or exc})") from None
    return sock


def _open_when_up(server: uvicorn.Server, url: str) -> None:
    for _ in range(200):
        if server.started:
            webbrowser.open(url)
            return
        time.sleep(0.05)
