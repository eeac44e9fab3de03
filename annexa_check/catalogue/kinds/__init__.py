"""The check kinds, registered once: the YAML `check:` name -> the class that implements it.

Adding a kind is a new file here, one line below, its tests and its rules; nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from annexa_check.catalogue.kinds.age_matches_dob import AgeMatchesDob
from annexa_check.catalogue.kinds.age_range import AgeRange
from annexa_check.catalogue.kinds.base import Kind, KindContext, Params
from annexa_check.catalogue.kinds.blank import Blank
from annexa_check.catalogue.kinds.cell_error import CellError
from annexa_check.catalogue.kinds.code_age import CodeAge
from annexa_check.catalogue.kinds.code_form import CodeForm
from annexa_check.catalogue.kinds.column_present import ColumnPresent
from annexa_check.catalogue.kinds.column_unique import ColumnUnique
from annexa_check.catalogue.kinds.combination import Combination
from annexa_check.catalogue.kinds.consistent import Consistent
from annexa_check.catalogue.kinds.constant_per_child import ConstantPerChild
from annexa_check.catalogue.kinds.date_order import DateOrder
from annexa_check.catalogue.kinds.future_date import FutureDate
from annexa_check.catalogue.kinds.list_headers import ListHeaders
from annexa_check.catalogue.kinds.list_present import ListPresent
from annexa_check.catalogue.kinds.lookback import Lookback
from annexa_check.catalogue.kinds.on_list import OnList
from annexa_check.catalogue.kinds.pattern import Pattern
from annexa_check.catalogue.kinds.placeholder_date import PlaceholderDate
from annexa_check.catalogue.kinds.range import Range
from annexa_check.catalogue.kinds.required import Required
from annexa_check.catalogue.kinds.unique import Unique
from annexa_check.catalogue.kinds.valid import Valid
from annexa_check.errors import SpecError

__all__ = ["KINDS", "Kind", "KindContext", "Params", "make_kind", "parameter_names"]

_ALL: tuple[type[Kind[Any]], ...] = (
    Required,
    Blank,
    Valid,
    DateOrder,
    CodeAge,
    Unique,
    CellError,
    ColumnPresent,
    ColumnUnique,
    ListPresent,
    ListHeaders,
    FutureDate,
    Lookback,
    PlaceholderDate,
    AgeRange,
    AgeMatchesDob,
    Range,
    Pattern,
    Combination,
    ConstantPerChild,
    CodeForm,
    OnList,
    Consistent,
)
KINDS: dict[str, type[Kind[Any]]] = {kind.name: kind for kind in _ALL}


def parameter_names(kind: type[Kind[Any]]) -> list[str]:
    """The keys a kind takes, as rule files write them; the generator's `inject_age` last."""
    names = [f.alias or name for name, f in kind.parameters.model_fields.items() if name != "inject_age"]
    return [*names, "inject_age"]


def _reason(kind: type[Kind[Any]], exc: ValidationError) -> str:
    """The first problem pydantic found, in the rule file's words; a misspelt key before all else."""
    errors = exc.errors()
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    name = str(error["loc"][0]) if error["loc"] else ""
    field = next((f for n, f in kind.parameters.model_fields.items() if (f.alias or n) == name), None)
    what = field.description if field is not None else None
    if error["type"] == "extra_forbidden":
        names = parameter_names(kind)[:-1]
        takes = f"it takes: {', '.join(names)}" if names else "it takes no parameters"
        return f"{kind.name} does not take '{name}' ({takes})"
    if error["type"] == "missing":
        return f"{kind.name} needs '{name}' ({what})"
    if error["type"] == "value_error":
        return f"{kind.name} {error['ctx']['error']}"
    return f"{kind.name} needs '{name}' ({what}), not {error['input']!r}"


def make_kind(check: str, params: Mapping[str, Any], where: str, lists: Iterable[str]) -> Kind[Any]:
    """The kind with one rule's parameters, or a SpecError naming the file, rule and key."""
    kind = KINDS[check]
    try:
        parsed = kind.parameters.model_validate(dict(params), context={"lists": set(lists)})
    except ValidationError as exc:
        raise SpecError(f"{where}: {_reason(kind, exc)}") from None
    return kind(parsed)
