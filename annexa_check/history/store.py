"""The run history: a small SQLite store of recorded runs, for month-over-month comparison.

A run is stored as its summary counts and, per finding, the fingerprint and the few
fields a comparison reports (error type, rule, list, row, child ID, column, team,
worker): never a cell value, a message or a whole record. Each run is written in one
transaction, so a run killed mid-write leaves the earlier runs exactly as they were.
The store creates itself on first use and migrates itself forward; the default
rollback journal (not WAL) is used because WAL does not work on network drives, where
councils keep a shared history.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from annexa_check.errors import AnnexaError
from annexa_check.findings.table import HISTORY_COLUMNS

_QUOTED = ", ".join(f'"{c}"' for c in HISTORY_COLUMNS)  # "column" is an SQL keyword
BUSY_SECONDS = 30  # how long to wait for another user's write on a shared drive

# Migrations in order; migration N takes the store from version N-1 to N. Never edit one that shipped.
MIGRATIONS = (
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        recorded_at TEXT NOT NULL,
        workbook TEXT NOT NULL,
        reference_date TEXT NOT NULL,
        template TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        findings INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        warnings INTEGER NOT NULL,
        children_with_errors INTEGER NOT NULL
    );
    CREATE TABLE run_counts (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        error_type TEXT NOT NULL,
        severity TEXT NOT NULL,
        count INTEGER NOT NULL,
        children INTEGER NOT NULL,
        PRIMARY KEY (run_id, error_type)
    );
    CREATE TABLE run_findings (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        fingerprint TEXT NOT NULL,
        error_type TEXT NOT NULL,
        rule TEXT NOT NULL,
        severity TEXT NOT NULL,
        list TEXT NOT NULL,
        row INTEGER,
        child_id TEXT,
        "column" TEXT NOT NULL,
        team TEXT,
        worker TEXT,
        PRIMARY KEY (run_id, fingerprint)
    );
    CREATE INDEX runs_by_date ON runs(reference_date);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class Run:
    id: int
    recorded_at: str
    workbook: str
    reference_date: str
    template: str
    tool_version: str
    findings: int
    errors: int
    warnings: int
    children_with_errors: int

    @property
    def label(self) -> str:
        return f"run {self.id} ({Path(self.workbook).name}, reference date {self.reference_date})"


def default_path() -> Path:
    """The history in the user's data folder (e.g. %LOCALAPPDATA%\\annexa-check on Windows)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("annexa-check", appauthor=False)) / "history.sqlite"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Turn SQLite's errors into one line naming the store; 'locked' means someone else is writing."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise AnnexaError(
                f"{path}: the history is busy (another run is writing to it); try again in a minute"
            ) from exc
        raise AnnexaError(f"{path}: cannot use the history database ({exc})") from exc
    except sqlite3.DatabaseError as exc:
        raise AnnexaError(f"{path}: not a readable annexa-check history ({exc})") from exc


def connect(path: Path, *, create: bool) -> sqlite3.Connection:
    """Open (and, when recording, create or migrate) the history at `path`."""
    path = Path(path)
    if not path.exists():
        if not create:
            raise AnnexaError(f"{path}: no history yet (record a run with 'validate --record')")
        if not path.parent.exists():
            if path.parent == default_path().parent:
                path.parent.mkdir(parents=True, exist_ok=True)
            else:
                raise AnnexaError(f"{path.parent}: history folder does not exist")
    with _locked(path):
        conn = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        _migrate(conn, path)
    return conn


def _version(conn: sqlite3.Connection) -> int:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the store to SCHEMA_VERSION, each step in its own transaction (all or nothing)."""
    version = _version(conn)
    if version > SCHEMA_VERSION:
        raise AnnexaError(
            f"{path}: history written by a newer annexa-check (store version {version}, "
            f"this one knows {SCHEMA_VERSION}); upgrade annexa-check"
        )
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _version(conn)  # another process may have migrated while we waited
        if version == 0:
            conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
            conn.execute("INSERT INTO schema_version VALUES (0)")
        for number in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[number - 1].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("UPDATE schema_version SET version = ?", (number,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def record(path: Path, report: dict[str, Any], findings: pl.DataFrame) -> int:
    """Store one run (its `summary()` and findings) in one transaction; return its id."""
    totals = report["totals"]
    rows = findings.select(HISTORY_COLUMNS).rows()
    conn = connect(path, create=True)
    try:
        with _locked(path):
            conn.execute("BEGIN IMMEDIATE")
            try:
                cursor = conn.execute(
                    "INSERT INTO runs (recorded_at, workbook, reference_date, template, tool_version,"
                    " findings, errors, warnings, children_with_errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        datetime.now(UTC).isoformat(timespec="seconds"),
                        report["workbook"],
                        report["reference_date"],
                        report["template"]["year"],
                        report["tool"]["version"],
                        totals["findings"],
                        totals["errors"],
                        totals["warnings"],
                        totals["children_with_errors"],
                    ),
                )
                run_id = int(cursor.lastrowid or 0)
                conn.executemany(
                    "INSERT INTO run_counts VALUES (?, ?, ?, ?, ?)",
                    [
                        (run_id, k, c["severity"], c["count"], c["children"])
                        for k, c in report["counts"].items()
                    ],
                )
                conn.executemany(
                    f"INSERT INTO run_findings VALUES (?, {', '.join('?' * len(HISTORY_COLUMNS))})",
                    [(run_id, *row) for row in rows],
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
    finally:
        conn.close()
    return run_id


def runs(path: Path) -> list[Run]:
    """Every recorded run, oldest first."""
    conn = connect(path, create=False)
    try:
        with _locked(path):
            rows = conn.execute(
                f"SELECT {', '.join(Run.__dataclass_fields__)} FROM runs ORDER BY id"
            ).fetchall()
    finally:
        conn.close()
    return [Run(*row) for row in rows]


def find_run(path: Path, wanted: str) -> Run:
    """A run by id (`7`) or by reference date (`2025-03-31`, which must name one run)."""
    recorded = runs(path)
    if wanted.isdigit():
        for run in recorded:
            if run.id == int(wanted):
                return run
        raise AnnexaError(f"{path}: no recorded run {wanted} (see 'annexa-check history')")
    matches = [run for run in recorded if run.reference_date == wanted]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise AnnexaError(
            f"{path}: no recorded run with reference date {wanted} (see 'annexa-check history')"
        )
    ids = ", ".join(str(run.id) for run in matches)
    raise AnnexaError(f"{path}: {len(matches)} runs have reference date {wanted} (ids {ids}); give a run id")


def run_findings(path: Path, run_id: int) -> pl.DataFrame:
    """The stored findings of one run, with the columns of HISTORY_COLUMNS."""
    conn = connect(path, create=False)
    try:
        with _locked(path):
            rows = conn.execute(
                f"SELECT {_QUOTED} FROM run_findings WHERE run_id = ? ORDER BY rowid",
                (run_id,),
            ).fetchall()
    finally:
        conn.close()
    schema = {c: (pl.Int64 if c == "row" else pl.String) for c in HISTORY_COLUMNS}
    return pl.DataFrame(rows, schema=schema, orient="row")


def run_counts(path: Path) -> pl.DataFrame:
    """Records per error type for every run: run_id, error_type, severity, count, children."""
    conn = connect(path, create=False)
    try:
        with _locked(path):
            rows = conn.execute(
                "SELECT run_id, error_type, severity, count, children FROM run_counts"
                " ORDER BY run_id, error_type"
            ).fetchall()
    finally:
        conn.close()
    schema = {
        "run_id": pl.Int64,
        "error_type": pl.String,
        "severity": pl.String,
        "count": pl.Int64,
        "children": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")
