"""The run history: created on first use, versioned, and never damaged by an interrupted write."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REF, SPELLING, Month, record, run

from annexa_check.errors import AnnexaError
from annexa_check.history import store as history


def test_first_record_creates_the_store(two_months: tuple[Month, Month], tmp_path: Path) -> None:
    store = tmp_path / "history.sqlite"
    assert run("history", "--history", str(store)).stderr == (
        f"annexa-check: error: {store}: no history yet (record a run with 'validate --record')\n"
    )
    record(two_months[0].path, store)
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(history.SCHEMA_VERSION,)]
        stored = conn.execute("SELECT * FROM run_findings LIMIT 1").fetchone()
    # the stored finding: identity and who/where, never a value or message
    columns = ["run_id", *history.HISTORY_COLUMNS]
    assert dict(zip(columns, stored, strict=True)).keys() == set(columns)
    listed = json.loads(run("history", "--history", str(store), "--format", "json").stdout)
    assert [
        (r["id"], Path(r["workbook"]).name, r["reference_date"], r["errors"]) for r in listed["runs"]
    ] == [(1, "march.xlsx", REF, 11)]
    assert history.run_findings(store, 1).height == 11
    counts = history.run_counts(store)
    assert dict(zip(counts["error_type"], counts["count"], strict=True)) == {
        "missing_closure_reason": 2,
        "missing_placement_location": 3,
        "missing_primary_need": 6,
    }


def test_a_store_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "history.sqlite"
    history.connect(store, create=True).close()
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    result = run("history", "--history", str(store))
    assert result.exit_code == 2
    assert result.stderr == (
        f"annexa-check: error: {store}: history written by a newer annexa-check (store version 99, "
        f"this one knows {history.SCHEMA_VERSION}); upgrade annexa-check\n"
    )


def test_a_file_that_is_not_a_store(tmp_path: Path) -> None:
    store = tmp_path / "history.sqlite"
    store.write_bytes(b"this is not a database" * 100)
    result = run("history", "--history", str(store))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"annexa-check: error: {store}: not a readable annexa-check history (")


def test_a_store_another_user_is_writing_says_so(
    two_months: tuple[Month, Month], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "history.sqlite"
    record(two_months[0].path, store)
    monkeypatch.setattr(history, "BUSY_SECONDS", 0.1)
    holder = sqlite3.connect(store, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another user's write in progress
    try:
        result = run(
            "validate",
            str(two_months[1].path),
            "--reference-date",
            REF,
            *SPELLING,
            "--record",
            "--history",
            str(store),
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 2
    assert result.stderr == (
        f"annexa-check: error: {store}: the history is busy (another run is writing to it); try again in a minute\n"
    )
    assert [r.id for r in history.runs(store)] == [1]


_READER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN")
conn.execute("SELECT count(*) FROM runs").fetchone()
print("reading", flush=True)
sys.stdin.read()
"""


def _writer_waits_to_commit(store: Path) -> bool:
    """Whether a writer holds the store's pending lock: its rows are written, its commit waits for readers."""
    probe = sqlite3.connect(store, timeout=0, isolation_level=None)
    try:
        probe.execute("SELECT count(*) FROM runs").fetchone()
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc), exc
        return True
    finally:
        probe.close()
    return False


def test_a_run_killed_mid_write_leaves_earlier_runs_intact(
    two_months: tuple[Month, Month], tmp_path: Path
) -> None:
    """A reader keeps the recording run from committing; the run is killed while it waits."""
    march, april = two_months
    store = tmp_path / "history.sqlite"
    record(march.path, store)
    before = history.run_findings(store, 1)
    # Another user reading the store, in a process of its own (SQLite's locks are per process):
    # its open read transaction keeps any writer from committing until it ends.
    reader = subprocess.Popen(
        [sys.executable, "-c", _READER, str(store)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert reader.stdout is not None and reader.stdout.readline() == "reading\n"
    command = [
        sys.executable,
        "-m",
        "annexa_check",
        "validate",
        str(april.path),
        "--reference-date",
        REF,
        *SPELLING,
    ]
    child = subprocess.Popen([*command, "--record", "--history", str(store), "-q"])
    try:
        deadline = time.monotonic() + 60
        while not _writer_waits_to_commit(store):  # the run has written its rows and not yet committed
            assert child.poll() is None, "the run ended before it tried to commit"
            assert time.monotonic() < deadline, "the run never reached its commit"
            time.sleep(0.05)
        assert Path(f"{store}-journal").exists()
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        reader.communicate(timeout=30)  # closing its input ends the read
    assert child.returncode == -signal.SIGKILL
    assert [r.id for r in history.runs(store)] == [1]
    assert history.run_findings(store, 1).equals(before)
    with sqlite3.connect(store) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("SELECT count(*) FROM run_findings WHERE run_id <> 1").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM run_counts WHERE run_id <> 1").fetchone() == (0,)
    record(april.path, store)  # and the store takes the next run
    assert [(r.id, Path(r.workbook).name) for r in history.runs(store)] == [
        (1, "march.xlsx"),
        (2, "april.xlsx"),
    ]


def test_recording_into_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(AnnexaError, match=r"history folder does not exist$"):
        history.connect(tmp_path / "nowhere" / "history.sqlite", create=True)
