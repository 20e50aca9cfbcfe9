"""Reading a Fluke calibrator's RS-232 terminal mode: echo lines, prompts and fault lines.

In ``REMOTE I/F term`` mode the calibrator echoes each command line, prints its answer
and any fault (``Fault 1300: Bad syntax``) line by line, then its prompt ``N> `` without
an end of line (see :mod:`.sim_calibrator_serial`). A host reading lines thus finds each echo
behind the previous prompt: ``4> OUT 1 V``. The prompt numbers count the command lines,
restarting at 1 after ``^C``, so a lost or extra line shows as a jump.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE = re.compile(r"(?:(\d+)> )?(.*)", re.DOTALL)
_FAULT = re.compile(r"Fault (\d+): (.*)")


@dataclass(frozen=True)
class TerminalLine:
    """One line read in terminal mode: the prompt number in front of it (None when there
    is none) and the text after the prompt."""

    prompt: int | None
    text: str

    @classmethod
    def parse(cls, line: str) -> TerminalLine:
        """Return ``line`` split into its leading prompt (``12> ``) and the rest."""
        match = _LINE.fullmatch(line)
        assert match is not None  # the pattern matches any text
        number, text = match.groups()
        return cls(None if number is None else int(number), text)

    def fault(self) -> tuple[int, str] | None:
        """Return ``(number, text)`` when this is a ``Fault N: text`` line, else None."""
        match = _FAULT.fullmatch(self.text.strip())
        return None if match is None else (int(match.group(1)), match.group(2).strip())


class PromptCounter:
    """The prompt number the next echo must carry: unknown after a clear or at first
    (any number is then taken), then one more per command line."""

    def __init__(self) -> None:
        self.expected: int | None = None

    def forget(self) -> None:
        """Accept whatever number comes next (after ``^C`` or a re-synchronisation)."""
        self.expected = None

    def accept(self, number: int | None) -> bool:
        """Return True when ``number`` is the one expected (or none is expected yet, or the
        line carries no prompt because nothing preceded it); advance the count."""
        if number is None:
            return self.expected is None
        if self.expected is not None and number != self.expected:
            return False
        self.expected = number + 1
        return True
