"""Every way the command line can be handed a bad path, a hostile name or a full disk: one line, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from builders import CHILD, rename_sheet, write_lists
from click.testing import CliRunner
from conftest import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annexa_check.catalogue.spec import load_spec
from annexa_check.cli.main import main
from annexa_check.errors import one_line, printable

CIN = {
    **CHILD,
    "cin_start_date": "01/01/2025",
    "primary_need": "N1 - Abuse or neglect",
    "case_status": "c) Child in need plan",
}
DATE = ("--reference-date", "2025-03-31")


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    """List 6 with two children, one with an unknown ethnicity: exit 1, one error."""
    rows = [{**CIN, "child_id": "C1"}, {**CIN, "child_id": "C2", "ethnicity": "zz"}]
    return write_lists(tmp_path / "plain.xlsx", {"list_6": rows})


def test_printable_escapes_controls_and_keeps_markup_for_the_renderer() -> None:
    assert printable("a\x1b[31m\nb\u202ec\udcffd[/]") == "a\\x1b[31m\\x0ab\\u202ec\ufffdd[/]"
    assert printable(b"x\xff.xlsx") == "x\ufffd.xlsx"


def test_a_sheet_name_with_markup_and_newlines_is_shown_literally(workbook: Path, tmp_path: Path) -> None:
    path = rename_sheet(workbook, tmp_path / "hostile.xlsx", "List 6", b"List 6 [/][bold]&#10;x&#13;")
    result = run("validate", str(path), *DATE)
    assert result.exit_code == 1
    line = next(x for x in result.stdout.splitlines() if x.startswith("List 6 Children in Need "))
    assert line.split("│")[1].strip() == "List 6 [/][bold]\\x0ax\\x0d"
    assert "internal error" not in result.output


def test_a_path_with_markup_and_escapes_is_one_literal_line(workbook: Path, tmp_path: Path) -> None:
    folder = tmp_path / "x["
    folder.mkdir()
    path = folder / "]\x1b[31mred\n.xlsx"
    path.write_bytes(workbook.read_bytes())
    out = folder / "]out.csv"
    result = run("validate", str(path), *DATE, "-o", str(out))
    assert result.exit_code == 1
    shown = f"{tmp_path}/x[/]\\x1b[31mred\\x0a.xlsx"
    assert result.stdout.splitlines()[0] == f"annexa-check 0.1.0  ·  {shown}"
    assert result.stdout.splitlines()[-1] == f"Wrote {tmp_path}/x[/]out.csv"
    assert out.exists()
    missing = folder / "]\x1b[2Jgone\n.xlsx"
    result = run("validate", str(missing))
    assert result.exit_code == 2
    assert result.stderr == f"annexa-check: error: {tmp_path}/x[/]\\x1b[2Jgone\\x0a.xlsx: file not found\n"


def test_an_empty_path_is_refused_not_the_current_folder(workbook: Path) -> None:
    for args in (
        ("validate", ""),
        ("validate", str(workbook), "-o", ""),
        ("validate", str(workbook), "--report", ""),
    ):
        result = run(*args)
        assert result.exit_code == 2
        option = {"validate": "'WORKBOOKS...'", "-o": "'--output' / '-o'", "--report": "'--report'"}[args[-2]]
        assert result.stderr == (
            f"annexa-check: error: Invalid value for {option}: the path is empty; name a file or folder; "
            "see 'annexa-check validate -h'\n"
        )


def test_compare_refuses_an_empty_or_over_long_side(workbook: Path) -> None:
    for side in ("", "a" * 300):
        result = run("compare", side, str(workbook))
        assert result.exit_code == 2
        assert result.stderr == (
            f"annexa-check: error: '{side}' is not a workbook, a run id or the reference date of a recorded run\n"
        )


def test_a_name_over_255_bytes_is_refused(tmp_path: Path) -> None:
    name = "é" * 130 + ".xlsx"  # 265 bytes
    result = run("validate", str(tmp_path / name))
    assert result.exit_code == 2
    assert result.stderr == (
        "annexa-check: error: Invalid value for 'WORKBOOKS...': 'éééééééééééééééééééé…' is a name of 265 "
        "bytes; a file or folder name may have at most 255; see 'annexa-check validate -h'\n"
    )


def test_a_pipe_or_a_folder_where_a_workbook_file_is_expected(tmp_path: Path, workbook: Path) -> None:
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    result = run("validate", str(fifo))
    assert result.exit_code == 2
    assert result.stderr == (
        f"annexa-check: error: {fifo}: is not a regular file (a pipe, socket or device); give a workbook file\n"
    )
    folder = tmp_path / "out.html"
    folder.mkdir()
    result = run("validate", str(workbook), "--report", str(folder))
    assert result.exit_code == 2
    assert result.stderr == (
        f"annexa-check: error: Invalid value for '--report': File '{folder}' is a directory; "
        "see 'annexa-check validate -h'\n"
    )
    taken = tmp_path / "taken.xlsx"
    taken.mkdir()
    result = run("validate", str(workbook), "-o", str(taken))
    assert result.exit_code == 2
    assert result.stderr == f"annexa-check: error: {taken}: is a folder; give a file name to write\n"


def test_a_workbook_whose_name_is_not_utf8_is_checked(workbook: Path, tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/caf\xe9.xlsx"  # Latin-1 'café', as an old file server writes it
    with open(raw, "wb") as handle:
        handle.write(workbook.read_bytes())
    out = tmp_path / "out.json"
    result = subprocess.run(
        [sys.executable, "-m", "annexa_check", "validate", raw, *DATE, "-o", str(out), "--format", "json"],
        capture_output=True,
        check=False,
    )
    assert result.stderr == b""
    assert result.returncode == 1
    assert f'"workbook": "{tmp_path}/caf\ufffd.xlsx"'.encode() in result.stdout
    assert f"{tmp_path}/caf\ufffd.xlsx" in out.read_text(encoding="utf-8")
    for fmt in ("text", "markdown", "junit", "csv"):
        shown = subprocess.run(
            [sys.executable, "-m", "annexa_check", "validate", raw, *DATE, "--format", fmt],
            capture_output=True,
            check=False,
        )
        assert (shown.returncode, shown.stderr) == (1, b"")
        assert "caf\ufffd.xlsx".encode() in shown.stdout or fmt == "csv"


@pytest.mark.parametrize("fmt", ["text", "json", "csv", "junit", "markdown"])
def test_a_full_standard_output_is_one_line(workbook: Path, fmt: str) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "annexa_check", "validate", str(workbook), *DATE, "--format", fmt],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert result.returncode == 2
    assert result.stderr == "annexa-check: error: cannot write to standard output (No space left on device)\n"


def test_internal_errors_say_they_are_bugs_to_report() -> None:
    assert one_line(ValueError("C1\nsecret")) == (
        "internal error (ValueError); this is a bug: please report it (set ANNEXA_CHECK_DEBUG=1 for details)"
    )
    assert one_line(ValueError("row\x1b[2J"), verbose=True) == (
        "internal error (ValueError: row\\x1b[2J); this is a bug: please report it "
        "(set ANNEXA_CHECK_DEBUG=1 for details)"
    )


# ------------------------------------------------------------------------------------------------- fuzz

_XML_UNSAFE = set(range(0x00, 0x09)) | {0x0B, 0x0C} | set(range(0x0E, 0x20)) | {0xFFFE, 0xFFFF}
_HOSTILE = st.sampled_from(
    ["[/]", "[bold]", "[red]x[/red]", "\x1b[2J", "\x1b]8;;http://x\x07", "\n", "\r", "\t", "\u202e", "\u2028",
     "\x85", "\x7f", "\x00", "\udcff", "\\", "'", '"', "&", "<", "=", "@", "é", "😀", "\u200b"]
)  # fmt: skip
_TEXT = st.lists(st.one_of(_HOSTILE, st.text(max_size=4)), min_size=1, max_size=6).map("".join)


def _xml_safe(text: str) -> str:
    return "".join(c for c in text if ord(c) not in _XML_UNSAFE and not 0xD800 <= ord(c) <= 0xDFFF)


def _assert_printable(text: str) -> None:
    import re

    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", text), text


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheet=_TEXT, team=_TEXT, header=_TEXT, name=_TEXT, exists=st.booleans())
def test_hostile_names_never_break_a_message(
    tmp_path_factory: pytest.TempPathFactory, sheet: str, team: str, header: str, name: str, exists: bool
) -> None:
    """Whatever a sheet, team, header or path holds: one-line errors, printable output, exit 0/1/2."""
    from xml.sax.saxutils import quoteattr

    from builders import write_xlsx

    folder = tmp_path_factory.mktemp("fuzz")
    spec_columns = load_spec().lists["list_6"].columns_for("2023")
    row = {**CIN, "child_id": "C1", "ethnicity": "zz", "allocated_team": _xml_safe(team)}
    headers = [c.header for c in spec_columns] + [_xml_safe(header) or "x"]
    plain = write_xlsx(folder / "plain.xlsx", {"List 6": [headers, [row.get(c.key) for c in spec_columns]]})
    safe_name = "".join(c for c in name if c not in "/\x00")[:60] or "_"
    path = folder / f"{safe_name}.xlsx"
    if exists:
        sheet_name = quoteattr(_xml_safe(sheet) or "s")[1:-1].replace("\n", "&#10;").replace("\r", "&#13;")
        rename_sheet(plain, path, "List 6", sheet_name.encode("utf-8"))
    result = CliRunner().invoke(
        main,
        ["validate", str(path), *DATE, "-o", str(folder / "out.csv"), "--split-by", "team",
         "--out-dir", str(folder / "teams"), "--report", str(folder / "r.html")],
    )  # fmt: skip
    assert result.exit_code in (0, 1, 2), result.output
    assert "internal error" not in result.output
    assert result.stderr.count("\n") <= 1
    if result.exit_code == 2:
        assert result.stderr.startswith("annexa-check: error: ")
    _assert_printable(result.stdout + result.stderr)
    json_result = CliRunner().invoke(main, ["validate", str(path), *DATE, "--format", "json"])
    assert json_result.exit_code == result.exit_code
    assert "internal error" not in json_result.output


def test_junit_and_markdown_hold_control_characters_of_a_path_safely(workbook: Path, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    hostile = tmp_path / "dry\x01run\nmarch.xlsx"
    hostile.write_bytes(workbook.read_bytes())
    junit = run("validate", str(hostile), *DATE, "--format", "junit")
    assert junit.exit_code == 1
    suite = ET.fromstring(junit.output).find("testsuite")
    assert suite is not None and suite.get("name") == "annexa-check dry?run\nmarch.xlsx"
    markdown = run("validate", str(hostile), *DATE, "--format", "markdown")
    assert markdown.output.splitlines()[0].endswith("dry\\x01run\\x0amarch.xlsx`")


def test_an_unknown_top_level_option_is_one_line() -> None:
    result = run("--bogus")
    assert result.exit_code == 2
    assert result.stderr == "annexa-check: error: No such option '--bogus'; see 'annexa-check -h'\n"


def test_a_folder_or_pipe_given_as_the_settings_file(tmp_path: Path, workbook: Path) -> None:
    pipe = tmp_path / "settings.fifo"
    os.mkfifo(pipe)
    for settings_path, said in ((tmp_path, "is a folder"), (pipe, "not a regular file")):
        result = run("validate", str(workbook), *DATE, "--config", str(settings_path))
        assert result.exit_code == 2
        assert (
            result.stderr == f"annexa-check: error: {settings_path}: {said}; name the settings file itself\n"
        )


def test_junit_for_a_workbook_that_cannot_be_read_holds_one_errored_case(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    bad = tmp_path / "renamed.xlsx"
    bad.write_text("Child ID,Gender\n1,Male\n", encoding="utf-8")
    written = tmp_path / "junit.xml"
    result = run("validate", str(bad), *DATE, "--format", "junit", "-o", str(written))
    assert result.exit_code == 2
    reason = f"{bad}: not a valid .xlsx file (no zip package inside: a CSV or text file renamed, or a damaged or truncated copy)"
    assert result.stderr == f"annexa-check: error: {reason}\n"
    for document in (result.stdout, written.read_text(encoding="utf-8")):
        root = ET.fromstring(document)
        assert (root.get("tests"), root.get("errors"), root.get("failures")) == ("1", "1", "0")
        case = root.find("testsuite/testcase")
        assert case is not None and case.get("name") == "workbook can be read"
        error = case.find("error")
        assert error is not None and error.get("message") == reason
