"""--pseudonymise by construction: no rule can carry a real child ID or date of birth into any output.

Every rule's failing examples are planted in one workbook per template, each example's
identifiers replaced by a marker of its own, and checked through the command line into
every output format with --pseudonymise. No marker and no date of birth may appear in
any file written or anything printed, and every planted rule must have fired (so the
test really passed each rule's findings through the pseudonymiser).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import write_lists
from click.testing import CliRunner

from annexa_check.catalogue.spec import Rule, load_spec
from annexa_check.cli.main import main
from annexa_check.findings.pseudonym import KEY_VARIABLE, WITHHELD, pseudonym

SPEC = load_spec()
KEY = "a-test-key-of-some-length"
REFERENCE = "2025-03-31"
_SHEET_SHAPES = {"absent", "list_absent", "list_without_headers", "duplicate"}  # examples of a sheet's shape
_ID_COLUMNS = {c.key for lst in SPEC.lists.values() for c in lst.columns if c.type == "id"}


def _rows_by_list(rule: Rule, example: Any) -> dict[str, list[dict[str, Any]]]:
    if isinstance(example, dict) and "lists" in example:
        return {k: rows if isinstance(rows, list) else [rows] for k, rows in example["lists"].items()}
    return {rule.lists[0]: example if isinstance(example, list) else [example]}


class Planted:
    """Every row-level failing example of a template's rules, with its identifiers replaced by markers."""

    def __init__(self, template: str) -> None:
        self.lists: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.rules: set[str] = set()
        self.markers: set[str] = set()
        self.births: set[str] = set()
        others: set[str] = set()  # every other value planted: a birth date equal to one is not secret
        numbers = itertools.count(1)
        for rule in SPEC.rules:
            if template not in rule.templates or rule.check in ("column_present", "column_unique"):
                continue
            for example in rule.examples["fail"]:
                rows_by_list = _rows_by_list(rule, example)
                if any(_SHEET_SHAPES & set(row) for rows in rows_by_list.values() for row in rows):
                    continue
                renamed: dict[str, str] = {}  # one marker per identifier within an example
                for list_key, rows in rows_by_list.items():
                    for row in rows:
                        planted = {k: None if v is None else str(v) for k, v in row.items()}
                        if "child_id" not in planted:
                            planted["child_id"] = f"row{next(numbers)}"  # a child of its own
                        for key in _ID_COLUMNS & set(planted):
                            if planted[key]:
                                original = planted[key]
                                planted[key] = renamed.setdefault(original, f"QX{next(numbers):05d}")
                        self.lists[list_key].append(planted)
                        if planted.get("date_of_birth"):
                            self.births.add(planted["date_of_birth"])
                        others |= {
                            v for k, v in planted.items() if v and k not in ("date_of_birth", *_ID_COLUMNS)
                        }
                self.markers |= set(renamed.values())
                self.rules.add(rule.code)
        self.births = {b for b in self.births if b not in others}


def _dd_mm_yyyy(text: str) -> str | None:
    for parse in (date.fromisoformat, lambda t: date(int(t[6:10]), int(t[3:5]), int(t[0:2]))):
        try:
            return parse(text[:10]).strftime("%d/%m/%Y")  # type: ignore[no-untyped-call]
        except (ValueError, IndexError):
            continue
    return None


def _text_of(path: Path) -> str:
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        cells = [
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        ]
        return "\n".join([*book.sheetnames, *cells])
    return path.read_text(encoding="utf-8-sig")


@pytest.fixture(scope="module", params=["2023", "2019"])
def outputs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Planted, dict]:
    template = request.param
    planted = Planted(template)
    folder = tmp_path_factory.mktemp(f"privacy{template}")
    book = write_lists(folder / "planted.xlsx", dict(planted.lists), template=template)
    out = folder / "out"
    files = [folder / f"all{suffix}" for suffix in (".csv", ".xlsx", ".json", ".xml", ".md")]
    # every rule's own findings, never folded into one extract fault (the planted rows are examples,
    # not an extract: most leave a column blank), so each one's values go through pseudonymisation
    settings = folder / "annexa-check.toml"
    settings.write_text("[extract]\nmin_rows = 1000000\n", encoding="utf-8")
    common = [
        "validate",
        str(book),
        "--reference-date",
        REFERENCE,
        "--template",
        template,
        "--config",
        str(settings),
    ]
    runner = CliRunner()
    env = {KEY_VARIABLE: KEY}
    written = runner.invoke(
        main,
        [*common, "--pseudonymise", "--split-by", "team", "--out-dir", str(out), "--report",
         str(folder / "report.html"), *itertools.chain.from_iterable(("-o", str(f)) for f in files)],
        env=env,
    )  # fmt: skip
    assert written.exit_code == 1, written.output
    texts = {
        str(p.relative_to(folder)): _text_of(p) for p in [*files, folder / "report.html", *out.iterdir()]
    }
    for fmt in ("text", "json", "junit", "markdown"):  # what is printed, alongside a pseudonymised file
        shown = runner.invoke(
            main, [*common, "--format", fmt, "--pseudonymise", "-o", str(files[0])], env=env
        )
        assert shown.exit_code == 1, shown.output
        texts[f"stdout --format {fmt}"] = shown.output
    return planted, texts


def test_every_planted_rule_fired_so_its_findings_were_pseudonymised(outputs: tuple[Planted, dict]) -> None:
    planted, texts = outputs
    fired = set(re.findall(r",([A-Z]{2,4}\d{3}),", texts["all.csv"]))
    assert planted.rules - fired == set()
    assert len(planted.rules) > 200


def test_no_output_holds_a_child_id(outputs: tuple[Planted, dict]) -> None:
    planted, texts = outputs
    leaks = {name: sorted(m for m in planted.markers if m in text) for name, text in texts.items()}
    assert {name: found for name, found in leaks.items() if found} == {}
    hidden = pseudonym(sorted(planted.markers)[0], KEY.encode())
    assert any(hidden in text for text in texts.values())  # replaced, not dropped


def test_no_output_holds_a_date_of_birth(outputs: tuple[Planted, dict]) -> None:
    planted, texts = outputs
    real = {b for b in planted.births if _dd_mm_yyyy(b)}  # a date of birth that is not a date reveals nothing
    forms = real | {f for f in map(_dd_mm_yyyy, real) if f and f != "31/03/2025"}
    assert len(forms) > 5
    leaks = {name: sorted(f for f in forms if f in text) for name, text in texts.items()}
    assert {name: found for name, found in leaks.items() if found} == {}
    assert WITHHELD in texts["all.csv"]
