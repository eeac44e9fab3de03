"""The manifest of a generated workbook: its parameters, rows per list and every injected error."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Injected:
    """One injected error: where it is, as Excel shows it, and whose row it is."""

    error_type: str
    list_key: str
    row: int
    child_id: str
    column: str


@dataclass
class Manifest:
    """What a generated workbook holds: its parameters, rows per list and every injected error."""

    seed: int
    children: int
    template: str
    reference_date: date
    style: str
    rows: dict[str, int]
    sheets: dict[str, str]
    header_row: int
    injected: list[Injected] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Injected errors per error type (the answer a checker should give)."""
        out: dict[str, int] = {}
        for inj in self.injected:
            out[inj.error_type] = out.get(inj.error_type, 0) + 1
        return dict(sorted(out.items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "children": self.children,
            "template": self.template,
            "reference_date": self.reference_date.isoformat(),
            "style": self.style,
            "header_row": self.header_row,
            "sheets": self.sheets,
            "rows": self.rows,
            "counts": self.counts(),
            "injected": [vars(i) for i in self.injected],
        }

    def save(self, path: Path) -> None:
        Path(path).write_text(
            json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read a manifest written by `save` (the `counts` summary is recomputed, not trusted)."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(
            seed=data["seed"],
            children=data["children"],
            template=data["template"],
            reference_date=date.fromisoformat(data["reference_date"]),
            style=data["style"],
            rows=dict(data["rows"]),
            sheets=dict(data["sheets"]),
            header_row=data["header_row"],
            injected=[Injected(**i) for i in data["injected"]],
        )


def manifest_path(path: Path) -> Path:
    """Where the manifest of workbook `path` lives: `<stem>.manifest.json` beside it."""
    path = Path(path)
    return path.with_name(path.stem + ".manifest.json")
