"""A simulated Fluke 5522A: its remote commands over a :class:`CalibratorOutput` state.

Commands (5522A Operators Manual ch. 5-6; 5520A Programmers Manual; case-insensitive,
``;`` chains; the syntax is parsed in :mod:`.commands_5522a`):

==========================  ===============================================================
``OUT a unit[, b unit][, f HZ]``  one output (``OUT 10 V``, ``OUT 1.5 A, 60 HZ``,
                            ``OUT 10 KOHM``, ``OUT 100 NF``, ``OUT 25 CEL``) or two
                            (``OUT 1 V, 1 A`` power; ``OUT 1 V, 2 V`` dual volts); ``0 HZ``
                            is DC; a frequency alone changes the frequency; no unit keeps
                            the present one
``OUT?``                    ``amplitude,unit,secondary,unit,frequency``
                            (``1.0000000E+01,V,0E+00,0,0.00E+00``)
``OPER``/``STBY``/``OPER?``  operate / standby / ``1`` or ``0``
``ISR?``                    bit 0 OPER, 6 HIVOLT (> 33 V), 11 REMOTE, 12 SETTLED
``*OPC?``/``*OPC``/``*WAI``  complete once the output has settled (ISR bit 12), as the
                            5700A/5720A manual states for the same command set
``ERR?``/``FAULT?``/``EXPLAIN? n``  the 5522A's own positive error numbers (:mod:`.errors_5522a`)
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

The calibrator operates whatever it is set to: there is no confirmation over the remote
interface (the driver keeps its own >30 V interlock). Numbers and replies marked [U] in
the module docs of :mod:`.errors_5522a` were recalled, not read in a manual.

The simulator is a :class:`~metrolab.instrument.simulation.SignalSource`: a simulated
meter wired to it reads :meth:`stimulus`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar

import numpy as np

from metrolab.clock import Clock
from metrolab.instrument.functions import Function
from metrolab.instrument.simulation import (
    Fault,
    LabEnvironment,
    SimulatedInstrument,
    Stimulus,
    choice,
    number,
)

from .commands_5522a import Argument, CommandSet, count, parse_argument
from .errors_5522a import (
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
from .output_5522a import (
    TEMPERATURE_SPAN_C,
    CalibratorOutput,
    CommandRejected,
    OutputKind,
    Secondary,
)

ISR_OPER = 1 << 0
ISR_HIVOLT = 1 << 6
ISR_REMOTE = 1 << 11
ISR_SETTLED = 1 << 12
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


class Fluke5522ASimulator(SimulatedInstrument):
    """The 5522A's remote interface and output, on an injected clock (GPIB/TCP framing:
    replies end in LF)."""

    IDN: ClassVar[str] = "FLUKE,5522A,1972905,1.1+1.3+1.8"
    ERROR_QUERY: ClassVar[str | None] = None
    SERVE_OVER: ClassVar[str] = "tcp"
    #: the host interface this simulator stands for (SP_SET?'s second field on RS-232)
    INTERFACE: ClassVar[str] = "GPIB"

    def __init__(self, *, seed: int = 0, clock: Clock | None = None,
                 latency_s: float = 0.0, environment: LabEnvironment | None = None,
                 options: tuple[str, ...] = ()) -> None:
        self.output = CalibratorOutput(np.random.default_rng([seed, 5522]))
        #: the laboratory whose temperature adds the temperature coefficient (None: tcal)
        self.environment = environment
        #: installed options, as ``*OPT?`` lists them (none: ``0``)
        self.options = options
        self.remote = self.INTERFACE != "RS-232"
        self.earth = "OPEN"
        self.lows = "TIED"
        self.pud = ""
        self.srqstr = DEFAULT_SRQSTR
        self.splstr = DEFAULT_SPLSTR
        self.host_port = "9600,TERM,XON,DBIT8,SBIT1,PNONE,CRLF"
        self.clock_offset_s = 0.0
        self.tc_type = "K"
        self.rtd_type = "PT385"
        self._opc_due: float | None = None
        super().__init__(seed=seed, clock=clock, latency_s=latency_s)
        self.command_set = CommandSet()
        self._declare(self.command_set)

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
        """Run one program message in the 5522A's syntax; return its reply or None."""
        with self.lock:
            if self.faults.take(Fault.FLOOD):
                self.flood_errors()
            self._complete_opc()
            reply = self.command_set.execute(message, lambda code: self.push_error(code, ""))
            if reply is not None and self.latency_s:
                self.clock.sleep(self.latency_s)
            return reply

    def push_error(self, code: int, message: str) -> None:
        """Queue error ``code`` as the 5522A numbers it (a shared helper's SCPI code is
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
        """``*RST``: standby, 0 V DC, range unlocked, no lead compensation."""
        self.output.reset()
        self._opc_due = None

    def isr(self) -> int:
        """Return the Instrument Status Register now."""
        out = self.output
        value = ISR_REMOTE if self.remote else 0
        if out.operating:
            value |= ISR_OPER
        if out.is_high_voltage:
            value |= ISR_HIVOLT
        if out.settled(self.clock.now()):
            value |= ISR_SETTLED
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
            "*IDN?": lambda p: self._answer(p, self.IDN),
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
            "FUNC?": lambda p: self._answer(p, self._function_name()),
            "RANGE?": self._range_query,
            "RANGELCK": lambda p: self.output.lock_range(self._on_off(p)),
            "RANGELCK?": lambda p: self._answer(p, "ON" if self.output.locked_range else "OFF"),
            "LIMIT": self._limit,
            "LIMIT?": self._limit_query,
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
            "CLOCK": self._clock,
        }.items():
            commands.add(header, handler)
        commands.add("*PUD", self._pud, raw=True)
        commands.add("TC_TYPE", lambda p: self._keyword(p, "tc_type", TC_TYPES))
        commands.add("TC_TYPE?", lambda p: self._answer(p, self.tc_type))
        commands.add("RTD_TYPE", lambda p: self._keyword(p, "rtd_type", RTD_TYPES))
        commands.add("RTD_TYPE?", lambda p: self._answer(p, self.rtd_type))

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
