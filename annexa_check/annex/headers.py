"""Tolerant, honest header matching.

Extracts spell the template's headers many ways: `Case status` / `Case Status`,
`CINClosureDate`, curly or straight quotes, a trailing `?`, a doubled bracket,
non-breaking spaces. Comparing only the letters and digits (case-folded) absorbs all
of those without guessing; anything whose words differ must be listed as an alias in
`rules/lists.yaml`, so every accepted spelling is visible in the rule data.
"""

from __future__ import annotations

import re
import unicodedata

from annexa_check.annex.model import Column

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_header(text: object) -> str:
    """The comparison form of a header: case-folded letters and digits only."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return _NON_ALNUM.sub("", folded)


class HeaderMatcher:
    """Maps a list's header cells to its column keys."""

    def __init__(self, columns: tuple[Column, ...]) -> None:
        self._lookup: dict[str, str] = {}
        for col in columns:
            for form in (col.header, *col.aliases):
                norm = normalise_header(form)
                owner = self._lookup.setdefault(norm, col.key)
                if owner != col.key:
                    raise ValueError(f"header form '{form}' matches both '{owner}' and '{col.key}'")

    def match(self, header: object) -> str | None:
        return self._lookup.get(normalise_header(header))
