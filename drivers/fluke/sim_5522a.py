"""A simulated Fluke 5522A: its remote commands over an :class:`CalibratorOutput` state.

Commands (5522A Operators Manual ch. 5-6; case-insensitive, ``;`` chains accepted):

=================  =====================================================================
``OUT v unit[, f HZ]``  select an output: ``OUT 10 V``, ``OUT 10 MV``, ``OUT 1.5 A, 60 HZ``,
                   ``OUT 10 KOHM``; IEEE 488.2 multipliers (``M`` milli, but ``MOHM`` and
                   ``MHZ`` mega); no unit keeps the present one
``OUT?``           ``amplitude,unit,0E+00,0,frequency`` (``1.0000000E+01,V,0E+00,0,0.00E+00``)
``OPER``/``STBY``  operate / standby; ``OPER?`` -> ``1``/``0``
``ISR?``           instrument status: bit 0 OPER, 6 HIVOLT, 11 REMOTE, 12 SETTLED
``ERR?``           ``code,"text"``; ``0,"No Error"`` when empty; ``FAULT?`` code only,
                   ``EXPLAIN? code`` its text
``FUNC?``          ``DCV``, ``ACV``, ``DCI``, ``ACI`` or ``RES``
``ZCOMP NONE|WIRE2|WIRE4`` / ``ZCOMP?``  resistance lead compensation
=================  =====================================================================

The >30 V interlock: ``OPER`` with more than 30 V selected is refused once, with error
540 "Output above 30 V: send OPER again to confirm"; a second ``OPER`` is the operator's
confirmation. A new output above 30 V while operating drops to standby.

The simulator is a :class:`~metrolab.instrument.simulation.SignalSource`: a simulated
meter wired to it reads :meth:`stimulus`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import ClassVar

import numpy as np

from metrolab.clock import Clock
from metrolab.errors import UserInputError
from metrolab.instrument.functions import Function
from metrolab.instrument.simulation import (
    CommandError,
    CommandTree,
    LabEnvironment,
    SimulatedInstrument,
    Stimulus,
    choice,
    no_params,
    number,
    one_param,
)
from metrolab.instrument.simulation.parser import ERROR_TEXT, Reply

from .interlock import HV_CONFIRM_CODE, HV_CONFIRM_TEXT
from .output_5522a import CalibratorOutput, CommandRejected, OutputKind

ISR_OPER = 1 << 0
ISR_HIVOLT = 1 << 6
ISR_REMOTE = 1 << 11
ISR_SETTLED = 1 << 12

_MULTIPLIERS = {
    "": 1.0, "EX": 1e18, "PE": 1e15, "T": 1e12, "G": 1e9, "MA": 1e6, "K": 1e3,
    "M": 1e-3, "U": 1e-6, "N": 1e-9, "P": 1e-12, "F": 1e-15,
}
_ARGUMENT = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)")
_FUNC_NAMES = {
    OutputKind.DCV: "DCV", OutputKind.ACV: "ACV", OutputKind.DCI: "DCI",
    OutputKind.ACI: "ACI", OutputKind.OHM: "RES",
}
_EXPLANATIONS = {
    0: "No Error",
    HV_CONFIRM_CODE: HV_CONFIRM_TEXT,
}


def parse_argument(text: str, default_unit: str) -> tuple[float, str]:
    """Return ``(value in the base unit, base unit)`` for ``10 MV``, ``1.5A``, ``2 KOHM``.

    Base units are ``V``, ``A``, ``OHM`` and ``HZ``. Raises CommandError -104 for text that
    is not a number with a known unit.
    """
    match = _ARGUMENT.fullmatch(text.strip())
    if match is None:
        raise CommandError(-104)
    suffix = match.group(2).upper() or default_unit
    for base in ("OHM", "HZ", "V", "A"):
        if suffix.endswith(base):
            prefix = suffix[: -len(base)]
            if prefix == "M" and base in ("OHM", "HZ"):
                prefix = "MA"  # IEEE 488.2: MOHM and MHZ are mega
            if prefix in _MULTIPLIERS:
                return float(match.group(1)) * _MULTIPLIERS[prefix], base
    raise CommandError(-131, "Invalid suffix")


class Fluke5522ASimulator(SimulatedInstrument):
    """The 5522A's remote interface and output, on an injected clock."""

    IDN: ClassVar[str] = "FLUKE,5522A,1972905,1.1+1.3+1.8"
    ERROR_QUERY: ClassVar[str | None] = "ERR?"
    SERVE_OVER: ClassVar[str] = "tcp"

    def __init__(self, *, seed: int = 0, clock: Clock | None = None,
                 latency_s: float = 0.0, environment: LabEnvironment | None = None) -> None:
        self.output = CalibratorOutput(np.random.default_rng([seed, 5522]))
        #: the laboratory whose temperature adds the temperature coefficient (None: tcal)
        self.environment = environment
        super().__init__(seed=seed, clock=clock, latency_s=latency_s)

    # -- SignalSource ------------------------------------------------------------------
    def stimulus(self, function: Function, now: float) -> Stimulus:
        """Return what a meter measuring ``function`` sees at ``now`` (NaN when nothing)."""
        with self.lock:
            if self.environment is not None:
                self.output.ambient_c = self.environment.temperature(now)
            value, frequency = self.output.terminal_value(function, now)
        return Stimulus(value, frequency)

    # -- protocol ----------------------------------------------------------------------
    def format_error(self, code: int, message: str) -> str:
        """Return ``code,"text"`` as the 5522A prints it (``0,"No Error"`` when empty)."""
        return f'{code},"{"No Error" if code == 0 else message}"'

    def reset(self) -> None:
        """``*RST``: standby, 0 V DC, no lead compensation."""
        self.output.reset()

    def register_commands(self, tree: CommandTree) -> None:
        """Declare the 5522A commands this simulator implements."""
        tree.add("OUT", self._out)
        tree.add("OUT?", self._out_query)
        tree.add("OPER", self._oper)
        tree.add("OPER?", lambda p: self._flag(p, self.output.operating))
        tree.add("STBY", self._stby)
        tree.add("ISR?", self._isr)
        tree.add("FUNC?", self._func)
        tree.add("ZCOMP", self._zcomp)
        tree.add("ZCOMP?", self._zcomp_query)
        tree.add("FAULT?", self._fault)
        tree.add("EXPLAIN?", self._explain)
        tree.add("REMOTE", no_params)
        tree.add("LOCAL", no_params)

    def _run(self, action: Callable[[], None]) -> None:
        try:
            action()
        except CommandRejected as exc:
            raise CommandError(exc.code, exc.text) from None

    def _out(self, params: list[str]) -> None:
        if not params or len(params) > 2:
            raise CommandError(-109 if not params else -108)
        present = self.output.kind.unit
        value, unit = parse_argument(params[0], present)
        frequency: float | None = None
        if len(params) == 2:
            frequency, freq_unit = parse_argument(params[1], "HZ")
            if freq_unit != "HZ":
                raise CommandError(-131, "Invalid suffix")
            if frequency == 0:
                frequency = None
        if unit == "HZ":
            raise CommandError(-131, "Invalid suffix")
        if unit == "OHM":
            kind = OutputKind.OHM
        elif unit == "V":
            kind = OutputKind.DCV if frequency is None else OutputKind.ACV
        else:
            kind = OutputKind.DCI if frequency is None else OutputKind.ACI
        if kind is OutputKind.OHM and frequency is not None:
            raise CommandError(-221)
        now = self.clock.now()
        self._run(lambda: self.output.set(kind, value, frequency, now))

    def _out_query(self, params: list[str]) -> str:
        no_params(params)
        out = self.output
        frequency = out.frequency or 0.0
        return f"{out.value:.7E},{out.kind.unit},0E+00,0,{frequency:.2E}"

    def _oper(self, params: list[str]) -> None:
        no_params(params)
        now = self.clock.now()
        self._run(lambda: self.output.operate(now))

    def _stby(self, params: list[str]) -> None:
        no_params(params)
        self.output.standby()

    def _isr(self, params: list[str]) -> str:
        no_params(params)
        out = self.output
        isr = ISR_REMOTE
        if out.operating:
            isr |= ISR_OPER
        if out.is_high_voltage:
            isr |= ISR_HIVOLT
        if out.settled(self.clock.now()):
            isr |= ISR_SETTLED
        return str(isr)

    def _func(self, params: list[str]) -> str:
        no_params(params)
        return _FUNC_NAMES[self.output.kind]

    def _zcomp(self, params: list[str]) -> None:
        self.output.zcomp = choice(one_param(params), ["NONE", "WIRE2", "WIRE4"])

    def _zcomp_query(self, params: list[str]) -> str:
        no_params(params)
        return self.output.zcomp

    def _fault(self, params: list[str]) -> str:
        no_params(params)
        return str(self.pop_error()[0])

    def _explain(self, params: list[str]) -> str:
        code = int(number(one_param(params), minimum=-math.inf, maximum=math.inf))
        return f'"{_EXPLANATIONS.get(code) or ERROR_TEXT.get(code, "Unknown error")}"'

    @staticmethod
    def _flag(params: list[str], value: bool) -> str:
        no_params(params)
        return "1" if value else "0"



class Fluke5522ASerialSimulator(Fluke5522ASimulator):
    """The 5522A on its RS-232 port (served on a pty), in either ``REMOTE I/F`` mode.

    ``comp`` (computer) answers like the GPIB/TCP interface, lines ending in CR LF.
    ``term`` (terminal, the factory setting) echoes each command line after an ``N> ``
    prompt before the answer; the number counts the commands received (its meaning on
    the real calibrator was not verified).
    """

    SERVE_OVER: ClassVar[str] = "pty"
    REPLY_TERMINATOR: ClassVar[str] = "\r\n"

    def __init__(self, *, seed: int = 0, clock: Clock | None = None, latency_s: float = 0.0,
                 environment: LabEnvironment | None = None, mode: str = "term") -> None:
        if mode not in ("comp", "term"):
            raise UserInputError(f"5522A serial simulator: mode {mode!r} is not comp or term")
        self.mode = mode
        self._received = 0
        super().__init__(seed=seed, clock=clock, latency_s=latency_s, environment=environment)

    def handle(self, message: str) -> Reply:
        """Run one command line; in ``term`` mode the prompt and echo come first."""
        reply = super().handle(message)
        if self.mode == "comp":
            return reply
        self._received += 1
        echo = f"{self._received % 100}> {message.strip()}"
        return echo if reply is None else f"{echo}\r\n{reply!s}"
