"""The base of every simulated instrument: IEEE 488.2 common commands, the error
queue, status registers, a seeded random generator, an injected clock, reply
latency and the fault switchboard."""

from __future__ import annotations

import threading
from collections import deque
from typing import ClassVar

import numpy as np

from metrolab.clock import Clock, WallClock
from metrolab.instrument.simulation.faults import Fault, FaultSwitchboard
from metrolab.instrument.simulation.parser import (
    ERROR_TEXT,
    CommandError,
    CommandTree,
    Handler,
    Reply,
    no_params,
    number,
    one_param,
)

# Standard Event Status Register bits (IEEE 488.2)
ESR_OPC = 1
ESR_QYE = 4
ESR_DDE = 8
ESR_EXE = 16
ESR_CME = 32
ESR_PON = 128
# Status byte bits
STB_EAV = 4
STB_ESB = 32
STB_MSS = 64


class SimulatedInstrument:
    """A simulated instrument answering program messages like the real one.

    Subclasses set ``IDN`` and the class attributes below and declare their
    commands in :meth:`register_commands`. ``handle(message)`` runs one program
    message and returns the reply (text without terminator, bytes for a binary
    block) or None. Time passes only through ``clock`` (a VirtualClock in tests).
    """

    IDN: ClassVar[str] = "METROLAB,SIMULATOR,0,0"
    #: error queue depth; overflow replaces the newest entry by -350
    ERROR_QUEUE_DEPTH: ClassVar[int] = 20
    #: the query that pops the error queue; None when the instrument has its own
    ERROR_QUERY: ClassVar[str | None] = "SYSTem:ERRor[:NEXT]?"
    #: "tcp" (raw SCPI socket) or "pty" (serial) when served
    SERVE_OVER: ClassVar[str] = "tcp"
    #: appended to every reply on the wire
    REPLY_TERMINATOR: ClassVar[str] = "\n"
    #: IEEE 488.2 common commands the real instrument lacks (they answer -113 here too)
    ABSENT_COMMON_COMMANDS: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *, seed: int = 0, clock: Clock | None = None, latency_s: float = 0.0):
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.clock: Clock = clock if clock is not None else WallClock()
        self.latency_s = latency_s
        self.faults = FaultSwitchboard()
        self.lock = threading.RLock()
        self.errors: deque[tuple[int, str]] = deque()
        self.esr = ESR_PON
        self.ese = 0
        self.sre = 0
        self.commands = CommandTree()
        self._outbox: list[str] = []
        self._register_common()
        self.register_commands(self.commands)

    # ----------------------------------------------------------- for subclasses
    def register_commands(self, tree: CommandTree) -> None:
        """Declare the instrument's own commands on ``tree`` (subclasses override)."""

    def reset(self) -> None:
        """Return to the power-on settings (``*RST``); the error queue is kept."""

    def trigger(self) -> None:
        """Act on a bus trigger (``*TRG``); the base ignores it."""

    def format_error(self, code: int, message: str) -> str:
        """Return the error-query reply for one entry, in this instrument's own format."""
        return f'{code:+d},"{message}"'

    # ---------------------------------------------------------------- runtime
    def handle(self, message: str) -> Reply:
        """Run one program message; return its reply (None when it has none).

        An armed ``flood`` fault fills the error queue first. Each reply costs
        ``latency_s`` seconds of the injected clock.
        """
        with self.lock:
            if self.faults.take(Fault.FLOOD):
                self.flood_errors()
            reply = self.commands.execute(message, self.push_error)
            if reply is not None and self.latency_s:
                self.clock.sleep(self.latency_s)
            return reply

    def push_error(self, code: int, message: str) -> None:
        """Put ``(code, message)`` on the error queue and set its ESR bit."""
        with self.lock:
            if -199 <= code <= -100:
                self.esr |= ESR_CME
            elif -299 <= code <= -200:
                self.esr |= ESR_EXE
            elif -499 <= code <= -400:
                self.esr |= ESR_QYE
            else:
                self.esr |= ESR_DDE
            if len(self.errors) >= self.ERROR_QUEUE_DEPTH:
                return  # already overflowed: later errors are lost
            if len(self.errors) == self.ERROR_QUEUE_DEPTH - 1:
                self.errors.append((-350, ERROR_TEXT[-350]))
            else:
                self.errors.append((code, message))

    def pop_error(self) -> tuple[int, str]:
        """Remove and return the oldest error, ``(0, "No error")`` when there is none."""
        with self.lock:
            return self.errors.popleft() if self.errors else (0, "No error")

    def flood_errors(self) -> None:
        """Fill the error queue past its depth (the ``flood`` fault)."""
        for _ in range(self.ERROR_QUEUE_DEPTH + 5):
            self.push_error(-200, "Execution error (flood fault)")

    def status_byte(self) -> int:
        """Return the status byte: EAV, ESB and MSS from the queue and registers."""
        stb = 0
        if self.errors:
            stb |= STB_EAV
        if self.esr & self.ese:
            stb |= STB_ESB
        if stb & self.sre & ~STB_MSS:
            stb |= STB_MSS
        return stb

    def emit(self, text: str) -> None:
        """Queue an unsolicited message (a streaming instrument); servers send it."""
        with self.lock:
            self._outbox.append(text)

    def unsolicited(self) -> list[str]:
        """Return and forget the unsolicited messages queued by :meth:`emit`."""
        with self.lock:
            out, self._outbox = self._outbox, []
            return out

    # ------------------------------------------------------ common commands
    def _register_common(self) -> None:
        common: dict[str, Handler] = {
            "*IDN?": self._idn,
            "*RST": self._rst,
            "*CLS": self._cls,
            "*OPC": self._opc,
            "*OPC?": self._opc_query,
            "*WAI": no_params,
            "*ESE": self._ese_set,
            "*ESE?": lambda p: self._query_int(p, self.ese),
            "*ESR?": self._esr_query,
            "*SRE": self._sre_set,
            "*SRE?": lambda p: self._query_int(p, self.sre),
            "*STB?": lambda p: self._query_int(p, self.status_byte()),
            "*TST?": lambda p: self._query_int(p, 0),
            "*TRG": self._trg,
        }
        for header, handler in common.items():
            if header not in self.ABSENT_COMMON_COMMANDS:
                self.commands.add(header, handler)
        if self.ERROR_QUERY:
            self.commands.add(self.ERROR_QUERY, self._error_query)

    def _idn(self, params: list[str]) -> str:
        no_params(params)
        return self.IDN

    def _rst(self, params: list[str]) -> None:
        no_params(params)
        self.reset()

    def _cls(self, params: list[str]) -> None:
        no_params(params)
        self.errors.clear()
        self.esr = 0

    def _opc(self, params: list[str]) -> None:
        no_params(params)
        self.esr |= ESR_OPC

    def _opc_query(self, params: list[str]) -> str:
        no_params(params)
        return "1"

    def _ese_set(self, params: list[str]) -> None:
        self.ese = int(number(one_param(params), minimum=0, maximum=255))

    def _sre_set(self, params: list[str]) -> None:
        self.sre = int(number(one_param(params), minimum=0, maximum=255)) & ~STB_MSS

    def _esr_query(self, params: list[str]) -> str:
        no_params(params)
        value, self.esr = self.esr, 0
        return f"{value:+d}"

    def _query_int(self, params: list[str], value: int) -> str:
        no_params(params)
        return f"{value:+d}"

    def _trg(self, params: list[str]) -> None:
        no_params(params)
        self.trigger()

    def _error_query(self, params: list[str]) -> str:
        no_params(params)
        return self.format_error(*self.pop_error())


__all__ = ["CommandError", "SimulatedInstrument"]
