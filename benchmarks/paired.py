"""Paired whole-command timings: `annexa-check validate` against the bare calamine read, alternately.

Run: python benchmarks/paired.py [--children 30000] [--repeat 5] [--against OTHER_SOURCE_TREE] [--others]
     python benchmarks/paired.py --children 5000 --batch 20 [--repeat 3]
     python benchmarks/paired.py --many [--repeat 5] [--against OTHER_SOURCE_TREE]

A shared machine's load drifts; running the commands one after another, in alternating
order, lets each pair see the same load, so the medians and their ratio mean something
where single timings do not. Each command is a whole process (interpreter, imports,
rule data). `--against` also times `validate` from another checkout of the project
(a copy of an older commit, say), to compare a change with what it replaces; both must
find the same thing, and the script says if the exception lists differ. Peak resident
memory is each command's own, from the operating system. `--others` also times, in the
same alternation, what else a user runs on one workbook: `validate` with `--report`, with
`--split-by team`, with `-o x.xlsx` and with `--record` (into a fresh history each time),
and `compare A B` of the workbook with itself (two checks and the comparison). `--batch N`
times a folder of N copies of the workbook instead: one process reading all of them with
calamine, `validate FOLDER` as it runs by default (a worker per core) and with `--jobs 1`.
`--many` times the outputs of a run with many findings instead (see `many`).

Each source tree's modules are compiled to bytecode before the timings, as an installed
copy's are (`pip install .` compiles them), so a machine set never to write bytecode
(PYTHONDONTWRITEBYTECODE) does not time compiling the project's modules on every run
while polars, already installed, arrives compiled.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbooks import REFERENCE, bench_workbook  # noqa: E402

# --many: the seeded dry run of 40,000 children (about 141k rows, List 1 60,000 of them) checked
# at a reference date long after it was built, with every failing row kept as a child-level finding
# (no extract faults): 281,925 findings, about two for every row.
MANY_CHILDREN = 40000
MANY_DATE = "2026-11-30"
MANY_SETTINGS = "[extract]\nmin_rows = 1000000000  # every failing row a child-level finding\n"


def _compiled(*trees: Path) -> None:
    """Compile each tree's package to bytecode once, as installing it does (see the module's docstring)."""
    for tree in trees:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "annexa_check")], check=True)


def _run(argv: list[str], source: Path, fresh: Path | None = None) -> tuple[float, float]:
    """Seconds and peak resident MiB of one command, with `source` first on the import path.

    `fresh` is a file removed before the command runs (a history it records into).
    """
    if fresh is not None:
        fresh.unlink(missing_ok=True)
    env = dict(os.environ, PYTHONPATH=str(source))
    start = time.perf_counter()
    # run from `source`: the interpreter puts the working folder first on the import path
    child = subprocess.Popen(argv, env=env, cwd=source, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    assert child.stderr is not None
    err = child.stderr.read().decode(errors="replace").strip()
    child.stderr.close()
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # 1: the check found errors
        sys.exit(f"{' '.join(argv[:4])} failed: {err.splitlines()[-1] if err else status}")
    return seconds, usage.ru_maxrss / 1024  # Linux reports KiB


def many(repeat: int, against: Path | None) -> None:
    """What a run with many findings costs in each output, against `validate -q` alone, alternately.

    The team workbooks (`--split-by team`), the HTML report and the exception list as .xlsx each
    render every finding; the promise is that each takes at most twice the time of the check
    itself. With `against`, every command also runs from that checkout, to compare a change
    with what it replaces.
    """
    path = bench_workbook(MANY_CHILDREN)
    out = path.parent
    settings = out / "many.toml"
    settings.write_text(MANY_SETTINGS, encoding="utf-8")
    check = [sys.executable, "-m", "annexa_check", "validate", str(path), "--reference-date", MANY_DATE]
    check += ["--config", str(settings)]
    found = subprocess.run([*check, "--format", "json"], capture_output=True, text=True, cwd=ROOT)
    findings = json.loads(found.stdout)["totals"]["findings"]
    quiet = [*check, "-q"]
    outputs = {
        "validate -q": [],
        "--split-by team": ["--split-by", "team", "--out-dir", str(out / "many-teams")],
        "--report": ["--report", str(out / "many.html")],
        "-o x.xlsx": ["-o", str(out / "many.xlsx")],
    }
    trees = {"": ROOT} | ({" (other)": against.resolve()} if against is not None else {})
    commands = {f"{name}{tree}": ([*quiet, *extra], source) for tree, source in trees.items()
                for name, extra in outputs.items()}  # fmt: skip
    _compiled(*trees.values())
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(repeat):
        for name in list(commands) if i % 2 == 0 else list(reversed(commands)):
            took, peak = _run(*commands[name])
            seconds[name].append(took)
            peaks[name].append(peak)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.platform()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
    print(f"{path.name} at {MANY_DATE}, {findings:,} findings; {when}; {machine}; medians of {repeat}")
    for tree in trees:
        alone = statistics.median(seconds[f"validate -q{tree}"])
        for name in outputs:
            median = statistics.median(seconds[name + tree])
            print(f"  {name + tree:25s} {median:6.2f} s  {median / alone:5.2f}x validate -q  "
                  f"peak {statistics.median(peaks[name + tree]):5.0f} MiB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=30000, help="about 3.5 rows each (30000: ~106k rows)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another checkout of the project to compare with")
    parser.add_argument(
        "--others", action="store_true", help="also time --report, --split-by, -o .xlsx, --record and compare"
    )
    parser.add_argument("--batch", type=int, metavar="N", help="time a folder of N copies of the workbook")
    parser.add_argument("--many", action="store_true", help="time the outputs of a run with ~280k findings")
    args = parser.parse_args()
    if args.many:
        many(args.repeat, args.against)
        return

    path = bench_workbook(args.children)
    out = path.parent
    first = "paired.csv"
    if args.batch:
        books = out / f"batch_{args.children}x{args.batch}"
        books.mkdir(exist_ok=True)
        for n in range(1, args.batch + 1):
            copy = books / f"book{n:02d}.xlsx"
            if not copy.exists():
                copy.write_bytes(path.read_bytes())
        path = books
        first = "paired.book01.csv"  # in a batch, -o paired.csv writes paired.<workbook>.csv for each

    cli = [sys.executable, "-m", "annexa_check"]
    date = ["--reference-date", REFERENCE.isoformat()]

    def validate(csv: Path) -> list[str]:
        return [*cli, "validate", str(path), *date, "--format", "json", "-o", str(csv)]

    read = f"import polars as pl; pl.read_excel({str(path)!r}, sheet_id=0, engine='calamine')"
    if args.batch:
        every = f"sorted(pathlib.Path({str(path)!r}).glob('*.xlsx'))"
        each = "pl.read_excel(f, sheet_id=0, engine='calamine')"
        read = f"import polars as pl, pathlib; [{each} for f in {every}]"
    commands: dict[str, tuple[list[str], Path] | tuple[list[str], Path, Path]] = {
        "bare read": ([sys.executable, "-c", read], ROOT),
        "validate": (validate(out / "paired.csv"), ROOT),
    }
    if args.batch:
        commands["--jobs 1"] = ([*validate(out / "paired-jobs1.csv"), "--jobs", "1"], ROOT)
    if args.against is not None:
        commands["validate (other)"] = (validate(out / "paired-other.csv"), args.against.resolve())
    if args.others:
        quiet = [*date, "-q"]
        history = out / "paired-history.sqlite"
        commands |= {
            "--report": ([*cli, "validate", str(path), *quiet, "--report", str(out / "paired.html")], ROOT),
            "--split-by team": (
                [*cli, "validate", str(path), *quiet, "--split-by", "team", "--out-dir", str(out / "teams")],
                ROOT,
            ),
            "-o x.xlsx": ([*cli, "validate", str(path), *quiet, "-o", str(out / "paired.xlsx")], ROOT),
            "--record": (
                [*cli, "validate", str(path), *quiet, "--record", "--history", str(history)],
                ROOT,
                history,
            ),
            "compare A B": ([*cli, "compare", str(path), str(path), *date, "--format", "json"], ROOT),
        }
    _compiled(ROOT, *([args.against.resolve()] if args.against is not None else []))
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(args.repeat):
        names = list(commands) if i % 2 == 0 else list(reversed(commands))
        for name in names:
            took, peak = _run(*commands[name])
            seconds[name].append(took)
            peaks[name].append(peak)

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.platform()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
    size = sum(f.stat().st_size for f in path.glob("*.xlsx")) if args.batch else path.stat().st_size
    print(f"{path.name}, {size / 1e6:.1f} MB; {when}; {machine}; medians of {args.repeat} pairs")
    read_s = statistics.median(seconds["bare read"])
    validate_s = statistics.median(seconds["validate"])
    for name in commands:
        median = statistics.median(seconds[name])
        print(f"  {name:17s} {median:6.2f} s  {median / read_s:5.2f}x the bare read  "
              f"{median / validate_s:5.2f}x validate  "
              f"peak {statistics.median(peaks[name]):5.0f} MiB")  # fmt: skip
    if args.against is not None:
        ratio = statistics.median(seconds["validate"]) / statistics.median(seconds["validate (other)"])
        same = filecmp.cmp(out / first, out / first.replace("paired", "paired-other"), shallow=False)
        print(
            f"  validate / validate (other): {ratio:.3f}; exception lists {'identical' if same else 'DIFFER'}"
        )


if __name__ == "__main__":
    main()
