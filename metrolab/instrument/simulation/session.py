"""One connection's view of a simulator: where faults change what goes on the wire."""

from __future__ import annotations

import logging

from metrolab.instrument.simulation.faults import Fault
from metrolab.instrument.simulation.instrument import SimulatedInstrument

_log = logging.getLogger(__name__)
#: SCPI "Device-specific error": what a fault inside the simulator itself turns into
SIMULATOR_FAULT = -300


class ConnectionDropped(Exception):
    """The simulator's ``drop`` fault fired: the connection must be closed now."""


class Session:
    """Turns messages into the bytes a connection sends back, applying armed faults."""

    def __init__(self, sim: SimulatedInstrument) -> None:
        self.sim = sim
        self._terminator = sim.REPLY_TERMINATOR.encode("ascii")
        self._late: list[bytes] = []

    def respond(self, message: str) -> list[bytes]:
        """Return the byte strings to send after ``message`` arrived (maybe none).

        A reply held back by a ``delay`` fault goes out now, ahead of this one.
        Raises ConnectionDropped when the ``drop`` fault fires.
        """
        sim = self.sim
        if sim.faults.take(Fault.DROP):
            raise ConnectionDropped(message)
        try:
            reply = sim.handle(message)
        except Exception as exc:  # a simulator bug is the instrument's error, not a hang-up
            self._simulator_failed(message, exc)
            reply = None
        out, self._late = self._late, []
        if reply is None:
            return out
        data = (reply if isinstance(reply, bytes) else reply.encode("latin-1")) + self._terminator
        if sim.faults.take(Fault.GARBLE):
            data = garble(data, self._terminator)
        if sim.faults.take(Fault.DELAY):
            self._late = [data]
            return out
        out.append(data)
        return out

    def unsolicited(self) -> bytes:
        """Return the unsolicited messages the simulator queued, each terminated, as bytes.

        A failure inside the simulator is logged and pushed onto its error queue.
        """
        try:
            texts = self.sim.unsolicited()
        except Exception as exc:  # a simulator bug is the instrument's error, not a hang-up
            self._simulator_failed("(unsolicited output)", exc)
            return b""
        return b"".join(text.encode("latin-1") + self._terminator for text in texts)

    def _simulator_failed(self, message: str, exc: Exception) -> None:
        """Log ``exc`` raised by the simulator on ``message`` and queue it as error -300,
        so the client sees the instrument's error behaviour and the server keeps serving."""
        _log.exception("simulator %s failed on %r", type(self.sim).__name__, message)
        self.sim.push_error(
            SIMULATOR_FAULT, f"Device-specific error; simulator {type(exc).__name__}: {exc}"
        )


def garble(data: bytes, terminator: bytes) -> bytes:
    """Return ``data`` corrupted so that no parser can take it for a valid reply.

    Text gets the high bit set on every third byte; a binary block loses its ``#``.
    The terminator and any line ends inside the reply (a simulator that frames its own
    lines) are kept, so framing survives.
    """
    body = data[: -len(terminator)] if terminator and data.endswith(terminator) else data
    tail = data[len(body) :]
    if body.startswith(b"#"):
        return b"\xa3" + body[1:] + tail
    corrupted = bytearray(body)
    for index in range(0, len(corrupted), 3):
        if corrupted[index] not in b"\r\n":
            corrupted[index] |= 0x80
    return bytes(corrupted) + tail
