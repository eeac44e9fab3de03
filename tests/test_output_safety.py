"""What the outputs do under a full disk, a kill mid-write, formula text and awkward team names."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from builders import CHILD, rename_sheet, write_lists
from conftest import run

CIN = {
    **CHILD,
    "cin_start_date": "01/01/2025",
    "primary_need": "N1 - Abuse or neglect",
    "case_status": "c) Child in need plan",
}
DATE = ("--reference-date", "2025-03-31")
FULL_DISK = textwrap.dedent(
    """
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))
    from annexa_check.cli.main import main
    main(sys.argv[1:])
    """
)


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    rows = [{**CIN, "child_id": "C1"}, {**CIN, "child_id": "C2", "ethnicity": "zz"}]
    return write_lists(tmp_path / "plain.xlsx", {"list_6": rows})


def _cli(script: str, *args: str | Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp"))


@pytest.mark.parametrize(
    "option, name, failing",
    [
        ("-o", "out.csv", "out.csv"),
        ("-o", "out.xlsx", "out.xlsx"),
        ("-o", "out.json", "out.json"),
        ("-o", "out.xml", "out.xml"),
        ("-o", "out.md", "out.md"),
        ("--report", "report.html", "report.html"),
        ("--out-dir", "teams", "teams/Team North.xlsx"),
    ],
)
def test_a_full_disk_is_one_line_for_every_output(
    workbook: Path, tmp_path: Path, option: str, name: str, failing: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    extra = ("--split-by", "team") if option == "--out-dir" else ()
    process = _cli(FULL_DISK, "validate", workbook, *DATE, "-q", option, out / name, *extra)
    _stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert stderr == f"annexa-check: error: {out / failing}: cannot write the output (File too large)\n"
    assert _leftovers(tmp_path) == []
    assert not (out / failing).exists()


def test_a_team_workbook_set_is_written_whole_or_not_at_all(
    workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two teams; the second file fails: neither appears, so last month's set is not half replaced."""
    from annexa_check.engine.check import check_workbook
    from annexa_check.errors import AnnexaError
    from annexa_check.outputs import teams
    from annexa_check.report.model import build_report

    rows = [{**CIN, "child_id": "C1", "ethnicity": "zz", "allocated_team": t} for t in ("Alpha", "Beta")]
    book = write_lists(tmp_path / "two.xlsx", {"list_6": rows})
    result = check_workbook(book, reference_date=date(2025, 3, 31), select=["ETH"])
    out = tmp_path / "teams"
    out.mkdir()
    (out / "Alpha.xlsx").write_text("last month")
    real, opened = teams.xlsx_book, []

    def second_fails(target: Path):
        opened.append(target)
        if len(opened) == 2:
            raise OSError(28, "No space left on device")
        return real(target)

    monkeypatch.setattr(teams, "xlsx_book", second_fails)
    with pytest.raises(AnnexaError) as caught:
        teams.write_split(build_report(result), "team", out)
    assert str(caught.value) == f"{out / 'Beta.xlsx'}: cannot write the output (No space left on device)"
    assert sorted(p.name for p in out.iterdir()) == ["Alpha.xlsx"]
    assert (out / "Alpha.xlsx").read_text() == "last month"


SLOW_WRITE = textwrap.dedent(
    """
    import sys, time
    from annexa_check.outputs import files
    real = files._csv_to
    def slow(handle, columns, rows):
        real(handle, columns, rows[:1])
        handle.flush()
        print("writing", flush=True)
        time.sleep(60)
    files._csv_to = slow
    from annexa_check.cli.main import main
    main(sys.argv[1:])
    """
)


def _start_slow_write(workbook: Path, out: Path) -> subprocess.Popen:
    process = _cli(SLOW_WRITE, "validate", workbook, *DATE, "-q", "-o", out)
    assert process.stdout is not None
    assert process.stdout.readline() == "writing\n"
    return process


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_catchable_signal_mid_write_leaves_nothing(workbook: Path, tmp_path: Path, signum: int) -> None:
    out = tmp_path / "out.csv"
    process = _start_slow_write(workbook, out)
    assert len(_leftovers(tmp_path)) == 1
    process.send_signal(signum)
    _stdout, stderr = process.communicate(timeout=60)
    if signum == signal.SIGINT:
        assert (process.returncode, stderr) == (
            130,
            "annexa-check: interrupted; no partial output was left\n",
        )
    else:
        name = signal.Signals(signum).name
        assert process.returncode == 128 + signum
        assert stderr == f"annexa-check: stopped by {name}; no partial output was left\n"
    assert _leftovers(tmp_path) == []
    assert not out.exists()


def test_a_temporary_file_left_by_sigkill_is_removed_by_the_next_run(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    process = _start_slow_write(workbook, out)
    process.kill()
    process.communicate(timeout=60)
    [left] = _leftovers(tmp_path)
    assert left.startswith(f".out.csv.{process.pid}.")
    other = tmp_path / f".other.csv.{process.pid}.abcdefgh.tmp"  # another output's: not ours to remove
    other.write_text("x")
    result = run("validate", str(workbook), *DATE, "-q", "-o", str(out))
    assert result.exit_code == 1
    assert _leftovers(tmp_path) == [other.name]
    # header, the one error and ten missing lists: the whole file, not the one row the killed run wrote
    assert out.read_text(encoding="utf-8-sig").count("\n") == 12


def test_a_temporary_file_of_a_live_run_is_left_alone(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    live = tmp_path / f".out.csv.{os.getppid()}.abcdefgh.tmp"
    live.write_text("x")
    legacy_new = tmp_path / ".out.csv.abcdefgh.tmp"  # an older version's name, minutes old: maybe live
    legacy_new.write_text("x")
    legacy_old = tmp_path / ".out.csv.ijklmnop.tmp"
    legacy_old.write_text("x")
    os.utime(legacy_old, (time.time() - 7200, time.time() - 7200))
    assert run("validate", str(workbook), *DATE, "-q", "-o", str(out)).exit_code == 1
    assert _leftovers(tmp_path) == sorted([live.name, legacy_new.name])


UNSAFE = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR"]


def test_no_text_cell_of_any_spreadsheet_is_a_formula(tmp_path: Path) -> None:
    rows = [
        {**CIN, "child_id": text, "ethnicity": text, "allocated_team": text, "allocated_worker": text}
        for text in UNSAFE
    ]
    plain = write_lists(tmp_path / "plain6.xlsx", {"list_6": rows})
    book = rename_sheet(plain, tmp_path / "evil.xlsx", "List 6", b"=HYPERLINK(1)")  # found by its headers
    out = tmp_path / "out"
    out.mkdir()
    result = run(
        "validate", str(book), *DATE, "-q", "-o", str(out / "x.xlsx"), "-o", str(out / "x.csv"),
        "--split-by", "team", "--out-dir", str(out / "teams"),
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    result = run("compare", str(tmp_path / "missing.xlsx"), str(book), *DATE)
    assert result.exit_code == 2
    plain = write_lists(tmp_path / "plain.xlsx", {"list_6": [{**CIN, "child_id": "C1"}]})
    result = run("compare", str(plain), str(book), *DATE, "-o", str(out / "c.xlsx"), "-o", str(out / "c.csv"))
    assert result.exit_code == 0, result.output
    books = [out / "x.xlsx", out / "c.xlsx", *sorted((out / "teams").iterdir())]
    assert [p.name for p in books[2:]] == [  # the missing lists are the extract's: no team's workbook
        "+SUM(A1).xlsx", "-2+3.xlsx", "CR.xlsx", "TAB.xlsx", "_1+1.xlsx", "_cmd.xlsx"
    ]  # fmt: skip
    seen: set[str] = set()
    for path in books:
        for sheet in openpyxl.load_workbook(path).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path.name, sheet.title, cell.coordinate)
                    if isinstance(cell.value, str) and cell.value.startswith(
                        ("=", "+", "-", "@", "\t", "\r")
                    ):
                        assert cell.quotePrefix, (path.name, sheet.title, cell.coordinate, cell.value)
                        seen.add(cell.value.split(" ")[0])
    assert {"=1+1", "+SUM(A1)", "-2+3", "@cmd", "=HYPERLINK(1)"} <= seen
    for path in (out / "x.csv", out / "c.csv"):
        text = path.read_text(encoding="utf-8-sig")
        for unsafe in UNSAFE:
            assert f",{unsafe}" not in text and f"\n{unsafe}" not in text
        assert ",'=1+1," in text and ",'@cmd," in text
    assert ",'=HYPERLINK(1)," in (out / "x.csv").read_text(encoding="utf-8-sig")
    # a team named like a formula is summarised as that team, kept as text
    summary = openpyxl.load_workbook(out / "teams" / "_1+1.xlsx")["Summary"]
    assert summary["B2"].value == "=1+1" and summary["B2"].quotePrefix


def test_a_team_named_unallocated_is_not_merged_with_no_team(tmp_path: Path) -> None:
    rows = [
        {**CIN, "child_id": "C1", "ethnicity": "zz", "allocated_team": "Unallocated"},
        {**CIN, "child_id": "C2", "ethnicity": "zz", "allocated_team": "(no team recorded)"},
        {**CIN, "child_id": "C3", "ethnicity": "zz", "allocated_team": None},
        {**CIN, "child_id": "C4", "ethnicity": "zz", "allocated_team": "  "},
    ]
    book = write_lists(tmp_path / "teams.xlsx", {"list_6": rows})
    out = tmp_path / "out"
    result = run(
        "validate", str(book), *DATE, "-q", "--split-by", "team", "--out-dir", str(out),
        "--report", str(tmp_path / "r.html"), "--select", "ETH",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == ["(no team recorded).xlsx", "Unallocated.xlsx", "_(no team recorded)_.xlsx"]

    def children(name: str) -> list[str]:
        return sorted(
            r[0] for r in openpyxl.load_workbook(out / name)["Errors"].iter_rows(min_row=2, values_only=True)
        )

    assert children("Unallocated.xlsx") == ["C1"]
    assert children("_(no team recorded)_.xlsx") == ["C2"]
    assert children("(no team recorded).xlsx") == ["C3", "C4"]
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    for team, count in (("Unallocated", 1), ("&quot;(no team recorded)&quot;", 1), ("(no team recorded)", 2)):
        assert f'<th scope="row">{team}</th><td class=num>{count}</td>' in html

    plain = write_lists(tmp_path / "plain.xlsx", {"list_6": [{**CIN, "child_id": "C9"}]})
    result = run("compare", str(plain), str(book), *DATE, "--format", "json", "--select", "ETH")
    by_team = json.loads(result.stdout)["by_team"]
    assert {team: counts["new"] for team, counts in by_team.items()} == {
        '"(no team recorded)"': 1,
        "(no team recorded)": 2,
        "Unallocated": 1,
    }


SLOW_SITE = """
import os
if os.environ.get("ANNEXA_TEST_SLOW_WRITE"):
    import time
    from annexa_check.outputs import files
    real = files._csv_to
    def slow(handle, columns, rows):
        real(handle, columns, rows[:1])
        handle.flush()
        time.sleep(60)
    files._csv_to = slow
"""


def test_sigterm_in_a_folder_run_cleans_the_workers_files(workbook: Path, tmp_path: Path) -> None:
    """The workers writing are asked to stop too, so their temporary files go with them."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SLOW_SITE)  # every process, workers included, writes slowly
    folder = tmp_path / "books"
    folder.mkdir()
    for name in ("a.xlsx", "b.xlsx"):
        (folder / name).write_bytes(workbook.read_bytes())
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
           "ANNEXA_TEST_SLOW_WRITE": "1"}  # fmt: skip
    process = _cli(
        "import sys; from annexa_check.cli.main import main; main(sys.argv[1:])",
        "validate", folder, *DATE, "-q", "--jobs", "1", "-o", out / "x.csv",
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while not _leftovers(out) and time.monotonic() < deadline:
        time.sleep(0.1)
    [left] = _leftovers(out)
    assert left.startswith(".x.a.csv.")
    process.send_signal(signal.SIGTERM)
    _stdout, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr) == (
        143,
        "annexa-check: stopped by SIGTERM; no partial output was left\n",
    )
    assert _leftovers(out) == []
    assert sorted(p.name for p in out.iterdir()) == []


def test_text_longer_than_an_excel_cell_is_cut_to_fit_with_an_ellipsis(tmp_path: Path) -> None:
    """Excel holds 32,767 characters in a cell and asks to repair a file with more: a message quoting a
    32,767-character value is cut to fit, in the exception list and the team workbooks alike."""
    from conftest import CIN_CHILD

    from annexa_check import check

    source = write_lists(tmp_path / "long.xlsx", {"list_6": [{**CIN_CHILD, "gender": "Z" * 32_767}]})
    result = check(source, reference_date="2025-03-31")
    out = tmp_path / "exceptions.xlsx"
    result.write(out)
    cells = [c.value for row in openpyxl.load_workbook(out)["Exceptions"].iter_rows() for c in row]
    texts = [v for v in cells if isinstance(v, str)]
    assert max(len(v) for v in texts) == 32_767  # the value itself fits exactly
    cut = [v for v in texts if v.endswith("ZZZ…")]  # "What is wrong" quotes it, and is cut to fit
    assert len(cut) == 1 and len(cut[0]) == 32_767 and cut[0].startswith("Gender 'ZZZ")
    split = run("validate", str(source), "--reference-date", "2025-03-31", "-q", "--split-by", "team",
                "--out-dir", str(tmp_path / "teams"))  # fmt: skip
    assert split.exit_code == 1, split.output
    for path in (tmp_path / "teams").iterdir():
        book = openpyxl.load_workbook(path)
        texts = [
            c.value for s in book.worksheets for r in s.iter_rows() for c in r if isinstance(c.value, str)
        ]
        assert max(len(v) for v in texts) == 32_767


def test_a_bulk_written_table_reads_back_cell_for_cell_as_the_findings_hold_it(tmp_path: Path) -> None:
    """The exception list's rows are written in bulk, each distinct text once in the shared strings:
    text that looks like Excel's own escapes, control characters, a carriage return, markup and
    formulas all read back as they were, only the formulas marked to stay text."""
    import polars as pl

    from annexa_check.outputs.files import close_book, write_frame_table, xlsx_book

    texts = ["_x0041_ as typed", "bell\x07here", "cr\rlf\n", "=1+1", "-5", "+SUM(A1)", None, "a & <b>"]
    texts += [" padded ", "<r>not rich</r>", "Child ID", "=1+1"]  # a header's text; a repeat
    frame = pl.DataFrame({"text": texts, "row": [*range(len(texts) - 1), None]})
    path = tmp_path / "bulk.xlsx"
    book = xlsx_book(path)
    write_frame_table(book, "Exceptions", ["Child ID", "Excel row"], frame, {}, ())
    close_book(book, path)
    back = pl.read_excel(path, sheet_name="Exceptions", engine="calamine")
    assert back.columns == ["Child ID", "Excel row"]
    assert back["Child ID"].to_list() == texts
    assert back["Excel row"].to_list() == [*range(len(texts) - 1), None]
    sheet = openpyxl.load_workbook(path)["Exceptions"]
    quoted = [cell.value for (cell,) in sheet.iter_rows(min_row=2, max_col=1) if cell.quotePrefix]
    assert quoted == ["=1+1", "+SUM(A1)", "=1+1"]  # a signed number is no formula
    import zipfile

    strings = zipfile.ZipFile(path).read("xl/sharedStrings.xml").decode()
    assert strings.count(">=1+1<") == 1 and strings.count(">Child ID<") == 1  # each text once
    assert 'count="13" uniqueCount="11"' in strings  # 2 headers and 11 cells; 11 distinct texts
