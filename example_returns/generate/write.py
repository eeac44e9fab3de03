"""Writing the workbook: sheet names, headers as the template or a council's extract writes them, cells.

`style="template"` copies the official template (title row, exact headers and their
quirks); `style="extract"` writes the header variants a council's own extract has.
"""

from __future__ import annotations

import random
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter

from annexa_check.annex.model import ListSpec

if TYPE_CHECKING:
    from example_returns.generate.builder import Sheet

STYLES = ("template", "extract")
EXCEL_EPOCH = date(1899, 12, 30).toordinal()

# Row 1 titles of the official template where they differ from the spec's list title.
TEMPLATE_TITLES = {
    "list_3": "Referral",
    "list_5": "Section 47 enquiries and Initial Child Protection Conferences",
}


def _template_header(list_key: str, key: str, header: str, template: str) -> str:
    """The official template's header, quirks included (trailing spaces, 2019 'LA In Touch ')."""
    if (list_key, key) in (("list_8", "cla_end_date"), ("list_10", "adoption_order_date")):
        return header + " "
    if (list_key, key) == ("list_9", "la_in_touch") and template == "2019":
        return header.replace(" in ", " In ") + " "
    return header


def _camel(header: str) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in header).split()
    return "".join(w[:1].upper() + w[1:] for w in words)


def _extract_header(list_key: str, col: Any, rng: random.Random) -> str:
    """A header as a council's own extract writes it: an alias, CamelCase or a re-spaced form."""
    h = col.header
    forced = {
        "age": col.aliases[0] if col.aliases else h,
        "cin_closure_date": _camel(h),
        "case_status": h.title(),
        "missing_episodes": h.replace("‘", "'").replace("’", "'"),
        "referral_nfa": h.rstrip("?"),
        "return_interview_offered": h.rstrip("?"),
    }
    if col.key in forced:
        return forced[col.key]
    if col.key == "date_of_birth" and list_key == "list_2":
        return h.replace(" ", "\u00a0", 1)
    r = rng.random()
    if r < 0.25 and col.aliases:
        return rng.choice(col.aliases)
    if r < 0.45 and len(h.split()) <= 4:
        return _camel(h)
    if r < 0.5:
        return h.lower()
    return h


def _sheet_name(lst: ListSpec, style: str) -> str:
    if style == "template":
        return f"List_{lst.number}"
    if lst.number >= 8:
        return f"List {lst.number}"
    name = f"List {lst.number} -"
    for word in lst.title.split():  # Excel sheet names are at most 31 characters
        if len(name) + 1 + len(word) > 31:
            break
        name += " " + word
    return name


def write(
    path: Path,
    sheets: dict[str, Sheet],
    template: str,
    style: str,
    ref: date,
    rng: random.Random,
) -> dict[str, str]:
    wb = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    created = datetime(ref.year, ref.month, ref.day)
    wb.set_properties(
        {"title": "Annex A dry run (synthetic data)", "author": "example_returns", "created": created}
    )
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    bold = wb.add_format({"bold": True})
    numeric_ids = (
        {"list_1", "list_3"} if style == "template" else {"list_1", "list_2", "list_3", "list_4", "list_5"}
    )
    names = {}
    for key, sheet in sheets.items():
        lst = sheet.lst
        name = _sheet_name(lst, style)
        names[key] = name
        ws = wb.add_worksheet(name)
        cols = lst.columns_for(template)
        r0 = 0
        if style == "template":
            ws.write_string(0, 0, f"List {lst.number}: {TEMPLATE_TITLES.get(key, lst.title)}", bold)
            r0 = 1
            headers = [_template_header(key, c.key, c.header, template) for c in cols]
        else:
            headers = [_extract_header(key, c, rng) for c in cols]
        ws.set_column(0, len(cols) - 1, 16)
        for j, h in enumerate(headers):
            ws.write_string(r0, j, h, bold)
        ws.freeze_panes(r0 + 1, 1)
        write_string, write_number = ws.write_string, ws.write_number
        id_col = sheet.idx("child_id")
        as_number = key in numeric_ids
        r = r0 + 1
        for row, text_dates in zip(sheet.rows, sheet.text_dates, strict=True):
            for j, v in enumerate(row):
                if v is None:
                    continue
                t = type(v)
                if t is str:
                    if j == id_col and as_number and v.isdigit():
                        write_number(r, j, int(v))
                    else:
                        write_string(r, j, v)
                elif t is int:
                    write_number(r, j, v)
                elif t is date:
                    if text_dates:
                        write_string(r, j, f"{v.day:02d}/{v.month:02d}/{v.year}")
                    else:
                        write_number(r, j, v.toordinal() - EXCEL_EPOCH, date_fmt)
                else:
                    raise TypeError(f"unexpected cell value {v!r}")
            r += 1
    wb.close()
    return names
