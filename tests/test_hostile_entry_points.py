"""Hostile input at the entry points added after validate: `annexa_check.check()`, `annotate`,
`fix` and `serve`.

The rule is validate's: bad input gets one specific line naming what is wrong, never a
traceback, a crash or a native library's panic text, and the user's file is never changed.
Every file and request here is made by the test itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from builders import write_xlsx
from openpyxl.chart import BarChart, Reference
from test_cli import CIN_OPEN as CIN

import annexa_check
from annexa_check.catalogue.spec import load_spec
from annexa_check.errors import AnnexaError, InputError

REFERENCE = "2025-03-31"
HEADERS = [c.header for c in load_spec().lists["list_1"].columns_for("2023")]


def refusal(source: Any) -> str:
    """What `check()` says of a source it must refuse: one line, an AnnexaError."""
    with pytest.raises(AnnexaError) as caught:
        annexa_check.check(source, reference_date=REFERENCE)
    message = str(caught.value)
    assert "\n" not in message
    return message


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def every_column(series: pl.Series) -> dict[str, pl.DataFrame]:
    """List 1 with every template column holding `series`."""
    return {"list_1": pl.DataFrame({header: series.alias(header) for header in HEADERS})}


# ---------------------------------------------------------------------------- check() given bytes


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "<bytes>: the workbook is empty (no bytes)"),
        (
            b"\x00\x01garbage" * 50,
            "<bytes>: not a workbook or a .zip of CSV files (no zip package or Excel 97-2003 file inside)",
        ),
        (
            b"PK\x03\x04" + b"\x00" * 50,
            "<bytes>: the workbook is damaged or incomplete (its zip package is truncated or corrupt); "
            "copy it again or re-save it in Excel",
        ),
        (
            bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 100,
            "<bytes>: not an Excel workbook (an Office file of another kind, such as a .doc)",
        ),
        (
            zipped({"notes.txt": b"hello", "logo.png": b"\x89PNG"}),
            "<bytes>: no Annex A list found (files: 'notes.txt'); expected files named like List_1.csv ... "
            "List_11.csv or with the template's column headers",
        ),
        (
            zipped({}),
            "<bytes>: no CSV files found (expected one file per list, named like List_1.csv ... List_11.csv)",
        ),
        (
            zipped({"List 1.csv": bytes(range(256)) * 4}),
            "<bytes>: 'List 1.csv': cannot be decoded: byte 0x00 at offset 0 is not text; save it as CSV UTF-8",
        ),
    ],
    ids=["empty", "garbage", "broken-zip", "other-office-file", "zip-of-non-csv", "empty-zip", "binary-csv"],
)
def test_bytes_that_are_no_return_get_one_line(data: bytes, message: str) -> None:
    assert refusal(data) == message
    assert refusal(bytearray(data)) == message
    assert refusal(memoryview(data)) == message


def test_a_zip_member_named_outside_the_archive_is_read_in_memory_not_unpacked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`../../x/List 1.csv` inside a zip: read from the archive, nothing is written beside it."""
    monkeypatch.chdir(tmp_path)
    result = annexa_check.check(zipped({"../../escaped/List_1.csv": b"a,b\n1,2\n"}), reference_date=REFERENCE)
    assert result.report.workbook.name == "<bytes>"
    assert list(tmp_path.iterdir()) == [] and not (tmp_path.parent.parent / "escaped").exists()


# ---------------------------------------------------------------------------- check() given frames


@pytest.mark.parametrize(
    ("series", "shown"),
    [
        (pl.Series([object(), None], dtype=pl.Object), "Object"),
        (pl.Series([{"a": 1}, None]), "Struct({'a': Int64})"),
        (pl.Series([timedelta(days=1), None]), "Duration(time_unit='us')"),
        (pl.Series([[1], None]), "List(Int64)"),
        (pl.Series([b"\xff", None]), "Binary"),
    ],
    ids=["object", "struct", "duration", "list", "binary"],
)
def test_frames_of_types_no_cell_holds_are_refused_by_column(series: pl.Series, shown: str) -> None:
    assert refusal(every_column(series)) == (
        f"frames: list_1: column 'Child Unique ID' holds {shown} values, which no workbook cell can; "
        "give it as text, a number or a date"
    )


@pytest.mark.parametrize(
    "series",
    [
        pl.Series([Decimal("1.50"), None], dtype=pl.Decimal(10, 2)),
        pl.Series(["1.5", None], dtype=pl.Categorical),
        pl.Series(["1.5", None], dtype=pl.Enum(["1.5"])),
    ],
    ids=["decimal", "categorical", "enum"],
)
def test_frames_of_decimal_and_categorical_are_read_as_their_text(series: pl.Series) -> None:
    """A Decimal 1.50 and a category "1.5" are the same cell text: the same findings."""
    as_text = annexa_check.check(every_column(pl.Series(["1.50" if series.dtype.is_decimal() else "1.5", None])),
                                 reference_date=REFERENCE)  # fmt: skip
    result = annexa_check.check(every_column(series), reference_date=REFERENCE)
    assert result.findings.drop("sheet").equals(as_text.findings.drop("sheet"))
    assert result.report.headline == as_text.report.headline


@pytest.mark.parametrize(
    ("series", "index"),
    [
        (pl.Series([0, 10**18, None]).cast(pl.Datetime("ms")), 1),
        (pl.Series([0, -(9 * 10**18), None]).cast(pl.Datetime("us")), 1),
        (pl.Series([0, None, -(2**31)], dtype=pl.Int32).cast(pl.Date), 2),
    ],
    ids=["datetime-ms", "datetime-us", "date"],
)
def test_a_date_past_any_calendar_is_one_line_not_a_panic(series: pl.Series, index: int) -> None:
    """Once a PanicException from polars (with its backtrace notice on stderr); now the column's line."""
    assert refusal(every_column(series)) == (
        "frames: list_1: column 'Child Unique ID' holds a date hundreds of thousands of years away at "
        f"index {index}, which no workbook cell can; give a real date"
    )


def test_a_far_but_showable_date_is_checked_not_refused() -> None:
    """Year 262,071 is absurd but polars can write it: the rules judge it, as a workbook's would be."""
    far = pl.Series([0, 95_000_000]).cast(pl.Int32).cast(pl.Date)
    result = annexa_check.check(every_column(far), reference_date=REFERENCE)
    born = result.findings.filter(pl.col("column") == "Date of Birth")
    assert born.select("row", "rule", "value").rows() == [(3, "AX005", "+262071-03-02 00:00:00")]


# ---------------------------------------------------------------------------- serve: hostile forms
#
# The app is driven in this process through its ASGI interface, so a test can send what no
# browser sends: a body that stops early, a name with separators or NUL, two files.

EXAMPLE = Path(__file__).resolve().parents[1] / "example_returns" / "example_dry_run.xlsx"
BOUNDARY = "hostile-boundary"
FORM = {"content-type": f"multipart/form-data; boundary={BOUNDARY}", "accept": "application/json"}
END = f"--{BOUNDARY}--\r\n".encode()
CUT_SHORT = "the upload was cut short or malformed; choose the file and press Check again"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from annexa_check.serve.app import State, create_app
    from annexa_check.settings.config import load_settings

    folder = tmp_path_factory.mktemp("serve")
    state = State(load_settings(load_spec(), no_config=True), folder / "history.sqlite", 200)
    yield state, create_app(state)
    state.folders.close()


def part(name: str, data: bytes, filename: str | None = None) -> bytes:
    named = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    return f"--{BOUNDARY}\r\nContent-Disposition: {named}\r\n\r\n".encode() + data + b"\r\n"


def dated(*parts: bytes) -> bytes:
    return part("reference_date", REFERENCE.encode()) + b"".join(parts)


def request(
    app: Any,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    method: str = "POST",
    hang_up: bool = False,
) -> tuple[int, dict[str, str], bytes]:
    """One request to the app; `hang_up`: the browser goes away after sending `body`."""
    state, asgi = app
    messages = [{"type": "http.request", "body": body, "more_body": hang_up}]
    if hang_up:
        messages.append({"type": "http.disconnect"})
    answer: dict[str, Any] = {"status": None, "headers": {}, "body": b""}

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = {k.decode(): v.decode("latin-1") for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": state.base + path, "raw_path": (state.base + path).encode(),
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
        "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()],
    }  # fmt: skip
    asyncio.run(asyncio.wait_for(asgi(scope, receive, send), 120))
    return answer["status"], answer["headers"], answer["body"]


def refused_form(app: Any, body: bytes, headers: dict[str, str] = FORM, **kwargs: Any) -> str:
    status, _headers, answer = request(app, "check", body, headers, **kwargs)
    assert status == 422, answer
    return json.loads(answer)["error"]


def test_a_form_with_no_file_part_is_told_to_choose_one(app: Any) -> None:
    chosen = "no file was chosen; choose a workbook (or a zip of CSV extracts) and press Check"
    assert refused_form(app, dated(END)) == chosen
    assert refused_form(app, dated(part("workbook", EXAMPLE.read_bytes(), filename=""), END)) == chosen
    plain = {"content-type": "application/x-www-form-urlencoded", "accept": "application/json"}
    assert (
        refused_form(app, b"workbook=x", plain)
        == "the request held no file; choose a workbook and press Check"
    )


def test_a_body_cut_short_is_told_as_the_upload_not_the_workbook(app: Any) -> None:
    """Once the half of the file that arrived was checked: "the workbook is damaged", which it is not."""
    whole = dated(part("workbook", EXAMPLE.read_bytes(), filename="dry run.xlsx"), END)
    cut = whole[: len(whole) // 2]
    assert refused_form(app, cut) == CUT_SHORT
    assert refused_form(app, cut, hang_up=True) == CUT_SHORT
    assert refused_form(app, whole[: whole.index(END)]) == CUT_SHORT  # all but the closing boundary


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("../../etc/dry run.xlsx", "dry run.xlsx"),
        ("C:\\Users\\officer\\dry run.xlsx", "dry run.xlsx"),
        ("dry\x00run\x1b[31m.xlsx", "dry\\x00run\\x1b[31m.xlsx"),
    ],
    ids=["slashes", "backslashes", "nul-and-escape"],
)
def test_a_file_name_with_separators_or_nul_is_shown_by_its_base_name(
    app: Any, sent: str, shown: str
) -> None:
    status, _headers, answer = request(
        app, "check", dated(part("workbook", EXAMPLE.read_bytes(), sent), END), FORM
    )
    assert status == 200, answer
    where = json.loads(answer)["result"]
    status, _headers, page_html = request(app, where.removeprefix(app[0].base), method="GET")
    assert status == 200
    text = page_html.decode()
    assert f'<h1 id="checked">{shown}</h1>' in text
    assert "\x00" not in text and "\x1b" not in text and "etc/" not in text and "Users" not in text


def test_two_files_only_the_first_is_checked(app: Any) -> None:
    body = dated(
        part("workbook", EXAMPLE.read_bytes(), "first.xlsx"), part("workbook", b"junk", "second.txt"), END
    )
    status, _headers, answer = request(app, "check", body, FORM)
    assert status == 200
    assert json.loads(answer)["headline"] == "56 errors in 13 types across 52 children; 0 lists incomplete."
    reversed_body = dated(
        part("workbook", b"junk", "second.txt"), part("workbook", EXAMPLE.read_bytes(), "first.xlsx"), END
    )
    assert (
        refused_form(app, reversed_body)
        == "second.txt: not an Excel workbook (expected .xlsx, .xlsm, .xls, .ods)"
    )


def test_the_private_folders_are_gone_after_every_hostile_form(app: Any) -> None:
    state, _asgi = app
    refused_form(app, dated(part("workbook", EXAMPLE.read_bytes(), "x.xlsx"))[:3000])
    refused_form(app, dated(part("workbook", b"", "empty.xlsx"), END))
    assert list(state.folders.root.iterdir()) == []


# ---------------------------------------------------------------------------- fix and annotate


def renamed(source: Path, target: Path, names: dict[str, bytes]) -> Path:
    """A copy of `source` whose sheets are renamed in the workbook's XML, past what Excel's own
    dialog (or xlsxwriter) would accept."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/workbook.xml":
                for old, new in names.items():
                    data = data.replace(f'name="{old}"'.encode(), b'name="' + new + b'"')
            out.writestr(item, data)
    return target


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def list_6_rows() -> list[list[Any]]:
    columns = load_spec().lists["list_6"].columns_for("2023")
    return [[c.header for c in columns], [CIN.get(c.key) for c in columns]]


def test_fix_gives_sheets_excel_would_refuse_a_legal_name_and_logs_it(tmp_path: Path) -> None:
    """Once "internal error (InvalidWorksheetName)": the copy's writer refuses what the reader took."""
    from annexa_check.api.fix import fix_workbook
    from annexa_check.settings.config import load_settings

    sheets = {"List 6": list_6_rows(), "One": [["a"]], "Two": [["b"]], "Three": [["c"]], "Four": [["d"]]}
    source = renamed(
        write_xlsx(tmp_path / "plain.xlsx", sheets),
        tmp_path / "odd names.xlsx",
        {
            "One": b"Notes [draft]: a/b?",
            "Two": b"'quoted'",
            "Three": b"x" * 40,
            "Four": b"notes _draft__ a_b_",
        },
    )
    before = digest(source)
    settings = load_settings(load_spec(), no_config=True, reference_date=date(2025, 3, 31))
    done = fix_workbook(source, tmp_path / "ready.xlsx", settings)
    assert digest(source) == before
    book = openpyxl.load_workbook(done.path)
    assert book.sheetnames[:4] == ["Notes _draft__ a_b_", "quoted", "x" * 31, "notes _draft__ a_b_ (2)"]
    assert [book[name]["A1"].value for name in book.sheetnames[:4]] == ["a", "b", "c", "d"]
    why = "a sheet name Excel does not allow ([ ] : * ? / \\, a quote at either end, over 31 characters) or one taken"
    renames = [(c.before, c.after, c.why) for c in done.changes if c.cell == ""]
    assert renames[:4] == [
        ("Notes [draft]: a/b?", "Notes _draft__ a_b_", why),
        ("'quoted'", "quoted", why),
        ("x" * 40, "x" * 31, why),
        ("notes _draft__ a_b_", "notes _draft__ a_b_ (2)", why),
    ]


@pytest.mark.filterwarnings("ignore:Title is more than 31 characters")
def test_annotate_prints_none_of_the_editors_warnings(tmp_path: Path) -> None:
    """A sheet name over Excel's 31 characters: openpyxl warned on stderr, with its own source path."""
    source = renamed(
        write_xlsx(tmp_path / "plain.xlsx", {"List 6": list_6_rows(), "Notes": [["a"]]}),
        tmp_path / "long name.xlsx",
        {"Notes": b"n" * 40},
    )
    before = digest(source)
    done = subprocess.run(
        [sys.executable, "-m", "annexa_check", "annotate", str(source), "-o", str(tmp_path / "marked.xlsx"),
         "--reference-date", REFERENCE, "--no-config", "-q"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert digest(source) == before
    assert openpyxl.load_workbook(tmp_path / "marked.xlsx").sheetnames == ["Findings", "List 6", "n" * 40]


def test_fix_reads_a_workbook_whose_name_is_not_utf8(tmp_path: Path) -> None:
    """An old file server's Latin-1 `café`: validate and annotate read it; fix said "cannot be read"."""
    from annexa_check.api.fix import fix_workbook
    from annexa_check.settings.config import load_settings

    source = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9 return.xlsx"))
    write_xlsx(source, {"List 6": list_6_rows()})
    settings = load_settings(load_spec(), no_config=True, reference_date=date(2025, 3, 31))
    done = fix_workbook(source, tmp_path / "ready.xlsx", settings)
    assert openpyxl.load_workbook(done.path)["List_6"]["A3"].value == CIN["child_id"]
    damaged = Path(os.fsdecode(os.fsencode(tmp_path) + b"/d\xe9bris.xlsx"))
    damaged.write_bytes(b"PK\x03\x04" + b"\x00" * 50)
    with pytest.raises(InputError) as caught:
        fix_workbook(damaged, tmp_path / "other.xlsx", settings)
    assert str(caught.value) == (
        f"{damaged}: the workbook is damaged or incomplete (its zip package is truncated or corrupt); "
        "copy it again or re-save it in Excel"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([source.name, damaged.name, "ready.xlsx"])


@pytest.fixture(scope="module")
def awkward(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Workbooks a council may well have: an .xlsm with no macros, a chart sheet, 10,000-character
    cells, formulas (one a link), and a child ID that is text starting with `=`."""
    folder = tmp_path_factory.mktemp("awkward")
    rows = list_6_rows()
    injected = [*rows, [f'=HYPERLINK("http://example.invalid","{CIN["child_id"]}")', *rows[1][1:]]]
    base = write_xlsx(folder / "base.xlsx", {"List 6": injected})
    macro_less = folder / "no macros.xlsm"
    macro_less.write_bytes(base.read_bytes())
    book = openpyxl.load_workbook(base)
    chart = BarChart()
    chart.add_data(Reference(book["List 6"], min_col=1, min_row=1, max_row=3))
    book.create_chartsheet("Chart1").add_chart(chart)
    book.save(folder / "chart sheet.xlsx")
    long_row = [("X" if c == 0 else "T") * 10_000 if c in (0, 12) else v for c, v in enumerate(rows[1])]
    write_xlsx(folder / "long cells.xlsx", {"List 6": [rows[0], long_row, rows[1]]})
    book = openpyxl.load_workbook(base)
    book["List 6"]["B2"] = "=1+1"
    book["List 6"]["C3"] = '=HYPERLINK("http://example.invalid","click")'
    book.save(folder / "formulas.xlsx")
    return {p.stem: p for p in folder.iterdir()}


def settings_at_reference() -> Any:
    from annexa_check.settings.config import load_settings

    return load_settings(load_spec(), no_config=True, reference_date=date(2025, 3, 31))


def test_annotate_keeps_what_each_awkward_workbook_has(awkward: dict[str, Path], tmp_path: Path) -> None:
    from annexa_check.api.annotate import annotate

    before = {name: digest(path) for name, path in awkward.items()}
    out = {}
    for name, path in awkward.items():
        out[name] = annotate(path, tmp_path / f"{name}.checked{path.suffix}", settings_at_reference()).output
    assert {name: digest(path) for name, path in awkward.items()} == before
    with zipfile.ZipFile(out["no macros"]) as copy:
        assert b"sheet.macroEnabled.main+xml" in copy.read("[Content_Types].xml")
    assert openpyxl.load_workbook(out["chart sheet"]).sheetnames == ["Findings", "List 6", "Chart1"]
    long_sheet = openpyxl.load_workbook(out["long cells"])["List 6"]
    assert (long_sheet["A2"].value, long_sheet["M2"].value) == ("X" * 10_000, "T" * 10_000)
    marked = openpyxl.load_workbook(out["formulas"])
    council = marked["List 6"]
    assert [(council[ref].data_type, council[ref].value) for ref in ("B2", "C3", "A3")] == [
        ("f", "=1+1"),  # the council's own formulas stay formulas: the copy is their workbook
        ("f", '=HYPERLINK("http://example.invalid","click")'),
        ("s", f'=HYPERLINK("http://example.invalid","{CIN["child_id"]}")'),  # text stays text
    ]
    listed = marked["Findings"]
    ids = [
        row[2]
        for row in listed.iter_rows(min_row=2, values_only=True)
        if row[2] and str(row[2]).startswith("=")
    ]
    assert ids and all(
        cell.data_type == "s" and cell.quotePrefix
        for row in listed.iter_rows(min_row=2, min_col=3, max_col=3)
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith("=")
    )


def test_fix_writes_no_formula_and_keeps_long_cells(awkward: dict[str, Path], tmp_path: Path) -> None:
    from annexa_check.api.fix import fix_workbook

    before = {name: digest(path) for name, path in awkward.items()}
    done = {
        name: fix_workbook(path, tmp_path / f"{name}.ready.xlsx", settings_at_reference())
        for name, path in awkward.items()
    }
    assert {name: digest(path) for name, path in awkward.items()} == before
    for name, result in done.items():
        book = openpyxl.load_workbook(result.path)
        formulas = [
            (s.title, c.coordinate)
            for s in book.worksheets
            for row in s.iter_rows()
            for c in row
            if c.data_type == "f"
        ]
        assert formulas == [], name
    long_sheet = openpyxl.load_workbook(done["long cells"].path)["List_6"]
    assert (long_sheet["A3"].value, long_sheet["M3"].value) == ("X" * 10_000, "T" * 10_000)
    formula_sheet = openpyxl.load_workbook(done["formulas"].path)["List_6"]
    assert [(formula_sheet[ref].value, formula_sheet[ref].quotePrefix) for ref in ("B3", "C4")] == [
        ("=1+1", True),
        ('=HYPERLINK("http://example.invalid","click")', True),
    ]


# ---------------------------------------------------------------------------- the pre-check guards every way in


@pytest.fixture
def no_reader_or_editor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if a hostile file gets past the pre-check to the reader or the editor (they abort on it)."""
    import fastexcel
    import python_calamine

    def forbidden(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("a reader was called")

    monkeypatch.setattr(fastexcel, "read_excel", forbidden)
    monkeypatch.setattr(openpyxl, "load_workbook", forbidden)
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", forbidden)


SPANS = (
    "spans A1:XFD1048576 (17,179,869,184 cells), above the 50,000,000-cell limit; delete the stray cells "
    "far from the data (Ctrl+End in Excel shows the last one) and save again, or raise the limit with "
    "max_sheet_cells under [limits] in the settings file"
)


def hostile_xlsx(folder: Path, kind: str) -> tuple[Path, str]:
    from test_hostile_read import HEADER, MAIN, xlsx

    if kind == "far-corner":
        path = xlsx(folder / "far.xlsx", HEADER + "<row r='1048576'><c r='xfd1048576'/></row>")
        return path, f"sheet 'List_6' {SPANS}"
    if kind == "implied-cells":
        path = xlsx(folder / "implied.xlsx", HEADER + '<row r="1048576">' + "<c/>" * 16_384 + "</row>")
        return path, f"sheet 'List_6' {SPANS}"
    strings = f'<sst xmlns="{MAIN}" count="4294967295" uniqueCount="4294967295"><si><t>x</t></si></sst>'
    path = xlsx(folder / "strings.xlsx", HEADER, extra={"xl/sharedStrings.xml": strings})
    return path, (
        "the shared strings table declares 4,294,967,295 entries (uniqueCount), above the 50,000,000-entry "
        "limit; refused as unsafe to open; if it is genuine, raise the limit with max_strings under [limits] "
        "in the settings file"
    )


@pytest.mark.parametrize("kind", ["far-corner", "implied-cells", "shared-strings"])
def test_every_entry_point_refuses_what_would_abort_the_reader(
    tmp_path: Path, no_reader_or_editor: None, kind: str
) -> None:
    from annexa_check.api.annotate import annotate
    from annexa_check.api.fix import fix_workbook

    path, reason = hostile_xlsx(tmp_path, kind)
    before = digest(path)
    assert refusal(path) == f"{path}: {reason}"
    assert refusal(path.read_bytes()) == f"<bytes>: {reason}"
    for make in (annotate, fix_workbook):
        with pytest.raises(AnnexaError) as caught:
            make(path, tmp_path / "copy.xlsx", settings_at_reference())
        assert str(caught.value) == f"{path}: {reason}"
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_check_refuses_a_damaged_xls_and_ods_repeats_given_as_bytes(
    tmp_path: Path, no_reader_or_editor: None
) -> None:
    from test_hostile_read import VALUE, ods
    from test_hostile_xls import xls

    damaged = xls(tmp_path / "damaged.xls", rows=200, cols=20)
    data = damaged.read_bytes()
    assert refusal(data[:76] + b"\xff\xff\xff\x7f" + data[80:]) == (
        "<bytes>: the workbook is damaged (its compound file structure is corrupt); copy it again or "
        "re-save it in Excel"
    )
    repeated = f'<table:table-row table:number-rows-repeated="4294967297">{VALUE.format(repeat="")}</table:table-row>'
    assert refusal(ods(tmp_path / "r.ods", repeated).read_bytes()) == (
        "<bytes>: sheet 'List_6' spans 4,294,967,297 rows by 1 columns (4,294,967,297 cells, counting repeated "
        "rows and columns), above the 50,000,000-cell limit; refused as unsafe to open; if it is genuine, raise "
        "the limit with max_sheet_cells under [limits] in the settings file"
    )


def test_fix_keeps_the_councils_own_sheet_named_changes(tmp_path: Path) -> None:
    """A sheet the council called "Changes" was dropped from the copy without a word, as if it were
    the log an earlier fix wrote; only that log (its exact header) is written anew."""
    from annexa_check.api.fix import fix_workbook

    sheets = {"List 6": list_6_rows(), "Changes": [["Date", "What changed"], ["01/03/2025", "Team renamed"]]}
    source = write_xlsx(tmp_path / "with changes.xlsx", sheets)
    done = fix_workbook(source, tmp_path / "ready.xlsx", settings_at_reference())
    book = openpyxl.load_workbook(done.path)
    assert book.sheetnames[0] == "Changes (2)" and book.sheetnames[-2:] == ["Changes", "Still to fix"]
    assert [list(r) for r in book["Changes (2)"].iter_rows(values_only=True)] == sheets["Changes"]
    why = "a sheet name Excel does not allow ([ ] : * ? / \\, a quote at either end, over 31 characters) or one taken"
    assert next((c.before, c.after, c.why) for c in done.changes if c.cell == "") == (
        "Changes",
        "Changes (2)",
        why,
    )
    again = fix_workbook(done.path, tmp_path / "again.xlsx", settings_at_reference())
    assert openpyxl.load_workbook(again.path).sheetnames == book.sheetnames  # its own log is not kept twice


@pytest.mark.parametrize("link", ["symlink", "hard-link", "same-path"])
def test_annotate_and_fix_never_write_over_the_workbook(tmp_path: Path, link: str) -> None:
    from annexa_check.api.annotate import annotate
    from annexa_check.api.fix import fix_workbook

    source = write_xlsx(tmp_path / "dry run.xlsx", {"List 6": list_6_rows()})
    before = digest(source)
    target = tmp_path / "copy.xlsx"
    if link == "symlink":
        target.symlink_to(source)
    elif link == "hard-link":
        target.hardlink_to(source)
    else:
        target = source
    with pytest.raises(AnnexaError) as caught:
        annotate(source, target, settings_at_reference())
    assert str(caught.value) == f"{target}: refusing to overwrite the workbook being checked"
    with pytest.raises(AnnexaError) as caught:
        fix_workbook(source, target, settings_at_reference())
    assert str(caught.value) == f"{target}: refusing to overwrite the workbook being fixed; name another file"
    assert digest(source) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({source.name, target.name})


@pytest.mark.parametrize("option", ["select", "ignore"])
def test_a_selection_of_the_wrong_type_is_one_line(option: str) -> None:
    """Once a bare TypeError ('int' object is not iterable), unlike every other option of check()."""
    with pytest.raises(AnnexaError) as caught:
        annexa_check.check(EXAMPLE, reference_date=REFERENCE, **{option: 5})
    assert str(caught.value) == (
        "select and ignore take rule codes, code prefixes or error types (text or a list of them), not a int"
    )


def test_serve_refuses_a_hostile_upload_with_the_clis_line_under_its_own_name(
    app: Any, tmp_path: Path, no_reader_or_editor: None
) -> None:
    path, reason = hostile_xlsx(tmp_path, "far-corner")
    assert refused_form(app, dated(part("workbook", path.read_bytes(), "dry run.xlsx"), END)) == (
        f"dry run.xlsx: {reason}"
    )
    not_csv = zipped({"notes.txt": b"hello", "logo.png": b"\x89PNG"})
    assert refused_form(app, dated(part("workbook", not_csv, "extracts.zip"), END)) == (
        "extracts.zip: no Annex A list found (files: 'notes.txt'); expected files named like List_1.csv ... "
        "List_11.csv or with the template's column headers"
    )
    assert list(app[0].folders.root.iterdir()) == []


def test_fix_says_it_leaves_a_chart_sheet_out(awkward: dict[str, Path], tmp_path: Path) -> None:
    """The chart sheet was dropped from the corrected copy without a word; now a note says so."""
    from annexa_check.api.fix import fix_workbook

    done = fix_workbook(awkward["chart sheet"], tmp_path / "ready.xlsx", settings_at_reference())
    assert "Chart1" not in openpyxl.load_workbook(done.path).sheetnames
    assert "Chart1: a chart sheet, not copied (the corrected copy holds values only)" in done.notes


def test_the_form_parsers_warnings_stay_off_the_terminal(app: Any, caplog: pytest.LogCaptureFixture) -> None:
    """A NUL in a part's header: the parser logged "Found invalid character 0 in header at 80" to stderr."""
    body = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="workbook"; filename="x.xlsx"\r\n'.encode()
    with caplog.at_level(logging.DEBUG):
        assert refused_form(app, body + b"\x00" * 100) == CUT_SHORT
    assert [r.getMessage() for r in caplog.records if r.name.startswith("python_multipart")] == []


def test_annotate_says_which_extensions_the_copy_loses(tmp_path: Path) -> None:
    """A drop-down list of codes from another sheet (Excel's x14 data validation): the editor drops it.
    Its warning once went to the terminal with the editor's source path; silencing it must not hide the
    loss, so the command's note names it."""
    from annexa_check.api.annotate import annotate

    ext = (
        b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        b'<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        b'<x14:dataValidation type="list"><x14:formula1><xm:f>Codes!$A$1:$A$5</xm:f></x14:formula1>'
        b"<xm:sqref>B2:B100</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>"
    )
    plain = write_xlsx(tmp_path / "plain.xlsx", {"List 6": list_6_rows(), "Codes": [["a) Male"]]})
    source = tmp_path / "drop-downs.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(source, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", ext + b"</worksheet>")
            out.writestr(item, data)
    before = digest(source)
    done = annotate(source, tmp_path / "marked.xlsx", settings_at_reference())
    assert done.dropped == ["data validation extensions"]
    assert digest(source) == before
    cli = subprocess.run(
        [sys.executable, "-m", "annexa_check", "annotate", str(source), "-o", str(tmp_path / "again.xlsx"),
         "--reference-date", REFERENCE, "--no-config"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert (cli.returncode, cli.stderr) == (0, "")
    assert (
        "Note: the copy does not keep the workbook's data validation extensions; the original still has them.\n"
        in cli.stdout
    )


def test_annotate_and_fix_of_a_locked_workbook_or_into_a_read_only_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Excel holding the workbook open, and a folder the user may not write to, each get one line."""
    import tempfile

    from annexa_check.api.annotate import annotate
    from annexa_check.api.fix import fix_workbook

    source = write_xlsx(tmp_path / "open in excel.xlsx", {"List 6": list_6_rows()})
    real_open = Path.open

    def locked(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == source:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(Path, "open", locked)
        for make in (annotate, fix_workbook):
            with pytest.raises(AnnexaError) as caught:
                make(source, tmp_path / "copy.xlsx", settings_at_reference())
            assert str(caught.value) == (
                f"{source}: cannot be opened (permission denied); if it is open in Excel, close it or check a copy"
            )

    real_mkstemp = tempfile.mkstemp

    def read_only(*args: Any, dir: Any = None, **kwargs: Any) -> Any:
        if dir is not None and Path(dir) == tmp_path:
            raise PermissionError(13, "Permission denied")
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    for make, name in ((annotate, "marked.xlsx"), (fix_workbook, "ready.xlsx")):
        with pytest.raises(AnnexaError) as caught:
            make(source, tmp_path / name, settings_at_reference())
        assert str(caught.value) == f"{tmp_path / name}: cannot write the output (Permission denied)"
    assert sorted(p.name for p in tmp_path.iterdir()) == [source.name]


def test_fix_with_a_full_temporary_folder_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The draft fix re-checks is written to the temporary folder; a full one was "internal error (OSError)"."""
    import errno
    import tempfile

    from click.testing import CliRunner

    import annexa_check.api.fix as fix
    from annexa_check.cli.main import main

    source = write_xlsx(tmp_path / "dry run.xlsx", {"List 6": list_6_rows()})
    real_write = fix._write

    def full(path: Path, *args: Any, **kwargs: Any) -> None:
        if path.name == "corrected.xlsx":  # the draft, not the copy
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, *args, **kwargs)

    monkeypatch.setattr(fix, "_write", full)
    done = CliRunner().invoke(
        main,
        [
            "fix",
            str(source),
            "-o",
            str(tmp_path / "ready.xlsx"),
            "--reference-date",
            REFERENCE,
            "--no-config",
        ],
    )
    assert (done.exit_code, done.stdout) == (2, "")
    assert done.stderr == (
        f"annexa-check: error: {tempfile.gettempdir()}: cannot write the draft of the corrected copy there "
        "(No space left on device); free some space, or set TMPDIR to another folder\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [source.name]
