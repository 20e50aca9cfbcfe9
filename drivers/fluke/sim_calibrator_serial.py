"""A simulated Fluke calibrator on its RS-232 host port (SERIAL 1 FROM HOST), on a pty.

Factory settings (``SP_SET``, from the profile; 5522A Operators Manual p. 6-38 and
5700A/5720A Series II Operators Manual p. 5-38 print the same): 9600 baud, 8 data bits,
1 stop bit, no parity, XON/XOFF, end of line CR LF, ``REMOTE I/F`` = ``term``. A pty has
no baud rate or framing, so only the terminators, the modes and the control characters
can be simulated.

``term`` (terminal, the factory setting), as a terminal user sees it and as the MCUSH
5520A driver reads it (pengshulin/mcush ``test/mcush/fluke/F5520A.py`` [S]): the
calibrator echoes the command line, then prints each answer line and each fault as it
happens (``Fault 1300: Bad syntax``), each followed by the end of line, and finally its
prompt ``N> `` (no end of line): N is the number of the next line, 1 after ``^C``.

    ``*IDN?`` -> ``*IDN?\\r\\nFLUKE,5522A,1972905,1.1+1.3+1.8\\r\\n3> ``

A host reading lines therefore finds the previous prompt at the start of each echo
(``3> OUT 1 V``). ``comp`` (computer) answers like the GPIB interface: only the
answers, each ending in the end of line.

Control characters act the moment they arrive (Table 5-3, RS-232 emulation of IEEE-488
messages [P]): ``^C`` clears the device (DCL: the partial line is dropped, the prompt
count restarts and ``1> `` is printed in term mode), ``^T`` triggers (``*TRG``), ``^P``
prints the serial-poll string ``SPLSTR``. When the status byte newly requests service
(``*SRE``), the ``SRQSTR`` line is sent. Empty lines are ignored (no prompt).
"""

from __future__ import annotations

from typing import ClassVar

from metrolab.clock import Clock
from metrolab.errors import UserInputError
from metrolab.instrument.simulation import LabEnvironment

from .cal_errors import fault_line
from .cal_profile import CalibratorProfile, calibrator_profile
from .sim_calibrator import STB_MSS, FlukeCalibratorSimulator, profile_class

DEVICE_CLEAR = "\x03"  # ^C
TRIGGER = "\x14"  # ^T
SERIAL_POLL = "\x10"  # ^P
#: end of line per SP_SET setting
EOL = {"CR": "\r", "LF": "\n", "CRLF": "\r\n"}


class FlukeCalibratorSerialSimulator(FlukeCalibratorSimulator):
    """A calibrator on RS-232 in ``REMOTE I/F`` mode ``term`` (default) or ``comp``."""

    SERVE_OVER: ClassVar[str] = "pty"
    INTERFACE: ClassVar[str] = "RS-232"
    #: every reply carries its own end of line (and, in term mode, the prompt after it)
    REPLY_TERMINATOR: ClassVar[str] = ""
    CONTROL_CHARACTERS: ClassVar[str] = DEVICE_CLEAR + TRIGGER + SERIAL_POLL
    CLEARING_CHARACTERS: ClassVar[str] = DEVICE_CLEAR

    def __init__(self, *, seed: int = 0, clock: Clock | None = None, latency_s: float = 0.0,
                 environment: LabEnvironment | None = None, mode: str = "term",
                 eol: str = "CRLF", profile: CalibratorProfile | None = None) -> None:
        if mode not in ("comp", "term"):
            raise UserInputError(f"calibrator serial simulator: mode {mode!r} is not comp "
                                 "or term")
        if eol not in EOL:
            raise UserInputError(f"calibrator serial simulator: end of line {eol!r} is not "
                                 f"{', '.join(EOL)}")
        super().__init__(seed=seed, clock=clock, latency_s=latency_s, environment=environment,
                         profile=profile)
        self.mode = mode
        self.eol = EOL[eol]
        fields = self.profile.serial.sp_set.split(",")
        fields[1], fields[-1] = mode.upper(), eol
        self.host_port = ",".join(fields)
        #: number of the next command line, as the term-mode prompt shows it
        self.line = 1
        self._faults: list[str] = []

    def handle(self, message: str) -> str | None:
        """Run one command line or control character; return what the port sends back."""
        with self.lock:
            if message == DEVICE_CLEAR:
                return self._device_clear()
            if message == SERIAL_POLL:
                return self.serial_string(self.splstr) + self.eol
            if message == TRIGGER:
                self.trigger()
                return None
            self._faults = []
            requesting = bool(self.status_byte() & STB_MSS)
            reply = super().handle(message)
            lines = ([] if reply is None else [reply]) + self._faults
            if not requesting and self.status_byte() & STB_MSS:
                lines.append(self.serial_string(self.srqstr))
            if self.mode == "comp":
                return "".join(line + self.eol for line in lines) or None
            self.line += 1
            echo = message.strip()
            return "".join(line + self.eol for line in [echo, *lines]) + f"{self.line}> "

    def push_error(self, code: int, message: str) -> None:
        """Queue the error; in term mode also print it as a ``Fault`` line."""
        with self.lock:
            before = len(self.errors)
            super().push_error(code, message)
            if self.mode == "term" and len(self.errors) > before:
                self._faults.append(fault_line(*self.errors[-1]))

    def _device_clear(self) -> str | None:
        """``^C``: cancel pending work and restart the prompt count (settings stay)."""
        self._opc_due = None
        self.line = 1
        return None if self.mode == "comp" else f"{self.eol}{self.line}> "


_CLASSES: dict[str, type[FlukeCalibratorSerialSimulator]] = {}
#: profiles whose RS-232 simulator class is written out in a module of its own
_NAMED = {"fluke-5522a": ("serial_5522a", "Fluke5522ASerialSimulator")}


def serial_simulator_class(profile: CalibratorProfile) -> type[FlukeCalibratorSerialSimulator]:
    """Return the RS-232 simulator class of ``profile`` (``Fluke5520ASerialSimulator``
    ...), made once per profile (the 5522A's is written out in :mod:`.serial_5522a`)."""
    return profile_class(FlukeCalibratorSerialSimulator, profile, _CLASSES, _NAMED,
                         f"Fluke{profile.model}SerialSimulator",
                         f"A simulated Fluke {profile.model} on its RS-232 port.")


def create_serial(name: str, *, seed: int = 0,
                  clock: Clock | None = None) -> FlukeCalibratorSerialSimulator:
    """Return a new RS-232 simulator (term mode) of the packaged profile ``name``."""
    return serial_simulator_class(calibrator_profile(name))(seed=seed, clock=clock)
