"""The exit policy: which findings fail a run, so a pipeline can ratchet data-quality debt down.

`--fail-on` sets the severity that fails a run (error, warning or never); `--max
ERROR_TYPE=N` tolerates up to N records of one error type, whatever its severity,
so a council can accept this month's backlog and refuse any growth of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from annexa_check.errors import AnnexaError

FAIL_ON = ("error", "warning", "never")
_FAILING = {"error": ("error",), "warning": ("error", "warning"), "never": ()}
# `compare --fail-on-new`: what new in the later run fails it; `key` is the nine key error types.
FAIL_ON_NEW = ("key", "error", "warning", "never")


@dataclass(frozen=True)
class Verdict:
    """Whether a run passed its policy, and every reason it did not."""

    passed: bool
    reasons: tuple[str, ...]
    failing: tuple[str, ...]  # the error types that failed it
    fail_on: str
    maxima: Mapping[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "fail_on": self.fail_on,
            "max": dict(sorted(self.maxima.items())),
            "passed": self.passed,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class Policy:
    fail_on: str = "error"
    maxima: Mapping[str, int] = field(default_factory=dict)

    def judge(self, counts: Mapping[str, Mapping[str, Any]]) -> Verdict:
        """Judge a `summary()["counts"]`: thresholds first, then the severity rule for other types."""
        reasons, failing = [], []
        for error_type, found in sorted(counts.items()):
            limit = self.maxima.get(error_type)
            if limit is not None:
                if found["count"] > limit:
                    reasons.append(f"{error_type}: {_records(found['count'])}, more than --max {limit}")
                    failing.append(error_type)
            elif found["severity"] in _FAILING[self.fail_on]:
                reasons.append(f"{error_type}: {_records(found['count'])} ({found['severity']})")
                failing.append(error_type)
        return Verdict(not reasons, tuple(reasons), tuple(failing), self.fail_on, dict(self.maxima))


def _records(count: int) -> str:
    """`1 record`, `1,200 records`: as the Markdown and GitHub formats count them."""
    return f"{count:,} record{'s' if count != 1 else ''}"


def parse_maxima(values: Iterable[str], error_types: Iterable[str]) -> dict[str, int]:
    """`--max missing_ethnicity=150` pairs; an unknown error type is a usage error, not a silent pass."""
    known = set(error_types)
    maxima: dict[str, int] = {}
    for value in values:
        name, sep, number = value.partition("=")
        name = name.strip()
        if not sep or not number.strip().isdigit():
            raise AnnexaError(
                f"--max '{value}': expected ERROR_TYPE=N with N a whole number, e.g. missing_ethnicity=150"
            )
        if name not in known:
            raise AnnexaError(f"--max '{value}': '{name}' is not an error type (see 'annexa-check rules')")
        maxima[name] = int(number)
    return maxima


def new_problems_policy(fail_on_new: str) -> Policy:
    """The policy `compare` judges the new problems by: `key` fails on any new record of the nine
    key error types (the ones the monthly meeting tracks), the others as `--fail-on` does."""
    if fail_on_new == "key":
        from annexa_check.findings.table import KEY_ERROR_TYPES

        return Policy("never", dict.fromkeys(KEY_ERROR_TYPES, 0))
    return Policy(fail_on_new)
