"""Serving a simulator over real transports: a TCP socket on 127.0.0.1 (raw SCPI,
LF-terminated, like LXI port 5025) or a pseudo-terminal (a serial instrument).

Input messages end at LF, CR LF or a lone CR. Servers run in daemon threads and
stop when closed (they are context managers).

The TCP listener outlives a failed ``accept()``: when the process runs out of file
descriptors (EMFILE, ENFILE) or memory (ENOBUFS, ENOMEM) it logs the failure, waits
:data:`ACCEPT_RETRY_S` and tries again, so the pending client is served as soon as a
descriptor is free. It serves at most ``max_connections`` clients at once; one more is
told so in one line (:func:`refusal`) and disconnected.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import select
import socket
import threading
import tty
from types import TracebackType
from typing import ClassVar, Protocol, runtime_checkable

from metrolab.instrument.simulation.instrument import SimulatedInstrument
from metrolab.instrument.simulation.session import ConnectionDropped, Session

_TERMINATORS = re.compile(rb"\r\n|\r|\n")
_MAX_PENDING = 1 << 20
_POLL_S = 0.05
_log = logging.getLogger(__name__)
#: seconds the listener waits before accepting again after running out of resources
ACCEPT_RETRY_S = 0.1
#: clients a TCP server serves at once unless told otherwise
MAX_CONNECTIONS = 32
#: accept() failures that pass once resources are freed; anything else ends the listener
_TRANSIENT_ACCEPT_ERRORS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}
#: a client gone before accept() got to it: nothing to serve, keep listening
_VANISHED_CLIENT_ERRORS = {errno.ECONNABORTED, errno.ECONNRESET, errno.EPROTO}


def refusal(name: str, limit: int) -> bytes:
    """Return the line a TCP server sends a client it cannot take (``limit`` in use)."""
    return (
        f"ERROR: the {name} simulator serves at most {limit} connections at once and all "
        "are in use; close one and connect again\n"
    ).encode("ascii")


@runtime_checkable
class TakesControlCharacters(Protocol):
    """A simulator that acts on control characters the moment they arrive (a serial
    instrument's ``^C`` device clear, say), not at the end of a line."""

    #: each of these is delivered at once, as a message of its own
    CONTROL_CHARACTERS: ClassVar[str]
    #: these also discard the partial line received before them
    CLEARING_CHARACTERS: ClassVar[str]


class MessageSplitter:
    """Cuts an incoming byte stream into messages ending at LF, CR LF or a lone CR.

    Characters in ``immediate`` are cut out and returned as one-character messages where
    they arrive; those in ``clearing`` also drop the partial message before them.
    """

    def __init__(self, immediate: str = "", clearing: str = "") -> None:
        self._buffer = bytearray()
        self._after_cr = False
        self._immediate = frozenset(immediate.encode("ascii"))
        self._clearing = frozenset(clearing.encode("ascii"))

    @classmethod
    def for_simulator(cls, sim: SimulatedInstrument) -> MessageSplitter:
        """Return the splitter for ``sim``: with its control characters, if it has any."""
        if isinstance(sim, TakesControlCharacters):
            return cls(sim.CONTROL_CHARACTERS, sim.CLEARING_CHARACTERS)
        return cls()

    def feed(self, data: bytes) -> list[str]:
        """Add ``data`` and return the messages it completed, as text."""
        if not self._immediate.intersection(data):
            return self._feed_lines(data)
        messages: list[str] = []
        start = 0
        for index, byte in enumerate(data):
            if byte in self._immediate:
                messages += self._feed_lines(data[start:index])
                if byte in self._clearing:
                    self._buffer.clear()
                    self._after_cr = False
                messages.append(chr(byte))
                start = index + 1
        return messages + self._feed_lines(data[start:])

    def _feed_lines(self, data: bytes) -> list[str]:
        if self._after_cr and data.startswith(b"\n"):
            data = data[1:]  # the LF of a CR LF split across two reads
        self._buffer += data
        messages: list[str] = []
        if not data:
            return messages
        self._after_cr = False
        while True:
            match = _TERMINATORS.search(self._buffer)
            if match is None:
                break
            messages.append(self._buffer[: match.start()].decode("latin-1"))
            self._after_cr = match.group() == b"\r" and match.end() == len(self._buffer)
            del self._buffer[: match.end()]
        if len(self._buffer) > _MAX_PENDING:
            self._buffer.clear()  # a runaway message without terminator is discarded
        return [m for m in messages if m.strip()]


class Server:
    """A running simulator server; ``resource`` is the VISA resource string to open."""

    resource: str

    def __init__(self, sim: SimulatedInstrument) -> None:
        self.sim = sim
        self._wake_r, self._wake_w = os.pipe()
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []

    def _start(self, target: object, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)  # type: ignore[arg-type]
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        thread.start()

    def close(self) -> None:
        """Stop serving, close every connection and wait for the threads to end."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        os.write(self._wake_w, b"x")
        for thread in list(self._threads):
            if thread is not threading.current_thread():
                thread.join(timeout=5.0)
        os.close(self._wake_r)
        os.close(self._wake_w)

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class TcpServer(Server):
    """Raw SCPI over TCP on 127.0.0.1; each connection gets its own session.

    At most ``max_connections`` clients are served at once; one more receives
    :func:`refusal` and is disconnected.
    """

    def __init__(
        self, sim: SimulatedInstrument, port: int = 0, *, max_connections: int = MAX_CONNECTIONS
    ) -> None:
        if max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, not {max_connections}")
        super().__init__(sim)
        self.max_connections = max_connections
        self._open = 0
        self._open_lock = threading.Lock()
        self._starved = False  # accept() is failing for want of descriptors or memory
        self._listener = socket.create_server(("127.0.0.1", port))
        self.port: int = self._listener.getsockname()[1]
        self.resource = f"TCPIP0::127.0.0.1::{self.port}::SOCKET"
        self._start(self._accept_loop, f"sim-tcp-{self.port}")

    @property
    def connections(self) -> int:
        """Return how many clients are being served now."""
        with self._open_lock:
            return self._open

    def _accept_loop(self) -> None:
        try:
            while True:
                ready, _, _ = select.select([self._listener.fileno(), self._wake_r], [], [])
                if self._wake_r in ready:
                    return
                try:
                    conn = self._accept()
                except OSError as exc:
                    _log.error("%s on 127.0.0.1:%d stops listening: accept() failed (%s)",
                               type(self.sim).__name__, self.port, exc)
                    return
                if conn is None:
                    continue
                with self._open_lock:
                    admitted = self._open < self.max_connections
                    if admitted:
                        self._open += 1
                if not admitted:
                    self._refuse(conn)
                    continue
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._start(lambda c=conn: self._serve_counted(c), f"sim-conn-{self.port}")
        finally:
            self._listener.close()

    def _accept(self) -> socket.socket | None:
        """Return the next client, or None when accept() failed in a way that passes.

        Out of descriptors or memory: logged, then a pause of ACCEPT_RETRY_S (cut short
        by close()); the pending client stays queued and is accepted on a later try.
        Raises any other OSError (the listener itself is broken).
        """
        try:
            conn, _ = self._listener.accept()
        except OSError as exc:
            if exc.errno in _VANISHED_CLIENT_ERRORS:
                return None
            if exc.errno not in _TRANSIENT_ACCEPT_ERRORS:
                raise
            if not self._starved:  # once per streak, not every retry
                _log.warning(
                    "%s on 127.0.0.1:%d cannot accept a client (%s); retrying every %g s",
                    type(self.sim).__name__, self.port, exc.strerror, ACCEPT_RETRY_S,
                )
            self._starved = True
            select.select([self._wake_r], [], [], ACCEPT_RETRY_S)
            return None
        if self._starved:
            self._starved = False
            _log.warning("%s on 127.0.0.1:%d accepts clients again",
                         type(self.sim).__name__, self.port)
        return conn

    def _refuse(self, conn: socket.socket) -> None:
        """Tell ``conn`` that every connection is in use, then close it."""
        with conn:
            try:
                conn.sendall(refusal(type(self.sim).__name__, self.max_connections))
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # the client left first: nothing more to tell it

    def _serve_counted(self, conn: socket.socket) -> None:
        try:
            self._serve(conn)
        finally:
            with self._open_lock:
                self._open -= 1

    def _serve(self, conn: socket.socket) -> None:
        session = Session(self.sim)
        splitter = MessageSplitter.for_simulator(self.sim)
        with conn:
            while not self._stopped.is_set():
                ready, _, _ = select.select([conn.fileno(), self._wake_r], [], [], _POLL_S)
                if self._wake_r in ready:
                    return
                pending = session.unsolicited()
                if pending:
                    try:
                        conn.sendall(pending)
                    except OSError:
                        return  # the client has gone
                if conn.fileno() not in ready:
                    continue
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                for message in splitter.feed(data):
                    try:
                        out = session.respond(message)
                    except ConnectionDropped:
                        conn.shutdown(socket.SHUT_RDWR)
                        return
                    if out:
                        try:
                            conn.sendall(b"".join(out))
                        except OSError:
                            return


class PtyServer(Server):
    """A serial instrument on a pseudo-terminal; ``device`` is the slave (``/dev/pts/N``).

    The ``drop`` fault hangs the line up: the server stops and the device goes away.
    """

    def __init__(self, sim: SimulatedInstrument) -> None:
        super().__init__(sim)
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.device = os.ttyname(self._slave)
        self.resource = f"ASRL{self.device}::INSTR"
        self._start(self._serve, f"sim-pty-{self.device}")

    def _serve(self) -> None:
        session = Session(self.sim)
        splitter = MessageSplitter.for_simulator(self.sim)
        try:
            while True:
                ready, _, _ = select.select([self._master, self._wake_r], [], [], _POLL_S)
                if self._wake_r in ready:
                    return
                pending = session.unsolicited()
                if pending:
                    os.write(self._master, pending)
                if self._master not in ready:
                    continue
                for message in splitter.feed(os.read(self._master, 65536)):
                    try:
                        out = session.respond(message)
                    except ConnectionDropped:
                        return
                    for chunk in out:
                        _write_all(self._master, chunk)
        finally:
            os.close(self._master)
            os.close(self._slave)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def serve_tcp(
    sim: SimulatedInstrument, port: int = 0, *, max_connections: int = MAX_CONNECTIONS
) -> TcpServer:
    """Serve ``sim`` on 127.0.0.1:``port`` (0 = a free port) to at most ``max_connections``
    clients at once; return the running server."""
    return TcpServer(sim, port, max_connections=max_connections)


def serve_pty(sim: SimulatedInstrument) -> PtyServer:
    """Serve ``sim`` on a new pseudo-terminal; return the running server."""
    return PtyServer(sim)


def serve(sim: SimulatedInstrument, port: int = 0) -> Server:
    """Serve ``sim`` over its own kind of transport (``SERVE_OVER``: tcp or pty)."""
    return serve_pty(sim) if sim.SERVE_OVER == "pty" else serve_tcp(sim, port)
