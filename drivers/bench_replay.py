"""A scripted transport for protocol-replay tests of drivers.

``ReplayTransport([(command, reply), ...])`` expects exactly those commands in that
order and answers each with its reply (None for a command without one; a reply of
several lines, separated by ``\n``, is read one line at a time). A command
that differs from the script fails at once with the position and both texts;
:meth:`ReplayTransport.assert_done` fails if any step was never reached, so a test
checks that the driver sent exactly the script: nothing more, nothing less.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from types import TracebackType

from metrolab.instrument.errors import InstrumentTimeout


class ReplayMismatch(AssertionError):
    """The driver sent something other than the next scripted command."""


class ReplayTransport:
    """A :class:`~metrolab.instrument.transport.Transport` that replays a script."""

    def __init__(self, script: Iterable[tuple[str, str | None]], *, resource: str = "REPLAY"
                 ) -> None:
        self.script = list(script)
        self.resource = resource
        self.timeout_s = 1.0
        self.lock = threading.RLock()
        self._position = 0
        self._pending: list[str] = []

    def write(self, message: str) -> None:
        """Check ``message`` against the next scripted command and queue its reply.

        Replies queue up like bytes on a wire: a driver may send again before reading
        (a streaming instrument); :meth:`assert_done` fails on any reply left unread.
        """
        if self._position >= len(self.script):
            raise ReplayMismatch(f"unexpected command {message!r} after the end of the script")
        expected, reply = self.script[self._position]
        if message != expected:
            raise ReplayMismatch(
                f"step {self._position}: expected {expected!r}, the driver sent {message!r}"
            )
        self._position += 1
        if reply is not None:
            self._pending.extend(reply.split("\n"))

    def read(self) -> str:
        """Return the queued reply; InstrumentTimeout when the script has none here."""
        if not self._pending:
            raise InstrumentTimeout("the script has no reply here", instrument=self.resource)
        return self._pending.pop(0)

    def query(self, message: str) -> str:
        """Write ``message`` and return its scripted reply."""
        self.write(message)
        return self.read()

    def read_raw(self) -> bytes:
        """Return the queued reply as bytes (latin-1)."""
        return self.read().encode("latin-1")

    def clear(self) -> None:
        """Discard a queued reply."""
        self._pending.clear()

    def close(self) -> None:
        """Nothing to close."""

    def assert_done(self) -> None:
        """Raise ReplayMismatch unless every step was sent and every reply read."""
        if self._position != len(self.script) or self._pending:
            left = self.script[self._position:]
            raise ReplayMismatch(f"script not finished: {len(left)} step(s) left: {left[:3]!r}"
                                 + (f", unread reply {self._pending!r}" if self._pending else ""))

    def __enter__(self) -> ReplayTransport:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.assert_done()
