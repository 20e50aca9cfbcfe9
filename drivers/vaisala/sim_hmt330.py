"""A simulated Vaisala HMT330 humidity and temperature transmitter on a pty.

Serial ASCII commands (HMT330 User's Guide M210566EN ch. 5, HMT310 User's Guide p. 40 [P];
replies as public drivers read them: ESRF BLISS ``bliss/controllers/vaisala.py`` and
MSLNZ msl-equipment ``resources/vaisala/ptu300.py`` [S]); case-insensitive, a command
ends at CR (LF and CR LF are taken too), answers end in CR LF:

==========================  ===============================================================
``SEND [aa]``               one output message in the ``FORM`` format (aa: this address)
``R`` / ``S``               start / stop the run mode: a message every ``INTV``; while
                            running only ``S`` is accepted
``INTV [n S|MIN|H]``        ``Output intrv.  : 2 S``
``SMODE [STOP|SEND|RUN|POLL]``  ``Serial mode    : STOP``; takes effect at once and at
                            power-up. In POLL mode the transmitter answers only ``SEND aa``,
                            ``OPEN aa`` (then commands until ``CLOSE``) and ``??``
``FORM [f]``, ``FORM /``, ``FORM ?``  set the format (``OK``), restore the default, show it
                            (``Output format  : ...``, ``#`` shown as ``\\``); see
                            :mod:`.form_hmt330`
``UNIT [M|N]``              ``Output units   : metric`` / ``non metric`` (°C / °F)
``FTIME``/``FDATE [ON|OFF]``  time / date in front of each message
``ADDR [0...99]``, ``SERI [baud p d s]``, ``ECHO [ON|OFF]``  address, serial settings
                            (after ``RESET``), echo; the ``>`` prompt shows only with echo
``?``, ``??``, ``MODS``, ``VERS``, ``SNUM``, ``ERRS``, ``RESET``  settings, modules, version,
                            serial number, errors, restart
==========================  ===============================================================

Unknown commands are answered ``Unknown command`` [U: the text was not found in a manual].
The readings come from the :class:`LabEnvironment` plus a small fixed sensor error and noise
(seeded); derived humidity quantities use the Magnus formula (Sonntag 1990 constants) and
Stull's 2011 wet-bulb fit. Run-mode messages are due on the simulator's clock; the server
collects them through :meth:`VaisalaHMT330Simulator.unsolicited`.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import ClassVar

from metrolab.clock import Clock
from metrolab.errors import UserInputError
from metrolab.instrument.simulation import Fault, LabEnvironment, SimulatedInstrument
from metrolab.instrument.simulation.parser import Reply

from .form_hmt330 import (
    DEFAULT_FORM,
    DEFAULT_FORM_WITH_PRESSURE,
    QUANTITY_UNITS,
    TEMPERATURES,
    FormError,
    OutputForm,
)

_INTERVAL_UNITS = {"S": 1.0, "MIN": 60.0, "H": 3600.0}
#: most run-mode lines sent at once after a long jump of a virtual clock
MAX_BACKLOG_LINES = 10
MODES = ("STOP", "SEND", "RUN", "POLL")
EOL = "\r\n"
MODEL = "HMT330"
VERSION = "5.16"
SERIAL = "J1234567"
#: air pressure a transmitter without a barometer assumes (hPa), for mixing ratio etc.
DEFAULT_PRESSURE_HPA = 1013.25


class Message(str):
    """An output message: it carries its own line ends (from the FORM), none is added."""


def field(name: str, value: object) -> str:
    """Return one settings line: the name padded to 15 characters, ``: `` and the value."""
    return f"{name:<15}: {value}"


def humidity_quantities(rh: float, t: float, p: float) -> dict[str, float]:
    """Return every FORM quantity (metric) for ``rh`` %RH at ``t`` °C and ``p`` hPa.

    Saturation pressure over water (Magnus, Sonntag 1990: 6.112 hPa, 17.62, 243.12 °C)
    and over ice below 0 °C (22.46, 272.62 °C) for the frost point; wet bulb by Stull
    (2011, J. Appl. Meteor. Climatol. 50, 2267, eq. 1).
    """
    pws = 6.112 * math.exp(17.62 * t / (243.12 + t))
    pw = max(rh, 1e-6) / 100.0 * pws
    gamma = math.log(pw / 6.112)
    td = 243.12 * gamma / (17.62 - gamma)
    tdf = td if td >= 0 else 272.62 * gamma / (22.46 - gamma)
    x = 621.99 * pw / (p - pw)
    tw = (t * math.atan(0.151977 * math.sqrt(rh + 8.313659)) + math.atan(t + rh)
          - math.atan(rh - 1.676331) + 0.00391838 * rh ** 1.5 * math.atan(0.023101 * rh)
          - 4.686035)
    return {
        "RH": rh, "T": t, "TD": td, "TDF": tdf, "DT": t - tdf, "TW": tw, "PWS": pws, "PW": pw,
        "A": 216.679 * pw / (t + 273.15), "X": x, "H2O": pw / (p - pw) * 1e6,
        "H": 1.006 * t + x / 1000.0 * (2501.0 + 1.86 * t), "P": p,
    }


class VaisalaHMT330Simulator(SimulatedInstrument):
    """An HMT330 (``barometer=True``: a PTU30x-type model that also reports pressure)."""

    IDN: ClassVar[str] = f"VAISALA,{MODEL},{SERIAL},{VERSION}"
    ERROR_QUERY: ClassVar[str | None] = None
    SERVE_OVER: ClassVar[str] = "pty"
    #: every answer carries its own line ends (and, with echo, the prompt after them)
    REPLY_TERMINATOR: ClassVar[str] = ""

    def __init__(self, *, seed: int = 0, clock: Clock | None = None, latency_s: float = 0.0,
                 environment: LabEnvironment | None = None, barometer: bool = False,
                 power_up_mode: str = "STOP", echo: bool = False, address: int = 0) -> None:
        if power_up_mode not in MODES:
            raise UserInputError(f"HMT330 simulator: power_up_mode {power_up_mode!r} is not "
                                 f"one of {', '.join(MODES)}")
        super().__init__(seed=seed, clock=clock, latency_s=latency_s)
        self.environment = environment or LabEnvironment(seed, self.clock)
        self.barometer = barometer
        self.smode = power_up_mode
        self.echo = echo
        self.address = address
        self.serial_line = "4800 E 7 1"
        self.interval_s = 2.0
        self.metric = True
        self.ftime = self.fdate = False
        self.quantities = set(QUANTITY_UNITS) - (set() if barometer else {"P"})
        self.form = self._default_form()
        self.mode = power_up_mode
        self.line_open = False
        self._next_line_at = 0.0
        self._rh_error = float(self.rng.normal(0.0, 0.3))
        self._t_error = float(self.rng.normal(0.0, 0.05))
        self._p_error = float(self.rng.normal(0.0, 0.08))
        self.reset()

    def _default_form(self) -> OutputForm:
        text = DEFAULT_FORM_WITH_PRESSURE if self.barometer else DEFAULT_FORM
        return OutputForm.parse(text, self.quantities)

    def reset(self) -> None:
        """Power-up state: the serial mode is the ``SMODE`` setting."""
        self.mode = self.smode
        self.line_open = False
        self._next_line_at = self.clock.now()

    @property
    def running(self) -> bool:
        """Return True in the run mode (messages stream every ``INTV``)."""
        return self.mode == "RUN"

    # -- physics -----------------------------------------------------------------------
    def values(self, now: float) -> dict[str, float]:
        """Return every quantity the transmitter measures or derives at ``now`` (metric)."""
        env = self.environment
        rh = min(100.0, max(0.0, env.humidity(now) + self._rh_error
                            + float(self.rng.normal(0.0, 0.05))))
        t = env.temperature(now) + self._t_error + float(self.rng.normal(0.0, 0.01))
        p = (env.pressure(now) + self._p_error + float(self.rng.normal(0.0, 0.02))
             if self.barometer else DEFAULT_PRESSURE_HPA)
        return humidity_quantities(rh, t, p)

    def output_line(self, now: float) -> Message:
        """Return the output message for the conditions at ``now``, line ends included."""
        values = self.values(now)
        units = dict(QUANTITY_UNITS)
        if not self.metric:
            for name in TEMPERATURES:
                values[name] = values[name] * 9.0 / 5.0 + (0.0 if name == "DT" else 32.0)
                units[name] = "'F"
        when = datetime.fromtimestamp(now, tz=UTC)
        fields = {"ADDR": f"{self.address:02d}", "ERR": "0000", "STAT": "N 0".ljust(7),
                  "SN": SERIAL, "TIME": when.strftime("%H:%M:%S"),
                  "DATE": when.strftime("%Y-%m-%d")}
        prefix = (when.strftime("%Y-%m-%d ") if self.fdate else "") + (
            when.strftime("%H:%M:%S ") if self.ftime else "")
        return Message(prefix + self.form.render(values, units, fields))

    # -- protocol ----------------------------------------------------------------------
    def handle(self, message: str) -> Reply:
        """Run one command line; return what the port sends back (line ends included)."""
        with self.lock:
            if self.faults.take(Fault.FLOOD):
                self.flood_errors()
            words = message.strip().split(maxsplit=1)
            if not words:
                return None
            name = words[0].upper()
            rest = words[1] if len(words) > 1 else ""
            args = rest.upper().split()
            if self.running:
                if name == "S" and not args:
                    self.mode = "POLL" if self.smode == "POLL" else "STOP"
                return None
            if self.mode == "POLL" and not self.line_open:
                return self._polled(name, args)
            echoed = [message.strip()] if self.echo else []
            answer = self._command(name, args, rest)
            if self.latency_s:
                self.clock.sleep(self.latency_s)
            lines = echoed + ([] if answer is None else [answer])
            text = "".join(line if isinstance(line, Message) else line + EOL for line in lines)
            if self.echo:
                text += ">"
            return text or None

    def _polled(self, name: str, args: list[str]) -> Reply:
        """POLL mode: answer only what is addressed to this transmitter (and ``??``)."""
        addressed = self._addressed(args)
        if name == "SEND" and addressed:
            return self.output_line(self.clock.now())
        if name == "OPEN" and addressed:
            self.line_open = True
            return f"{MODEL}: {self.address} line opened for operator commands{EOL}"
        if name == "??" and not args:
            return EOL.join(self._settings()) + EOL
        return None

    def _command(self, name: str, args: list[str], rest: str) -> str | None:
        now = self.clock.now()
        if name == "SEND" and (not args or self._addressed(args)):
            return self.output_line(now)
        if name == "R" and not args:
            self.mode = "RUN"
            self._next_line_at = now
            return None
        if name == "S" and not args:
            return None
        if name == "CLOSE" and not args:
            if self.line_open:
                self.line_open = False
                return "line closed"
            return None
        if name == "INTV":
            return self._intv(args)
        if name == "SMODE" and len(args) <= 1:
            return self._smode(args)
        if name == "FORM":
            return self._form(rest.strip())
        if name == "UNIT" and len(args) <= 1:
            if args and args[0] in ("M", "N"):
                self.metric = args[0] == "M"
            elif args:
                return "Unknown unit"
            return field("Output units", "metric" if self.metric else "non metric")
        if name in ("FTIME", "FDATE", "ECHO") and len(args) <= 1:
            return self._switch(name, args)
        if name == "ADDR" and len(args) <= 1:
            if args:
                if not args[0].isdigit() or not 0 <= int(args[0]) <= 99:
                    return "Invalid value"
                self.address = int(args[0])
            return field("Address", self.address)
        if name == "SERI":
            return self._seri(args)
        if name in ("?", "??") and not args:
            return EOL.join(self._settings())
        if name == "MODS" and not args:
            return EOL.join(self._modules())
        if name == "VERS" and not args:
            return f"{MODEL} / {VERSION}"
        if name == "SNUM" and not args:
            return field("Serial number", SERIAL)
        if name == "ERRS" and not args:
            return self._errs()
        if name == "RESET" and not args:
            self.reset()
            return f"{MODEL} / {VERSION}"
        return "Unknown command"

    def _addressed(self, args: list[str]) -> bool:
        """Return True when ``args`` is this transmitter's address (``SEND 0``, ``OPEN 00``)."""
        return len(args) == 1 and args[0].isdigit() and int(args[0]) == self.address

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
        return field("Output intrv.", f"{self.interval_s:g} S")

    def _smode(self, args: list[str]) -> str:
        if args:
            if args[0] not in MODES:
                return "Unknown mode"
            self.smode = self.mode = args[0]
            self._next_line_at = self.clock.now()
        return field("Serial mode", self.smode)

    def _form(self, text: str) -> str:
        if text in ("", "?"):
            return field("Output format", self.form.shown())
        if text == "/":
            self.form = self._default_form()
            return "OK"
        try:
            self.form = OutputForm.parse(text, self.quantities)
        except FormError:
            return "Syntax error"
        return "OK"

    def _switch(self, name: str, args: list[str]) -> str:
        attribute = {"FTIME": "ftime", "FDATE": "fdate", "ECHO": "echo"}[name]
        if args:
            if args[0] not in ("ON", "OFF"):
                return "Invalid value"
            setattr(self, attribute, args[0] == "ON")
        label = {"FTIME": "Form. time", "FDATE": "Form. date", "ECHO": "Echo"}[name]
        return field(label, "ON" if getattr(self, attribute) else "OFF")

    def _seri(self, args: list[str]) -> str:
        if args:
            present = self.serial_line.split()
            if len(args) > 4 or (args[0].isdigit() and int(args[0]) not in (
                    300, 600, 1200, 2400, 4800, 9600, 19200)):
                return "Invalid value"
            self.serial_line = " ".join(args + present[len(args):])  # in effect after RESET
        return field("Baud P D S", self.serial_line)

    def _settings(self) -> list[str]:
        now = datetime.fromtimestamp(self.clock.now(), tz=UTC)
        return [
            f"{MODEL} / {VERSION}",
            field("Serial number", SERIAL),
            field("Batch number", "H1234567"),
            field("Adjust. date", "2025-01-10"),
            field("Adjust. info", "Vaisala/HEL"),
            field("Date", now.strftime("%Y-%m-%d")),
            field("Time", now.strftime("%H:%M:%S")),
            field("Serial mode", self.smode),
            field("Baud P D S", self.serial_line),
            field("Output intrv.", f"{self.interval_s:g} S"),
            field("Address", self.address),
            field("Echo", "ON" if self.echo else "OFF"),
            field("Pressure", f"{DEFAULT_PRESSURE_HPA:.2f} hPa"),
            field("Filter", "OFF"),
            *self._modules(),
        ]

    def _modules(self) -> list[str]:
        return [field("Module 1", "not installed"),
                field("Module 2", "BARO-1" if self.barometer else "not installed")]

    def _errs(self) -> str:
        if not self.errors:
            return "No errors"
        listed = "; ".join(f"E{code} {text}" for code, text in self.errors)
        self.errors.clear()
        return f"Errors: {listed}"

    def unsolicited(self) -> list[str]:
        """Return the run-mode messages due by now (at most ``MAX_BACKLOG_LINES``)."""
        with self.lock:
            now = self.clock.now()
            if self.running and now >= self._next_line_at:
                due = math.floor((now - self._next_line_at) / self.interval_s) + 1
                for _ in range(min(due, MAX_BACKLOG_LINES)):
                    self.emit(self.output_line(now))
                self._next_line_at += due * self.interval_s
        return super().unsolicited()
