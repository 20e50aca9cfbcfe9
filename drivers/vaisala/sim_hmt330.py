"""A simulated Vaisala HMT330 humidity and temperature transmitter on a pty.

Serial ASCII commands (HMT330 User's Guide ch. 5; case-insensitive, CR terminated,
replies end in CR LF):

========================  ===============================================================
``SEND``                  one output line: ``RH= 45.21 %RH T= 23.12 'C`` (+ ``P= ... hPa``
                          when the model has a barometer)
``R`` / ``S``             start / stop the run mode: a line every ``INTV``; while running
                          only ``S`` is accepted, anything else is ignored
``INTV [n S|MIN|H]``      output interval, 0...255 units (``INTV 2 S``); without a value
                          the reply is ``Output intrv.   : 2 S``
``SMODE [STOP|RUN]``      serial mode at power-up / after ``RESET`` (RUN starts streaming)
``ECHO [ON|OFF]``         echo of the command line (simulator default OFF)
``VERS``                  ``HMT330 / 5.16``; ``SNUM`` ``Serial number  : J1234567``
``ERRS``                  ``No errors`` or ``Errors: E<code> <text>; ...`` (read and clear)
``RESET``                 back to the power-up mode
========================  ===============================================================

In STOP mode the transmitter prints its ``>`` prompt after each answer; a host reading
lines finds it at the start of the next line, which is where the simulator sends it.
Unknown commands are answered ``Unknown command``.

The transmitter's readings come from the :class:`LabEnvironment` plus a small fixed
sensor error and noise (seeded). Run-mode lines are due on the simulator's clock; the
server collects them through :meth:`VaisalaHMT330Simulator.unsolicited`.
"""

from __future__ import annotations

import math
from typing import ClassVar

from metrolab.clock import Clock
from metrolab.instrument.simulation import Fault, LabEnvironment, SimulatedInstrument
from metrolab.instrument.simulation.parser import Reply

from .protocol_hmt330 import format_line

_INTERVAL_UNITS = {"S": 1.0, "MIN": 60.0, "H": 3600.0}
#: most run-mode lines sent at once after a long jump of a virtual clock
MAX_BACKLOG_LINES = 10


class VaisalaHMT330Simulator(SimulatedInstrument):
    """An HMT330 (``barometer=True``: a PTU30x-type model that also reports pressure)."""

    IDN: ClassVar[str] = "VAISALA,HMT330,J1234567,5.16"
    ERROR_QUERY: ClassVar[str | None] = None
    SERVE_OVER: ClassVar[str] = "pty"
    REPLY_TERMINATOR: ClassVar[str] = "\r\n"

    def __init__(self, *, seed: int = 0, clock: Clock | None = None, latency_s: float = 0.0,
                 environment: LabEnvironment | None = None, barometer: bool = False,
                 power_up_mode: str = "STOP") -> None:
        super().__init__(seed=seed, clock=clock, latency_s=latency_s)
        self.environment = environment or LabEnvironment(seed, self.clock)
        self.barometer = barometer
        self.smode = power_up_mode
        self.echo = False
        self.interval_s = 2.0
        self.running = False
        self._next_line_at = 0.0
        self._rh_error = float(self.rng.normal(0.0, 0.3))
        self._t_error = float(self.rng.normal(0.0, 0.05))
        self._p_error = float(self.rng.normal(0.0, 0.08))
        self.reset()

    def reset(self) -> None:
        """Power-up state: the ``SMODE`` decides between STOP and RUN."""
        self.running = self.smode == "RUN"
        self._next_line_at = self.clock.now()

    # -- physics -----------------------------------------------------------------------
    def output_line(self, now: float) -> str:
        """Return the output line for the conditions at ``now``."""
        env = self.environment
        rh = min(100.0, max(0.0, env.humidity(now) + self._rh_error
                            + float(self.rng.normal(0.0, 0.05))))
        t = env.temperature(now) + self._t_error + float(self.rng.normal(0.0, 0.01))
        p = env.pressure(now) + self._p_error + float(self.rng.normal(0.0, 0.02)) \
            if self.barometer else None
        return format_line(rh, t, p)

    # -- protocol ----------------------------------------------------------------------
    def handle(self, message: str) -> Reply:
        """Run one command line; return the reply text (prompt and echo included) or None."""
        with self.lock:
            if self.faults.take(Fault.FLOOD):
                self.flood_errors()
            words = message.strip().split()
            if not words:
                return None
            name, args = words[0].upper(), [w.upper() for w in words[1:]]
            if self.running:
                if name == "S":
                    self.running = False
                return None
            echoed = self.echo  # the line is echoed as it is typed, before it runs
            reply = self._command(name, args)
            if self.latency_s:
                self.clock.sleep(self.latency_s)
            parts = ([message.strip()] if echoed else []) + ([reply] if reply else [])
            if not parts:
                return None
            return ">" + "\r\n".join(parts)

    def _command(self, name: str, args: list[str]) -> str | None:
        now = self.clock.now()
        if name == "SEND" and len(args) <= 1:
            return self.output_line(now)
        if name == "R" and not args:
            self.running = True
            self._next_line_at = now
            return None
        if name == "S" and not args:
            return None
        if name == "INTV":
            return self._intv(args)
        if name == "SMODE" and len(args) <= 1:
            if args and args[0] in ("STOP", "RUN"):
                self.smode = args[0]
            return f"Serial mode    : {self.smode}" if not args or args[0] in ("STOP", "RUN") \
                else "Unknown mode"
        if name == "ECHO" and len(args) <= 1:
            if args and args[0] in ("ON", "OFF"):
                self.echo = args[0] == "ON"
            return f"Echo           : {'ON' if self.echo else 'OFF'}"
        if name == "VERS" and not args:
            return "HMT330 / 5.16"
        if name == "SNUM" and not args:
            return "Serial number  : J1234567"
        if name == "ERRS" and not args:
            return self._errs()
        if name == "RESET" and not args:
            self.reset()
            return "HMT330 / 5.16"
        return "Unknown command"

    def _intv(self, args: list[str]) -> str:
        if args:
            try:
                count = int(args[0])
            except ValueError:
                return "Invalid value"
            unit = args[1] if len(args) > 1 else "S"
            if not 0 <= count <= 255 or unit not in _INTERVAL_UNITS:
                return "Invalid value"
            self.interval_s = max(count * _INTERVAL_UNITS[unit], 0.1)
        return f"Output intrv.  : {self.interval_s:g} S"

    def _errs(self) -> str:
        if not self.errors:
            return "No errors"
        listed = "; ".join(f"E{code} {text}" for code, text in self.errors)
        self.errors.clear()
        return f"Errors: {listed}"

    def unsolicited(self) -> list[str]:
        """Return the run-mode lines due by now (at most ``MAX_BACKLOG_LINES``)."""
        with self.lock:
            now = self.clock.now()
            if self.running and now >= self._next_line_at:
                due = math.floor((now - self._next_line_at) / self.interval_s) + 1
                for _ in range(min(due, MAX_BACKLOG_LINES)):
                    self.emit(self.output_line(now))
                self._next_line_at += due * self.interval_s
        return super().unsolicited()

