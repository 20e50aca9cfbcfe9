"""Protocol replay: check that a driver sends exactly the expected commands.

``ReplayTransport([(command, reply), ...])`` answers each expected command with
its reply (text, bytes for a binary block, or None for a command without one). A
text reply of several lines, separated by ``\n``, is read one line at a time (a
streaming instrument); bytes are one reply. Replies queue up like bytes on a wire,
so a driver may send again before reading. A different command fails at once,
naming the step and both texts; :meth:`ReplayTransport.assert_done` fails when
steps are left over or a reply was never read. Use it as a context manager to
check both on exit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from types import TracebackType

from metrolab.instrument.errors import InstrumentTimeout

Step = tuple[str, str | bytes | None]


class ReplayMismatch(AssertionError):
    """The driver sent something other than the next expected command."""


class ReplayTransport:
    """A Transport that replays a script of ``(command, reply)`` pairs."""

    def __init__(self, script: Iterable[Step], *, resource: str = "REPLAY::0") -> None:
        self.script: list[Step] = list(script)
        self.resource = resource
        self.timeout_s = 1.0
        self.lock = threading.RLock()
        self.position = 0
        self._pending: list[str | bytes] = []

    def write(self, message: str) -> None:
        """Check ``message`` against the next step and queue that step's reply (a text
        reply line by line)."""
        if self.position >= len(self.script):
            raise ReplayMismatch(f"unexpected {message!r} after the last step")
        expected, reply = self.script[self.position]
        if message != expected:
            raise ReplayMismatch(f"step {self.position}: expected {expected!r}, got {message!r}")
        self.position += 1
        if isinstance(reply, str):
            self._pending.extend(reply.split("\n"))
        elif reply is not None:
            self._pending.append(reply)

    def read(self) -> str:
        """Return the queued text reply; InstrumentTimeout when the step has none."""
        reply = self._take()
        return reply.decode("latin-1") if isinstance(reply, bytes) else reply

    def read_raw(self) -> bytes:
        """Return the queued reply as bytes."""
        reply = self._take()
        return reply if isinstance(reply, bytes) else reply.encode("latin-1")

    def query(self, message: str) -> str:
        """Write ``message`` and return its reply."""
        self.write(message)
        return self.read()

    def clear(self) -> None:
        """Discard every queued reply (as a transport drops pending input)."""
        self._pending.clear()

    def close(self) -> None:
        """Nothing to close."""

    def assert_done(self) -> None:
        """Raise ReplayMismatch unless every step was sent and every reply read."""
        left = self.script[self.position :]
        if left or self._pending:
            raise ReplayMismatch(
                f"{len(left)} step(s) never sent {left[:3]!r}; unread replies {self._pending!r}"
            )

    def _take(self) -> str | bytes:
        if not self._pending:
            raise InstrumentTimeout("the script has no reply here", instrument=self.resource)
        return self._pending.pop(0)

    def __enter__(self) -> ReplayTransport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.assert_done()
