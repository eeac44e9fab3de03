"""Reading the form: the file is streamed into the upload's private folder, never held whole in
memory nor spooled to the system's temporary folder, and refused past the size limit."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

try:
    from python_multipart.multipart import MultipartParser, parse_options_header
except ImportError:  # python-multipart before 0.0.13 had only this name
    from multipart.multipart import (  # type: ignore[no-redef,import-untyped,unused-ignore]
        MultipartParser,
        parse_options_header,
    )
from starlette.requests import Request

from annexa_check.errors import AnnexaError, printable
from annexa_check.read.safety import MB, raise_with

# The parser logs what it finds wrong in a form (a character of a header, a position) as warnings on
# the server's terminal; the page already tells the user one line, so only its errors are let through.
logging.getLogger(MultipartParser.__module__).setLevel(logging.ERROR)

FILE_FIELD = "workbook"
_FIELDS = ("reference_date", "template", "record")
_FIELD_MAX = 1024  # a field or header of the page's form is a few bytes
_NAME_MAX = 255
_CUT_SHORT = "the upload was cut short or malformed; choose the file and press Check again"


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


class _Form:
    """The parts of one form as the streaming parser finds them: fields kept (small), the file written."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.folder, self.limit = folder, limit
        self.fields: dict[str, str] = {}
        self.name: str | None = None  # the file's own name, once its part began
        self.path: Path | None = None
        self.size = 0
        self.over = False
        self.ended = False  # the form's closing boundary was read: the browser sent it all
        self._headers: dict[bytes, bytes] = {}
        self._header = [b"", b""]
        self._field: str | None = None
        self._value = bytearray()
        self._file: BinaryIO | None = None

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda data, start, end: self._grow(0, data[start:end]),
            "on_header_value": lambda data, start, end: self._grow(1, data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done,
            "on_part_data": self._data,
            "on_part_end": self._end,
            "on_end": self._ended,
        }

    def _begin(self) -> None:
        self._headers, self._field, self._value = {}, None, bytearray()

    def _grow(self, which: int, data: bytes) -> None:
        self._header[which] += data
        if len(self._header[which]) > _FIELD_MAX:
            raise AnnexaError("the form's headers are too long; choose the file and press Check again")

    def _header_end(self) -> None:
        self._headers[self._header[0].strip().lower()] = self._header[1].strip()
        self._header = [b"", b""]

    def _headers_done(self) -> None:
        _kind, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        field_name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            self._field = field_name if field_name in _FIELDS else None
            return
        if field_name != FILE_FIELD or self.name is not None or not options[b"filename"].strip():
            return  # another file, or none chosen: not read
        self.name = _name(options[b"filename"])
        suffix = Path(self.name).suffix.lower()
        self.path = self.folder / f"upload{suffix if suffix.isascii() and len(suffix) <= 8 else ''}"
        self._file = self.path.open("wb")

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self.size += end - start
            if self.size > self.limit:
                self.over = True
                self.close()
            else:
                self._file.write(data[start:end])
        elif self._field is not None:
            self._value += data[start:end]
            if len(self._value) > _FIELD_MAX:
                raise AnnexaError(f"the form's {self._field} is too long; press Check again")

    def _end(self) -> None:
        if self._field is not None:
            self.fields[self._field] = self._value.decode("utf-8", "replace")
        self.close()

    def _ended(self) -> None:
        self.ended = True

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


async def read_upload(request: Request, folder: Path, limit_mb: int) -> Upload:
    """Stream the form into `folder`; raise AnnexaError with one line for a form the page never sends
    or a file over `limit_mb`.

    An upload over the limit is read to its end and discarded, so the browser gets the message
    rather than a broken connection.
    """
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise AnnexaError("the request held no file; choose a workbook and press Check")
    form = _Form(folder, limit_mb * MB)
    parser = MultipartParser(options[b"boundary"], form.callbacks())
    try:
        async for chunk in request.stream():
            if not form.over:
                parser.write(chunk)
            else:
                form.size += len(chunk)  # read on to the end, writing nothing
        if not form.over:
            parser.finalize()
            if not form.ended:  # the body stopped before the form's end: the file in it is cut off
                raise AnnexaError(_CUT_SHORT)
    except AnnexaError:
        raise
    except Exception:
        raise AnnexaError(_CUT_SHORT) from None
    finally:
        form.close()
    if form.over:
        raise AnnexaError(too_large(form.name or "upload", form.size, limit_mb))
    if form.name is None or form.path is None:
        raise AnnexaError("no file was chosen; choose a workbook (or a zip of CSV extracts) and press Check")
    return Upload(form.name, form.path, form.fields)
