"""How much of a specification table rests on a manufacturer's document.

Each row's ``source`` carries the tag of the shared instrument research note: ``[P]``
read in the manufacturer's own manual or datasheet (``[V]``, verbatim, counts as
``[P]``), ``[S]`` a verbatim secondary transcription of one, ``[D]`` derived by
arithmetic that reproduces a manufacturer's table, ``[U]`` unverified (``[M]`` and an
untagged source count as ``[U]``). A row tagged ``[U]`` at the start is unverified
whatever follows; otherwise the first tag counts. Every instrument family's profiles
(multimeters, calibrators) count their rows with :func:`count_provenance`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_TAG = re.compile(r"\[([PSDVUM])\]")


@dataclass(frozen=True, slots=True)
class SpecProvenance:
    """Rows of one profile's specification table by provenance tag."""

    profile: str
    rows: int
    read: int
    secondary: int
    derived: int
    unverified: int
    #: the whole table is a stand-in for another model's (``provisional``)
    provisional: bool = False

    @property
    def confirmed(self) -> int:
        """Return the rows confirmed against a manufacturer's document ([P] or [S])."""
        return 0 if self.provisional else self.read + self.secondary

    @property
    def confirmed_share(self) -> float:
        """Return the share (0 to 1) of rows confirmed against a manufacturer's document;
        0 for an empty table, and a provisional stand-in confirms nothing of its model."""
        return self.confirmed / self.rows if self.rows else 0.0


def tag_of(source: str) -> str:
    """Return the provenance tag of a row's ``source``: P, S, D or U (untagged: U)."""
    if source.startswith("[U]"):
        return "U"
    found = _TAG.search(source)
    tag = found.group(1) if found else "U"
    return {"V": "P", "M": "U"}.get(tag, tag)


def count_provenance(profile: str, sources: Iterable[str], *,
                     provisional: bool = False) -> SpecProvenance:
    """Return the provenance counts of the rows whose ``source`` texts are given."""
    tags = [tag_of(source) for source in sources]
    return SpecProvenance(profile=profile, rows=len(tags), read=tags.count("P"),
                          secondary=tags.count("S"), derived=tags.count("D"),
                          unverified=tags.count("U"), provisional=provisional)
