"""What Annex A is: its lists, their columns per template year, and the code sets, from `rules/`.

`rules/lists.yaml` and `rules/codesets.yaml` describe the template itself; the reader
matches sheets and headers against them and the value conversions read codes through
them. They are loaded into typed objects here, and a malformed entry is refused at
load time with a message naming the file and entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from annexa_check.errors import SpecError
from annexa_check.version import __version__

TEMPLATES = ("2019", "2023")
COLUMN_TYPES = ("id", "text", "date", "int", "code")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's safe loader when built, ~10x faster


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: str
    codeset: str | None = None
    aliases: tuple[str, ...] = ()
    templates: tuple[str, ...] = TEMPLATES
    role: str | None = None


@dataclass(frozen=True)
class ListSpec:
    key: str
    number: int
    title: str
    keywords: tuple[str, ...]
    columns: tuple[Column, ...]
    one_row_per_child: bool = False
    record_key: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"List {self.number}"

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    def columns_for(self, template: str) -> tuple[Column, ...]:
        """The columns a workbook of this template year is expected to have."""
        return tuple(c for c in self.columns if template in c.templates)

    @property
    def team_column(self) -> str | None:
        return next((c.key for c in self.columns if c.role == "team"), None)

    @property
    def worker_column(self) -> str | None:
        return next((c.key for c in self.columns if c.role == "worker"), None)


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    aliases: tuple[str, ...] = ()
    templates: tuple[str, ...] = TEMPLATES  # the template years whose code list writes it
    # A DfE code the template lags behind is read in every layout and judged by the date of its
    # event (`valid` with `event_date:`), not by the workbook's layout: first and last day in use, if known.
    dfe: bool = False
    valid_from: date | None = None
    valid_until: date | None = None

    def in_use_on(self, day: date) -> bool:
        """Whether the DfE accepted the code for an event on `day`."""
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_until is None or day <= self.valid_until
        )

    @property
    def dated(self) -> bool:
        return self.valid_from is not None or self.valid_until is not None


@dataclass(frozen=True)
class CodeSet:
    key: str
    bare_code: bool
    codes: tuple[Code, ...]

    def codes_for(self, template: str) -> tuple[Code, ...]:
        """The codes the template year's code list writes (its labels, what the generator draws)."""
        return tuple(c for c in self.codes if template in c.templates)

    def recognised(self, template: str) -> tuple[Code, ...]:
        """The codes a workbook of the template year may hold: its own, and every DfE code."""
        return tuple(c for c in self.codes if template in c.templates or c.dfe)

    @property
    def dated(self) -> tuple[Code, ...]:
        """The codes with a first or last day in use."""
        return tuple(c for c in self.codes if c.dated)


@dataclass(frozen=True)
class Template:
    """One template year: its key in rule data, how people name it, the years that choose it."""

    key: str
    name: str  # "2023/24"
    title: str
    years: tuple[str, ...]


@dataclass(frozen=True)
class Layout:
    """The lists and code sets: everything the reader needs, before any rule."""

    lists: dict[str, ListSpec]
    codesets: dict[str, CodeSet]
    root: Path
    templates: dict[str, Template] = field(default_factory=dict)

    def template_for(self, year: str) -> Template | None:
        """The template a year names (`2024` -> the 2023/24 layout), else None."""
        return next((t for t in self.templates.values() if year.strip() in (*t.years, t.name)), None)


def rules_root() -> Path:
    """Where the rule data lives: inside the installed package, else the source tree."""
    packaged = Path(str(resources.files("annexa_check"))) / "rules"
    if (packaged / "lists.yaml").is_file():
        return packaged
    source = Path(__file__).resolve().parents[2] / "rules"
    if (source / "lists.yaml").is_file():
        return source
    raise SpecError(f"rule data not found (looked in {packaged} and {source})")


def _read_yaml(path: Path) -> Any:
    """A rule data file's YAML, parsed, or its earlier parse from the user cache folder.

    Building Python objects from YAML is most of the cost of loading the rule data on every
    run; the cache holds the plain data of one file's exact bytes (keyed by their digest and
    this parser's version), never the checked rules, so every rule is still checked on load.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read rule data: {exc}") from exc
    cached = _parsed_cache(raw)
    found = _cached(cached) if cached is not None else _MISSING
    if found is not _MISSING:
        return found
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_YAML_LOADER)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: cannot read rule data: {exc}") from exc
    if cached is not None:
        _keep(cached, data)
    return data


_MISSING = object()
# What a parse of YAML with the safe loader holds besides plain containers, strings and numbers.
_PARSED_TYPES = {
    ("datetime", "date"),
    ("datetime", "datetime"),
    ("datetime", "timezone"),
    ("datetime", "timedelta"),
}


class _PlainData(pickle.Unpickler):
    """Unpickles parsed YAML only: any other class named in the file is refused, so it can run no code."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _PARSED_TYPES:
            raise pickle.UnpicklingError(f"{module}.{name} is not parsed YAML")
        return super().find_class(module, name)


def _parsed_cache(raw: bytes) -> Path | None:
    """Where the parse of these bytes is kept (None: no user cache folder here)."""
    try:
        import platformdirs

        folder = Path(platformdirs.user_cache_dir("annexa-check", appauthor=False)) / "rules"
    except Exception:  # no home folder to put it in: parse every time
        return None
    digest = hashlib.sha256(f"{__version__} {yaml.__version__} {_YAML_LOADER.__name__}\n".encode())
    digest.update(raw)
    return folder / f"{digest.hexdigest()}.pickle"


def _cached(path: Path) -> Any:
    """The data kept at `path`, or _MISSING when it is absent, unreadable or not plain parsed YAML."""
    try:
        with path.open("rb") as file:
            return _PlainData(file).load()
    except Exception:  # absent, half-written by a crash, or changed by hand: parse again
        return _MISSING


def _keep(path: Path, data: Any) -> None:
    """Write the parse for later runs, whole or not at all; a folder that cannot be written is no error."""
    part = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, part = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(handle, "wb") as file:
            pickle.dump(data, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(part, path)
    except Exception:
        if part is not None:
            with contextlib.suppress(OSError):
                os.unlink(part)


def _need(entry: dict, key: str, where: str) -> Any:
    if key not in entry or entry[key] in (None, ""):
        raise SpecError(f"{where}: missing '{key}'")
    return entry[key]


def _strs(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, int)):
        return (str(value),)
    return tuple(str(v) for v in value)


def _column(entry: dict, where: str) -> Column:
    col_type = _need(entry, "type", where)
    if col_type not in COLUMN_TYPES:
        raise SpecError(f"{where}: type '{col_type}' is not one of {', '.join(COLUMN_TYPES)}")
    if col_type == "code" and not entry.get("codeset"):
        raise SpecError(f"{where}: a code column needs a 'codeset'")
    templates = _strs(entry.get("templates")) or TEMPLATES
    return Column(
        key=_need(entry, "key", where),
        header=str(_need(entry, "header", where)).strip(),
        type=col_type,
        codeset=entry.get("codeset"),
        aliases=_strs(entry.get("aliases")),
        templates=templates,
        role=entry.get("role"),
    )


def _load_lists(path: Path, codesets: dict[str, CodeSet]) -> dict[str, ListSpec]:
    data = _read_yaml(path)
    shared = {
        key: _column({"key": key, **entry}, f"{path.name}: shared_columns.{key}")
        for key, entry in (data.get("shared_columns") or {}).items()
    }
    lists: dict[str, ListSpec] = {}
    for list_key, entry in _need(data, "lists", path.name).items():
        where = f"{path.name}: lists.{list_key}"
        match = re.fullmatch(r"list_(\d{1,2})", list_key)
        if not match:
            raise SpecError(f"{where}: list keys are list_1 ... list_11")
        columns = []
        for i, col in enumerate(_need(entry, "columns", where)):
            col_where = f"{where}.columns[{i}]"
            if isinstance(col, str):
                if col not in shared:
                    raise SpecError(f"{col_where}: '{col}' is not a shared column")
                columns.append(shared[col])
            else:
                columns.append(_column(col, col_where))
        keys = [c.key for c in columns]
        dupes = {k for k in keys if keys.count(k) > 1}
        if dupes:
            raise SpecError(f"{where}: column keys repeated: {', '.join(sorted(dupes))}")
        for col in columns:
            if col.codeset and col.codeset not in codesets:
                raise SpecError(f"{where}: column '{col.key}' names unknown codeset '{col.codeset}'")
        record_key = _strs(entry.get("record_key"))
        unknown_keys = [k for k in record_key if k not in keys]
        if unknown_keys:
            raise SpecError(f"{where}: record_key names unknown column(s) {', '.join(unknown_keys)}")
        lists[list_key] = ListSpec(
            key=list_key,
            number=int(match.group(1)),
            title=_need(entry, "title", where),
            keywords=_strs(entry.get("keywords")),
            columns=tuple(columns),
            one_row_per_child=bool(entry.get("one_row_per_child", False)),
            record_key=record_key,
        )
    return lists


_CODE_KEYS = {"code", "label", "aliases", "templates", "dfe", "valid_from", "valid_until"}


def _day(entry: dict, key: str, where: str) -> date | None:
    """A date written YYYY-MM-DD (YAML reads it as a date), or None when absent."""
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, date):
        raise SpecError(f"{where}: '{key}' is a date written YYYY-MM-DD, not {value!r}")
    return value


def _load_codesets(path: Path) -> dict[str, CodeSet]:
    data = _read_yaml(path)
    out = {}
    for key, entry in _need(data, "codesets", path.name).items():
        where = f"{path.name}: codesets.{key}"
        codes = []
        for i, code in enumerate(_need(entry, "codes", where)):
            cw = f"{where}.codes[{i}]"
            templates = _strs(code.get("templates")) or TEMPLATES
            bad = set(templates) - set(TEMPLATES)
            if bad:
                raise SpecError(f"{cw}: unknown template {', '.join(sorted(bad))}")
            unknown = set(code) - _CODE_KEYS
            if unknown:
                raise SpecError(f"{cw}: unknown key(s) {', '.join(sorted(unknown))}")
            valid_from, valid_until = _day(code, "valid_from", cw), _day(code, "valid_until", cw)
            if valid_from and valid_until and valid_until < valid_from:
                raise SpecError(f"{cw}: valid_until is before valid_from")
            dfe = code.get("dfe", False)
            if not isinstance(dfe, bool):
                raise SpecError(f"{cw}: 'dfe' is true or false")
            if (valid_from or valid_until) and not dfe:
                raise SpecError(f"{cw}: only a DfE code (dfe: true) has valid_from or valid_until")
            codes.append(
                Code(
                    code=str(_need(code, "code", cw)),
                    label=str(_need(code, "label", cw)),
                    aliases=_strs(code.get("aliases")),
                    templates=templates,
                    dfe=dfe,
                    valid_from=valid_from,
                    valid_until=valid_until,
                )
            )
        out[key] = CodeSet(key=key, bare_code=bool(entry.get("bare_code", False)), codes=tuple(codes))
    return out


def _load_templates(path: Path) -> dict[str, Template]:
    data = _read_yaml(path).get("templates") or {}
    out = {}
    for key, entry in data.items():
        where = f"{path.name}: templates.{key}"
        out[str(key)] = Template(
            key=str(key),
            name=str(_need(entry, "name", where)),
            title=str(_need(entry, "title", where)),
            years=_strs(_need(entry, "years", where)),
        )
    if tuple(out) != TEMPLATES:
        raise SpecError(f"{path.name}: templates must be {', '.join(TEMPLATES)}, in that order")
    return out


def load_layout(root: Path) -> Layout:
    """Load and check the lists and code sets under `root`."""
    codesets = _load_codesets(root / "codesets.yaml")
    return Layout(
        lists=_load_lists(root / "lists.yaml", codesets),
        codesets=codesets,
        root=root,
        templates=_load_templates(root / "lists.yaml"),
    )
