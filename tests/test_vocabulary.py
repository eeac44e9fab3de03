"""One vocabulary (finding, record, child), and every output agreeing on one run; README's figures
are the tool's own."""

from __future__ import annotations

import csv
import json
import re
import sys
from html import unescape
from pathlib import Path

import openpyxl
from conftest import EXAMPLE, REF, run

from annexa_check.findings.table import KEY_ERROR_TYPES

ROOT = Path(__file__).resolve().parents[1]


def test_headline_team_tables_team_workbooks_and_json_agree(tmp_path: Path) -> None:
    teams, html, summary = tmp_path / "teams", tmp_path / "report.html", tmp_path / "summary.json"
    listed = tmp_path / "findings.csv"
    result = run(
        "validate", str(EXAMPLE), "--reference-date", REF, "-q", "--split-by", "team", "--out-dir", str(teams),
        "--report", str(html), "-o", str(summary), "-o", str(listed),
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    document = json.loads(summary.read_text(encoding="utf-8"))
    page = html.read_text(encoding="utf-8")

    # findings: the JSON's total is the exception list's rows; the HTML table and the team workbooks
    # hold its record-level ones (an extract-level finding is no team's to fix)
    scopes = [row["scope"] for row in csv.DictReader(listed.open(encoding="utf-8-sig"))]
    assert len(scopes) == document["totals"]["findings"] == 139
    records = scopes.count("record")
    assert records == 56
    block = re.search(r'<script type="application/json" id="findings-data">(.*?)</script>', page, re.S)
    assert block is not None
    assert json.loads(block.group(1))["rows"] == records
    workbook_findings, per_team = 0, {}
    for path in sorted(teams.iterdir()):
        book = openpyxl.load_workbook(path)
        rows = sum(
            sum(1 for r in book[name].iter_rows(min_row=2, values_only=True) if r[0] is not None or r[1])
            for name in ("Errors", "Warnings")
        )
        said = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r[0]}
        assert int(str(said["Findings"]).split()[0]) == rows  # the summary counts the sheets' rows
        workbook_findings += rows
        per_team[said["Team"]] = (said["Records"], said["Children"])
    assert workbook_findings == records

    # records and children per team: the HTML's by-team table says what each team's workbook says
    table = re.search(r"<h2 id=\"teams-h\">By team</h2>\s*<table>.*?<tbody>(.*?)</tbody>", page, re.S)
    assert table is not None
    html_teams = {
        unescape(team): (int(records.replace(",", "")), int(children.replace(",", "")))
        for team, records, children in re.findall(
            r'<tr><th scope="row">(.*?)</th><td class=num>([\d,]+)</td><td class=num>([\d,]+)</td></tr>',
            table.group(1),
        )
    }
    assert html_teams == per_team
    assert len(per_team) == 11

    # the headline and the key errors: the same in the HTML and the JSON
    key = sum(c["count"] for t, c in document["counts"].items() if t in KEY_ERROR_TYPES)
    assert f'<span id="key-errors">{key}</span> key errors' in page
    totals = document["totals"]
    headline = (
        f"{totals['errors']} errors in {totals['error_types']} types across {totals['children_with_errors']} "
        "children; 0 lists incomplete."
    )
    assert f'<p class="lede" id="summary-line">{headline}</p>' in page
    assert totals["errors"] + totals["warnings"] == sum(c["count"] for c in document["counts"].values())


def test_readme_figures_are_the_tools_own() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import readme_figures
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_figures.FIGURE.search(text), "README.md has no figures"
    wanted = readme_figures.figures()
    assert readme_figures.drifted(text, wanted) == []
    # a figure typed by hand is caught
    now = wanted["example_children"]
    wrong = text.replace(
        f"<!-- figure:example_children -->{now}", "<!-- figure:example_children -->54 children"
    )
    assert readme_figures.drifted(wrong, wanted) == [
        f"example_children: README has '54 children', the tool says '{now}'"
    ]
