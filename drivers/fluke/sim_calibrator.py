"""A simulated Fluke calibrator of either command family, over a :class:`CalibratorOutput`.

One simulator serves every model: its :class:`~.cal_profile.CalibratorProfile` gives the
identity, what the output can source, the ISR bit layout, the RS-232 defaults and which
command family it speaks. Commands of the 5500 family (5500A, 5520A, 5522A, 5502A:
5522A Operators Manual ch. 5-6; 5520A Programmers Manual; case-insensitive, ``;`` chains;
the syntax is parsed in :mod:`.cal_commands`):

==========================  ===============================================================
``OUT a unit[, b unit][, f HZ]``  one output (``OUT 10 V``, ``OUT 1.5 A, 60 HZ``,
                            ``OUT 10 KOHM``, ``OUT 100 NF``, ``OUT 25 CEL``) or two
                            (``OUT 1 V, 1 A`` power; ``OUT 1 V, 2 V`` dual volts); ``0 HZ``
                            is DC; a frequency alone changes the frequency; no unit keeps
                            the present one
``OUT?``                    ``amplitude,unit,secondary,unit,frequency``
                            (``1.0000000E+01,V,0E+00,0,0.00E+00``)
``OPER``/``STBY``/``OPER?``  operate / standby / ``1`` or ``0``
``ISR?``                    OPER, HIVOLT (> 33 V), REMOTE, SETTLED at the profile's bits
                            (5522A: 0, 6, 11, 12; 5500A: HIVOLT at bit 7)
``*OPC?``/``*OPC``/``*WAI``  complete once the output has settled (ISR bit 12), as the
                            5700A/5720A manual states for the same command set
``ERR?``/``FAULT?``/``EXPLAIN? n``  the calibrators' own positive error numbers (:mod:`.cal_errors`)
``FUNC?``                   ``DCV ACV DCI ACI RES CAP TC_OUT RTD DC_POWER AC_POWER
                            DCV_DCV ACV_ACV``
``RANGE?``                  full scale of the primary and secondary ranges (``0``: none) [U]
``RANGELCK ON|OFF`` (``?``)  lock the present range: outputs outside it give error 518
``LIMIT +v, -v`` (``?``)     user limits for volts or amps: beyond them error 509
``EARTH OPEN|TIED``, ``LOWS OPEN|TIED`` (``?``)   earth and low-terminal connections
``WAVE w[, w]`` (``?``), ``PHASE deg`` (``?``), ``DC_OFFSET v`` (``?``)   AC waveform(s),
                            phase of the AUX output, DC offset
``TSENS_TYPE TC|RTD`` (``?``), ``TC_TYPE``, ``RTD_TYPE`` (``?``)   simulated sensor
``ZCOMP NONE|WIRE2|WIRE4`` (``?``)   resistance lead compensation
``*PUD``/``*PUD?``           64 protected characters; ``*PUD?`` -> ``#2nn<text>``
``SRQSTR``/``SPLSTR`` (``?``), ``SP_SET?``   RS-232 service-request and serial-poll strings,
                            host-port settings
``REMOTE``/``LOCAL``/``LOCKOUT``, ``CLOCK y,m,d,h,m,s``, ``*OPT?``, 488.2 commands
==========================  ===============================================================

The 5700 family (5720A, 5730A; 5700A/5720A Series II Operators Manual ch. 5, 5730A
Operators Manual ch. 6) keeps ``OUT``, ``OUT?``, ``OPER``/``STBY``, ``ISR?``, ``ERR?``,
``FAULT?``, ``EXPLAIN?``, ``RANGE?``, ``RANGELCK``, ``LIMIT``, ``*PUD``, ``SP_SET`` and the
488.2 commands, and differs where the manuals say so: no capacitance, temperature or dual
outputs, no ``FUNC?``, ``ZCOMP``, ``WAVE``, ``EARTH``/``LOWS``, ``TC_TYPE`` (they answer
1300 Bad syntax); ``RCOMP ON|OFF`` (2-wire compensation), ``EXTSENSE ON|OFF``,
``EXTGUARD ON|OFF`` (and their queries) set ISR bits 4, 2 and 1; ``CAL_DAYS?`` and
``ETIME?`` report days since calibration and minutes on; ``OUT?`` answers
``amplitude,unit,frequency`` [U]; a resistance output is the fixed standard nearest the
value asked for, and ``OUT?`` reports its calibrated value [U].

The calibrator operates whatever it is set to: there is no confirmation over the remote
interface (the driver keeps its own >30 V interlock). Numbers and replies marked [U] in
the module docs of :mod:`.cal_errors` were recalled, not read in a manual.

The simulator is a :class:`~metrolab.instrument.simulation.SignalSource`: a simulated
meter wired to it reads :meth:`stimulus`.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar, TypeVar

import numpy as np

from metrolab.clock import Clock
from metrolab.errors import UserInputError
from metrolab.instrument.functions import Function
from metrolab.instrument.simulation import (
    Fault,
    LabEnvironment,
    SimulatedInstrument,
    Stimulus,
    choice,
    number,
)

from .cal_commands import Argument, CommandSet, count, parse_argument
from .cal_errors import (
    BAD_PARAMETER_UNIT,
    BAD_PARAMETER_VALUE,
    CANNOT_SOURCE_THREE,
    PARAMETER_TOO_LONG,
    QUEUE_OVERFLOW,
    TWO_FREQUENCIES,
    err_reply,
    lookup,
    translate,
)
from .cal_output import (
    TEMPERATURE_SPAN_C,
    CalibratorOutput,
    CommandRejected,
    Secondary,
)
from .cal_profile import CalibratorProfile, CommandFamily, OutputKind, calibrator_profile

# Status byte (5522A Fig. 5-9): EAV is bit 3 on the Fluke calibrators, not SCPI's bit 2
STB_EAV = 1 << 3
STB_ESB = 1 << 5
STB_MSS = 1 << 6
ESR_OPC = 1

#: ``*PUD`` holds at most this many characters (5520A manual, *PUD)
PUD_MAX = 64
#: ``SRQSTR`` and ``SPLSTR`` hold at most this many characters
SERIAL_STRING_MAX = 40
#: defaults of the serial strings [U]: status byte, ESR and the two ISR change registers
#: (not modelled here: always 0)
DEFAULT_SRQSTR = "SRQ: %02x %02x %04x %04x"
DEFAULT_SPLSTR = "SPL: %02x %02x %04x %04x"
#: waveforms of WAVE, sensor types of TC_TYPE / RTD_TYPE
WAVES = ["SINE", "TRI", "SQUARE", "TRUNCS", "NONE"]
TC_TYPES = ["B", "C", "E", "J", "K", "L", "N", "R", "S", "T", "U", "XK", "BP", "Z"]
RTD_TYPES = ["PT385", "PT3926", "PT3916", "PT385_200", "PT385_500", "PT385_1000",
             "NI120", "CU10"]

_FUNC_NAMES = {
    OutputKind.DCV: "DCV", OutputKind.ACV: "ACV", OutputKind.DCI: "DCI",
    OutputKind.ACI: "ACI", OutputKind.OHM: "RES", OutputKind.CAP: "CAP",
}
_AMPLITUDE_UNITS = {"V", "A", "OHM", "F", "CEL", "FAR"}


def _celsius(argument: Argument) -> float:
    return (argument.value - 32.0) * 5.0 / 9.0 if argument.unit == "FAR" else argument.value


class FlukeCalibratorSimulator(SimulatedInstrument):
    """A calibrator's remote interface and output, on an injected clock (GPIB/TCP framing:
    replies end in LF). ``profile`` names the model (default: the class's ``PROFILE``)."""

    PROFILE: ClassVar[CalibratorProfile | None] = None
    ERROR_QUERY: ClassVar[str | None] = None
    SERVE_OVER: ClassVar[str] = "tcp"
    #: the host interface this simulator stands for (SP_SET?'s second field on RS-232)
    INTERFACE: ClassVar[str] = "GPIB"

    def __init__(self, *, seed: int = 0, clock: Clock | None = None,
                 latency_s: float = 0.0, environment: LabEnvironment | None = None,
                 options: tuple[str, ...] | None = None,
                 profile: CalibratorProfile | None = None) -> None:
        chosen = profile or self.PROFILE
        if chosen is None:
            raise UserInputError("a calibrator simulator needs a profile "
                                 "(calibrator_profile('fluke-5520a') ...)")
        self.profile = chosen
        self.output = CalibratorOutput(np.random.default_rng([seed, 5522]), chosen)
        #: the laboratory whose temperature adds the temperature coefficient (None: tcal)
        self.environment = environment
        #: installed options, as ``*OPT?`` lists them (none: ``0``)
        self.options = chosen.options if options is None else options
        #: 5700 family: external sense and guard (EXTSENSE, EXTGUARD)
        self.external_sense = False
        self.external_guard = False
        self.remote = self.INTERFACE != "RS-232"
        self.earth = "OPEN"
        self.lows = "TIED"
        self.pud = ""
        self.srqstr = DEFAULT_SRQSTR
        self.splstr = DEFAULT_SPLSTR
        self.host_port = chosen.serial.sp_set
        self.clock_offset_s = 0.0
        self.tc_type = "K"
        self.rtd_type = "PT385"
        self._opc_due: float | None = None
        super().__init__(seed=seed, clock=clock, latency_s=latency_s)
        #: the clock time of power-on (ETIME?) and of the last calibration (CAL_DAYS?)
        self.powered_on_at = self.clock.now()
        self.calibrated_at = self.powered_on_at - 30 * 86400.0
        self.command_set = CommandSet()
        self._declare(self.command_set)
        if chosen.family is CommandFamily.FLUKE_5500:
            self._declare_5500(self.command_set)
        else:
            self._declare_5700(self.command_set)

    # -- SignalSource ------------------------------------------------------------------
    def stimulus(self, function: Function, now: float) -> Stimulus:
        """Return what a meter measuring ``function`` sees at ``now`` (NaN when nothing)."""
        with self.lock:
            if self.environment is not None:
                self.output.ambient_c = self.environment.temperature(now)
            value, frequency = self.output.terminal_value(function, now)
        return Stimulus(value, frequency)

    # -- protocol ----------------------------------------------------------------------
    def handle(self, message: str) -> str | None:
        """Run one program message in the calibrators' syntax; return its reply or None."""
        with self.lock:
            if self.faults.take(Fault.FLOOD):
                self.flood_errors()
            self._complete_opc()
            reply = self.command_set.execute(message, lambda code: self.push_error(code, ""))
            if reply is not None and self.latency_s:
                self.clock.sleep(self.latency_s)
            return reply

    def push_error(self, code: int, message: str) -> None:
        """Queue error ``code`` as the calibrator numbers it (a shared helper's SCPI code is
        translated) and set its Standard Event Status bit; the newest entry becomes
        error 1 when the queue is full."""
        with self.lock:
            entry = lookup(translate(code), message)
            self.esr |= entry.esr_bit
            if len(self.errors) >= self.ERROR_QUEUE_DEPTH:
                return  # already overflowed: later errors are lost
            if len(self.errors) == self.ERROR_QUEUE_DEPTH - 1:
                entry = lookup(QUEUE_OVERFLOW)
            self.errors.append((entry.code, entry.text))

    def pop_error(self) -> tuple[int, str]:
        """Remove and return the oldest error, ``(0, "No Error")`` when there is none."""
        with self.lock:
            return self.errors.popleft() if self.errors else (0, lookup(0).text)

    def flood_errors(self) -> None:
        """Fill the error queue past its depth (the ``flood`` fault) with error 1306."""
        for _ in range(self.ERROR_QUEUE_DEPTH + 5):
            self.push_error(BAD_PARAMETER_VALUE, "")

    def status_byte(self) -> int:
        """Return the status byte: EAV (bit 3), ESB (bit 5) and MSS (bit 6)."""
        stb = STB_EAV if self.errors else 0
        if self.esr & self.ese:
            stb |= STB_ESB
        if stb & self.sre:
            stb |= STB_MSS
        return stb

    def reset(self) -> None:
        """``*RST``: standby, 0 V DC, range unlocked, no lead compensation, internal sense
        and guard."""
        self.output.reset()
        self.external_sense = False
        self.external_guard = False
        self._opc_due = None

    def isr(self) -> int:
        """Return the Instrument Status Register now, at the profile's bit positions."""
        out = self.output
        mask = self.profile.isr_mask
        flags = {
            "REMOTE": self.remote, "OPER": out.operating, "HIVOLT": out.is_high_voltage,
            "SETTLED": out.settled(self.clock.now()), "EXSENS": self.external_sense,
            "EXGARD": self.external_guard, "RCOMP": out.zcomp == "WIRE2",
            "RLOCK": out.locked_range is not None,
        }
        value = 0
        for name, on in flags.items():
            if on:
                value |= mask(name)
        return value

    def _wait_settled(self) -> None:
        """Let the injected clock run until the output has settled (``*WAI``, ``*OPC?``)."""
        remaining = self.output.settle_time(self.clock.now())
        if remaining > 0:
            self.clock.sleep(remaining)

    def _complete_opc(self) -> None:
        """Set ESR OPC once the settling that an earlier ``*OPC`` waits for is over."""
        if self._opc_due is not None and self.clock.now() >= self._opc_due:
            self.esr |= ESR_OPC
            self._opc_due = None

    # -- the command set ---------------------------------------------------------------
    def _declare(self, commands: CommandSet) -> None:
        """Declare every command this simulator implements."""
        flag = self._flag
        for header, handler in {
            "*IDN?": lambda p: self._answer(p, self.profile.idn),
            "*RST": lambda p: self._do(p, self.reset),
            "*CLS": lambda p: self._do(p, self._clear_status),
            "*ESE": lambda p: self._set_register(p, "ese"),
            "*ESE?": lambda p: self._answer(p, str(self.ese)),
            "*ESR?": lambda p: self._answer(p, str(self._read_esr())),
            "*SRE": lambda p: self._set_register(p, "sre"),
            "*SRE?": lambda p: self._answer(p, str(self.sre)),
            "*STB?": lambda p: self._answer(p, str(self.status_byte())),
            "*OPC": lambda p: self._do(p, self._arm_opc),
            "*OPC?": self._opc_query,
            "*WAI": lambda p: self._do(p, self._wait_settled),
            "*TST?": lambda p: self._answer(p, "0"),
            "*TRG": lambda p: self._do(p, self.trigger),
            "*OPT?": lambda p: self._answer(p, ",".join(self.options) or "0"),
            "*PUD?": lambda p: self._answer(p, f"#2{len(self.pud):02d}{self.pud}"),
            "OUT": self._out,
            "OUT?": self._out_query,
            "OPER": lambda p: self._do(p, lambda: self.output.operate(self.clock.now())),
            "OPER?": lambda p: self._answer(p, flag(self.output.operating)),
            "STBY": lambda p: self._do(p, self.output.standby),
            "ISR?": lambda p: self._answer(p, str(self.isr())),
            "RANGE?": self._range_query,
            "RANGELCK": lambda p: self.output.lock_range(self._on_off(p)),
            "RANGELCK?": lambda p: self._answer(p, "ON" if self.output.locked_range else "OFF"),
            "LIMIT": self._limit,
            "LIMIT?": self._limit_query,
            "ERR?": lambda p: self._answer(p, err_reply(*self.pop_error())),
            "FAULT?": lambda p: self._answer(p, str(self.pop_error()[0])),
            "EXPLAIN?": self._explain,
            "SRQSTR": lambda p: self._serial_string(p, "srqstr"),
            "SRQSTR?": lambda p: self._answer(p, f'"{self.srqstr}"'),
            "SPLSTR": lambda p: self._serial_string(p, "splstr"),
            "SPLSTR?": lambda p: self._answer(p, f'"{self.splstr}"'),
            "SP_SET": self._sp_set,
            "SP_SET?": lambda p: self._answer(p, self.host_port),
            "REMOTE": lambda p: self._do(p, lambda: self._set_remote(True)),
            "LOCKOUT": lambda p: self._do(p, lambda: self._set_remote(True)),
            "LOCAL": lambda p: self._do(p, lambda: self._set_remote(False)),
        }.items():
            commands.add(header, handler)
        commands.add("*PUD", self._pud, raw=True)

    def _declare_5500(self, commands: CommandSet) -> None:
        """Declare the commands only the 5500 family has (FUNC?, ZCOMP, sensors ...)."""
        for header, handler in {
            "FUNC?": lambda p: self._answer(p, self._function_name()),
            "EARTH": lambda p: self._keyword(p, "earth", ["OPEN", "TIED"]),
            "EARTH?": lambda p: self._answer(p, self.earth),
            "LOWS": lambda p: self._keyword(p, "lows", ["OPEN", "TIED"]),
            "LOWS?": lambda p: self._answer(p, self.lows),
            "WAVE": self._wave,
            "WAVE?": self._wave_query,
            "PHASE": self._phase,
            "PHASE?": lambda p: self._answer(p, f"{self.output.phase_deg:.2E}"),
            "DC_OFFSET": self._dc_offset,
            "DC_OFFSET?": lambda p: self._answer(p, f"{self.output.dc_offset:.4E}"),
            "TSENS_TYPE": self._tsens_type,
            "TSENS_TYPE?": lambda p: self._answer(p, self.output.sensor),
            "ZCOMP": lambda p: self._zcomp(p),
            "ZCOMP?": lambda p: self._answer(p, self.output.zcomp),
            "CLOCK": self._clock,
            "TC_TYPE": lambda p: self._keyword(p, "tc_type", TC_TYPES),
            "TC_TYPE?": lambda p: self._answer(p, self.tc_type),
            "RTD_TYPE": lambda p: self._keyword(p, "rtd_type", RTD_TYPES),
            "RTD_TYPE?": lambda p: self._answer(p, self.rtd_type),
        }.items():
            commands.add(header, handler)

    def _declare_5700(self, commands: CommandSet) -> None:
        """Declare the commands only the 5700 family has (RCOMP, EXTSENSE, EXTGUARD ...)."""
        def on_off(value: bool) -> str:
            return "ON" if value else "OFF"

        for header, handler in {
            "RCOMP": lambda p: self._rcomp(self._on_off(p)),
            "RCOMP?": lambda p: self._answer(p, on_off(self.output.zcomp == "WIRE2")),
            "EXTSENSE": lambda p: setattr(self, "external_sense", self._on_off(p)),
            "EXTSENSE?": lambda p: self._answer(p, on_off(self.external_sense)),
            "EXTGUARD": lambda p: setattr(self, "external_guard", self._on_off(p)),
            "EXTGUARD?": lambda p: self._answer(p, on_off(self.external_guard)),
            "CAL_DAYS?": self._cal_days,
            "ETIME?": lambda p: self._answer(
                p, str(int((self.clock.now() - self.powered_on_at) // 60))),
        }.items():
            commands.add(header, handler)

    def _rcomp(self, on: bool) -> None:
        """RCOMP ON: 2-wire compensation of a resistance output (5700 family)."""
        self.output.zcomp = "WIRE2" if on else "NONE"

    def _cal_days(self, params: list[str]) -> str:
        """``CAL_DAYS? CAL|ZERO|...``: whole days since the last calibration [U: the
        parameter's other keywords are taken alike]."""
        count(params, 0, 1)
        return str(int((self.clock.now() - self.calibrated_at) // 86400))

    @staticmethod
    def _answer(params: list[str], value: str) -> str:
        count(params, 0)
        return value

    @staticmethod
    def _do(params: list[str], action: Callable[[], object]) -> None:
        count(params, 0)
        action()

    @staticmethod
    def _flag(value: bool) -> str:
        return "1" if value else "0"

    @staticmethod
    def _on_off(params: list[str]) -> bool:
        return choice(count(params, 1)[0], ["ON", "OFF"]) == "ON"

    def _keyword(self, params: list[str], attribute: str, options: list[str]) -> None:
        setattr(self, attribute, choice(count(params, 1)[0], options))

    def _set_register(self, params: list[str], name: str) -> None:
        value = int(number(count(params, 1)[0], minimum=0, maximum=255))
        setattr(self, name, value & ~STB_MSS if name == "sre" else value)

    def _read_esr(self) -> int:
        value, self.esr = self.esr, 0
        return value

    def _clear_status(self) -> None:
        self.errors.clear()
        self.esr = 0
        self._opc_due = None

    def _set_remote(self, remote: bool) -> None:
        self.remote = remote

    def _arm_opc(self) -> None:
        self._opc_due = self.clock.now() + self.output.settle_time(self.clock.now())
        self._complete_opc()

    def _opc_query(self, params: list[str]) -> str:
        count(params, 0)
        self._wait_settled()
        return "1"

    # -- output commands ---------------------------------------------------------------
    def _out(self, params: list[str]) -> None:
        arguments = [parse_argument(p) for p in count(params, 1, 3)]
        frequencies = [a for a in arguments if a.unit == "HZ"]
        amplitudes = [a for a in arguments if a.unit != "HZ"]
        if len(frequencies) > 1:
            raise CommandRejected(TWO_FREQUENCIES)
        if len(amplitudes) > 2:
            raise CommandRejected(CANNOT_SOURCE_THREE)
        if any(a.unit not in _AMPLITUDE_UNITS | {""} for a in amplitudes):
            raise CommandRejected(BAD_PARAMETER_UNIT)
        frequency = frequencies[0].value if frequencies else None
        out = self.output
        if not amplitudes:  # a frequency alone: same amplitude, new frequency
            if out.kind.unit not in ("V", "A") or out.secondary is not None:
                raise CommandRejected(BAD_PARAMETER_VALUE)
            amplitudes = [Argument(out.value, out.kind.unit)]
        elif frequency is None and out.kind.is_ac and all(a.unit in ("", "V", "A")
                                                         for a in amplitudes):
            frequency = out.frequency  # a new AC amplitude keeps the frequency
        ac = frequency is not None and frequency != 0
        first = amplitudes[0]
        unit = first.unit or out.kind.unit
        now = self.clock.now()
        if unit in ("CEL", "FAR"):
            if len(amplitudes) > 1 or frequency is not None:
                raise CommandRejected(CANNOT_SOURCE_THREE if len(amplitudes) > 1
                                      else BAD_PARAMETER_VALUE)
            out.set(OutputKind.TEMP, _celsius(first), None, now)
            return
        if unit in ("OHM", "F"):
            if len(amplitudes) > 1 or ac:
                raise CommandRejected(BAD_PARAMETER_VALUE)
            out.set(OutputKind.OHM if unit == "OHM" else OutputKind.CAP, first.value, None, now)
            return
        primary = OutputKind.DCV.with_frequency(ac) if unit == "V" else \
            OutputKind.DCI.with_frequency(ac)
        secondary = None
        if len(amplitudes) == 2:
            second = amplitudes[1]
            if second.unit not in ("V", "A"):
                raise CommandRejected(CANNOT_SOURCE_THREE)
            kind = (OutputKind.DCV if second.unit == "V" else OutputKind.DCI).with_frequency(ac)
            secondary = Secondary(kind, second.value)
        out.set(primary, first.value, frequency if ac else None, now, secondary)

    def _out_query(self, params: list[str]) -> str:
        count(params, 0)
        out = self.output
        frequency = out.frequency or 0.0
        if self.profile.family is CommandFamily.FLUKE_5700:
            return f"{out.value:.7E},{out.kind.unit},{frequency:.2E}"
        if out.secondary is None:
            return f"{out.value:.7E},{out.kind.unit},0E+00,0,{frequency:.2E}"
        second = out.secondary
        return (f"{out.value:.7E},{out.kind.unit},{second.value:.7E},{second.kind.unit},"
                f"{frequency:.2E}")

    def _function_name(self) -> str:
        out = self.output
        if out.kind is OutputKind.TEMP:
            return "TC_OUT" if out.sensor == "TC" else "RTD"
        if out.secondary is not None:
            ac = "AC" if out.kind.is_ac else "DC"
            return f"{ac}_POWER" if out.secondary.kind.unit == "A" else f"{ac}V_{ac}V"
        return _FUNC_NAMES[out.kind]

    def _range_query(self, params: list[str]) -> str:
        count(params, 0)
        out = self.output
        primary = out.range_of(out.kind, out.value)
        second = out.secondary
        secondary = "0" if second is None else f"{out.range_of(second.kind, second.value):.6E}"
        return f"{primary:.6E},{secondary}"

    def _limit(self, params: list[str]) -> None:
        upper, lower = sorted((parse_argument(p) for p in count(params, 2)),
                              key=lambda a: -a.value)
        if upper.unit != lower.unit or upper.unit not in ("V", "A"):
            raise CommandRejected(BAD_PARAMETER_UNIT)
        self.output.set_limits(upper.unit, upper.value, lower.value)

    def _limit_query(self, params: list[str]) -> str:
        count(params, 0)
        (vu, vl), (au, al) = self.output.voltage_limits, self.output.current_limits
        return f"{vu:.4E},{vl:.4E},{au:.4E},{al:.4E}"

    def _wave(self, params: list[str]) -> None:
        waves = [choice(p, WAVES) for p in count(params, 1, 2)]
        self.output.waves = (waves[0], waves[-1] if len(waves) == 2 else self.output.waves[1])

    def _wave_query(self, params: list[str]) -> str:
        count(params, 0)
        first, second = self.output.waves
        return f"{first},{second if self.output.secondary is not None else 'NONE'}"

    def _phase(self, params: list[str]) -> None:
        argument = parse_argument(count(params, 1)[0])
        if argument.unit not in ("", "DEG"):
            raise CommandRejected(BAD_PARAMETER_UNIT)
        self.output.phase_deg = number(str(argument.value), minimum=-180.0, maximum=180.0)

    def _dc_offset(self, params: list[str]) -> None:
        argument = parse_argument(count(params, 1)[0])
        if argument.unit not in ("", "V"):
            raise CommandRejected(BAD_PARAMETER_UNIT)
        if abs(argument.value) > 50.0:
            raise CommandRejected(BAD_PARAMETER_VALUE)
        self.output.dc_offset = argument.value

    def _tsens_type(self, params: list[str]) -> None:
        sensor = choice(count(params, 1)[0], ["TC", "RTD"])
        if self.output.kind is OutputKind.TEMP and sensor != self.output.sensor:
            low, high = TEMPERATURE_SPAN_C[sensor]
            if not low <= self.output.value <= high:
                raise CommandRejected(BAD_PARAMETER_VALUE)
        self.output.sensor = sensor

    def _zcomp(self, params: list[str]) -> None:
        self.output.zcomp = choice(count(params, 1)[0], ["NONE", "WIRE2", "WIRE4"])

    def _explain(self, params: list[str]) -> str:
        code = int(number(count(params, 1)[0], minimum=-math.inf, maximum=math.inf))
        return f'"{lookup(code).text}"'

    def _pud(self, params: list[str]) -> None:
        text = params[0]
        if text.startswith("#0"):
            data = text[2:]
        elif text.startswith("#") and text[1:2].isdigit():
            digits = int(text[1])
            length = int(text[2:2 + digits] or "-1")
            data = text[2 + digits:]
            if len(data) != length:
                raise CommandRejected(BAD_PARAMETER_VALUE)
        elif len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
            data = text[1:-1]
        else:
            raise CommandRejected(BAD_PARAMETER_VALUE)
        if len(data) > PUD_MAX:
            raise CommandRejected(PARAMETER_TOO_LONG)
        self.pud = data

    def _serial_string(self, params: list[str], attribute: str) -> None:
        text = count(params, 1)[0]
        if len(text) < 2 or text[0] != text[-1] or text[0] not in "\"'":
            raise CommandRejected(BAD_PARAMETER_VALUE)
        text = text[1:-1]
        if len(text) > SERIAL_STRING_MAX:
            raise CommandRejected(PARAMETER_TOO_LONG)
        try:
            text % (0, 0, 0, 0)
        except (TypeError, ValueError):
            raise CommandRejected(BAD_PARAMETER_VALUE) from None
        setattr(self, attribute, text)

    def serial_string(self, template: str) -> str:
        """Return ``template`` (SRQSTR or SPLSTR) filled with the status byte, the ESR and
        the two ISR change registers (not modelled: 0)."""
        return template % (self.status_byte(), self.esr, 0, 0)

    def _sp_set(self, params: list[str]) -> None:
        fields = count(params, 1, 7)
        choices = {
            "baud": ["300", "600", "1200", "2400", "4800", "9600"],
            "interface": ["TERM", "COMP"], "flow": ["XON", "NOSTALL", "RTS"],
            "data": ["DBIT7", "DBIT8"], "stop": ["SBIT1", "SBIT2"],
            "parity": ["PNONE", "PODD", "PEVEN"], "eol": ["CR", "LF", "CRLF"],
        }
        present = dict(zip(choices, self.host_port.split(","), strict=True))
        for field in fields:
            word = field.upper()
            slot = next((k for k, options in choices.items() if word in options), None)
            if slot is None:
                raise CommandRejected(BAD_PARAMETER_VALUE)
            present[slot] = word
        self.host_port = ",".join(present.values())  # in effect at the next power-up

    def _clock(self, params: list[str]) -> None:
        fields = [int(number(p, minimum=0, maximum=9999)) for p in count(params, 6)]
        try:
            year, month, day, hour, minute, second = fields
            when = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except ValueError:
            raise CommandRejected(BAD_PARAMETER_VALUE) from None
        self.clock_offset_s = when.timestamp() - self.clock.now()


#: a simulator class of the family (GPIB/TCP or RS-232)
_S = TypeVar("_S", bound=FlukeCalibratorSimulator)
_CLASSES: dict[str, type[FlukeCalibratorSimulator]] = {}
#: profiles whose simulator class is written out in a module of its own
_NAMED = {"fluke-5522a": ("sim_5522a", "Fluke5522ASimulator")}


def profile_class(base: type[_S], profile: CalibratorProfile, cache: dict[str, type[_S]],
                  named: dict[str, tuple[str, str]], name: str, doc: str) -> type[_S]:
    """Return the subclass of ``base`` for ``profile``, made once and kept in ``cache``: the
    class written out in the module ``named`` gives for the profile, else one made here
    with ``PROFILE`` and ``IDN`` set, called ``name``, with docstring ``doc``."""
    made = cache.get(profile.name)
    if made is None and profile.name in named:
        module, attribute = named[profile.name]
        made = getattr(importlib.import_module(f".{module}", __package__), attribute)
    if made is None:
        made = type(name, (base,), {"PROFILE": profile, "IDN": profile.idn,
                                    "__module__": base.__module__, "__doc__": doc})
    cache[profile.name] = made
    return made


def simulator_class(profile: CalibratorProfile) -> type[FlukeCalibratorSimulator]:
    """Return the simulator class of ``profile`` (``Fluke5520ASimulator`` ...): the family
    simulator with ``PROFILE`` and ``IDN`` set, made once per profile (the 5522A's is
    :class:`~.sim_5522a.Fluke5522ASimulator`)."""
    return profile_class(FlukeCalibratorSimulator, profile, _CLASSES, _NAMED,
                         f"Fluke{profile.model}Simulator",
                         f"A simulated Fluke {profile.model} (GPIB/TCP framing).")


def create(name: str, *, seed: int = 0, clock: Clock | None = None) -> FlukeCalibratorSimulator:
    """Return a new simulator of the packaged profile ``name`` (``fluke-5520a``)."""
    return simulator_class(calibrator_profile(name))(seed=seed, clock=clock)
