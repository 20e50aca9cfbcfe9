"""A transport straight into a simulator in the same process: no socket, no threads.

Replies come back synchronously, so an empty buffer means no reply will come:
a read then raises InstrumentTimeout at once instead of waiting.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from metrolab.instrument.blocks import BlockFormatError, block_header_size
from metrolab.instrument.errors import (
    InstrumentConnectionError,
    InstrumentReplyError,
    InstrumentTimeout,
)
from metrolab.instrument.simulation.instrument import SimulatedInstrument
from metrolab.instrument.simulation.session import ConnectionDropped, Session
from metrolab.instrument.transport import MessageTransport, resource_lock

_IDS = itertools.count(1)


class InProcessTransport(MessageTransport):
    """Talks to ``simulator`` by calling it; faults act as they would on a wire."""

    def __init__(self, simulator: SimulatedInstrument, *, timeout_s: float = 5.0,
                 resource: str | None = None) -> None:
        self.simulator = simulator
        self.resource = resource or f"SIM::{type(simulator).__name__}::{next(_IDS)}"
        self.lock = resource_lock(self.resource)
        self.timeout_s = timeout_s
        self._session = Session(simulator)
        # a simulator that frames its own lines (REPLY_TERMINATOR "": the HMT330, the 5522A
        # in terminal mode) ends them CR LF, as RS-232 instruments do
        self._terminator = simulator.REPLY_TERMINATOR.encode("ascii") or b"\r\n"
        self._pending = bytearray()
        self._closed = False

    def _apply_timeout(self, seconds: float) -> None:
        """Nothing to pass on: replies come back synchronously or not at all."""

    def write(self, message: str) -> None:
        """Hand ``message`` to the simulator and keep whatever it sends back."""
        self._check_open(message)
        try:
            chunks = self._session.respond(message)
        except ConnectionDropped:
            self._closed = True
            raise InstrumentConnectionError(
                "the simulator dropped the connection",
                instrument=self.resource,
                command=message,
                hint="reopen the resource",
            ) from None
        for chunk in chunks:
            self._pending += chunk

    def read(self) -> str:
        """Return the next reply, terminator stripped; InstrumentTimeout when none is pending."""
        self._check_open(None)
        end = self._pending.find(self._terminator)
        if end < 0:
            raise InstrumentTimeout("no reply pending", instrument=self.resource)
        data = bytes(self._pending[:end])
        del self._pending[: end + len(self._terminator)]
        try:
            return data.decode("ascii")
        except UnicodeDecodeError as exc:
            raise self.not_ascii(data, "a garble fault") from exc

    def read_raw(self) -> bytes:
        """Return the next reply as bytes: a whole block with header, or up to the terminator."""
        self._check_open(None)
        if not self._pending.startswith(b"#"):
            end = self._pending.find(self._terminator)
            if end < 0:
                raise InstrumentTimeout("no reply pending", instrument=self.resource)
            data = bytes(self._pending[:end])
            del self._pending[: end + len(self._terminator)]
            return data
        try:
            header, length = block_header_size(bytes(self._pending[:12]))
        except BlockFormatError as exc:
            raise InstrumentReplyError(
                f"bad binary block: {exc}", instrument=self.resource
            ) from exc
        total = header + length
        if len(self._pending) < total:
            raise InstrumentTimeout("binary block cut short", instrument=self.resource)
        data = bytes(self._pending[:total])
        del self._pending[:total]
        if self._pending.startswith(self._terminator):
            del self._pending[: len(self._terminator)]
        return data

    def clear(self) -> None:
        """Discard every pending reply."""
        self._pending.clear()

    def close(self) -> None:
        """Close: later I/O raises InstrumentConnectionError."""
        self._closed = True

    def _check_open(self, command: str | None) -> None:
        if self._closed:
            raise InstrumentConnectionError(
                "transport is closed",
                instrument=self.resource,
                command=command,
                hint="reopen the resource",
            )


#: resource string -> simulator served in this process (see :func:`serve_in_process`)
_SERVED: dict[str, SimulatedInstrument] = {}
_SERVED_GUARD = threading.Lock()


@contextmanager
def serve_in_process(simulator: SimulatedInstrument) -> Iterator[str]:
    """Make ``simulator`` openable by resource string in this process; yield the string.

    The resource (``SIM::<class>::<n>::INSTR``) opens with any driver's ``open`` like a
    VISA resource, through :class:`InProcessTransport`: no socket, no thread. It is
    withdrawn when the block ends.
    """
    resource = f"SIM::{type(simulator).__name__}::{next(_IDS)}::INSTR"
    with _SERVED_GUARD:
        _SERVED[resource] = simulator
    try:
        yield resource
    finally:
        with _SERVED_GUARD:
            del _SERVED[resource]


def open_served(resource: str, *, timeout_s: float = 5.0) -> InProcessTransport:
    """Return a new transport to the simulator served in this process as ``resource``.

    Raises InstrumentConnectionError when no simulator is served under that name (it was
    served by another process, or its serving block has ended).
    """
    with _SERVED_GUARD:
        simulator = _SERVED.get(resource)
    if simulator is None:
        raise InstrumentConnectionError(
            "no simulator is served in this process under this name",
            instrument=resource,
            hint="SIM:: resources exist only inside the process that serves them "
            "(metrolab run --simulate, metrolab demo); use the TCP or serial resource of "
            "`metrolab sim serve` from another process",
        )
    return InProcessTransport(simulator, timeout_s=timeout_s, resource=resource)
