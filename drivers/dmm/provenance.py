"""How much of a profile's specification table rests on a manufacturer's document.

Each row's ``source`` carries the tag of the shared instrument research note: ``[P]``
read in the manufacturer's own manual or datasheet (``[V]``, verbatim, counts as
``[P]``), ``[S]`` a verbatim secondary transcription of one, ``[D]`` derived by
arithmetic that reproduces a manufacturer's table, ``[U]`` unverified. A row tagged
``[U]`` at the start is unverified whatever follows; otherwise the first tag counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from metrolab.drivers.dmm.profile import DmmProfile

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
    provisional: bool

    @property
    def confirmed(self) -> int:
        """Return the rows confirmed against a manufacturer's document ([P] or [S])."""
        return 0 if self.provisional else self.read + self.secondary

    @property
    def confirmed_share(self) -> float:
        """Return the share (0 to 1) of rows confirmed against a manufacturer's document;
        a provisional stand-in table confirms nothing about its own model."""
        return self.confirmed / self.rows if self.rows else 0.0


def tag_of(source: str) -> str:
    """Return the provenance tag of a row's ``source``: P, S, D or U (untagged: U)."""
    if source.startswith("[U]"):
        return "U"
    found = _TAG.search(source)
    tag = found.group(1) if found else "U"
    return {"V": "P", "M": "U"}.get(tag, tag)


def spec_provenance(profile: DmmProfile) -> SpecProvenance:
    """Return the provenance counts of ``profile``'s specification rows."""
    tags = [tag_of(row.source) for row in profile.spec.rows]
    return SpecProvenance(profile=profile.name, rows=len(tags), read=tags.count("P"),
                          secondary=tags.count("S"), derived=tags.count("D"),
                          unverified=tags.count("U"), provisional=profile.spec.provisional)
