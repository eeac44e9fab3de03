"""Per-council configuration: the nearest `annexa-check.toml` to the workbook, or `--config PATH`.

Councils differ in header spellings, local code spellings, the rules they want and at
what severity. The file never reaches the loader or the engine: it is checked against
the rule data when read (a bad key is refused with the file and key named), then
applied as a new `Spec` with extra header aliases, extra code labels and changed
severities. What it changed on a run is reported (`config_report`), so a value read
through a council's synonym is never silent.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from annexa_check.annex import values as v
from annexa_check.annex.headers import HeaderMatcher, normalise_header
from annexa_check.annex.model import TEMPLATES, CodeSet
from annexa_check.catalogue.selection import check_patterns
from annexa_check.catalogue.spec import SEVERITIES, Rule, Spec
from annexa_check.errors import AnnexaError, ConfigError
from annexa_check.read.loader import LoadedWorkbook
from annexa_check.read.safety import DEFAULT_LIMITS, LIMIT_UNITS, Limits
from annexa_check.settings import CONFIG_NAME, implausible_reference_date

REFERENCE_DATE_RULES = ("today", "end-of-last-month")
_TOP_KEYS = (
    "reference_date",
    "select",
    "ignore",
    "severity",
    "lists",
    "codesets",
    "limits",
    "extract",
    "max_unpacked_mb",
)
_MOST = 10**12  # far past any real need, and still safe to multiply into bytes
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_MAX_DEPTH = 32  # arrays and inline tables inside each other; a settings file needs two
_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


@dataclass(frozen=True)
class ExtractFaults:
    """When a rule failing on a list's rows is one fault of the extract rather than one per child.

    A rule that fails on at least `share` of the rows with a value in a column (or a column
    blank on at least `share` of its rows), on at least `min_rows` rows, is reported once.
    The published Annex A sample has five or six rows per list, and a whole list of
    fractional ages there is still one fault of the query; below five rows, every row
    failing is as likely to be a few real mistakes, and a few findings bury nothing.
    """

    share: float = 0.95
    min_rows: int = 5

    def as_dict(self) -> dict[str, Any]:
        return {"share": self.share, "min_rows": self.min_rows}


DEFAULT_EXTRACT_FAULTS = ExtractFaults()


@dataclass(frozen=True)
class Config:
    """A checked configuration file, in the terms of the rule data."""

    file: Path
    reference_date: str | None = None  # "today", "end-of-last-month" or YYYY-MM-DD
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)  # as written: rule code or error type -> severity
    rule_severity: dict[str, str] = field(default_factory=dict)  # rule code -> severity, changed rules only
    aliases: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)  # list -> column -> headers
    synonyms: dict[str, dict[str, str]] = field(default_factory=dict)  # code set -> synonym -> code
    limits: dict[str, int] = field(default_factory=dict)  # pre-check limit -> value (safety.Limits)
    extract: ExtractFaults = DEFAULT_EXTRACT_FAULTS  # when failures on every row are one extract fault

    def limits_over(self, limits: Limits) -> Limits:
        """The pre-check's limits with the file's values in place of the given ones."""
        return replace(limits, **self.limits)

    def reference_date_on(self, today: date) -> date | None:
        """The reference date the file asks for, on a given day (None: the file does not say)."""
        return resolve_reference_date(self.reference_date, today) if self.reference_date else None

    def as_dict(self) -> dict[str, Any]:
        """What the file set, as the JSON summary's `config` key shows it."""
        return {
            "file": str(self.file),
            "reference_date": self.reference_date,
            "select": list(self.select),
            "ignore": list(self.ignore),
            "severity": dict(self.severity),
        } | ({"extract": self.extract.as_dict()} if self.extract != DEFAULT_EXTRACT_FAULTS else {})


@dataclass(frozen=True)
class Settings:
    """A run's settings, loaded once: the council's file (if any), the reference date and the pre-check
    limits, with the command line's values already in place. Plain data, so a worker process can
    receive it instead of reading the file again.
    """

    reference_date: date
    config: Config | None = None
    limits: Limits = DEFAULT_LIMITS
    found: str = ""  # how the settings file was found (or that none was), as `annexa-check settings` says


def load_settings(
    spec: Spec,
    *,
    config_path: Path | None = None,
    no_config: bool = False,
    reference_date: date | None = None,
    max_unpacked_mb: int | None = None,
    today: date | None = None,
    near: Path | None = None,
) -> Settings:
    """Find and read the settings file once, then resolve the run's settings (the command line wins).

    `near` is the workbook (or folder) checked: the settings file is looked for from its folder up.
    """
    if no_config and config_path is not None:
        raise AnnexaError("--config and --no-config contradict each other; give one")
    found = Found(None, "none: --no-config") if no_config else discover_config(config_path, near)
    config = load_config(found.file, spec) if found.file else None
    today = today or date.today()
    if reference_date is None:
        reference_date = (config.reference_date_on(today) if config else None) or today
    limits = config.limits_over(DEFAULT_LIMITS) if config else DEFAULT_LIMITS
    if max_unpacked_mb is not None:
        limits = replace(limits, max_unpacked_mb=max_unpacked_mb)
    return Settings(reference_date, config, limits, found.how)


def resolve_reference_date(rule: str, today: date) -> date:
    """`today`, `end-of-last-month` (a month-end dry run) or a fixed YYYY-MM-DD."""
    if rule == "today":
        return today
    if rule == "end-of-last-month":
        return today.replace(day=1) - timedelta(days=1)
    return date.fromisoformat(rule)


PYPROJECT = "pyproject.toml"
PYPROJECT_TABLE = "tool.annexa-check"


@dataclass(frozen=True)
class Found:
    """The settings file a run uses and how it was found (what `annexa-check settings` shows)."""

    file: Path | None
    how: str


def find_config(explicit: Path | None, folder: Path | None = None) -> Path | None:
    """The file to use (see `discover_config`), or None."""
    return discover_config(explicit, folder).file


def discover_config(explicit: Path | None, near: Path | None = None) -> Found:
    """The settings file, found as ruff or pytest find theirs.

    The one named; else the nearest `annexa-check.toml` (or `pyproject.toml` with a
    `[tool.annexa-check]` table) in the folder of `near` (a workbook or folder) or any folder
    above it, so a run from anywhere uses the settings kept beside the return; else the same
    search from the working folder; else `annexa-check.toml` in the user's config folder
    (`~/.config/annexa-check` on Linux, `%LOCALAPPDATA%\\annexa-check` on Windows).
    """
    if explicit is not None:
        if explicit.is_dir():
            raise ConfigError(f"{_printable(str(explicit))}: is a folder; name the settings file itself")
        if explicit.exists() and not explicit.is_file():
            raise ConfigError(
                f"{_printable(str(explicit))}: not a regular file; name the settings file itself"
            )
        if not explicit.is_file():
            raise ConfigError(f"{_printable(str(explicit))}: configuration file not found")
        return Found(explicit, "named with --config")
    starts = []
    if near is not None:
        starts.append((near if _is_dir(near) else near.parent, "the nearest to the workbook"))
    starts.append((Path.cwd(), "the nearest to the working folder"))
    for start, how in starts:
        found = _nearest(start)
        if found is not None:
            return Found(found, how)
    import platformdirs

    user = Path(platformdirs.user_config_dir("annexa-check", appauthor=False)) / CONFIG_NAME
    if user.is_file():
        return Found(user, "in your user config folder")
    return Found(None, "none found: the defaults")


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def _nearest(start: Path) -> Path | None:
    """`annexa-check.toml`, or a pyproject.toml holding our table, in `start` or the nearest folder above."""
    try:
        folder = Path(os.path.abspath(start))  # "../.." climbs from where it points, not from here
    except OSError:
        return None
    for candidate in (folder, *folder.parents):
        try:
            own = candidate / CONFIG_NAME
            if own.is_file():
                return own
            project = candidate / PYPROJECT
            if project.is_file() and _has_table(project):
                return project
        except OSError:  # a folder this user may not look into: keep climbing
            continue
    return None


def _has_table(project: Path) -> bool:
    """Does a pyproject.toml hold `[tool.annexa-check]`? One that cannot be read is not ours."""
    try:
        data = tomllib.loads(project.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "annexa-check" in tool


def _key(*parts: str) -> str:
    """A dotted TOML key as the user would write it (`codesets.ethnicity.synonyms."White British"`)."""
    return ".".join(
        p if _BARE_KEY.fullmatch(p) else '"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"'
        for p in parts
    )


def _printable(text: str) -> str:
    """Text as one printable line: a key or value may hold a newline or a terminal escape."""
    return "".join(
        ch
        if ch.isprintable()
        else _ESCAPES.get(ch, f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
        for ch in text
    )


def _error(file: Path, problem: str) -> ConfigError:
    """The one line every mistake in the file gets, naming the file (and the key, in `problem`)."""
    return ConfigError(_printable(f"{file}: {problem}"))


def _hint(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _shown(value: Any) -> str:
    """A wrong value as the message quotes it: a number or true/false as written, else its kind."""
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:,}" if isinstance(value, (int, float)) else _kind(value)


def _kind(value: Any) -> str:
    """How a TOML value reads to the person who wrote it, for a wrong-type message."""
    names = {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a table",
        datetime: "a date and time",
        date: "a date",
        time: "a time",
    }
    return next(name for t, name in names.items() if isinstance(value, t))


class _Reader:
    """Checks one parsed file against the rule data, naming the file and key in every error."""

    def __init__(self, file: Path, spec: Spec) -> None:
        self.file, self.spec = file, spec

    def fail(self, key: str, problem: str) -> ConfigError:
        return _error(self.file, f"{key}: {problem}")

    def table(self, value: Any, key: str, allowed: Iterable[str] | None = None) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a table, got {_kind(value)}")
        if allowed is not None:
            allowed = list(allowed)
            for name in value:
                if name not in allowed:
                    raise self.fail(
                        _key(*key.split("."), name) if key else _key(name),
                        f"unknown key{_hint(name, allowed)}; expected {', '.join(allowed)}",
                    )
        return value

    def texts(self, value: Any, key: str) -> tuple[str, ...]:
        items = value if isinstance(value, list) else [value]
        wrong = next((i for i in items if not isinstance(i, str)), None)
        if wrong is not None:
            raise self.fail(key, f"expected text or a list of text, got {_kind(wrong)}")
        if any(not i.strip() for i in items):
            raise self.fail(key, "a blank entry")
        return tuple(i.strip() for i in items)

    def limits(self, data: dict[str, Any]) -> dict[str, int]:
        """The `[limits]` table, and `max_unpacked_mb` at the top (its older place)."""
        names = [f.name for f in fields(Limits)]
        out = {_key("limits", k): v for k, v in self.table(data.get("limits", {}), "limits", names).items()}
        if "max_unpacked_mb" in data:
            if "limits.max_unpacked_mb" in out:
                raise self.fail("max_unpacked_mb", "also set as limits.max_unpacked_mb; keep one")
            out["max_unpacked_mb"] = data["max_unpacked_mb"]
        checked = {}
        for key, value in out.items():
            name = key.rpartition(".")[2]
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= _MOST:
                unit = LIMIT_UNITS[name]
                raise self.fail(key, f"must be a whole number of {unit}, at least 1 (got {_shown(value)})")
            checked[name] = value
        return checked

    def extract(self, value: Any) -> ExtractFaults:
        """The `[extract]` table: `share` (a fraction above one half, at most 1) and `min_rows`."""
        table = self.table(value, "extract", [f.name for f in fields(ExtractFaults)])
        share = table.get("share", DEFAULT_EXTRACT_FAULTS.share)
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0.5 < share <= 1:
            raise self.fail(
                "extract.share",
                f"must be a fraction above 0.5 and at most 1, such as 0.95 (got {_shown(share)})",
            )
        min_rows = table.get("min_rows", DEFAULT_EXTRACT_FAULTS.min_rows)
        if isinstance(min_rows, bool) or not isinstance(min_rows, int) or not 1 <= min_rows <= _MOST:
            raise self.fail(
                "extract.min_rows", f"must be a whole number of rows, at least 1 (got {_shown(min_rows)})"
            )
        return ExtractFaults(float(share), min_rows)

    def reference_date(self, value: Any) -> str:
        if isinstance(value, date) and not isinstance(value, datetime):  # reference_date = 2025-03-31
            value = value.isoformat()
        if not isinstance(value, str):
            raise self.fail("reference_date", f"expected text or a date, got {_kind(value)}")
        if value not in REFERENCE_DATE_RULES:
            try:
                problem = implausible_reference_date(date.fromisoformat(value))
            except ValueError:
                problem = f"'{value}' is not today, end-of-last-month or a date YYYY-MM-DD"
            if problem:
                raise self.fail("reference_date", problem)
        return value

    def selection(self, value: Any, key: str) -> tuple[str, ...]:
        """Patterns as on the command line: a list, or one text with commas (`"CIN,ETH001"`)."""
        patterns = tuple(p.strip() for text in self.texts(value, key) for p in text.split(",") if p.strip())
        try:
            check_patterns(self.spec, patterns)
        except AnnexaError as exc:
            raise self.fail(key, str(exc)) from None
        return patterns

    def severities(self, value: Any) -> tuple[dict[str, str], dict[str, str]]:
        """Overrides as written, and the severity each changed rule ends with.

        An error type has one severity (its counts are reported by type), so an override
        of one rule that would split its error type is refused.
        """
        table = self.table(value, "severity")
        rules = {r.code: r for r in self.spec.rules}
        by_type: dict[str, list[Rule]] = {}
        for r in self.spec.rules:
            by_type.setdefault(r.error_type, []).append(r)
        chosen: dict[str, str] = {}
        for name, severity in table.items():
            key = _key("severity", name)
            if not isinstance(severity, str):
                raise self.fail(key, f'expected "error" or "warning", got {_kind(severity)}')
            if severity not in SEVERITIES:
                raise self.fail(key, f"'{severity}' is not error or warning")
            if name in by_type:
                chosen.update({r.code: severity for r in by_type[name]})
            elif name.upper() not in rules:
                hint = _hint(name, [*rules, *by_type])
                raise self.fail(key, f"not a rule code or error type{hint} (see 'annexa-check rules')")
        for name, severity in table.items():  # a single rule's severity wins over its error type's
            if name.upper() in rules:
                chosen[name.upper()] = severity
        for error_type, members in by_type.items():
            ends = {chosen.get(r.code, r.severity) for r in members}
            if len(ends) > 1:
                name = next(n for n in table if n == error_type or rules.get(n.upper()) in members)
                others = ", ".join(r.code for r in members if chosen.get(r.code, r.severity) != table[name])
                raise self.fail(
                    _key("severity", name),
                    f"'{table[name]}' would give error type '{error_type}' two severities ({others} "
                    f"would stay '{next(iter(ends - {table[name]}))}'); set {error_type} = "
                    f'"{table[name]}" to change them all',
                )
        changed = {code: s for code, s in chosen.items() if rules[code].severity != s}
        return {str(k): str(s) for k, s in table.items()}, changed

    def aliases(self, value: Any) -> dict[str, dict[str, tuple[str, ...]]]:
        out: dict[str, dict[str, tuple[str, ...]]] = {}
        lists = self.spec.lists
        for list_key, entry in self.table(value, "lists").items():
            where = _key("lists", list_key)
            if list_key not in lists:
                raise self.fail(where, "no such list; lists are list_1 ... list_11")
            lst = lists[list_key]
            columns = self.table(self.table(entry, where, ["aliases"]).get("aliases", {}), f"{where}.aliases")
            owners = {
                normalise_header(form): col.key for col in lst.columns for form in (col.header, *col.aliases)
            }
            for column, headers in columns.items():
                key = _key("lists", list_key, "aliases", column)
                if lst.column(column) is None:
                    known = [c.key for c in lst.columns]
                    raise self.fail(key, f"{lst.name} has no column '{column}'{_hint(column, known)}")
                extra = self.texts(headers, key)
                for header in extra:
                    owner = owners.setdefault(normalise_header(header), column)
                    if owner != column:
                        raise self.fail(key, f"'{header}' already names column '{owner}' on {lst.name}")
                out.setdefault(list_key, {})[column] = extra
        return out

    def synonyms(self, value: Any) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        codesets = self.spec.codesets
        for set_key, entry in self.table(value, "codesets").items():
            where = _key("codesets", set_key)
            if set_key not in codesets:
                raise self.fail(where, f"no such code set{_hint(set_key, codesets)}")
            codeset = codesets[set_key]
            table = self.table(
                self.table(entry, where, ["synonyms"]).get("synonyms", {}), f"{where}.synonyms"
            )
            canonical = {c.code.casefold(): c.code for c in codeset.codes}
            means = _standard_meanings(codeset, list(table))
            seen: dict[str, tuple[str, str]] = {}
            for synonym, target in table.items():
                key = _key("codesets", set_key, "synonyms", synonym)
                if not isinstance(target, str):
                    raise self.fail(key, f"expected a code as text, got {_kind(target)}")
                code = canonical.get(target.strip().casefold())
                if code is None:
                    shown = ", ".join(c.code for c in codeset.codes[:12]) + (
                        ", ..." if len(codeset.codes) > 12 else ""
                    )
                    raise self.fail(key, f"'{target}' is not a code of code set '{set_key}' (codes: {shown})")
                normal = _normal(synonym)
                if not normal:
                    raise self.fail(key, "a blank synonym")
                if means.get(synonym) not in (None, code):
                    raise self.fail(
                        key, f"'{synonym}' already means {means[synonym]} in code set '{set_key}'"
                    )
                earlier, earlier_code = seen.setdefault(normal, (synonym, code))
                if earlier_code != code:
                    raise self.fail(
                        key, f"'{synonym}' and '{earlier}' are the same value mapped to two codes"
                    )
                out.setdefault(set_key, {})[synonym] = code
        return out


def _normal(text: str) -> str:
    """The comparison form the engine gives a code value (case, spacing, `a)` prefix)."""
    return pl.select(v.code_text(pl.lit(text, dtype=pl.String))).item() or ""


def _standard_meanings(codeset: CodeSet, texts: list[str]) -> dict[str, str]:
    """The code each text already stands for, in any template year, before any synonym."""
    frame = pl.DataFrame({"text": texts}, schema={"text": pl.String})
    out: dict[str, str] = {}
    for template in TEMPLATES:
        codes = frame.select(v.as_code("text", codeset, template)).to_series().to_list()
        out.update({t: c for t, c in zip(texts, codes, strict=True) if c is not None and t not in out})
    return out


def load_config(file: Path, spec: Spec) -> Config:
    """Read and check a configuration file against the rule data it will change."""
    try:
        text = file.read_text(encoding="utf-8-sig")  # Notepad may save a byte-order mark
        _check_depth(file, text)
        data = tomllib.loads(text)
        if file.name == PYPROJECT:
            data = _our_table(file, data)
    except tomllib.TOMLDecodeError as exc:
        raise _error(file, f"not valid TOML: {exc}") from None
    except RecursionError:  # not reached: _check_depth refuses deep nesting first
        raise _error(file, f"not valid TOML: nested more than {_MAX_DEPTH} levels deep") from None
    except UnicodeDecodeError:
        raise _error(file, "not UTF-8 text; save it with UTF-8 encoding") from None
    except OSError as exc:
        raise _error(file, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    reader = _Reader(file, spec)
    for name in data:
        if name not in _TOP_KEYS:
            raise reader.fail(
                _key(name), f"unknown key{_hint(name, _TOP_KEYS)}; expected {', '.join(_TOP_KEYS)}"
            )
    severity, rule_severity = reader.severities(data.get("severity", {}))
    return Config(
        file=file,
        reference_date=reader.reference_date(data["reference_date"]) if "reference_date" in data else None,
        select=reader.selection(data.get("select", []), "select"),
        ignore=reader.selection(data.get("ignore", []), "ignore"),
        severity=severity,
        rule_severity=rule_severity,
        aliases=reader.aliases(data.get("lists", {})),
        synonyms=reader.synonyms(data.get("codesets", {})),
        limits=reader.limits(data),
        extract=reader.extract(data.get("extract", {})),
    )


def _our_table(file: Path, data: dict[str, Any]) -> dict[str, Any]:
    """A pyproject.toml's `[tool.annexa-check]` table, which holds what an annexa-check.toml would."""
    tool = data.get("tool", {})
    table = tool.get("annexa-check") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise _error(file, f"has no [{PYPROJECT_TABLE}] table; put the settings there or name another file")
    return table


def _check_depth(file: Path, text: str) -> None:
    """Refuse arrays or inline tables nested past `_MAX_DEPTH`, naming the key and line.

    The TOML parser recurses once per level and dies of a RecursionError a few hundred
    levels down, so the nesting is counted first, in one pass that skips strings and
    comments.
    """
    depth, header, key, start, i = 0, "", "", 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            i = _string_end(text, i)
            continue
        if ch == "#":
            i = text.find("\n", i)
            i = len(text) if i < 0 else i
            continue
        if ch == "\n":
            start = i + 1
        elif depth == 0 and ch == "[" and not text[start:i].strip():  # a table header
            end = text.find("]", i)
            end = len(text) if end < 0 else end
            header, key, i = text[i:end].strip("[] \t"), "", end
        elif depth == 0 and ch == "=":
            key = text[start:i].strip()
        elif ch in "[{":
            depth += 1
            if depth > _MAX_DEPTH:
                where = ".".join(k for k in (header, key) if k) or "a value"
                line = text.count("\n", 0, i) + 1
                raise _error(file, f"{where}: nested more than {_MAX_DEPTH} levels deep (line {line})")
        elif ch in "]}":
            depth = max(depth - 1, 0)
        i += 1


def _string_end(text: str, i: int) -> int:
    """Where the TOML string opening at `i` ends (basic or literal, one line or several)."""
    quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else text[i]
    i += len(quote)
    while i < len(text) and not text.startswith(quote, i):
        if len(quote) == 1 and text[i] == "\n":
            return i  # unterminated: the parser will say so
        i += 2 if quote[0] == '"' and text[i] == "\\" else 1
    return min(i + len(quote), len(text))


def apply_config(spec: Spec, config: Config) -> Spec:
    """The rule data as this council's file changes it; the loader and engine never see the file."""
    lists = {
        key: replace(
            lst,
            columns=tuple(
                replace(col, aliases=(*col.aliases, *config.aliases[key][col.key]))
                if col.key in config.aliases.get(key, {})
                else col
                for col in lst.columns
            ),
        )
        for key, lst in spec.lists.items()
    }
    codesets = {}
    for key, codeset in spec.codesets.items():
        extra = config.synonyms.get(key, {})
        codesets[key] = replace(
            codeset,
            codes=tuple(
                replace(code, aliases=(*code.aliases, *(s for s, c in extra.items() if c == code.code)))
                for code in codeset.codes
            ),
        )
    rules = tuple(replace(r, severity=config.rule_severity.get(r.code, r.severity)) for r in spec.rules)
    return replace(spec, lists=lists, codesets=codesets, rules=rules)


def _headers_used(workbook: LoadedWorkbook, base: Spec) -> list[dict[str, str]]:
    """Columns found only through one of the file's header aliases."""
    used = []
    for key, loaded in workbook.lists.items():
        matcher = HeaderMatcher(base.lists[key].columns)
        for column in loaded.spec.columns:
            header = loaded.matched.get(column.key)
            if header is not None and matcher.match(header) is None:
                used.append({"list": loaded.spec.name, "header": header, "column": column.header})
    return used


def _synonyms_used(
    config: Config, workbook: LoadedWorkbook, base: Spec, spec: Spec, template: str
) -> list[dict[str, Any]]:
    """Per synonym and column: how many cells were read as a code only because of the file."""
    used = []
    for key, loaded in workbook.lists.items():
        if loaded.frame is None:
            continue
        for col in spec.lists[key].columns:
            synonyms = config.synonyms.get(col.codeset or "", {})
            if not synonyms or col.key not in loaded.matched:
                continue
            assert col.codeset is not None
            mapped = dict(
                loaded.frame.select(
                    v.code_text(pl.col(col.key)).alias("normal"),
                    v.as_code(col.key, spec.codesets[col.codeset], template).alias("code"),
                    v.as_code(col.key, base.codesets[col.codeset], template).alias("before"),
                )
                .filter(pl.col("code").is_not_null() & pl.col("before").is_null())
                .group_by("normal")
                .len()
                .iter_rows()
            )
            for synonym in synonyms:  # in the file's order
                cells = mapped.pop(_normal(synonym), 0)
                if not cells:
                    continue
                used.append(
                    {
                        "code_set": col.codeset,
                        "synonym": synonym,
                        "code": synonyms[synonym],
                        "list": loaded.spec.name,
                        "column": loaded.matched[col.key],
                        "cells": cells,
                    }
                )
    return used


def config_report(
    config: Config, workbook: LoadedWorkbook, base: Spec, spec: Spec, template: str
) -> dict[str, Any]:
    """What the file set, and where it changed this run: the `config` key of the JSON summary."""
    return {
        **config.as_dict(),
        "header_aliases_used": _headers_used(workbook, base),
        "synonyms_applied": _synonyms_used(config, workbook, base, spec, template),
    }


def effective(settings: Settings) -> dict[str, Any]:
    """The values a run with these settings uses, and where the file came from (`annexa-check settings`)."""
    config = settings.config
    given = config.limits if config else {}
    limits = {}
    for name in LIMIT_UNITS:
        value = getattr(settings.limits, name)
        source = "settings file" if name in given else "default"
        if value != given.get(name, getattr(DEFAULT_LIMITS, name)):
            source = "command line"
        limits[name] = {"value": value, "from": source}
    return {
        "file": None if config is None else str(config.file),
        "found": settings.found,
        "reference_date": settings.reference_date.isoformat(),
        "reference_date_rule": config.reference_date if config else None,
        "select": list(config.select) if config else [],
        "ignore": list(config.ignore) if config else [],
        "severity": dict(config.severity) if config else {},
        "aliases": {
            lst: {col: list(headers) for col, headers in cols.items()}
            for lst, cols in (config.aliases if config else {}).items()
        },
        "synonyms": {name: dict(pairs) for name, pairs in (config.synonyms if config else {}).items()},
        "limits": limits,
    }
