"""How much of its manual's command summary a simulated 344xx meter understands.

The summaries are data (``command_summaries/<model>.txt``: one header per line in SCPI
notation, ``{A|B}`` for alternatives); :func:`coverage` expands each line into concrete
headers and asks the simulator's command tree for every one.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from metrolab.instrument.simulation import SimulatedInstrument

SUMMARY_DIR = Path(__file__).parent / "command_summaries"
_CHOICE = re.compile(r"\{([^}]*)\}")
_OPTIONAL = re.compile(r"\[[^\]]*\]")


@dataclass(frozen=True)
class Coverage:
    """The headers of a command summary a simulator knows and the ones it does not."""

    model: str
    known: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def total(self) -> int:
        """Return the number of headers in the summary."""
        return len(self.known) + len(self.missing)

    @property
    def fraction(self) -> float:
        """Return the share of the summary the simulator understands (0 to 1)."""
        return len(self.known) / self.total if self.total else 1.0


def summary_headers(model: str) -> list[str]:
    """Return the concrete headers of ``model``'s command summary (long forms, optional
    nodes left out, each ``{A|B}`` alternative its own header)."""
    text = (SUMMARY_DIR / f"{model.lower()}.txt").read_text(encoding="utf-8")
    headers: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = _CHOICE.split(line)
        choices = [part.split("|") if index % 2 else [part]
                   for index, part in enumerate(parts)]
        for combination in itertools.product(*choices):
            header = _OPTIONAL.sub("", "".join(combination))
            if header not in headers:
                headers.append(header)
    return headers


def coverage(simulator: SimulatedInstrument, model: str) -> Coverage:
    """Return which headers of ``model``'s summary ``simulator`` accepts."""
    known: list[str] = []
    missing: list[str] = []
    for header in summary_headers(model):
        found = simulator.commands.lookup(header.upper())
        (known if found is not None else missing).append(header)
    return Coverage(model, tuple(known), tuple(missing))
