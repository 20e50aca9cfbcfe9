"""The fault switchboard of a simulator: what goes wrong on the next replies.

* ``drop``: the connection is closed instead of answering the next message.
* ``delay``: the next reply is held back past the client's timeout; it is sent
  late, just ahead of the reply to the following message (a stale reply).
* ``garble``: the next reply is corrupted on the wire (high bits set in text; a
  broken header in a binary block), so it cannot be mistaken for a valid reply.
* ``flood``: the error queue is filled past its depth before the next command.
"""

from __future__ import annotations

import threading
from enum import Enum


class Fault(Enum):
    """A kind of fault a simulator can be told to produce."""

    DROP = "drop"
    DELAY = "delay"
    GARBLE = "garble"
    FLOOD = "flood"

    @classmethod
    def parse(cls, text: str) -> Fault:
        """Return the fault called ``text`` (``drop``, ``delay``, ``garble``, ``flood``)."""
        from metrolab.errors import UserInputError

        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(f.value for f in cls)
            raise UserInputError(f"unknown fault {text!r}: use one of {names}") from None


class FaultSwitchboard:
    """Faults armed for the next replies; each arming fires ``count`` times."""

    def __init__(self) -> None:
        self._armed: dict[Fault, int] = {}
        self._lock = threading.Lock()

    def arm(self, fault: Fault | str, count: int = 1) -> None:
        """Make ``fault`` happen on the next ``count`` occasions."""
        kind = fault if isinstance(fault, Fault) else Fault.parse(fault)
        with self._lock:
            self._armed[kind] = self._armed.get(kind, 0) + count

    def take(self, fault: Fault) -> bool:
        """Return True (and use one up) when ``fault`` is armed."""
        if not self._armed:
            return False
        with self._lock:
            left = self._armed.get(fault, 0)
            if left <= 0:
                return False
            if left == 1:
                del self._armed[fault]
            else:
                self._armed[fault] = left - 1
            return True

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._armed.clear()

    def armed(self) -> dict[Fault, int]:
        """Return a copy of the armed faults and how many times each will fire."""
        with self._lock:
            return dict(self._armed)
