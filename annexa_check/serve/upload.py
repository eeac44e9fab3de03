"""Reading the form: the file is streamed into the upload's private folder, never held whole in
memory nor spooled to the system's temporary folder, and refused past the size limit."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    from python_multipart.multipart import Field, File, FormParser, parse_options_header
except ImportError:  # python-multipart before 0.0.13 had only this name
    from multipart.multipart import Field, File, FormParser, parse_options_header  # type: ignore[no-redef,import-untyped,unused-ignore]
from starlette.requests import Request

from annexa_check.errors import AnnexaError, printable
from annexa_check.read.safety import MB, raise_with

FILE_FIELD = "workbook"
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".zip")  # what the file chooser offers
_FIELDS = ("reference_date", "template", "record")
_FORM_SLACK = 64 * 1024  # the form's other fields and part headers, beyond the file itself
_NAME_MAX = 255


@dataclass
class Upload:
    name: str  # the file's own name, as the user knows it
    path: Path  # where it was saved, in the upload's folder
    fields: dict[str, str] = field(default_factory=dict)


def too_large(name: str, size: int, limit_mb: int) -> str:
    """The one line an upload over the limit gets, naming the limit and how to raise it."""
    return (
        f"{name}: the file is {size / MB:,.1f} MB, over the {limit_mb:,} MB upload limit; "
        f"if it is genuine, {raise_with('max_upload_mb')}"
    )


def _name(raw: bytes | None) -> str:
    """The uploaded file's base name, as one printable line (a browser sends only the name)."""
    text = (raw or b"").decode("utf-8", "replace").replace("\\", "/").rsplit("/", 1)[-1]
    return printable(text.strip())[:_NAME_MAX] or "upload"


async def read_upload(request: Request, folder: Path, limit_mb: int) -> Upload:
    """Stream the form into `folder`; raise AnnexaError with one line for a form the page never sends
    or a file over `limit_mb`.

    An upload over the limit is read to its end and discarded, so the browser gets the message
    rather than a broken connection.
    """
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise AnnexaError("the request held no file; choose a workbook and press Check")
    fields: dict[str, str] = {}
    files: list[File] = []

    def on_field(f: Field) -> None:
        name = (f.field_name or b"").decode("utf-8", "replace")
        if name in _FIELDS:
            fields[name] = (f.value or b"").decode("utf-8", "replace")

    def on_file(f: File) -> None:
        files.append(f)

    config: Any = {
        "UPLOAD_DIR": str(folder),
        "MAX_MEMORY_FILE_SIZE": 0,  # straight to the private folder
        "UPLOAD_DELETE_TMP": False,
        "MAX_FIELDS": 16,
        "MAX_FIELD_SIZE": 1024,
    }
    parser = FormParser(
        "multipart/form-data", on_field, on_file, boundary=options[b"boundary"], config=config
    )
    limit = limit_mb * MB
    received, over = 0, False
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit + _FORM_SLACK:
                over = True  # read on to the end, writing nothing
            if not over:
                parser.write(chunk)
        if not over:
            parser.finalize()
    except AnnexaError:
        raise
    except Exception:
        raise AnnexaError(
            "the upload was cut short or malformed; choose the file and press Check again"
        ) from None
    finally:
        for f in files:
            f.close()
    chosen = [f for f in files if f.field_name == FILE_FIELD.encode()]
    name = _name(chosen[0].file_name) if chosen else "upload"
    if over or (chosen and chosen[0].size > limit):
        raise AnnexaError(too_large(name, chosen[0].size if chosen and not over else received, limit_mb))
    if not chosen or (not chosen[0].file_name and not chosen[0].size):
        raise AnnexaError("no file was chosen; choose a workbook (or a zip of CSV extracts) and press Check")
    return Upload(name, _saved(chosen[0], folder, name), fields)


def _saved(upload: File, folder: Path, name: str) -> Path:
    """The uploaded file under a plain name in `folder`, keeping the suffix the reader goes by."""
    suffix = Path(name).suffix.lower()
    target = folder / f"upload{suffix if suffix.isascii() and len(suffix) <= 8 else ''}"
    written = upload.actual_file_name
    if written is None:  # an empty file never reached the disk
        target.write_bytes(b"")
    else:
        os.replace(os.fsdecode(written), target)
    return target
