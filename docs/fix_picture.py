"""Render docs/fix-before-after.png: a synthetic List 1 before `fix` and after it, changed cells shaded.

Run: python docs/fix_picture.py   (needs matplotlib and openpyxl, both in the test extra)
The picture is a rendering of the cells as openpyxl reads them, not a spreadsheet program's screenshot.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import openpyxl
import xlsxwriter

from annexa_check.api.fix import fix_workbook
from annexa_check.settings.config import Settings

SHADED = "changed cells shaded; each is a row of its 'Changes' sheet"
OUT = Path(__file__).resolve().parent / "fix-before-after.png"
# fmt: off
ROWS = [
    ["Contacts extract, run 2025-03-31"],
    [
        "Child ID",
        "Gender",
        "Ethnicity",
        "DOB",
        "Age of Child (Years)",
        "Contact Source",
        "Date of Contact",
        "System Ref",
    ],
    [12345, "Male", "WBRI", "2014-05-03 00:00:00", 10, "6", "03/03/2025", "SYS-1"],
    ["00123", "b) Female", "a) WBRI", datetime(2015, 2, 1), 10, "q) 6: Police", "2025-02-01", "SYS-2"],
    ["C0007", "c) Not stated/recorded (or unborn)", None, None, -1, "Nonsense", "05/13/2025", "SYS-3"],
]
# fmt: on


def _shown(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y") + "  (date)"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") + "  (date)"
    if isinstance(value, int | float):
        return f"{value:g}  (number)"
    return "" if value is None else str(value)


def _grid(path: Path, sheet: str) -> list[list[str]]:
    book = openpyxl.load_workbook(path)
    rows = [[_shown(c.value) for c in row] for row in book[sheet].iter_rows(max_row=5)]
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "dry_run.xlsx"
        book = xlsxwriter.Workbook(str(source), {"strings_to_numbers": False})
        sheet = book.add_worksheet("List 1")
        when = book.add_format({"num_format": "yyyy-mm-dd"})
        for r, row in enumerate(ROWS):
            for c, value in enumerate(row):
                if isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, when)
                elif value is not None:
                    sheet.write(r, c, value)
        book.close()
        ready = Path(folder) / "READY.xlsx"
        result = fix_workbook(source, ready, Settings(date(2025, 3, 31)))
        before, after = _grid(source, "List 1"), _grid(ready, "List_1")
        changed = {c.cell for c in result.changes if c.sheet == "List_1" and c.cell}
    figure, axes = plt.subplots(2, 1, figsize=(17, 4.6))
    for ax, grid, title, marks in (
        (axes[0], before, "Before: dry_run.xlsx, sheet 'List 1'", set()),
        (
            axes[1],
            after,
            "After: READY.xlsx, sheet 'List_1' (changed cells shaded; each is a row of 'Changes')",
            changed,
        ),
    ):
        ax.axis("off")
        ax.set_title(title, loc="left", fontsize=11)
        letters = [chr(65 + i) for i in range(len(grid[0]))]
        colours = [
            ["#FFE699" if f"{letters[c]}{r + 1}" in marks else "white" for c in range(len(grid[0]))]
            for r in range(len(grid))
        ]
        table = ax.table(
            cellText=grid,
            cellColours=colours,
            colLabels=letters,
            rowLabels=[str(i + 1) for i in range(len(grid))],
            loc="center",
            cellLoc="left",
        )
        table.auto_set_font_size(False)
        table.set_fontsize(8)
        table.scale(1, 1.25)
    figure.tight_layout()
    figure.savefig(OUT, dpi=110)
    print(f"Wrote {OUT}")


if __name__ == "__main__":
    main()
