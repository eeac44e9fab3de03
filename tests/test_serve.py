"""`annexa-check serve`: the real server in a subprocess, driven by headless Chromium (as the HTML
report's test launches it) and by plain HTTP requests."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_extracts import write_folder, zipped
from test_html_report import browser_page

from annexa_check.findings.table import KEY_ERROR_TYPES
from annexa_check.report.model import type_words
from example_returns.generate import SMALL_DIRTY_COUNTS, generate

pytest.importorskip("starlette", reason="the serve extra is not installed")
pytest.importorskip("uvicorn", reason="the serve extra is not installed")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "example_returns" / "example_dry_run.xlsx"
DOCS = ROOT / "docs"
REFERENCE = "2025-03-31"
ADDRESS = re.compile(r"^annexa-check serve: (http://127\.0\.0\.1:\d+/[A-Za-z0-9_-]{32}/) \(")
BAD_XLSX = (
    "not a valid .xlsx file (no zip package inside: a CSV or text file renamed, or a damaged or "
    "truncated copy)"
)


@dataclass
class Server:
    process: subprocess.Popen[str]
    url: str
    first_line: str
    tmp: Path  # the server's TMPDIR: its private folder is made here

    @property
    def origin(self) -> str:
        return self.url.split("/", 3)[0] + "//" + self.url.split("/", 3)[2]

    def private_folders(self) -> list[Path]:
        return sorted(self.tmp.glob("annexa-check-serve-*"))

    def stop(self) -> tuple[int, str]:
        """Ctrl-C, as a user stops it; its exit code and what it printed after the address."""
        self.process.send_signal(signal.SIGINT)
        out, _err = self.process.communicate(timeout=30)
        return self.process.returncode, out


def start(tmp_path: Path, *args: str, browser: str | None = None) -> Server:
    """`annexa-check serve --no-browser --port 0` in a subprocess, with its address parsed (with
    `browser`, a command standing for the browser, it is opened instead)."""
    tmp = tmp_path / "tmp"
    tmp.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(tmp)}
    if browser is not None:
        env["BROWSER"] = browser
    opening = [] if browser else ["--no-browser"]
    command = [sys.executable, "-m", "annexa_check", "serve", *opening, "--port", "0", *args]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path
    )
    assert process.stdout is not None
    chooser = selectors.DefaultSelector()
    chooser.register(process.stdout, selectors.EVENT_READ)
    if not chooser.select(timeout=60):
        process.kill()
        pytest.fail("annexa-check serve printed no address within 60 s")
    line = process.stdout.readline().rstrip("\n")
    found = re.search(r"(http://\S+/)", line)
    if found is None:
        process.kill()
        pytest.fail(f"no address in {line!r}; stderr: {process.communicate()[1]}")
    return Server(process, found.group(1), line, tmp)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve")
    running = start(folder, "--history", str(folder / "history.sqlite"), "--no-config")
    yield running
    if running.process.poll() is None:
        running.stop()


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """What `validate` says of the example, as a user at a terminal would see it."""
    folder = tmp_path_factory.mktemp("cli")
    text = subprocess.run(
        [sys.executable, "-m", "annexa_check", "validate", str(EXAMPLE), "--reference-date", REFERENCE,
         "--no-config", "-o", str(folder / "exceptions.csv"), "-o", str(folder / "exceptions.xlsx")],
        capture_output=True, text=True, env={**os.environ, "COLUMNS": "120"}, cwd=folder,
    )  # fmt: skip
    document = subprocess.run(
        [sys.executable, "-m", "annexa_check", "validate", str(EXAMPLE), "--reference-date", REFERENCE,
         "--no-config", "--format", "json"],
        capture_output=True, text=True, cwd=folder,
    )  # fmt: skip
    return {
        "headline": next(
            line for line in text.stdout.splitlines() if re.match(r"\d+ errors in|No errors found", line)
        ),
        "json": json.loads(document.stdout),
        "csv": (folder / "exceptions.csv").read_text(encoding="utf-8-sig"),
        "xlsx": folder / "exceptions.xlsx",
    }


def get(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read()


def form(filename: str, content: bytes, **fields: str) -> tuple[bytes, dict[str, str]]:
    """A multipart form as a browser sends it (the page's own fields, then the file)."""
    boundary = "----annexa-check-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="workbook"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json"}


def post_check(server: Server, filename: str, content: bytes, **fields: str) -> tuple[int, dict]:
    body, headers = form(filename, content, **fields)
    status, _headers, answer = get(server.url + "check", body, headers)
    return status, json.loads(answer)


# ------------------------------------------------------------------------------------ the address


def test_the_first_line_is_the_address_on_this_computer_only(server: Server) -> None:
    assert ADDRESS.match(server.first_line), server.first_line
    assert server.first_line.endswith("(this computer only; Ctrl-C stops it)")
    status, headers, page = get(server.url)
    assert status == 200
    assert headers["content-security-policy"].startswith("default-src 'self';")
    assert headers["cache-control"] == "no-store"
    assert b'<input type="file" id="workbook" name="workbook"' in page
    assert f'value="{date.today().isoformat()}"'.encode() in page  # no settings file: today


def test_requests_without_the_token_are_refused(server: Server) -> None:
    token = server.url.rstrip("/").rsplit("/", 1)[1]
    for path in ("/", "/static/serve.js", f"/{token[:-1]}/", f"/{token}x/", f"/x/{token}/", "/favicon.ico"):
        status, _headers, body = get(server.origin + path)
        assert (path, status) == (path, 403)
        assert body == b"Forbidden: open the address that 'annexa-check serve' printed.\n"
    body, headers = form(EXAMPLE.name, EXAMPLE.read_bytes(), reference_date=REFERENCE)
    assert get(server.origin + "/check", body, headers)[0] == 403
    assert get(server.url + "static/serve.js")[0] == 200


# ------------------------------------------------------------------------------ in the browser


def test_the_example_in_a_browser(server: Server, cli: dict, tmp_path: Path) -> None:
    """Upload the bundled example: the headline and counts `validate` prints, a team filter, and each
    download opened and compared with what `validate -o` writes."""
    openpyxl = pytest.importorskip("openpyxl")
    expected = cli["json"]
    requests: list[str] = []
    with browser_page(tmp_path) as page:
        page.on("request", lambda r: requests.append(r.url))
        page.goto(server.url)
        assert page.input_value("#reference-date") == date.today().isoformat()
        page.set_input_files("#workbook", str(EXAMPLE))
        page.fill("#reference-date", REFERENCE)
        page.click("#check")
        page.wait_for_url(re.compile(r".*/result/[A-Za-z0-9_-]+/$"), timeout=60_000)
        assert page.inner_text("#checked") == "example_dry_run.xlsx"
        assert page.inner_text("#result-headline") == cli["headline"]

        report = page.frame_locator("#report")
        assert report.locator("#summary-line").inner_text() == cli["headline"]
        assert cli["headline"] == "56 errors in 13 types across 52 children; 0 lists incomplete."
        chart = report.locator("#chart-desc").text_content() or ""
        # the chart's text alternative: each error type in words, its group, its records
        shown = {
            words: int(count.replace(",", ""))
            for words, count in re.findall(r"(?:^|; )([^;(]+) \([^)]+\): ([\d,]+) records?", chart)
        }
        assert shown == {type_words(key): c["count"] for key, c in expected["counts"].items()}
        rows = [r for r in csv.DictReader(io.StringIO(cli["csv"])) if r["scope"] == "record"]
        total = len(rows)  # the child-level table holds records only
        key_rows = sum(1 for r in rows if r["error_type"] in KEY_ERROR_TYPES)
        # the report opens on the key error types; "Everything" shows every finding
        assert report.locator("#shown").inner_text() == f"Showing {key_rows} of {total} findings"
        report.locator("#filter-group").select_option("")
        assert report.locator("#shown").inner_text() == f"Showing {total} of {total} findings"

        page.evaluate("window.scrollTo(0, 0)")
        # The README's picture: refreshed into docs/ only when asked, so a test run leaves the clone clean.
        shot = DOCS if os.environ.get("ANNEXA_CHECK_UPDATE_DOCS") else ROOT / "test-artifacts"
        shot.mkdir(exist_ok=True)
        page.screenshot(path=str(shot / "serve.png"))

        team = "Children in Care Team 2"
        in_team = sum(1 for r in rows if r["team"] == team)
        assert in_team == 6
        report.locator("#filter-team").select_option(team)
        assert report.locator("#findings tbody tr:not([hidden])").count() == in_team
        assert report.locator("#shown").inner_text() == f"Showing {in_team} of {total} findings"
        report.locator("#filter-reset").click()

        saved = {}
        for kind in ("xlsx", "csv", "json", "teams"):
            with page.expect_download() as waiting:
                page.click(f"#download-{kind}")
            download = waiting.value
            saved[kind] = tmp_path / download.suggested_filename
            download.save_as(saved[kind])

    assert sorted(p.name for p in saved.values()) == [
        "exceptions.example_dry_run.csv",
        "exceptions.example_dry_run.xlsx",
        "summary.example_dry_run.json",
        "teams.example_dry_run.zip",
    ]
    summary = json.loads(saved["json"].read_text(encoding="utf-8"))
    assert summary["workbook"] == "example_dry_run.xlsx"
    assert summary["counts"] == expected["counts"]
    assert summary["totals"] == expected["totals"]
    assert summary["policy"] == expected["policy"]
    assert saved["csv"].read_text(encoding="utf-8-sig") == cli["csv"]

    def cells(path: Path) -> list[list[list[object]]]:
        book = openpyxl.load_workbook(path, read_only=True)
        return [[list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]

    assert cells(saved["xlsx"]) == cells(cli["xlsx"])
    with zipfile.ZipFile(saved["teams"]) as archive:
        names = archive.namelist()
        assert len(names) == 11 and f"{team}.xlsx" in names and "(no team recorded).xlsx" in names
        archive.extract(f"{team}.xlsx", tmp_path)
    book = openpyxl.load_workbook(tmp_path / f"{team}.xlsx", read_only=True)
    assert book.sheetnames == ["Summary", "Errors", "Warnings"]
    rows_in = [
        [r for r in book[name].iter_rows(values_only=True) if any(c is not None for c in r)]
        for name in ("Errors", "Warnings")
    ]
    assert sum(len(rows) - 1 for rows in rows_in) == in_team  # less each sheet's header

    assert all(url.startswith(server.origin + "/") for url in requests), requests
    assert server.private_folders() and not list(server.private_folders()[0].iterdir())


def copy_of_the_example(server: Server, tmp_path: Path, kind: str, label: str) -> tuple[Path, str]:
    """Check the example in the browser, then click the button of one of the workbook's copies, shown
    as made on first download; the saved copy and the result page's address."""
    with browser_page(tmp_path) as page:
        page.goto(server.url)
        page.set_input_files("#workbook", str(EXAMPLE))
        page.fill("#reference-date", REFERENCE)
        page.click("#check")
        page.wait_for_url(re.compile(r".*/result/[A-Za-z0-9_-]+/$"), timeout=60_000)
        assert page.inner_text(f"#download-{kind}") == label
        assert page.get_attribute(f"#download-{kind}", "data-made") == ""  # made when first asked for
        assert page.get_attribute("#download-xlsx", "data-made") is None
        assert page.locator(f"#no-{kind}").count() == 0
        with page.expect_download(timeout=120_000) as waiting:
            page.click(f"#download-{kind}")
            assert page.inner_text("#making") == f"Making the {label[0].lower()}{label[1:]}…"  # seconds
        download = waiting.value
        assert download.failure() is None
        copy = tmp_path / download.suggested_filename
        download.save_as(copy)
        return copy, page.url


def test_the_marked_up_workbook_is_made_from_the_same_check(
    server: Server, cli: dict, tmp_path: Path
) -> None:
    """The annotated copy, made on its first download from the check already run: the Findings sheet
    first with every finding, the bad date's cell filled orange with its note, its value unchanged."""
    openpyxl = pytest.importorskip("openpyxl")
    copy, result = copy_of_the_example(server, tmp_path, "annotated", "Marked-up workbook")
    assert copy.name == "example_dry_run.checked.xlsx"
    assert not list(server.private_folders()[0].iterdir())  # made from the bytes held in memory
    book = openpyxl.load_workbook(copy)
    assert book.sheetnames == ["Findings", *(f"List_{n}" for n in range(1, 12))]
    findings = list(book["Findings"].iter_rows(values_only=True))
    assert len(findings) == 1 + cli["json"]["totals"]["findings"] == 140
    assert findings[0][:3] == ("Cell", "Severity", "Child ID")
    bad_date = book["List_1"]["F46"]
    assert bad_date.value == "30/02/2024"
    assert bad_date.fill.fgColor.rgb == "00E69F00"  # error: orange
    assert bad_date.comment.text.startswith(
        "Error AX005: 'Date of Contact' value '30/02/2024' is not a date. Use an Excel date or dd/mm/yyyy text."
    )
    assert next(row[:3] for row in findings if row[0] == "List_1!F46") == ("List_1!F46", "Error", "798730")
    status, headers, again = get(result + "download/annotated")  # made once, then kept
    assert (status, again) == (200, copy.read_bytes())
    assert headers["content-disposition"].startswith('attachment; filename="example_dry_run.checked.xlsx"')


def test_the_corrected_copy_is_fixs_own_made_from_the_same_check(server: Server, tmp_path: Path) -> None:
    """The ChAT-ready copy, made on its first download by fix from the check already run: List_1 under
    the template's headers, the Changes log, every cell as `annexa-check fix` writes it; the file fix
    reads is gone from the private folder as soon as the copy is made."""
    openpyxl = pytest.importorskip("openpyxl")
    from annexa_check.catalogue.spec import load_spec

    copy, result = copy_of_the_example(server, tmp_path, "corrected", "Corrected copy for ChAT")
    assert copy.name == "example_dry_run.ready.xlsx"
    assert not list(server.private_folders()[0].iterdir())  # the short-lived file and fix's draft too
    book = openpyxl.load_workbook(copy)
    assert book.sheetnames == [*(f"List_{n}" for n in range(1, 12)), "Changes", "Still to fix"]
    list_1 = next(lst for lst in load_spec().lists.values() if lst.number == 1)
    headers = [column.header for column in list_1.columns_for("2023")]  # the example's template
    assert [cell.value for cell in book["List_1"][2]] == headers
    assert headers[:3] == ["Child Unique ID", "Gender", "Ethnicity"]
    assert next(book["Changes"].iter_rows(values_only=True)) == (
        "sheet",
        "cell",
        "column",
        "before",
        "after",
        "why",
    )

    written = tmp_path / "READY.xlsx"
    subprocess.run(
        [sys.executable, "-m", "annexa_check", "fix", str(EXAMPLE), "-o", str(written),
         "--reference-date", REFERENCE, "--no-config", "-q"],
        check=True, cwd=tmp_path,
    )  # fmt: skip
    expected = openpyxl.load_workbook(written)
    assert book.sheetnames == expected.sheetnames
    for sheet in book.sheetnames:
        assert list(book[sheet].values) == list(expected[sheet].values), sheet
    assert len(list(book["Still to fix"].values)) == 1 + 56  # what only a case record can fix
    status, headers_, again = get(result + "download/corrected")  # made once, then kept
    assert (status, again) == (200, copy.read_bytes())
    assert headers_["content-disposition"].startswith('attachment; filename="example_dry_run.ready.xlsx"')


def test_a_workbook_the_editor_cannot_open_gets_annotates_line_on_the_page(
    server: Server, tmp_path: Path
) -> None:
    """The check reads it; only making the copy fails, and the page says why in annotate's words."""
    damaged = tmp_path / "DRY_RUN.xlsx"
    with zipfile.ZipFile(EXAMPLE) as original, zipfile.ZipFile(damaged, "w") as copy:
        for item in original.infolist():  # the document properties, which only the editor reads, broken
            broken = item.filename == "docProps/core.xml"
            copy.writestr(item, b"<cp:coreProperties not xml" if broken else original.read(item))
    with browser_page(tmp_path) as page:
        page.goto(server.url)
        page.set_input_files("#workbook", str(damaged))
        page.fill("#reference-date", REFERENCE)
        page.click("#check")
        page.wait_for_url(re.compile(r".*/result/[A-Za-z0-9_-]+/$"), timeout=60_000)
        page.click("#download-annotated")
        page.wait_for_selector("#making.error", timeout=60_000)
        assert page.inner_text("#making") == (
            "DRY_RUN.xlsx: cannot be opened to copy it (re-save it in Excel and try again); "
            "--verbose shows the reader's own message"
        )
        status, _headers, body = get(page.url + "download/annotated")
    assert status == 422 and body.decode().startswith("DRY_RUN.xlsx: cannot be opened to copy it")


def test_two_uploads_at_once_each_get_their_own_result(server: Server, cli: dict, tmp_path: Path) -> None:
    other = tmp_path / "second_council.xlsx"
    generate(other, seed=7, children=200, reference_date=date(2025, 3, 31), inject=SMALL_DIRTY_COUNTS)
    done = subprocess.run(
        [sys.executable, "-m", "annexa_check", "validate", str(other), "--reference-date", REFERENCE,
         "--no-config", "-q", "--format", "csv"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    other_rows = list(csv.DictReader(io.StringIO(done.stdout)))
    other_records = sum(1 for r in other_rows if r["scope"] == "record")
    example_rows = list(csv.DictReader(io.StringIO(cli["csv"])))
    with browser_page(tmp_path) as first:
        second = first.context.new_page()
        for page, path in ((first, EXAMPLE), (second, other)):
            page.goto(server.url)
            page.set_input_files("#workbook", str(path))
            page.fill("#reference-date", REFERENCE)
        first.click("#check")
        second.click("#check")  # before the first is back
        assert second.inner_text("#status") in ("Uploading…", "Checking…") or "/result/" in second.url
        for page in (first, second):
            page.wait_for_url(re.compile(r".*/result/[A-Za-z0-9_-]+/$"), timeout=60_000)
        assert first.url != second.url
        assert first.inner_text("#checked") == "example_dry_run.xlsx"
        assert second.inner_text("#checked") == "second_council.xlsx"
        for page in (first, second):  # every finding, not only the key error types the report opens on
            page.frame_locator("#report").locator("#filter-group").select_option("")
        shown = second.frame_locator("#report").locator("#shown").inner_text()
        assert shown == f"Showing {other_records} of {other_records} findings"  # records only
        total = sum(1 for r in example_rows if r["scope"] == "record")
        assert (
            first.frame_locator("#report").locator("#shown").inner_text()
            == f"Showing {total} of {total} findings"
        )
        # both dirtied alike, so as many records; each page's extract-level warnings are its own
        for page, rows in ((first, example_rows), (second, other_rows)):
            warned = page.frame_locator("#report").locator("#extract summary").inner_text()
            assert warned.startswith(f"{len(rows) - sum(r['scope'] == 'record' for r in rows)} extract-level")
        assert len(other_rows) != len(example_rows)


def test_a_malformed_upload_gets_the_clis_message(server: Server, tmp_path: Path) -> None:
    renamed = tmp_path / "notes.xlsx"
    renamed.write_text("child,team\n1,A\n", encoding="utf-8")
    told = subprocess.run(
        [sys.executable, "-m", "annexa_check", "validate", "notes.xlsx", "--no-config"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert told.stderr == f"annexa-check: error: notes.xlsx: {BAD_XLSX}\n"
    with browser_page(tmp_path) as page:
        page.goto(server.url)
        page.set_input_files("#workbook", str(renamed))
        page.click("#check")
        page.wait_for_selector("#error:not(:empty)", state="attached")  # no eval: the page's CSP forbids it
        assert page.inner_text("#error") == f"notes.xlsx: {BAD_XLSX}"
        assert page.is_hidden("#progress")
        assert "/result/" not in page.url
    status, answer = post_check(server, "minutes.txt", b"not a workbook")
    assert (status, answer) == (
        422,
        {"error": "minutes.txt: not an Excel workbook (expected .xlsx, .xlsm, .xls, .ods)"},
    )
    status, answer = post_check(server, "notes.xlsx", b"x", reference_date="31/03/2025")
    assert (status, answer) == (
        422,
        {"error": "reference date '31/03/2025' is not a date in the form YYYY-MM-DD"},
    )


def test_a_form_without_script_gets_the_result_page(server: Server) -> None:
    """Without the page's script the form posts as it is; the answer leads to the same result page."""
    body, headers = form(EXAMPLE.name, EXAMPLE.read_bytes(), reference_date=REFERENCE, template="2023")
    headers["Accept"] = "text/html"
    request = urllib.request.Request(server.url + "check", data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as answer:  # follows the 303
        page = answer.read().decode("utf-8")
        assert re.search(r"/result/[A-Za-z0-9_-]+/$", answer.url)
    assert '<p class="lede" id="result-headline">56 errors in 13 types across 52 children;' in page
    status, headers_, report = get(answer.url + "report.html")
    assert status == 200
    assert headers_["content-security-policy"].startswith("default-src 'none';")
    assert b"template 2023" in report

    body, headers = form("notes.xlsx", b"child,team\n", reference_date=REFERENCE)
    headers["Accept"] = "text/html"
    status, _headers, page_ = get(server.url + "check", body, headers)
    assert status == 422
    assert f'<p id="error" role="alert" class="error">notes.xlsx: {BAD_XLSX}</p>'.encode() in page_


def test_a_zip_of_csv_extracts_is_checked_as_the_workbook_is(
    server: Server, cli: dict, tmp_path: Path
) -> None:
    archive = zipped(write_folder(tmp_path / "extracts"), tmp_path / "march_extracts.zip")
    status, answer = post_check(server, archive.name, archive.read_bytes(), reference_date=REFERENCE)
    assert (status, answer["headline"]) == (200, cli["headline"])
    _status, _headers, body = get(server.origin + answer["result"] + "download/json")
    summary = json.loads(body)
    assert summary["workbook"] == "march_extracts.zip"
    assert summary["counts"] == cli["json"]["counts"]
    with browser_page(tmp_path) as page:  # no marked-up copy: annotate's reason where its button would be
        page.goto(server.origin + answer["result"])
        assert page.locator("#download-annotated").count() == 0
        assert page.inner_text("#no-annotated") == (
            "Marked-up workbook: march_extracts.zip: annotate marks a workbook; "
            "CSV extracts cannot be marked, save it as .xlsx first"
        )
        assert page.locator("#download-corrected").count() == 0
        assert page.inner_text("#no-corrected") == (
            "Corrected copy for ChAT: march_extracts.zip: fix reads .xlsx and .xlsm workbooks"
        )
    assert get(server.origin + answer["result"] + "download/annotated")[0] == 404
    assert get(server.origin + answer["result"] + "download/corrected")[0] == 404


# ------------------------------------------------------------------------ limits, history, stop


def test_the_upload_limit_comes_from_the_settings_file(tmp_path: Path) -> None:
    settings = tmp_path / "annexa-check.toml"
    settings.write_text('reference_date = "2025-03-31"\n[limits]\nmax_upload_mb = 1\n', encoding="utf-8")
    running = start(tmp_path, "--config", str(settings), "--history", str(tmp_path / "h.sqlite"))
    try:
        _status, _headers, page = get(running.url)
        assert b'value="2025-03-31"' in page  # the settings file's reference date
        assert b"up to 1 MB" in page
        status, answer = post_check(running, "big.xlsx", b"\0" * 1_500_000)
        assert (status, answer) == (
            422,
            {
                "error": "big.xlsx: the file is 1.5 MB, over the 1 MB upload limit; if it is genuine, "
                "raise the limit with --max-upload-mb, or max_upload_mb under [limits] in the settings file"
            },
        )
        status, answer = post_check(running, EXAMPLE.name, EXAMPLE.read_bytes())  # 0.2 MB: checked
        assert status == 200 and answer["headline"].startswith("56 errors in 13 types")
    finally:
        running.stop()


def test_a_run_is_recorded_only_when_asked(server: Server, tmp_path: Path) -> None:
    store = Path(server.tmp).parent / "history.sqlite"
    before = _runs(store)
    status, _answer = post_check(server, EXAMPLE.name, EXAMPLE.read_bytes(), reference_date=REFERENCE)
    assert status == 200 and _runs(store) == before
    status, answer = post_check(
        server, EXAMPLE.name, EXAMPLE.read_bytes(), reference_date=REFERENCE, record="yes"
    )
    assert status == 200 and _runs(store) == [*before, ("example_dry_run.xlsx", REFERENCE, 56)]
    _status, _headers, page = get(server.origin + answer["result"])
    assert f"Recorded in the history as run {len(before) + 1}.".encode() in page


def _runs(store: Path) -> list[tuple[str, str, int]]:
    from annexa_check.history import store as history

    if not store.exists():
        return []
    return [(run.workbook, run.reference_date, run.errors) for run in history.runs(store)]


def test_after_ctrl_c_the_private_folder_is_gone(tmp_path: Path) -> None:
    running = start(tmp_path, "--host", "127.0.0.1", "--no-config", "--history", str(tmp_path / "h.sqlite"))
    assert running.first_line.endswith(
        "(listening on 127.0.0.1 as --host asks: other computers that can reach it can open this address; "
        "Ctrl-C stops it)"
    )
    [folder] = running.private_folders()
    assert folder.stat().st_mode & 0o777 == 0o700
    status, _answer = post_check(running, EXAMPLE.name, EXAMPLE.read_bytes(), reference_date=REFERENCE)
    assert status == 200
    assert list(folder.iterdir()) == []  # the upload went once its result was held
    started = time.monotonic()
    code, out = running.stop()
    assert time.monotonic() - started < 15
    assert (code, out) == (0, "annexa-check serve: stopped; the uploads and results are deleted\n")
    assert not folder.exists()


def test_without_no_browser_the_browser_opens_the_address(tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    fake = tmp_path / "browser.py"
    fake.write_text(f"import sys, pathlib; pathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n")
    running = start(tmp_path, "--no-config", browser=f"{sys.executable} {fake} %s")
    try:
        for _ in range(200):
            if opened.exists() and opened.read_text():
                break
            time.sleep(0.05)
        assert opened.read_text() == running.url
    finally:
        running.stop()


def test_without_the_extra_it_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from annexa_check.cli import main
    from annexa_check.cli import serve as command

    monkeypatch.setattr(command, "find_spec", lambda name: None if name == "uvicorn" else object())
    result = CliRunner().invoke(main, ["serve", "--no-browser"])
    assert result.exit_code == 2
    assert result.stderr == (
        'annexa-check: error: the serve command needs its extra; install it with: pip install "annexa-check[serve]"\n'
    )


def test_serve_help_imports_nothing_heavy() -> None:
    probe = (
        "import sys; from annexa_check.cli import main\n"
        "try:\n    main(['serve', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('polars', 'pydantic', 'yaml', 'starlette', 'uvicorn') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[]"
