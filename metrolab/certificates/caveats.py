"""Notes for results that rest on specification data not yet verified, in a customer's words.

A point result records a caveat when a specification row it used (the standard's
accuracy behind the reference uncertainty, or the item's accuracy behind the tolerance
limits) was not verified against the manufacturer's published table
(``AccuracySpec.caveat``: ``"<model> <interval> specification, unverified data: <source>"``).
The source names internal material (a reference file, a section, "[U]"): the record keeps
it for the laboratory, the certificate does not print it. Each distinct specification
becomes note [k]; every result resting on it is marked [k].
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Sequence

from metrolab.certificates.content import Equipment, Item, ResultPoint

_CAVEAT = re.compile(r"^(?P<model>\S+)\s+(?P<interval>.*?)\s*specification,\s*"
                     r"(?P<what>unverified data|provisional table):")


@dataclasses.dataclass(frozen=True, slots=True)
class Caveat:
    """A specification not yet verified: which instrument's, and what it gives the results."""

    model: str
    interval: str
    provisional: bool  # the whole table is a stand-in, not only a row unverified

    @classmethod
    def parse(cls, text: str) -> Caveat | None:
        """Return the caveat recorded as ``text``, or None when it is not in the known form."""
        match = _CAVEAT.match(text.strip())
        if match is None:
            return None
        return cls(match["model"], match["interval"].strip(),
                   match["what"] == "provisional table")


def note_text(caveat_text: str, mark: int, count: int, item: Item,
              equipment: Sequence[Equipment]) -> str:
    """Return note [mark] for the ``count`` results resting on the specification
    ``caveat_text`` names, naming the instrument and what the data gave the results."""
    caveat = Caveat.parse(caveat_text)
    results = f"the {count} result{'s' if count != 1 else ''} marked [{mark}]"
    if caveat is None:
        return (f"[{mark}] Part of the specification data used for {results} has not yet been "
                "verified against the manufacturer's published specifications; their tolerance "
                "limits or reference uncertainties are provisional.")
    interval = f"{caveat.interval} " if caveat.interval else ""
    checked = ("is a provisional stand-in for the manufacturer's published table"
               if caveat.provisional else
               "has not yet been verified against the manufacturer's published table")
    standard = next((e for e in equipment
                     if e.model.casefold() == caveat.model.casefold()), None)
    if standard is not None:
        who = f"{standard.manufacturer} {standard.model} ({standard.name})".strip()
        gives = "the uncertainty of the reference values"
        consequence = "their expanded uncertainties are provisional"
    elif item.model.casefold() == caveat.model.casefold():
        who = f"{item.manufacturer} {item.model} (the item calibrated)".strip()
        gives = "the tolerance limits"
        consequence = "their tolerance limits, and so their statements of conformity, are " \
                      "provisional"
    else:
        who = caveat.model
        gives = "tolerance limits or reference uncertainties"
        consequence = "these are provisional"
    return (f"[{mark}] The {interval}specification of the {who}, which gives {gives} of "
            f"{results}, {checked}; {consequence}.")


def marked_caveats(
    results: Sequence[ResultPoint], caveats: Sequence[Sequence[str]], item: Item,
    equipment: Sequence[Equipment],
) -> tuple[tuple[ResultPoint, ...], tuple[str, ...]]:
    """Return (the results with their note marks, one note per distinct caveat).

    ``caveats[i]`` are the caveats recorded with ``results[i]``. Each distinct caveat
    becomes note [k] (:func:`note_text`), and every result resting on it is marked [k].
    """
    marks: dict[str, int] = {}
    marked = []
    for result, own in zip(results, caveats, strict=True):
        numbers = tuple(marks.setdefault(str(c), len(marks) + 1) for c in own)
        marked.append(dataclasses.replace(result, note_marks=numbers) if numbers else result)
    counts = Counter(n for r in marked for n in r.note_marks)
    notes = tuple(note_text(caveat, k, counts[k], item, equipment)
                  for caveat, k in marks.items())
    return tuple(marked), notes
