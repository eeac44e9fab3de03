"""Prove that a change kept every output the same: record digests before, check them after.

    python benchmarks/identical.py record before.json [--sizes example,17k,106k,1m] [--keep DIR]
    python benchmarks/identical.py check before.json  [--keep DIR]

Each case is a workbook (the bundled example, or a seeded generated dry run of about
17k, 106k or 1M rows, built once under bench_out/) checked through the command line as a
user would, into every output: the text summary, JSON, CSV, JUnit, Markdown, the
exception list as xlsx, the team workbooks and the HTML report; for the example also
the rule catalogue commands, a comparison and the history commands. A file's digest is
its SHA-256, with the workbook's path (which differs between checkouts) written WORKBOOK;
a workbook carries its creation time, so for one it is the digest of every sheet's cell
values. At 1M rows (not run unless named in `--sizes`) only the JSON summary and the CSV
findings are compared. `check` prints each output that differs and exits 1; `--keep DIR`
leaves the outputs there to diff.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbooks import bench_workbook  # noqa: E402

REFERENCE = "2025-03-31"
SIZES = {"example": None, "17k": 5000, "106k": 30000, "1m": 300000}
FINDINGS_ONLY = {"1m"}  # so large that only the findings themselves (JSON and CSV) are compared


def workbook(size: str) -> Path:
    children = SIZES[size]
    if children is None:
        return ROOT / "example_returns" / "example_dry_run.xlsx"
    return bench_workbook(children)


def cli(*args: str, cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "annexa_check", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    return done.returncode, done.stdout, done.stderr


def sheet_digest(path: Path, book_path: str) -> str:
    """Cell values of every sheet, in order: the part of a workbook that means something."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    digest = hashlib.sha256()
    for sheet in book.worksheets:
        digest.update(f"[{sheet.title}]".encode())
        for row in sheet.iter_rows(values_only=True):
            digest.update(repr(row).replace(book_path, "WORKBOOK").encode())
    book.close()
    return digest.hexdigest()


def file_digest(path: Path, book_path: str) -> str:
    if path.suffix == ".xlsx":
        return sheet_digest(path, book_path)
    return hashlib.sha256(path.read_bytes().replace(book_path.encode(), b"WORKBOOK")).hexdigest()


def text_digest(text: str, book_path: str) -> str:
    """The text's digest, with the workbook's path (which differs between checkouts) as WORKBOOK."""
    return hashlib.sha256(text.replace(book_path, "WORKBOOK").encode("utf-8")).hexdigest()


def outputs(size: str, work: Path) -> Iterator[tuple[str, str]]:
    """(output name, digest) for every output of one case."""
    book = workbook(size)
    named = str(book)
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    env.pop("ANNEXA_CHECK_HISTORY", None)
    base = ["validate", str(book), "--reference-date", REFERENCE, "--no-config"]
    for fmt in ("json", "csv") if size in FINDINGS_ONLY else ("text", "json", "csv", "junit", "markdown"):
        code, out, _ = cli(*base, "--format", fmt, cwd=work, env=env)
        yield f"validate --format {fmt} (exit {code})", text_digest(out, named)
    if size in FINDINGS_ONLY:
        return
    files = work / "files"
    files.mkdir()
    history = work / "history.sqlite"
    code, out, err = cli(
        *base,
        *("-o", str(files / "exceptions.csv"), "-o", str(files / "exceptions.xlsx")),
        *("-o", str(files / "summary.json"), "-o", str(files / "junit.xml"), "-o", str(files / "summary.md")),
        *("--report", str(files / "report.html"), "--split-by", "team", "--out-dir", str(files / "teams")),
        *("--history", str(history)),
        "-q",
        cwd=work,
        env=env,
    )
    yield f"validate -o ... (exit {code}, stderr)", text_digest(err, named)
    for path in sorted(files.rglob("*")):
        if path.is_file():
            yield f"file {path.relative_to(files)}", file_digest(path, named)
    if size != "example":
        return
    for args in (
        ("rules",),
        ("rules", "--format", "json"),
        ("rules", "--format", "markdown"),
        ("explain", "CLA003"),
        ("explain", "missing_primary_need"),
    ):
        code, out, _ = cli(*args, cwd=work, env=env)
        yield f"{' '.join(args)} (exit {code})", text_digest(out, named)
    for extra in ((), ("--ignore", "non_standard_code")):
        code, out, _ = cli(*base, *extra, "--record", "--history", str(history), "-q", cwd=work, env=env)
        yield f"validate --record {' '.join(extra)} (exit {code})", text_digest(out, named)
    code, out, _ = cli("trend", "--format", "csv", "--history", str(history), cwd=work, env=env)
    yield f"trend --format csv (exit {code})", text_digest(out, named)
    for fmt in ("text", "json"):
        code, out, _ = cli("compare", "1", "2", "--format", fmt, "--history", str(history), cwd=work, env=env)
        yield f"compare 1 2 --format {fmt} (exit {code})", text_digest(out, named)
    code, out, _ = cli(
        "compare", str(book), "2", "--reference-date", REFERENCE, "--history", str(history),
        "-o", str(files / "changes.csv"), cwd=work, env=env,
    )  # fmt: skip
    yield f"compare workbook 2 (exit {code})", text_digest(out.replace(str(files), "FILES"), named)
    yield "file changes.csv", file_digest(files / "changes.csv", named)


def run(sizes: list[str], keep: Path | None) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    for size in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"identical-{size}-"))
        try:
            result[size] = dict(outputs(size, work))
        finally:
            if keep is not None:
                target = keep / size
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(work, target)
            shutil.rmtree(work, ignore_errors=True)
        print(f"{size}: {len(result[size])} outputs", file=sys.stderr)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=("record", "check"))
    parser.add_argument("digests", type=Path)
    parser.add_argument("--sizes", default=",".join(s for s in SIZES if s not in FINDINGS_ONLY))
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    if args.action == "record":
        sizes = args.sizes.split(",")
        args.digests.write_text(json.dumps(run(sizes, args.keep), indent=1) + "\n", encoding="utf-8")
        return 0
    before = json.loads(args.digests.read_text(encoding="utf-8"))
    now = run(list(before), args.keep)
    differ = 0
    for size, names in before.items():
        for name in sorted(set(names) | set(now[size])):
            if names.get(name) != now[size].get(name):
                differ += 1
                state = "missing now" if name not in now[size] else "new" if name not in names else "differs"
                print(f"{size}: {name}: {state}")
    print(f"{differ} output(s) differ" if differ else "every output is identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
