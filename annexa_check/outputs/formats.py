"""CI renderings of a run: JUnit XML (one test case per rule), a short Markdown summary and
GitHub Actions annotations.

Both are built from the run's `Report`, like every other output, and
both follow the exit policy's verdict, so a CI page shows red exactly when the job
fails. Neither carries a timestamp: the same workbook and reference date give the
same bytes, so outputs can be diffed between runs.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import polars as pl

from annexa_check.errors import printable
from annexa_check.findings.table import distinct_people
from annexa_check.report.model import Report, type_order, type_words
from annexa_check.report.policy import Policy, Verdict

FIRST_RECORDS = 5  # enough to find the pattern; the exception list has the rest
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Cell text as XML 1.0 can hold it (a stray control character would make the file unreadable)."""
    return _NOT_XML.sub("?", text)


def _record_line(row: dict[str, Any]) -> str:
    where = f"{row['list']} row {row['row']}" if row["row"] is not None else row["list"]
    child = f", child {row['child_id']}" if row["child_id"] else ""
    return f"{where}{child}, {row['column']}: {row['message']}"


def verdict_of(report: Report) -> Verdict:
    """The report's verdict; the default policy's when the run was not judged (a library call)."""
    return report.verdict or Policy().judge(report.counts_as_dict())


def junit(report: Report) -> str:
    """The JUnit XML document of one run."""
    return junit_document([junit_suite(report)])


def junit_document(suites: list[ET.Element]) -> str:
    """Test suites (one per workbook) as one JUnit XML file, with the totals CI servers read."""
    root = ET.Element("testsuites", name="annexa-check")
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(suite.get(key, "0")) for suite in suites)))
    root.extend(suites)
    ET.indent(root)
    # any text that reached an attribute or element unfiltered (a path, a sheet name) made XML-safe here too
    document = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _xml_text(document) + "\n"


def junit_suite(report: Report) -> ET.Element:
    """One test case per selected rule: failed, passed (with any tolerated findings) or skipped."""
    verdict = verdict_of(report)
    findings = report.findings
    skipped: dict[str, list[str]] = {}
    for s in report.skipped:
        skipped.setdefault(s.rule, []).append(f"{s.list}: {s.reason}")
    by_rule = {key[0]: part for key, part in findings.partition_by("rule", as_dict=True).items()}
    # records as counted: an extract fault by the rows it stands for, its one finding shown first
    records = {key[0]: part for key, part in report.counted.partition_by("rule", as_dict=True).items()}
    cases, failures, skips = [], 0, 0
    for rule in report.rules:
        case = ET.Element(
            "testcase", classname=f"annexa_check.{rule.error_type}", name=f"{rule.code} {rule.title}"
        )
        part = by_rule.get(rule.code)
        if part is not None:
            counted = records.get(rule.code, part)
            people = distinct_people(counted)
            message = (
                f"{counted.height} record{'s' if counted.height != 1 else ''}, {people} "
                f"{'child' if people == 1 else 'children'}: {rule.error_type} ({rule.severity})"
            )
            lines = [_record_line(r) for r in part.head(FIRST_RECORDS).iter_rows(named=True)]
            if part.height > FIRST_RECORDS:
                lines.append(f"... and {part.height - FIRST_RECORDS} more in the exception list")
            body = _xml_text("\n".join(lines))
            if rule.error_type in verdict.failing:
                failures += 1
                ET.SubElement(case, "failure", type=rule.severity, message=_xml_text(message)).text = body
            else:
                ET.SubElement(case, "system-out").text = _xml_text(f"{message}, within the policy\n{body}")
        elif rule.code in skipped:
            skips += 1
            ET.SubElement(case, "skipped", message=_xml_text("; ".join(skipped[rule.code])))
        cases.append(case)
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0", "skipped": str(skips)}
    suite = ET.Element("testsuite", {"name": _xml_text(f"annexa-check {report.workbook.name}"), **counts})
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("workbook", str(report.workbook)),
        ("reference_date", report.reference_date.isoformat()),
        ("template", report.template),
        ("fail_on", verdict.fail_on),
    ):
        ET.SubElement(props, "property", name=name, value=_xml_text(value))
    suite.extend(cases)
    return suite


def _cell(text: object) -> str:
    """User data in a Markdown line or table cell: one line, no control characters, no stray `|`."""
    return printable(text).replace("|", "\\|")


def markdown(report: Report) -> str:
    """A few lines for a CI job summary or an email: verdict, headline, counts by error type."""
    verdict = verdict_of(report)
    state = "passed" if verdict.passed else "failed"
    lines = [
        f"### annexa-check {state}: `{_cell(report.workbook)}`",
        "",
        f"Reference date {report.reference_date.isoformat()} · template {report.template} · "
        f"{report.totals.lists_found} of {len(report.lists)} lists found · "
        f"policy `--fail-on {verdict.fail_on}`"
        + "".join(f" `--max {k}={v}`" for k, v in sorted(verdict.maxima.items())),
        "",
        f"**{report.headline}**",
    ]
    lead = report.extract_lead
    if lead is not None:
        lines += ["", f"#### {_cell(lead)}", ""]
        lines += [
            f"- {_cell(f['list'])}, `{_cell(f['column'])}`: {_cell(f['message'])}"
            for f in report.extract_faults.iter_rows(named=True)
        ]
    if report.counts:
        extract = any(
            c.from_extract for c in report.counts.values()
        )  # the column only when it says something
        lines += [
            "",
            "| Error type | Severity | Records | Children | Fails the run |"
            + (" Of the records, from an extract fault |" if extract else ""),
            "|---|---|--:|--:|---|" + ("--:|" if extract else ""),
        ]
        ordered = sorted(
            report.counts.items(), key=lambda kv: (kv[1].severity != "error", -kv[1].count, kv[0])
        )
        for key, c in ordered:
            fails = "yes" if key in verdict.failing else "no"
            lines.append(
                f"| `{key}` | {c.severity} | {c.count:,} | {c.children:,} | {fails} |"
                + (f" {c.from_extract:,} |" if extract else "")
            )
    if report.skipped:
        n = len(report.skipped)
        lines += ["", f"{n} rule{'s' if n != 1 else ''} could not run (columns missing)."]
    lines += [f"- note: {_cell(note)}" for note in report.notes]
    return "\n".join(lines) + "\n"


def junit_failed_suite(workbook: str, error: str) -> ET.Element:
    """A workbook of a batch that could not be checked: one errored test case, so CI shows it."""
    suite = ET.Element("testsuite", name=_xml_text(f"annexa-check {workbook}"), tests="1", failures="0")
    suite.set("errors", "1")
    suite.set("skipped", "0")
    case = ET.SubElement(suite, "testcase", classname="annexa_check.workbook", name="workbook can be read")
    ET.SubElement(case, "error", message=_xml_text(error))
    return suite


def markdown_batch(document: dict[str, Any], parts: list[str]) -> str:
    """A batch: one line per workbook, the combined counts, then each workbook's own summary."""
    batch = document["batch"]
    lines = [
        f"## annexa-check: {batch['workbooks']} workbooks at reference date {document['reference_date']}, "
        f"{batch['passed']} passed, {batch['checked'] - batch['passed']} failed, "
        f"{batch['could_not_check']} could not be checked",
        "",
        "| Workbook | Result | Errors | Warnings | Children with errors |",
        "|---|---|--:|--:|--:|",
    ]
    for item in document["results"]:
        if "error" in item:
            lines.append(f"| `{_cell(item['workbook'])}` | could not check: {_cell(item['error'])} | | | |")
            continue
        totals = item["totals"]
        state = "passed" if item["policy"]["passed"] else "failed"
        lines.append(
            f"| `{_cell(item['workbook'])}` | {state} | {totals['errors']:,} | {totals['warnings']:,} "
            f"| {totals['children_with_errors']:,} |"
        )
    lines += [f"- skipped {_cell(s['path'])}: {s['reason']}" for s in batch["skipped_files"]]
    return "\n".join(lines) + "\n\n" + "\n".join(parts)


def _github_data(text: object) -> str:
    """A workflow command's message, escaped as GitHub's toolkit escapes it (one line, always)."""
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: object) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def github(document: dict[str, Any]) -> str:
    """GitHub Actions annotations for a run's JSON document (or a batch's): one per error type.

    Each error type is one `::error` (error severity) or `::warning` line naming the workbook,
    the type in words and its records and children, key types first, so a workflow's summary
    shows the nine key types at the top; then one `::notice` with the run's totals. A workbook
    that could not be read is one `::error` with the reason.
    """
    results = document["results"] if "batch" in document else [document]
    lines = []
    for item in results:
        file = _github_property(item["workbook"])
        if "error" in item:
            lines.append(
                f"::error file={file},title=annexa-check could not check it::{_github_data(item['error'])}"
            )
            continue
        counts = item["counts"]
        if counts:
            frame = pl.DataFrame(
                [{"error_type": k, **v} for k, v in counts.items()],
                schema={
                    "error_type": pl.String,
                    "count": pl.Int64,
                    "children": pl.Int64,
                    "severity": pl.String,
                },
            )
            for row in type_order(frame).iter_rows(named=True):
                level = "error" if row["severity"] == "error" else "warning"
                records = f"{row['count']:,} record{'s' if row['count'] != 1 else ''}"
                children = f"{row['children']:,} {'child' if row['children'] == 1 else 'children'}"
                title = _github_property(f"{type_words(row['error_type'])}: {records}")
                message = (
                    f"{records}, {children} ({row['error_type']}, {row['severity']}); "
                    f"'annexa-check explain {row['error_type']}' says what is wrong and how to fix it"
                )
                lines.append(f"::{level} file={file},title={title}::{_github_data(message)}")
        totals = item["totals"]
        passed = item.get("policy", {}).get("passed")
        state = "" if passed is None else (" passed" if passed else " failed")
        lines.append(
            f"::notice file={file},title=annexa-check{state}::"
            + _github_data(
                f"{totals['errors']:,} error records and {totals['warnings']:,} warning records; "
                f"{totals['children_with_errors']:,} children with errors; "
                f"reference date {item['reference_date']}"
            )
        )
    return "".join(line + "\n" for line in lines)
