"""Fuzzing: mutated workbooks never crash the command, hang, or print a traceback.

Each case runs the installed command in its own process with a time limit, since some
reader failures abort the process rather than raise. The run is bounded in time:
ANNEXA_FUZZ_SECONDS (default 20) and ANNEXA_FUZZ_SEED (default 1) make a longer or
different local run, e.g. `ANNEXA_FUZZ_SECONDS=600 ANNEXA_FUZZ_SEED=7 pytest tests/test_fuzz.py`.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import xlsxwriter
from builders import SAFE

from annexa_check.catalogue.spec import load_spec

BUDGET = float(os.environ.get("ANNEXA_FUZZ_SECONDS", "20"))
SEED = int(os.environ.get("ANNEXA_FUZZ_SEED", "1"))
CASE_TIMEOUT = 60
HEADERS = [c.header for c in load_spec().lists["list_6"].columns_for("2023")]
ODD_VALUES: list[object] = [
    "", " ", "\u00a0", "=1+1", "@SUM(A1)", "\t=cmd", "#N/A", "#REF!", "a) WBRI", "N1", "01/01/1899",
    "31/02/2024", "29/02/2023", "2024-05-03", "00123", "\x00", "\x1b[31m", "ÿþ", "🙂" * 50, "x" * 32767,
    0, -1, 1e308, -1e20, 2958466, 1.5, float("inf"), True,
]  # fmt: skip


def _workbook(path: Path, rng: random.Random) -> Path:
    """A List 6 sheet with a few rows of odd values, some in date-formatted cells."""
    book = xlsxwriter.Workbook(str(path), {**SAFE, "nan_inf_to_errors": True})
    sheet = book.add_worksheet(rng.choice(["List_6", "List 6", "Sheet1"]))
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, HEADERS)
    for r in range(1, rng.randint(2, 8)):
        for c in range(len(HEADERS)):
            value = rng.choice(ODD_VALUES) if rng.random() < 0.4 else f"C{r}"
            cell_format = dates if rng.random() < 0.3 else None
            if isinstance(value, str):
                sheet.write_string(r, c, value, cell_format)
            else:
                sheet.write(r, c, value, cell_format)
    book.close()
    return path


def _flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _mutate_file(path: Path, rng: random.Random) -> str:
    """Damage the file itself: flipped bytes, a cut, or junk spliced in."""
    data = path.read_bytes()
    kind = rng.choice(["flip", "truncate", "splice"])
    if kind == "flip":
        data = _flip_bytes(data, rng)
    elif kind == "truncate":
        data = data[: rng.randrange(1, len(data))]
    else:
        at = rng.randrange(len(data))
        data = data[:at] + rng.randbytes(rng.randint(1, 64)) + data[at:]
    path.write_bytes(data)
    return kind


def _mutate_part(path: Path, rng: random.Random) -> str:
    """Damage one part's XML and re-pack it, so the zip is sound and the reader parses the damage."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    name = rng.choice(sorted(n for n in parts if n.endswith(".xml")))
    data = parts[name]
    kind = rng.choice(["flip", "cut", "dimension", "ref"])
    if kind == "flip":
        parts[name] = _flip_bytes(data, rng)
    elif kind == "cut":
        parts[name] = data[: rng.randrange(1, len(data))]
    elif kind == "dimension":
        ref = rng.choice(
            [b"A1:XFD1048576", b"A1:ZZ99999", b"XFD1", b"A0:B2", b"A1:AAAA1", b"", b"A1:B99999999999"]
        )
        parts[name] = data.replace(b'<dimension ref="', b'<dimension ref="' + ref + b'" x="', 1)
    else:
        cell = rng.choice([b"XFD1048576", b"A0", b"ZZZZ1", b"A99999999999", b"", b"a1"])
        parts[name] = data.replace(b'<c r="B2"', b'<c r="' + cell + b'"', 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, content in parts.items():
            archive.writestr(part, content)
    return f"{name}:{kind}"


def _case(tmp: Path, index: int, rng: random.Random) -> tuple[Path, str]:
    path = _workbook(tmp / f"case{index}.xlsx", rng)
    mutation: Callable[[Path, random.Random], str] | None = rng.choice([None, _mutate_file, _mutate_part])
    return path, "values only" if mutation is None else mutation.__name__ + " " + mutation(path, rng)


def _run(path: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "annexa_check", "validate", str(path), "--reference-date", "2025-03-31",
               "-o", str(path.with_suffix(".csv")), "-o", str(path.with_name(path.stem + "-out.xlsx"))]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=CASE_TIMEOUT, check=False)


def test_mutated_workbooks_get_an_exit_code_and_at_most_one_line(tmp_path):
    rng = random.Random(SEED)
    deadline = time.monotonic() + BUDGET
    seen: list[tuple[str, int]] = []
    problems: list[str] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        while time.monotonic() < deadline:
            batch = [_case(tmp_path, len(seen) + i, rng) for i in range(4)]
            for (path, mutation), done in zip(batch, pool.map(_run, [p for p, _ in batch]), strict=True):
                seen.append((mutation, done.returncode))
                if done.returncode not in (0, 1, 2):
                    problems.append(f"{path.name} ({mutation}): exit {done.returncode}: {done.stderr[-300:]}")
                elif "Traceback" in done.stderr or (done.returncode == 2 and done.stderr.count("\n") != 1):
                    problems.append(f"{path.name} ({mutation}): {done.stderr[-300:]}")
    assert problems == [], f"seed {SEED}: " + "\n".join(problems)
    assert len(seen) >= 8  # the budget ran real cases
    assert {code for _, code in seen} & {0, 1} and 2 in {code for _, code in seen}
