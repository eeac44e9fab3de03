"""Render docs/annotate-example.png: the bundled example's List 6 before and after `annotate`.

Run: python docs/annotate_example.py  (needs playwright and a Chromium; see tests/test_html_report.py)

No spreadsheet program is installable here, so the cells are drawn as HTML from what
openpyxl reads back from both workbooks: values, the fill of each marked cell, a
note's corner mark, one note opened, and the top of the Findings sheet.
"""

from __future__ import annotations

import html
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example_returns" / "example_dry_run.xlsx"
PICTURE = ROOT / "docs" / "annotate-example.png"
ROWS, OPEN_NOTE = 11, "H3"


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    return html.escape(str(value))


def _grid(sheet: Any, rows: int, marked: bool) -> str:
    columns = sheet.max_column
    head = "".join(f"<th>{openpyxl.utils.get_column_letter(c)}</th>" for c in range(1, columns + 1))
    body = []
    for r in range(1, rows + 1):
        cells = []
        for c in range(1, columns + 1):
            cell = sheet.cell(r, c)
            style, extra = "", ""
            if marked and cell.fill.fill_type == "solid":
                style = f' style="background:#{cell.fill.fgColor.rgb[-6:]}"'
            if marked and cell.comment is not None:
                extra = '<span class="note"></span>'
                if cell.coordinate == OPEN_NOTE:
                    text = html.escape(cell.comment.text).replace("\n", "<br>")
                    extra += f'<div class="popup">{text}</div>'
            cells.append(f"<td{style}>{_shown(cell.value)}{extra}</td>")
        body.append(f"<tr><th>{r}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th></th>{head}</tr>{''.join(body)}</table>"


def _findings(sheet: Any, rows: int) -> str:
    """The header and the first `rows` findings on List 6's records (the grid above shows List 6)."""
    chosen = [
        r
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(r, 4).value == "List 6" and sheet.cell(r, 5).value
    ]
    body = []
    for r in [1, *chosen[:rows]]:
        cells = []
        for c in range(1, 8):
            cell = sheet.cell(r, c)
            style = ""
            if r > 1 and c == 2:
                style = f' style="background:#{cell.fill.fgColor.rgb[-6:]}"'
            text = _shown(cell.value)
            if r > 1 and c == 1:
                text = f'<u style="color:#0563C1">{text}</u>'
            tag = "th" if r == 1 else "td"
            cells.append(f"<{tag}{style}>{text[:110]}</{tag}>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table class='findings'>{''.join(body)}</table>"


PAGE = """<!doctype html><meta charset="utf-8"><style>
body {{ font: 12px Calibri, Carlito, Arial, sans-serif; margin: 12px; width: 1500px; }}
h2 {{ font-size: 14px; margin: 14px 0 4px; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #d4d4d4; padding: 2px 5px; white-space: nowrap; max-width: 150px;
  overflow: hidden; position: relative; }}
th {{ background: #efefef; font-weight: normal; color: #444; }}
.findings th {{ background: #DDEBF7; font-weight: bold; color: #000; }}
.findings td {{ max-width: 760px; }}
td:has(.popup) {{ overflow: visible; }}
.note {{ position: absolute; top: 0; right: 0; border-left: 6px solid transparent;
  border-top: 6px solid #c00000; }}
.popup {{ position: absolute; left: 100%; top: 0; z-index: 2; width: 380px; white-space: normal;
  background: #ffffe1; border: 1px solid #777; padding: 4px 6px; box-shadow: 2px 2px 4px #999; }}
</style>
<h2>Before: List_6 of DRY_RUN.xlsx, as the council's extract wrote it</h2>{before}
<h2>After: List_6 of DRY_RUN.checked.xlsx (errors orange, warnings blue; each marked cell has a note,
one shown open)</h2>{after}
<h2>After: its first sheet, Findings (filter on, header frozen, each cell reference a link;
List 6 rows shown)</h2>{findings}
"""


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "DRY_RUN.checked.xlsx"
        cli = [sys.executable, "-m", "annexa_check", "annotate", str(EXAMPLE), "-o", str(copy)]
        subprocess.run([*cli, "--reference-date", "2025-03-31", "--no-config", "-q"], check=True)
        before = openpyxl.load_workbook(EXAMPLE)["List_6"]
        after = openpyxl.load_workbook(copy)
        page = PAGE.format(
            before=_grid(before, ROWS, marked=False),
            after=_grid(after["List_6"], ROWS, marked=True),
            findings=_findings(after["Findings"], 5),
        )
        document = Path(folder) / "page.html"
        document.write_text(page, encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            view = browser.new_page(viewport={"width": 1530, "height": 400})
            view.goto(document.as_uri())
            view.screenshot(path=str(PICTURE), full_page=True)
            browser.close()
    print(f"Wrote {PICTURE}")


if __name__ == "__main__":
    main()
