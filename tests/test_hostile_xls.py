"""Hostile legacy .xls files: sheet sizes the BIFF stream declares or implies, and damaged compound files.

The reader reserves what a sheet's DIMENSIONS record declares and allocates the rectangle
its cells span; BIFF writes rows in 32 bits and columns in 16, far past the format's own
65,536 x 256 grid. Measured here: a few-kilobyte .xls declaring 4,294,967,295 rows, or a
cell at row 65,536 and column 65,536, aborts the reader (SIGABRT). The files are written
with xlwt and their records patched.
"""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest
import xlwt

from annexa_check.errors import InputError
from annexa_check.read.safety import DEFAULT_LIMITS, Limits, inspect

RAISE = "or raise the limit with max_sheet_cells under [limits] in the settings file"
STRAY = "delete the stray cells far from the data (Ctrl+End in Excel shows the last one) and save again"
DIMENSIONS = b"\x00\x02\x0e\x00"  # record type 0x0200, 14 bytes (BIFF8)
LABELSST = b"\xfd\x00\x0a\x00"  # a text cell: row, column, format, string index
SST = b"\xfc\x00"


def xls(path: Path, rows: int = 3, cols: int = 5, sheet: str = "List_6") -> Path:
    book = xlwt.Workbook()
    out = book.add_sheet(sheet)
    for r in range(rows):
        for c in range(cols):
            out.write(r, c, f"v{r}.{c}")
    book.save(str(path))
    return path


def patch(path: Path, record: bytes, fmt: str, *values: int, last: bool = False) -> Path:
    """Overwrite the start of one record's body (the first of its kind, or the last)."""
    data = bytearray(path.read_bytes())
    at = data.rfind(record) if last else data.find(record)
    assert at > 0
    struct.pack_into(fmt, data, at + 4, *values)
    path.write_bytes(bytes(data))
    return path


def refusal(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    with pytest.raises(InputError) as caught:
        inspect(path, limits)
    return str(caught.value)


def test_a_genuine_xls_passes(tmp_path) -> None:
    path = xls(tmp_path / "fine.xls", rows=2000, cols=20)
    assert inspect(path).format == "xls"
    assert inspect(path, Limits(max_sheet_cells=40_000)).format == "xls"  # exactly A1:T2000


@pytest.mark.parametrize(
    ("rows", "cols", "span"),
    [
        (0xFFFFFFFF, 5, "A1:E4294967295 (21,474,836,475 cells)"),
        (1_048_576, 16_384, "A1:XFD1048576 (17,179,869,184 cells)"),
        (65_536, 0xFFFF, "A1:CRXO65536 (4,294,901,760 cells)"),
    ],
)
def test_a_declared_dimension_past_the_limit(tmp_path, reader_kept_out, rows, cols, span) -> None:
    path = patch(xls(tmp_path / "declared.xls"), DIMENSIONS, "<IIHH", 0, rows, 0, cols)
    assert (
        refusal(path)
        == f"{path}: sheet 'List_6' spans {span}, above the 50,000,000-cell limit; {STRAY}, {RAISE}"
    )


def test_an_inverted_dimension_is_held_to_the_limit(tmp_path, reader_kept_out) -> None:
    path = patch(xls(tmp_path / "inverted.xls"), DIMENSIONS, "<IIHH", 0xFFFFFFF0, 3, 0, 5)
    assert refusal(path).startswith(f"{path}: sheet 'List_6' spans A1:E4294967281 (21,474,836,405 cells), ")


def test_the_dimension_within_the_grid_passes(tmp_path) -> None:
    path = patch(xls(tmp_path / "full.xls"), DIMENSIONS, "<IIHH", 0, 65_536, 0, 256)
    assert inspect(path).format == "xls"  # 16,777,216 cells: the reader copes (measured)
    assert refusal(path, Limits(max_sheet_cells=16_777_215)) == (
        f"{path}: sheet 'List_6' spans A1:IV65536 (16,777,216 cells), above the 16,777,215-cell limit; "
        f"{STRAY}, {RAISE}"
    )


def test_a_cell_far_past_the_grid(tmp_path, reader_kept_out) -> None:
    path = patch(xls(tmp_path / "far.xls"), LABELSST, "<HH", 0xFFFF, 0xFFFF, last=True)
    assert refusal(path) == (
        f"{path}: sheet 'List_6' spans A1:CRXP65536 (4,294,967,296 cells), above the 50,000,000-cell limit; "
        f"{STRAY}, {RAISE}"
    )


def test_the_real_extent_counts_when_the_dimension_says_nothing(tmp_path, reader_kept_out) -> None:
    path = patch(
        xls(tmp_path / "quiet.xls", rows=40, cols=30, sheet="List 8"), DIMENSIONS, "<IIHH", 0, 0, 0, 0
    )
    assert refusal(path, Limits(max_sheet_cells=1_199)) == (
        f"{path}: sheet 'List 8' spans A1:AD40 (1,200 cells), above the 1,199-cell limit; {STRAY}, {RAISE}"
    )
    assert inspect(path, Limits(max_sheet_cells=1_200)).format == "xls"


def test_a_shared_strings_count_past_the_limit(tmp_path, reader_kept_out) -> None:
    path = patch(xls(tmp_path / "strings.xls"), SST, "<II", 0xFFFFFFFF, 0xFFFFFFFF)
    assert refusal(path) == (
        f"{path}: the shared strings table declares 4,294,967,295 entries (uniqueCount), above the "
        "50,000,000-entry limit; refused as unsafe to open; if it is genuine, raise the limit with "
        "max_strings under [limits] in the settings file"
    )


def test_the_sheet_name_comes_from_the_workbook(tmp_path, reader_kept_out) -> None:
    book = xlwt.Workbook()
    book.add_sheet("Front").write(0, 0, "x")
    book.add_sheet("List é 6").write(3, 2, "y")
    path = tmp_path / "two.xls"
    book.save(str(path))
    assert refusal(path, Limits(max_sheet_cells=11)) == (
        f"{path}: sheet 'List é 6' spans A1:C4 (12 cells), above the 11-cell limit; {STRAY}, {RAISE}"
    )


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:76] + b"\xff\xff\xff\x7f" + data[80:],  # the allocation table outside the file
        lambda data: data[:30] + b"\x20\x00" + data[32:],  # an impossible sector size
        lambda data: data[:48] + b"\xff\xff\xff\x7f" + data[52:],  # the directory's sector outside the file
    ],
    ids=["allocation-table", "sector-size", "directory"],
)
def test_a_damaged_compound_file_is_one_line(tmp_path, reader_kept_out, damage) -> None:
    path = xls(tmp_path / "damaged.xls", rows=200, cols=20)
    path.write_bytes(damage(path.read_bytes()))
    assert refusal(path) == (
        f"{path}: the workbook is damaged (its compound file structure is corrupt); copy it again or "
        "re-save it in Excel"
    )


def test_a_looping_allocation_table_is_one_line_not_a_hang(tmp_path, reader_kept_out) -> None:
    """Every FAT entry pointing at itself: each chain loops on its first sector."""
    path = xls(tmp_path / "loop.xls", rows=200, cols=20)
    data = bytearray(path.read_bytes())
    fat_sector = struct.unpack_from("<I", data, 76)[0]
    start = (fat_sector + 1) * 512
    for n in range(128):
        struct.pack_into("<I", data, start + 4 * n, n)
    path.write_bytes(bytes(data))
    assert refusal(path) == (
        f"{path}: the workbook is damaged (its compound file structure is corrupt); copy it again or "
        "re-save it in Excel"
    )


def test_the_command_line_refuses_what_would_abort_the_reader(tmp_path) -> None:
    """As a user runs it, in its own process: without the pre-check this exits 134 with nothing said."""
    path = patch(xls(tmp_path / "abort.xls"), DIMENSIONS, "<IIHH", 0, 0xFFFFFFFF, 0, 5)
    done = subprocess.run(
        [sys.executable, "-m", "annexa_check", "validate", str(path), "--reference-date", "2025-03-31"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == (
        f"annexa-check: error: {path}: sheet 'List_6' spans A1:E4294967295 (21,474,836,475 cells), above the "
        f"50,000,000-cell limit; {STRAY}, {RAISE}\n"
    )


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _small_xls(path: Path, rows: int, cols: int, sheet: str = "List_6") -> Path:
    """A compound file written by hand whose workbook stream (under 4,096 bytes) lives in the mini stream."""
    bof = struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0)
    bound = (
        len(_record(0x0809, bof)) + len(_record(0x0085, bytes(8 + len(sheet)))) + len(_record(0x000A, b""))
    )
    stream = (
        _record(0x0809, bof)
        + _record(0x0085, struct.pack("<IBBBB", bound, 0, 0, len(sheet), 0) + sheet.encode("latin-1"))
        + _record(0x000A, b"")
        + _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0))
        + _record(0x0200, struct.pack("<IIHHH", 0, rows, 0, cols, 0))
        + _record(0x000A, b"")
    )
    minis = -(-len(stream) // 64)
    container = stream.ljust(minis * 64, b"\0")
    container_sectors = -(-len(container) // 512)
    end, free = 0xFFFFFFFE, 0xFFFFFFFF
    fat = [0xFFFFFFFD, end, end] + [4 + n for n in range(container_sectors - 1)] + [end]
    minifat = [n + 1 for n in range(minis - 1)] + [end]

    def entry(name: str, kind: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB3I", len(encoded), kind, 1, free, free, free)
            + bytes(36)
            + struct.pack("<IQ", start, size)
        )

    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<9I", 0, 1, 1, 0, 4096, 2, 1, end, 0)
        + struct.pack("<109I", 0, *[free] * 108)
    )
    directory = entry("Root Entry", 5, 3, len(container)) + entry("Workbook", 2, 0, len(stream))
    sectors = [
        struct.pack(f"<{len(fat)}I", *fat).ljust(512, b"\xff"),
        directory.ljust(512, b"\0"),
        struct.pack(f"<{len(minifat)}I", *minifat).ljust(512, b"\xff"),
        container.ljust(container_sectors * 512, b"\0"),
    ]
    path.write_bytes(header + b"".join(sectors))
    return path


def test_a_small_workbook_stream_is_read_from_the_mini_stream(tmp_path, reader_kept_out) -> None:
    assert inspect(_small_xls(tmp_path / "small.xls", 3, 5)).format == "xls"
    path = _small_xls(tmp_path / "declared.xls", 0xFFFFFFFF, 5)
    assert refusal(path) == (
        f"{path}: sheet 'List_6' spans A1:E4294967295 (21,474,836,475 cells), above the 50,000,000-cell limit; "
        f"{STRAY}, {RAISE}"
    )
