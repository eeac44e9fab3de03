"""The web app: a token in every address, an upload form, the checked result and its downloads.

Every address starts with a random token made at each start; any request without it gets 403,
so another program or web page on the computer cannot use the server. Checks run in worker
threads, so two uploads at once each get their own result.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from annexa_check.errors import AnnexaError, one_line
from annexa_check.serve import page
from annexa_check.serve.upload import read_upload
from annexa_check.serve.work import Checked, Folders, check_upload
from annexa_check.serve.work import Request as Asked
from annexa_check.settings.config import Settings, implausible_reference_date

# The app's pages load only from this address; the report (one file, inline styles and script, as
# `--report` writes it) keeps its own stricter policy: it loads nothing at all.
APP_CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
KEPT_RESULTS = 20  # results held for their page and downloads; older ones are dropped
_ASSETS = {"serve.css": "text/css; charset=utf-8", "serve.js": "text/javascript; charset=utf-8"}
_TEMPLATES = {value for value, _label in page.TEMPLATES}


@dataclass
class State:
    """One server's settings, its private folder and the results it holds."""

    settings: Settings
    history: Path
    limit_mb: int
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    folders: Folders = field(default_factory=Folders)
    results: OrderedDict[str, Checked] = field(default_factory=OrderedDict)

    @property
    def base(self) -> str:
        return f"/{self.token}/"

    def default_date(self) -> date:
        """The settings file's reference date on today's date (it may say end-of-last-month), else today."""
        config = self.settings.config
        return (config.reference_date_on(date.today()) if config else None) or date.today()

    def keep(self, checked: Checked) -> str:
        key = secrets.token_urlsafe(12)
        self.results[key] = checked
        while len(self.results) > KEPT_RESULTS:
            self.results.popitem(last=False)
        return key


def _headers(csp: str = APP_CSP) -> dict[str, str]:
    """Child-level data: never cached, never sniffed, no referrer (the token is in the address)."""
    return {
        "Content-Security-Policy": csp,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Resource-Policy": "same-origin",
    }


class _Token:
    """Refuse (403) every request whose address does not start with the token."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            first = scope["path"].lstrip("/").split("/", 1)[0].encode("utf-8", "replace")
            if not secrets.compare_digest(first, self.token):
                refused = PlainTextResponse(
                    "Forbidden: open the address that 'annexa-check serve' printed.\n",
                    403,
                    headers=_headers(),
                )
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(state: State) -> Any:
    """The ASGI app for `state`; its shutdown removes the private folder (uvicorn runs it on Ctrl-C)."""
    base = state.base

    def form(message: str = "", status: int = 200, template: str = "auto") -> HTMLResponse:
        text = page.upload_page(
            base,
            reference_date=state.default_date(),
            limit_mb=state.limit_mb,
            history=str(state.history),
            message=message,
            template=template,
        )
        return HTMLResponse(text, status, headers=_headers())

    async def index(_request: Request) -> Response:
        return form()

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _ASSETS:
            return PlainTextResponse("Not found\n", 404, headers=_headers())
        text = (resources.files("annexa_check.serve") / "assets" / name).read_text(encoding="utf-8")
        return Response(text, media_type=_ASSETS[name], headers=_headers())

    async def check(request: Request) -> Response:
        wants_json = "application/json" in request.headers.get("accept", "")
        folder = state.folders.new()
        template = "auto"
        try:
            upload = await read_upload(request, folder, state.limit_mb)
            template = upload.fields.get("template") or "auto"
            asked = Asked(
                upload.name,
                _reference_date(upload.fields.get("reference_date"), state),
                template,
                record=upload.fields.get("record") == "yes",
            )
            if template not in _TEMPLATES:
                raise AnnexaError(f"unknown template '{template}' (use 2019, 2023 or auto)")
            checked = await run_in_threadpool(check_upload, upload.path, state.settings, asked, state.history)
        except AnnexaError as exc:
            message = str(exc)
            if wants_json:
                return JSONResponse({"error": message}, 422, headers=_headers())
            return form(message, 422, template if template in _TEMPLATES else "auto")
        finally:
            state.folders.remove(folder)
        where = f"{base}result/{state.keep(checked)}/"
        if wants_json:
            return JSONResponse({"result": where, "headline": checked.headline}, headers=_headers())
        return RedirectResponse(where, 303, headers=_headers())

    def held(request: Request) -> Checked | None:
        return state.results.get(request.path_params["key"])

    async def result(request: Request) -> Response:
        checked = held(request)
        if checked is None:
            return HTMLResponse(page.gone_page(base), 404, headers=_headers())
        return HTMLResponse(page.result_page(base, checked), headers=_headers())

    async def report(request: Request) -> Response:
        checked = held(request)
        if checked is None:
            return HTMLResponse(page.gone_page(base), 404, headers=_headers())
        return HTMLResponse(checked.html, headers=_headers(REPORT_CSP))

    async def download(request: Request) -> Response:
        checked = held(request)
        wanted = checked.downloads.get(request.path_params["kind"]) if checked else None
        if wanted is None:
            return PlainTextResponse(
                "This file is no longer held; check the workbook again.\n", 404, headers=_headers()
            )
        try:  # a copy of the workbook is made on its first download, in a worker thread: it takes seconds
            body = wanted.content() if wanted.body is not None else await run_in_threadpool(wanted.content)
        except AnnexaError as exc:
            return PlainTextResponse(f"{one_line(exc)}\n", 422, headers=_headers())
        disposition = (
            f"attachment; filename=\"{_ascii(wanted.filename)}\"; filename*=UTF-8''{quote(wanted.filename)}"
        )
        return Response(
            body,
            media_type=wanted.media_type,
            headers={**_headers(), "Content-Disposition": disposition},
        )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            state.results.clear()
            state.folders.close()

    app = Starlette(
        routes=[
            Route(base, index),
            Route(f"{base}static/{{name}}", asset),
            Route(f"{base}check", check, methods=["POST"]),
            Route(f"{base}result/{{key}}/", result),
            Route(f"{base}result/{{key}}/report.html", report),
            Route(f"{base}result/{{key}}/download/{{kind}}", download),
        ],
        lifespan=lifespan,
    )
    return _Token(app, state.token)


def _reference_date(value: str | None, state: State) -> date:
    """The form's date (blank: the default), refused as the CLI refuses it when it cannot be meant."""
    if not value:
        return state.default_date()
    try:
        chosen = date.fromisoformat(value)
    except ValueError:
        raise AnnexaError(f"reference date '{value[:40]}' is not a date in the form YYYY-MM-DD") from None
    problem = implausible_reference_date(chosen)
    if problem:
        raise AnnexaError(problem)
    return chosen


def _ascii(name: str) -> str:
    return name.encode("ascii", "replace").decode("ascii").replace('"', "'").replace("?", "_")
