"""The rule catalogue describing itself: `rules`, `explain` and the generated `docs/rules.md`.

Every view is rendered from a rule's own fields (code, title, check, columns,
conditions, parameters, message, source, template years, examples), never from text
kept beside the rules, so a new rule or a new check kind is documented the moment it
is added, and the committed catalogue is regenerated, not edited.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from annexa_check.annex.model import TEMPLATES
from annexa_check.catalogue.kinds import KINDS
from annexa_check.catalogue.spec import SEVERITIES, Condition, Rule, Spec
from annexa_check.outputs import DOCS_COMMAND

# Rule fields shown in their own place, or that are bookkeeping rather than meaning.
_SHOWN = {
    "code",
    "error_type",
    "severity",
    "category",
    "title",
    "check",
    "lists",
    "columns",
    "column_type",
    "message",
}
_SHOWN |= {"source", "when", "params", "examples", "file", "templates", "inject", "inject_when", "exclude"}
_SHOWN |= {"kind"}  # the check and its parameters, shown as `check` and `params`


def filter_rules(
    spec: Spec,
    *,
    list_number: int | None = None,
    severity: str | None = None,
    error_type: str | None = None,
    template: str | None = None,
) -> list[Rule]:
    """The catalogue narrowed as `annexa-check rules` options ask, in code order."""
    by_number = {lst.number: key for key, lst in spec.lists.items()}
    return [
        r
        for r in spec.rules
        if (list_number is None or by_number.get(list_number) in r.lists)
        and (severity is None or r.severity == severity)
        and (error_type is None or r.error_type == error_type)
        and (template is None or template in r.templates)
    ]


def _lists(rule: Rule, spec: Spec) -> str:
    if len(rule.lists) == len(spec.lists):
        return "every list"
    return ", ".join(spec.lists[k].name for k in rule.lists)


def _header(key: str, rule: Rule, spec: Spec) -> str | None:
    col = next((c for lk in rule.lists if (c := spec.lists[lk].column(key)) is not None), None)
    return None if col is None else col.header


def _column(key: str, rule: Rule, spec: Spec) -> str:
    """A column key as people know it: `Placement Provider (placement_provider)`."""
    header = _header(key, rule, spec)
    return f"{header} ({key})" if header else key


def _columns(rule: Rule, spec: Spec) -> str:
    if rule.columns is not None:
        return ", ".join(_column(k, rule, spec) for k in rule.columns)
    kind = f"{rule.column_type} " if rule.column_type else ""
    excluded = getattr(rule, "exclude", ())
    rest = f" except {', '.join(_column(k, rule, spec) for k in excluded)}" if excluded else ""
    return f"every {kind}column{rest}"


def _value(value: Any, rule: Rule, spec: Spec) -> str:
    """A parameter's value in words: column keys get their headers, mappings read `key: value`."""
    if isinstance(value, Condition):
        return value.describe()
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v, rule, spec)}" for k, v in value.items())
    if _is_range(value):
        low, high = value
        if low == high:
            return str(low)
        return f"{low}+" if high is None else f"up to {high}" if low is None else f"{low}–{high}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(v, rule, spec) for v in value)
    if isinstance(value, str) and _header(value, rule, spec):
        return _column(value, rule, spec)
    if isinstance(value, str) and value in spec.lists:
        return spec.lists[value].name
    return str(value)


def _is_range(value: Any) -> bool:
    """A `[min, max]` pair of whole numbers, either end open (None)."""
    return (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in value)
        and value != [None, None]
    )


def _parameters(rule: Rule, spec: Spec) -> list[tuple[str, str]]:
    """The rule's parameters and any further fields, generically, so every check kind is covered."""
    out = [
        (name.replace("_", " "), _value(value, rule, spec))
        for name, value in rule.params.items()
        if not name.startswith("inject")  # how the example generator makes the error, not what is checked
    ]
    for f in fields(rule):
        value = getattr(rule, f.name)
        if f.name not in _SHOWN and value not in (None, (), [], {}, ""):
            out.append((f.name.replace("_", " "), _value(value, rule, spec)))
    return out


def _example(example: Any) -> str:
    """One example as its cells: `{placement_type: "U6", placement_provider: ""}`; rows joined by ` + `."""
    if isinstance(example, list):
        return " + ".join(_example(row) for row in example)
    if isinstance(example, dict):
        cells = (f"{k}: {json.dumps(v, ensure_ascii=False, default=str)}" for k, v in example.items())
        return "{" + ", ".join(cells) + "}"
    return json.dumps(example, ensure_ascii=False, default=str)


def describe(rule: Rule, spec: Spec) -> list[tuple[str, str]]:
    """A rule in full as (label, text) pairs: the one source of `explain` and of docs/rules.md."""
    pairs = [
        ("error type", rule.error_type),
        ("severity", rule.severity),
        ("category", rule.category),
        ("templates", ", ".join(rule.templates)),
        ("lists", _lists(rule, spec)),
        ("columns", _columns(rule, spec)),
        ("checks", f"{rule.check} — {rule.kind.summary}"),
    ]
    pairs += _parameters(rule, spec)
    pairs += [("only when", cond.describe()) for cond in rule.when]
    pairs += [("message", rule.message), ("source", rule.source)]
    reference = rule.examples.get("reference_date")
    if reference:
        pairs.append(("examples checked at", str(reference)))
    return pairs


def explain_text(rule: Rule, spec: Spec) -> str:
    """`annexa-check explain CODE`: one rule in full, with the examples its tests run."""
    lines = [f"{rule.code}  {rule.title}"]
    lines += [f"{label}: {text}" for label, text in describe(rule, spec)]
    for kind in ("pass", "fail"):
        lines.append(f"examples that {kind}:")
        lines += [f"  {_example(ex)}" for ex in rule.examples[kind]]
    return "\n".join(lines)


def rule_record(rule: Rule, spec: Spec) -> dict[str, Any]:
    """One rule for scripts (`annexa-check rules --format json`)."""
    return {
        "code": rule.code,
        "error_type": rule.error_type,
        "severity": rule.severity,
        "category": rule.category,
        "title": rule.title,
        "lists": [spec.lists[k].name for k in rule.lists],
        "templates": list(rule.templates),
        "check": rule.check,
        "columns": list(rule.columns) if rule.columns is not None else None,
        "column_type": rule.column_type,
        "when": [cond.describe() for cond in rule.when],
        "parameters": rule.params,
        "message": rule.message,
        "source": rule.source,
        "examples": {kind: rule.examples[kind] for kind in ("pass", "fail")},
    }


def rules_json(rules: list[Rule], spec: Spec) -> str:
    return json.dumps(
        {"rules": [rule_record(r, spec) for r in rules]}, indent=2, ensure_ascii=False, default=str
    )


def _short_lists(rule: Rule, spec: Spec) -> str:
    if len(rule.lists) == len(spec.lists):
        return "all"
    return ", ".join(str(spec.lists[k].number) for k in rule.lists)


def _tally(rules: list[Rule]) -> str:
    counts = {s: sum(1 for r in rules if r.severity == s) for s in SEVERITIES}
    parts = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items())
    return f"{len(rules)} rule{'s' if len(rules) != 1 else ''} ({parts})"


def rules_table(rules: list[Rule], spec: Spec) -> str:
    """`annexa-check rules`: one aligned line per rule, never wrapped, so it greps and diffs."""
    rows = [("Code", "Error type", "Severity", "Lists", "Templates", "Title")]
    rows += [
        (r.code, r.error_type, r.severity, _short_lists(r, spec), ", ".join(r.templates), r.title)
        for r in rules
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = [
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]) for row in rows
    ]
    return "\n".join([*lines, _tally(rules)])


def _markdown(text: str) -> str:
    """Text that Markdown shows as written: no stray emphasis or tags from a pattern or message."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("<", "&lt;")


def _cell(text: str) -> str:
    return _markdown(text).replace("|", "\\|")


def catalogue_markdown(rules: list[Rule], spec: Spec) -> str:
    """docs/rules.md: counts per list and severity, the check kinds, then every rule by list."""
    out = [
        "# Rule catalogue",
        "",
        f"<!-- Generated from the rule data under rules/ by `{DOCS_COMMAND}`. Do not edit. -->",
        "",
        f"{_tally(rules)}. `annexa-check explain CODE` prints any of them in full; "
        "`annexa-check rules` lists them with filters.",
        "",
        "## Rules per list",
        "",
        "A rule that applies to several lists is counted on each of them.",
        "",
        "| List | Title | " + " | ".join(f"{s.capitalize()}s" for s in SEVERITIES) + " | Rules |",
        "|---|---|" + "--:|" * (len(SEVERITIES) + 1),
    ]
    for key, lst in spec.lists.items():
        on = [r for r in rules if key in r.lists]
        counts = [str(sum(1 for r in on if r.severity == s)) for s in SEVERITIES]
        out.append(f"| {lst.name} | {lst.title} | {' | '.join(counts)} | {len(on)} |")
    out += [
        "",
        "## Rules per template year",
        "",
        "| Template | " + " | ".join(f"{s.capitalize()}s" for s in SEVERITIES) + " | Rules |",
        "|---|" + "--:|" * (len(SEVERITIES) + 1),
    ]
    for template in TEMPLATES:
        on = [r for r in rules if template in r.templates]
        counts = [str(sum(1 for r in on if r.severity == s)) for s in SEVERITIES]
        out.append(f"| {template} | {' | '.join(counts)} | {len(on)} |")
    kinds = sorted({r.check for r in rules})
    out += ["", "## Check kinds", "", "| Check | What it checks | Rules |", "|---|---|--:|"]
    for kind in kinds:
        summary = _cell(KINDS[kind].summary)
        out.append(f"| `{kind}` | {summary} | {sum(1 for r in rules if r.check == kind)} |")
    several = [r for r in rules if len(r.lists) > 1]
    if several:
        out += ["", "## Rules on several lists", ""]
        out += _index(several, spec)
        for rule in several:
            out += _entry(rule, spec)
    for key, lst in spec.lists.items():
        on = [r for r in rules if key in r.lists]
        if not on:
            continue
        out += ["", f"## {lst.name}: {lst.title}", ""]
        out += _index(on, spec)
        for rule in on:
            if len(rule.lists) == 1:
                out += _entry(rule, spec)
    return "\n".join(out) + "\n"


def _index(rules: list[Rule], spec: Spec) -> list[str]:
    lines = ["| Code | Severity | Error type | Lists | Title |", "|---|---|---|---|---|"]
    lines += [
        f"| [{r.code}](#{r.code.lower()}) | {r.severity} | `{r.error_type}` | {_short_lists(r, spec)} "
        f"| {_cell(r.title)} |"
        for r in rules
    ]
    return lines


def _entry(rule: Rule, spec: Spec) -> list[str]:
    lines = ["", f"### {rule.code}", "", f"**{_markdown(rule.title)}**", ""]
    lines += [
        f"- {label}: `{text}`" if label == "error type" else f"- {label}: {_markdown(text)}"
        for label, text in describe(rule, spec)
    ]
    for kind, label in (("pass", "Passes"), ("fail", "Fails")):
        lines.append(f"- {label}:")
        lines += [f"  - `{_example(ex)}`" for ex in rule.examples[kind]]
    return lines
