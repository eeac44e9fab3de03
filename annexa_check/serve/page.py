"""The app's own two pages: the upload form and the frame around a result (the report itself is
the HTML report, rendered by outputs/html.py). Styles and script are files of their own, so the
pages need no inline code and the Content-Security-Policy allows only this address."""

from __future__ import annotations

from datetime import date
from html import escape

from annexa_check.serve.work import Checked
from annexa_check.version import __version__

# One entry per layout: the 2023/24 layout is `--template 2023` or `2024` on the command line.
TEMPLATES = (
    ("auto", "auto: detect from the List 9 layout"),
    ("2019", "2019"),
    ("2023", "2023/24 (List 9 revised)"),
)


def _page(base: str, title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{base}static/serve.css">
</head>
<body>
{body}
<script src="{base}static/serve.js"></script>
</body>
</html>
"""


def upload_page(
    base: str,
    *,
    reference_date: date,
    limit_mb: int,
    history: str,
    message: str = "",
    template: str = "auto",
) -> str:
    """The form: a file, the reference date (the settings file's, else today), the template, and
    whether to record the run; `message` is the last upload's one-line error, if it had one."""
    options = "".join(
        f'<option value="{value}"{" selected" if value == template else ""}>{escape(label)}</option>'
        for value, label in TEMPLATES
    )
    body = f"""<main class="serve">
<h1>Check an Annex A dry run</h1>
<p class="lede">The workbook is checked on this computer: it is not sent anywhere else, and the copy
the check reads is deleted as soon as the result is ready.</p>
<form id="upload" method="post" action="{base}check" enctype="multipart/form-data">
<div class="drop" id="drop">
<label for="workbook">Drop the workbook here, or choose it
<span class="muted">(.xlsx, .xlsm, .xls, .ods, or a .zip of CSV extracts; up to {limit_mb:,} MB)</span>
</label>
<input type="file" id="workbook" name="workbook" accept=".xlsx,.xlsm,.xls,.ods,.zip" required>
</div>
<div class="fields">
<label>Reference date
<input type="date" id="reference-date" name="reference_date" value="{reference_date.isoformat()}"
required></label>
<label>Template <select id="template" name="template">{options}</select></label>
</div>
<label class="check"><input type="checkbox" id="record" name="record" value="yes">
Record this run in the history <span class="muted">({escape(history)})</span></label>
<p><button type="submit" id="check">Check</button></p>
</form>
<div id="progress" hidden><progress id="bar" max="100"></progress>
<span id="status" aria-live="polite"></span></div>
<p id="error" role="alert" class="error">{escape(message)}</p>
<footer><p>annexa-check {escape(__version__)}. Results stay in this program until it stops.</p></footer>
</main>"""
    return _page(base, "Check an Annex A dry run", body)


def result_page(base: str, checked: Checked) -> str:
    """The downloads, then the HTML report in a frame (its filters and sorting work as in the file)."""
    links = "".join(
        f'<li><a class="button" id="download-{kind}" href="download/{kind}" download="{escape(d.filename)}"'
        f"{' data-made' if d.body is None else ''}>{escape(d.label)}</a></li>"
        for kind, d in checked.downloads.items()
    )
    if "teams" not in checked.downloads:
        links += '<li class="muted">No findings, so no team workbooks</li>'
    links += "".join(  # where a copy's button would be: its command's own reason there is none
        f'<li class="muted" id="no-{kind}">{escape(label)}: {escape(why)}</li>'
        for kind, (label, why) in checked.unavailable.items()
    )
    recorded = (
        f'<p id="recorded">Recorded in the history as run {checked.recorded}.</p>'
        if checked.recorded is not None
        else ""
    )
    body = f"""<main class="serve wide">
<p><a href="{base}" id="again">Check another workbook</a></p>
<h1 id="checked">{escape(checked.name)}</h1>
<p class="lede" id="result-headline">{escape(checked.headline)}</p>
<nav aria-label="Downloads"><ul class="downloads">{links}</ul></nav>
<p id="making" role="status" aria-live="polite"></p>
{recorded}
<iframe id="report" src="report.html" title="The report for {escape(checked.name)}"></iframe>
</main>"""
    return _page(base, f"annexa-check: {checked.name}", body)


def gone_page(base: str) -> str:
    body = f"""<main class="serve"><h1>This result is no longer held</h1>
<p id="error" class="error">Results are kept only for the last few checks while the program runs;
<a href="{base}">check the workbook again</a>.</p></main>"""
    return _page(base, "annexa-check", body)
