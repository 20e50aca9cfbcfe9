"""The Fluke calibrator family driver: 5500A, 5520A, 5522A, 5502A, 5720A and 5730A.

One class, :class:`FlukeCalibrator`, drives every model; what differs is its
:class:`~.cal_profile.CalibratorProfile` (``PROFILE``): the output functions and ranges
it accepts, the ISR bits it polls, the resistance-compensation command (``ZCOMP`` on the
5500 family, ``RCOMP`` on the 5700 family), the ``OUT?`` reply shape and the RS-232
defaults. :func:`driver_class` gives the named class of a profile (:class:`Fluke5520A`
...) and :func:`open_calibrator` picks it from the instrument's ``*IDN?``.

The calibrators speak IEEE 488.2 common commands plus their own command set (not SCPI):
``OUT``, ``OPER``/``STBY``, ``ISR?``, ``ERR?``. Over TCP or GPIB replies end in LF;
commands are sent with LF. Errors are the calibrator's own positive numbers
(``1306,"Bad parameter value"``).

A DC output is selected with ``0 HZ``: ``OUT 1 V`` alone would keep the frequency of an AC
output selected before it (the calibrator keeps the present frequency, which is why
other drivers return to DC with ``OUT 0 V, 0 HZ`` too).

Safety interlock, the driver's own policy: an output above 30 V (the IEC 61010-1
hazardous-live level for AC) needs ``confirm_high_voltage=True`` in
:meth:`FlukeCalibrator.set_output`, otherwise :class:`SafetyInterlockError` is raised and
nothing is sent; :meth:`FlukeCalibrator.operate` refuses a high voltage set behind its back.
A value or frequency outside what the profile says the model sources is refused
(UserInputError) before anything is sent.
The calibrator itself asks for no confirmation over the remote interface.

RS-232: the profile's factory ``SP_SET`` (9600 baud, 8 data bits, no parity, 1 stop bit,
XON/XOFF on every model held), answers ending in CR LF. In the factory
``REMOTE I/F term`` mode pass ``echo=True``: the driver then sends ``^C`` (device clear)
when it opens the port and reads every echo, prompt and fault line
(:mod:`.cal_framing`), checking the prompt count.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Self, cast

import pint

from metrolab.clock import Clock, WallClock
from metrolab.errors import UserInputError
from metrolab.instrument.errors import (
    InstrumentError,
    InstrumentReplyError,
    InstrumentTimeout,
    SafetyInterlockError,
    SCPIError,
)
from metrolab.instrument.readings import parse_number
from metrolab.instrument.scpi import SCPIInstrument, is_serial_resource
from metrolab.instrument.specs import AccuracySpec
from metrolab.instrument.transport import Transport, open_transport
from metrolab.units import Quantity, ureg

from .cal_framing import PromptCounter, TerminalLine
from .cal_profile import (
    CalibratorProfile,
    CommandFamily,
    OutputKind,
    calibrator_profile,
    profile_for_model,
)

#: outputs above this magnitude (V) need ``confirm_high_voltage=True`` (driver policy)
HIGH_VOLTAGE_LIMIT_V = 30.0
#: how often wait_settled polls ISR?, seconds
POLL_INTERVAL_S = 0.1
#: the RS-232 device-clear character (IEEE-488 DCL emulated on the serial port)
DEVICE_CLEAR = "\x03"
#: lines read past (faults of earlier commands, bare prompts) while looking for an echo
MAX_SKIPPED_LINES = 8

_UNIT_WORDS = {"V": "V", "A": "A", "ohm": "OHM"}
_REPLY_UNITS = {"V": "V", "A": "A", "OHM": "ohm"}


class FlukeCalibrator(SCPIInstrument):
    """A Fluke calibrator used as the reference source: set an output, operate, wait to
    settle. ``PROFILE`` (set on the named subclasses) says which model it is."""

    PROFILE: ClassVar[CalibratorProfile]
    READ_TERMINATION: ClassVar[str] = "\n"
    WRITE_TERMINATION: ClassVar[str] = "\n"
    TIMEOUT_S: ClassVar[float] = 5.0
    ERROR_QUERY: ClassVar[str] = "ERR?"
    ERROR_QUEUE_DEPTH: ClassVar[int] = 20
    #: the factory RS-232 settings (the profile's SP_SET)
    SERIAL_SETTINGS: ClassVar[dict[str, Any]] = {}
    #: 1-year accuracy specification of the output (None when the profile holds none)
    spec: ClassVar[AccuracySpec | None] = None

    def __init__(self, transport: Transport, *, name: str | None = None,
                 clock: Clock | None = None, echo: bool = False) -> None:
        model = self.PROFILE.model
        super().__init__(transport, name=name or f"Fluke {model} at {transport.resource}")
        self.clock: Clock = clock if clock is not None else WallClock()
        #: True on an RS-232 port in ``REMOTE I/F term`` mode: every command line comes back
        #: as ``N> command`` before its answer
        self.echo = echo
        self._prompts = PromptCounter()
        self._confirmed: pint.Quantity | None = None

    @classmethod
    def open(cls, resource: str, *, name: str | None = None, timeout_s: float | None = None,
             clock: Clock | None = None, echo: bool = False,
             **transport_options: Any) -> Self:
        """Open ``resource`` and return the driver; ``clock`` paces :meth:`wait_settled`.

        On the RS-232 port the factory settings are applied (9600 8-N-1, XON/XOFF; answers
        end in CR LF; options given explicitly win) and ``echo=True`` selects the factory
        ``REMOTE I/F term`` mode: the driver clears the device (``^C``) first. ``comp``
        answers like GPIB and needs ``echo=False``.
        """
        serial = is_serial_resource(resource, transport_options)
        options = {**(cls.SERIAL_SETTINGS if serial else {}), **transport_options}
        transport = open_transport(
            resource,
            read_termination="\r\n" if serial else cls.READ_TERMINATION,
            write_termination=cls.WRITE_TERMINATION,
            timeout_s=timeout_s if timeout_s is not None else cls.TIMEOUT_S,
            **options,
        )
        driver = cls(transport, name=name, clock=clock, echo=echo)
        if echo:
            driver.clear_device()
        return driver

    # -- exchanges (term mode echoes every command line) ------------------------------
    def clear_device(self) -> None:
        """Send ``^C`` (RS-232 device clear): the calibrator drops a partial command line and
        restarts its prompt count. Returns nothing; in term mode reads the line it prints."""
        with self.lock:
            self.transport.clear()
            self.transport.write(DEVICE_CLEAR)
            self._prompts.forget()
            if self.echo:
                self._read_line(DEVICE_CLEAR)  # the end of line before the new prompt

    def write(self, command: str) -> None:
        """Send ``command``; in term mode read back its echo."""
        with self.lock:
            super().write(command)
            if self.echo:
                self._consume_echo(command)

    def query(self, command: str) -> str:
        """Send ``command`` and return its answer (in term mode, after its echo).

        In term mode a ``Fault N: text`` line instead of the answer raises SCPIError.
        """
        with self.lock:
            if not self.echo:
                return super().query(command)
            self._consume_echo(command, first=super().query(command))
            answer = TerminalLine.parse(self._read_line(command))
            fault = answer.fault()
            if fault is not None:
                raise SCPIError(*fault, instrument=self.name, command=command)
            return answer.text

    def _read_line(self, command: str) -> str:
        try:
            line = self.transport.read()
        except InstrumentTimeout as exc:
            self._out_of_step = True
            raise InstrumentTimeout(
                exc.detail, instrument=self.name, command=command,
                hint="a late reply will be discarded before the next command",
            ) from exc
        except InstrumentReplyError as exc:
            self._out_of_step = True
            raise InstrumentReplyError(exc.detail, instrument=self.name, command=command,
                                       reply=exc.reply) from exc
        if not line.isprintable():
            self._out_of_step = True
            raise InstrumentReplyError("reply has control characters (garbled)",
                                       instrument=self.name, command=command, reply=line)
        return line

    def _consume_echo(self, command: str, first: str | None = None) -> None:
        """Read the echo of ``command``, past faults of earlier commands (they are on the
        error queue too) and bare prompts; check the prompt count.

        Raises InstrumentReplyError (and marks the driver out of step) when the echo is
        not there or its prompt number shows a lost line.
        """
        line = first
        for _ in range(MAX_SKIPPED_LINES):
            if line is None:
                line = self._read_line(command)
            parsed = TerminalLine.parse(line)
            if parsed.fault() is not None or not parsed.text.strip():
                self._prompts.accept(parsed.prompt)
                line = None
                continue
            if parsed.text.strip() != command.strip():
                break
            if not self._prompts.accept(parsed.prompt):
                self._out_of_step = True
                raise InstrumentReplyError(
                    f"prompt {parsed.prompt} where {self._prompts.expected} was due: a "
                    "command line was lost or added", instrument=self.name,
                    command=command, reply=line,
                    hint="check the cable and the flow control (XON/XOFF)",
                )
            return
        self._out_of_step = True
        raise InstrumentReplyError(
            "expected the calibrator's echo of the command", instrument=self.name,
            command=command, reply=line,
            hint="is REMOTE I/F set to term? pass echo=False for comp",
        )

    def resynchronise(self) -> None:
        """Re-synchronise as the SCPI base does; in term mode also read the last echo."""
        with self.lock:
            super().resynchronise()
            if self.echo:
                self._prompts.forget()
                self._consume_echo("*ESE 0")

    # -- output ------------------------------------------------------------------------
    def set_output(self, value: pint.Quantity, frequency: pint.Quantity | None = None, *,
                   confirm_high_voltage: bool = False) -> None:
        """Select ``value`` (V, A or Ω) at ``frequency`` (AC; None for DC). Returns nothing.

        Raises SafetyInterlockError (nothing sent) for more than 30 V without
        ``confirm_high_voltage=True``, UserInputError (nothing sent) for a value without a
        V/A/Ω unit or one the model does not source (its profile's functions, maximum and
        frequency band), SCPIError when the calibrator refuses the setting (e.g. 1306 bad
        parameter value). A DC volt or amp output is sent with ``0 HZ``.
        """
        model = self.PROFILE.model
        magnitude, unit = _split(value, model)
        hertz = None
        if frequency is not None:
            if not isinstance(frequency, pint.Quantity) or not frequency.is_compatible_with("Hz"):
                raise UserInputError(f"{model} set_output: frequency {frequency!r} must be in Hz")
            hertz = float(frequency.to("Hz").magnitude)
            if unit == "ohm":
                raise UserInputError(f"{model} set_output: a resistance output has no "
                                     "frequency")
        self._check_output(magnitude, unit, hertz)
        high_voltage = unit == "V" and abs(magnitude) > HIGH_VOLTAGE_LIMIT_V
        if high_voltage and not confirm_high_voltage:
            raise SafetyInterlockError(
                f"output {value:~P} is above {HIGH_VOLTAGE_LIMIT_V:g} V",
                instrument=self.name,
                hint="pass confirm_high_voltage=True once the operator has confirmed "
                "that the terminals are safe to energise",
            )
        command = f"OUT {magnitude:.7E} {_UNIT_WORDS[unit]}"
        if hertz is not None:
            command += f", {hertz:.6E} HZ"
        elif unit in ("V", "A"):
            command += ", 0 HZ"  # DC; without it an AC output's frequency would be kept
        with self.lock:
            self.write(command)
            self.check_errors(command)
            self._confirmed = Quantity(magnitude, unit) if high_voltage else None

    def _check_output(self, magnitude: float, unit: str, hertz: float | None) -> None:
        """Raise UserInputError when the profile says the model cannot source this."""
        kind = {"V": OutputKind.DCV, "A": OutputKind.DCI, "ohm": OutputKind.OHM}[unit]
        kind = kind.with_frequency(hertz is not None and hertz != 0)
        out = self.PROFILE.output(kind)
        model = self.PROFILE.model
        if out is None:
            raise UserInputError(f"the {model} has no {kind.name} output")
        if abs(magnitude) > out.maximum * (1 + 1e-9):
            raise UserInputError(f"{model} set_output: {magnitude:g} {unit} is beyond its "
                                 f"{kind.name} output ({out.maximum:g} {unit} at most)")
        low, high = out.frequency_min, out.frequency_max
        if kind.is_ac and low is not None and high is not None and hertz is not None \
                and not low <= hertz <= high:
            raise UserInputError(f"{model} set_output: {hertz:g} Hz is outside its "
                                 f"{kind.name} band ({low:g} Hz to {high:g} Hz)")

    def output(self) -> tuple[pint.Quantity, pint.Quantity | None]:
        """Return the selected output and its frequency (None for DC), from ``OUT?``.

        The 5500 family answers ``amplitude,unit,secondary,unit,frequency``, the 5700
        family ``amplitude,unit,frequency``.
        """
        reply = self.query("OUT?")
        fields = [field.strip() for field in reply.split(",")]
        shape = 3 if self.PROFILE.family is CommandFamily.FLUKE_5700 else 5
        if len(fields) != shape or fields[1].upper() not in _REPLY_UNITS:
            expected = ("amplitude,unit,frequency" if shape == 3
                        else "amplitude,unit,secondary,unit,frequency")
            raise InstrumentReplyError(
                f"OUT? reply is not {expected}",
                instrument=self.name, command="OUT?", reply=reply,
            )
        amplitude = parse_number(fields[0], instrument=self.name, command="OUT?")
        hertz = parse_number(fields[-1], instrument=self.name, command="OUT?")
        frequency = Quantity(hertz, "Hz") if hertz > 0 else None
        return Quantity(amplitude, _REPLY_UNITS[fields[1].upper()]), frequency

    def operate(self) -> None:
        """Connect the output (``OPER``); returns once the calibrator reports operate.

        Raises SafetyInterlockError when the selected output is above 30 V and was not
        confirmed through :meth:`set_output` (the driver's policy), SCPIError when the
        calibrator refuses, InstrumentError when ``OPER?`` still answers 0 afterwards.
        """
        with self.lock:
            present, _ = self.output()
            high_voltage = (present.units == ureg.V
                            and abs(present.magnitude) > HIGH_VOLTAGE_LIMIT_V)
            if high_voltage and not self._is_confirmed(present):
                raise SafetyInterlockError(
                    f"the calibrator is set to {present:~P}, above {HIGH_VOLTAGE_LIMIT_V:g} V, "
                    "and that output was not confirmed",
                    instrument=self.name, command="OPER",
                    hint="call set_output(..., confirm_high_voltage=True) first",
                )
            self.configure_with("OPER")
            if self.query("OPER?").strip() != "1":
                raise InstrumentError(
                    "OPER was accepted but OPER? does not report operate",
                    instrument=self.name, command="OPER?",
                    hint="check the front panel for a fault or a prompt",
                )

    def _is_confirmed(self, present: pint.Quantity) -> bool:
        confirmed = self._confirmed
        return confirmed is not None and math.isclose(
            float(confirmed.to(present.units).magnitude), float(present.magnitude),
            rel_tol=1e-6,
        )

    def standby(self) -> None:
        """Disconnect the output (``STBY``). Returns nothing; raises SCPIError on refusal."""
        self.configure_with("STBY")

    def is_operating(self) -> bool:
        """Return True when the output is connected (``OPER?`` answers 1)."""
        return self.query("OPER?").strip() == "1"

    def instrument_status(self) -> int:
        """Return the Instrument Status Register (``ISR?``) as an int (bit 12 = settled
        on every model held; the profile's ``isr_bits`` name the others)."""
        reply = self.query("ISR?")
        try:
            return int(reply.strip())
        except ValueError:
            raise InstrumentReplyError(
                "ISR? reply is not an integer", instrument=self.name, command="ISR?",
                reply=reply,
            ) from None

    def wait_settled(self, timeout_s: float = 30.0) -> float:
        """Poll ``ISR?`` until the output is settled; return the seconds waited (clock time).

        Raises InstrumentError when the calibrator is not operating and InstrumentTimeout
        when it has not settled within ``timeout_s`` seconds.
        """
        start = self.clock.now()
        oper, settled = self.PROFILE.isr_mask("OPER"), self.PROFILE.isr_mask("SETTLED")
        while True:
            status = self.instrument_status()
            if not status & oper:
                raise InstrumentError(
                    "the output is in standby, it will never settle", instrument=self.name,
                    command="ISR?", reply=str(status), hint="call operate() first",
                )
            waited = self.clock.now() - start
            if status & settled:
                return waited
            if waited >= timeout_s - 1e-9:
                raise InstrumentTimeout(
                    f"output not settled after {waited:.1f} s", instrument=self.name,
                    command="ISR?", reply=str(status),
                    hint="check the load on the output terminals",
                )
            self.clock.sleep(POLL_INTERVAL_S)

    def set_four_wire(self, four_wire: bool) -> None:
        """Set resistance lead compensation for a 4-wire or 2-wire measurement: the
        profile's command (5500 family ``ZCOMP WIRE4``/``ZCOMP WIRE2``, 5700 family
        ``RCOMP OFF``/``RCOMP ON``). Returns nothing; raises SCPIError on refusal."""
        profile = self.PROFILE
        self.configure_with(profile.four_wire_command if four_wire else profile.two_wire_command)


def _split(value: pint.Quantity, model: str) -> tuple[float, str]:
    """Return ``(magnitude, unit)`` of an output in V, A or ohm."""
    if isinstance(value, pint.Quantity):
        for unit in ("V", "A", "ohm"):
            if value.is_compatible_with(unit):
                return float(value.to(unit).magnitude), unit
    raise UserInputError(f"{model} set_output: {value!r} is not a voltage, current or "
                         "resistance")


class Fluke5500A(FlukeCalibrator):
    """A Fluke 5500A used as the reference source (no specification table is held)."""

    PROFILE: ClassVar[CalibratorProfile] = calibrator_profile("fluke-5500a")
    SERIAL_SETTINGS: ClassVar[dict[str, Any]] = PROFILE.serial.pyserial


class Fluke5502A(FlukeCalibrator):
    """A Fluke 5502A used as the reference source."""

    PROFILE: ClassVar[CalibratorProfile] = calibrator_profile("fluke-5502a")
    SERIAL_SETTINGS: ClassVar[dict[str, Any]] = PROFILE.serial.pyserial
    spec: ClassVar[AccuracySpec | None] = PROFILE.spec


class Fluke5520A(FlukeCalibrator):
    """A Fluke 5520A used as the reference source."""

    PROFILE: ClassVar[CalibratorProfile] = calibrator_profile("fluke-5520a")
    SERIAL_SETTINGS: ClassVar[dict[str, Any]] = PROFILE.serial.pyserial
    spec: ClassVar[AccuracySpec | None] = PROFILE.spec


class Fluke5522A(FlukeCalibrator):
    """A Fluke 5522A used as the reference source."""

    PROFILE: ClassVar[CalibratorProfile] = calibrator_profile("fluke-5522a")
    SERIAL_SETTINGS: ClassVar[dict[str, Any]] = PROFILE.serial.pyserial
    spec: ClassVar[AccuracySpec | None] = PROFILE.spec


class Fluke5720A(FlukeCalibrator):
    """A Fluke 5720A used as the reference source (no specification table is held)."""

    PROFILE: ClassVar[CalibratorProfile] = calibrator_profile("fluke-5720a")
    SERIAL_SETTINGS: ClassVar[dict[str, Any]] = PROFILE.serial.pyserial


class Fluke5730A(FlukeCalibrator):
    """A Fluke 5730A used as the reference source (no specification table is held)."""

    PROFILE: ClassVar[CalibratorProfile] = calibrator_profile("fluke-5730a")
    SERIAL_SETTINGS: ClassVar[dict[str, Any]] = PROFILE.serial.pyserial


#: the named driver of each packaged profile, by profile name
_CLASSES: dict[str, type[FlukeCalibrator]] = {
    cls.PROFILE.name: cls
    for cls in (Fluke5500A, Fluke5502A, Fluke5520A, Fluke5522A, Fluke5720A, Fluke5730A)
}


def driver_class(profile: CalibratorProfile) -> type[FlukeCalibrator]:
    """Return the driver class of ``profile``: the named class of a packaged profile
    (:class:`Fluke5520A` ...), else a family driver made for it (a lab's own profile)."""
    made = _CLASSES.get(profile.name)
    if made is None or profile != made.PROFILE:
        spec = profile.spec if "1-year" in profile.spec_files else None
        made = cast(type[FlukeCalibrator], type(
            f"Fluke{profile.model}", (FlukeCalibrator,),
            {"PROFILE": profile, "SERIAL_SETTINGS": profile.serial.pyserial, "spec": spec,
             "__module__": __name__,
             "__doc__": f"A Fluke {profile.model} used as the reference source."}))
    return made


def driver_classes() -> dict[str, type[FlukeCalibrator]]:
    """Return the driver class of every packaged profile by ``*IDN?`` model (``5520A``)."""
    return {cls.PROFILE.model: cls for cls in _CLASSES.values()}


def open_calibrator(resource: str, *, model: str | None = None, **options: Any
                    ) -> FlukeCalibrator:
    """Open ``resource`` with the driver of its model: ``model`` (``5520A``) when given,
    else the model field of its ``*IDN?`` (GPIB, TCP and RS-232 ``comp`` mode; a port in
    ``term`` mode needs ``model`` and ``echo=True``). Returns the opened driver.

    Raises UserInputError when no profile has that model (the connection is closed).
    """
    if model is not None:
        return driver_class(profile_for_model(model)).open(resource, **options)
    probe = Fluke5522A.open(resource, **options)
    try:
        cls = driver_class(profile_for_model(probe.identity.model))
    finally:
        probe.close()
    return cls.open(resource, **options)
