"""The family driver of every SCPI DMM profile: :class:`ScpiDmm`.

``configure(function, range, nplc)`` then ``read()`` (one reading) or
``read_many(count)`` (a buffer; REAL,64 binary where the profile has it). What the
driver sends is the profile's dialect (:mod:`.dialects`); ranges, NPLC, resolution,
sample limits, serial settings and quirks come from the profile (``MODEL``).
``ScpiDmm.for_profile(name)`` is the driver class of a packaged profile and
:func:`open_dmm` opens a resource and picks the profile from its ``*IDN?`` reply.
Readings are pint quantities; an overload raises OverloadError and is never returned
as a value. pint and numpy are imported on first use, so importing a driver stays cheap.
"""

from __future__ import annotations

import importlib
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from metrolab.drivers.dmm.dialects import NPLC_FUNCTIONS, Dialect, Dmm6500Dialect, dialect
from metrolab.drivers.dmm.profile import DmmProfile
from metrolab.drivers.dmm.registry import dmm_profile, profile_for_identity

from metrolab.errors import UserInputError
from metrolab.instrument.errors import InstrumentError, InstrumentReplyError
from metrolab.instrument.functions import Function
from metrolab.instrument.readings import ScalarQuantity, parse_number, reject_special_values
from metrolab.instrument.scpi import Identity, SCPIInstrument, is_serial_resource
from metrolab.instrument.transport import open_transport

if TYPE_CHECKING:
    from pint import Quantity

    from metrolab.instrument.specs import AccuracySpec

#: seconds allowed to move one reading: ASCII (16 characters at 9600 baud) or REAL,64
_ASCII_TRANSFER_S = 0.02
_BINARY_TRANSFER_S = 1e-6
_NO_CHANGE = nullcontext()
#: distinct configure() requests whose commands a driver remembers
_MAX_PLANS = 256


@dataclass(frozen=True)
class _Plan:
    """What one ``configure()`` request sends and the state it leaves."""

    commands: tuple[str, ...]
    range_value: float | None
    nplc: float | None


class ScpiDmm(SCPIInstrument):
    """A DMM of the family over SCPI; the model's profile is ``MODEL``."""

    MODEL: ClassVar[DmmProfile]
    READ_TERMINATION = "\n"
    WRITE_TERMINATION = "\n"
    TIMEOUT_S = 10.0
    ERROR_QUERY = "SYST:ERR?"
    ERROR_QUEUE_DEPTH = 20

    def __init__(self, transport: Any, *, name: str | None = None) -> None:
        super().__init__(transport, name=name or f"{self.MODEL.model} at {transport.resource}")
        self.function: Function | None = None
        self.range: float | None = None
        self.nplc: float | None = None
        self._samples = 1
        self._binary = False
        self._plans: dict[tuple[Any, ...], _Plan] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Remember a named driver class (``Keysight34401A``) as its profile's class."""
        super().__init_subclass__(**kwargs)
        model = cls.__dict__.get("MODEL")
        if isinstance(model, DmmProfile):
            _driver_classes.setdefault(model.name, cls)

    @classmethod
    def for_profile(cls, profile: DmmProfile | str) -> type[ScpiDmm]:
        """Return the driver class of ``profile`` (a profile or a packaged profile's name):
        its terminations, serial settings and command forms are the profile's. The named
        class (``Keysight34401A``, ``Fluke8846A``) where a maker's module defines one,
        otherwise one made from the profile (both behave the same)."""
        found = dmm_profile(profile) if isinstance(profile, str) else profile
        if found.maker.lower() in _NAMED_CLASSES:
            importlib.import_module(_NAMED_CLASSES[found.maker.lower()])
        made = _driver_classes.get(found.name)
        if made is None:
            made = type(f"{found.maker}{found.model}".replace(" ", ""), (cls,), {
                "__doc__": f"{found.maker} {found.model} DMM ({found.dialect} command set).",
                "MODEL": found,
                "SERIAL_SETTINGS": found.serial_settings,
                "SERIAL_READ_TERMINATION": found.interfaces.serial_reply_terminator,
                "__module__": __name__,
            })
            _driver_classes[found.name] = made
        return made

    def opened(self, *, serial: bool) -> None:
        """Over RS-232, put a model that needs it (34401A, 884xA) in remote (``SYST:REM``)
        before any other command."""
        if serial and self.MODEL.remote_over_serial:
            self.write("SYST:REM")

    @property
    def profile(self) -> DmmProfile:
        """Return the model's profile (identity, ranges, integration table, quirks)."""
        return self.MODEL

    @cached_property
    def dialect(self) -> Dialect:
        """Return the command forms of the model's command set."""
        return dialect(self.MODEL.dialect)

    @property
    def spec(self) -> AccuracySpec:
        """Return this model's 1-year accuracy specification (loaded from its TOML file)."""
        return self.MODEL.spec

    def reset(self) -> None:
        """``*RST`` and forget the configuration (function, range, format, sample count)."""
        with self.lock:
            super().reset()
            self.function = None
            self.range = None
            self.nplc = None
            self._samples = 1
            self._binary = False

    # -------------------------------------------------------- configuration
    def configure(
        self, function: Function, range: Quantity | None = None, nplc: float = 10
    ) -> None:
        """Set ``function``, ``range`` (None = autorange) and ``nplc``; one trigger, one sample.

        The range is the smallest of the model's ranges that holds ``range``.
        ``nplc`` applies to DC and resistance; AC functions use the AC filter and
        ignore it. Raises UserInputError for an impossible setting, SCPIError if
        the instrument refused a command.
        """
        plan = self._plan(function, range, nplc)
        # the commands and the state they set change together under the instrument lock:
        # a reading taken by another thread is labelled with what the instrument measured
        with self.lock:
            self.function = None  # unknown until the instrument has accepted the commands
            self.configure_with(*plan.commands)
            self.function = function
            self.range = plan.range_value
            self.nplc = plan.nplc
            self._samples = 1

    def _plan(self, function: Function, range: Quantity | None, nplc: float) -> _Plan:
        """Return the commands and resulting state of ``configure(function, range, nplc)``,
        worked out once per distinct request: choosing the range through pint and
        formatting the commands cost as much as a TCP exchange, and a calibration
        configures the same few points over and over."""
        try:
            key = (function, None if range is None else (float(range.magnitude),
                                                          range._units), nplc)
            found = self._plans.get(key)
        except (TypeError, AttributeError):  # an array or a non-quantity: no cache
            key, found = None, None
        if found is not None:
            return found
        if function not in self.MODEL.functions:
            raise UserInputError(f"{self.name}: function {function.name} is not available")
        range_value = self._choose_range(function, range)
        integrating = function in NPLC_FUNCTIONS
        if integrating and not self.MODEL.accepts_nplc(nplc):
            raise UserInputError(f"{self.name}: NPLC {nplc:g} not available; use "
                                 f"{self._nplc_text()}")
        kept_nplc = float(nplc) if integrating else None
        plan = _Plan(tuple(self.dialect.configure(function, range_value, kept_nplc)),
                     range_value, kept_nplc)
        if key is not None and len(self._plans) < _MAX_PLANS:
            self._plans[key] = plan
        return plan

    def _choose_range(self, function: Function, range: Quantity | None) -> float | None:
        if range is None:
            return None
        from pint.errors import DimensionalityError

        unit = self._units[function]
        try:
            # a range already in the function's unit needs no conversion: compare the unit
            # containers (``.units`` would build a new Unit, ``.to`` convert; both are slow)
            same = range._units == unit._units
            magnitude = range.magnitude if same else range.to(unit).magnitude
            value = abs(float(magnitude))
        except (DimensionalityError, AttributeError):
            raise UserInputError(
                f"{self.name}: range {range!r} is not a {function.unit} quantity for "
                f"{function.name}"
            ) from None
        found = self.MODEL.range_for(function, value)
        if found is not None:
            return found
        top = max(self.MODEL.ranges_of(function))
        raise UserInputError(
            f"{self.name}: {range} is beyond the highest {function.name} range "
            f"({top:g} {function.unit})"
        )

    def configure_trigger(
        self, source: str = "IMM", count: int = 1, delay_s: float | None = None
    ) -> None:
        """Set the trigger ``source`` (IMM, BUS, EXT), trigger ``count`` and delay in seconds
        (None: the automatic delay)."""
        if source.upper() not in (s.upper() for s in self.MODEL.trigger.sources):
            raise UserInputError(f"{self.name}: trigger source {source!r} is not one of "
                                 f"{', '.join(self.MODEL.trigger.sources)}")
        self.configure_with(*self.dialect.trigger(source, count, delay_s))

    def set_sample_count(self, count: int) -> None:
        """Set how many readings each trigger takes (1 to the model's maximum)."""
        if not 1 <= count <= self.MODEL.max_samples:
            raise UserInputError(
                f"{self.name}: sample count {count} outside 1..{self.MODEL.max_samples}"
            )
        if count != self._samples:
            self.configure_with(self.dialect.sample_count(count))
            self._samples = count

    def resolution(self, function: Function, range: Quantity, nplc: float = 10) -> Quantity:
        """Return the reading resolution on ``range`` at ``nplc``, in the function's unit."""
        from metrolab.units import ureg

        range_value = self._choose_range(function, range)
        if range_value is None:
            raise UserInputError(f"{self.name}: resolution needs a fixed range, not autorange")
        if not function.is_ac and not self.MODEL.accepts_nplc(nplc):
            raise UserInputError(f"{self.name}: NPLC {nplc:g} not available; use "
                                 f"{self._nplc_text()}")
        return ureg.Quantity(self.MODEL.resolution(function, range_value, nplc), function.unit)

    def _nplc_text(self) -> str:
        choices = self.MODEL.nplc_choices
        if self.MODEL.nplc_continuous:
            return f"{min(choices):g} to {max(choices):g}"
        return "one of " + ", ".join(f"{c:g}" for c in choices)

    # -------------------------------------------------------------- readings
    def read(self) -> Quantity:
        """Trigger and return one reading (``READ?``) in V, A or ohm.

        Raises OverloadError when the input is beyond the range. The unit is the
        function the instrument measured in, read under the same lock as the reading.
        """
        with self.lock:
            function = self._configured()
            if self._samples != 1:
                self.set_sample_count(1)
            query = self.dialect.read()
            if self._binary:
                value = float(self._read_values(query, 1)[0])
            else:
                with self._timeout_for(1):
                    reply = self.query(query)
                value = parse_number(reply, instrument=self.name, command=query)
        return self._scalars[function](value)

    def read_many(self, count: int) -> Quantity:
        """Trigger ``count`` readings and return them as a 1-D Quantity array.

        Models that move readings as big-endian REAL,64 blocks (the Truevolt meters) are
        switched to that format first (``FORM:DATA REAL,64``, ``FORM:BORD NORM``). Raises
        OverloadError when any reading overloaded (none is returned).
        """
        from metrolab.units import ureg

        with self.lock:
            function = self._configured()
            if self.MODEL.quirks.binary_byte_order == "NORM" and not self._binary:
                self.configure_with("FORM:DATA REAL,64", "FORM:BORD NORM")
                self._binary = True
            self.set_sample_count(count)
            if self.MODEL.quirks.read_returns_last_only:
                values = self._read_buffer(count)
            else:
                values = self._read_values(self.dialect.read(), count)
        return ureg.Quantity(values, self._units[function])

    def _read_buffer(self, count: int) -> Any:
        """Take ``count`` readings into the reading buffer and read them back: ``READ?``
        answers only the last one on these models (DMM6500/DMM7510)."""
        assert isinstance(self.dialect, Dmm6500Dialect)
        self.write(self.dialect.clear_buffer())
        query = self.dialect.read()
        with self._timeout_for(count):
            last = self.query(query)
        parse_number(last, instrument=self.name, command=query)
        return self._read_values(self.dialect.fetch(count), count)

    def initiate(self) -> None:
        """Start a measurement (``INIT``); readings go to memory for :meth:`fetch`."""
        self.write(self.dialect.initiate())

    def send_trigger(self) -> None:
        """Send a bus trigger (``*TRG``) for a measurement armed with source BUS."""
        self.write("*TRG")

    def fetch(self, count: int) -> Quantity:
        """Return the ``count`` readings of the last measurement from memory (``FETC?``)."""
        from metrolab.units import ureg

        with self.lock:
            function = self._configured()
            values = self._read_values(self.dialect.fetch(count), count)
        return ureg.Quantity(values, self._units[function])

    def _configured(self) -> Function:
        if self.function is None:
            raise InstrumentError(
                "no function configured", instrument=self.name, hint="call configure() first"
            )
        return self.function

    def _read_values(self, command: str, count: int) -> Any:
        import numpy as np

        with self.lock, self._timeout_for(count):
            if self._binary:
                from metrolab.instrument.blocks import decode_float64

                values = decode_float64(self.query_block(command), big_endian=True)
            else:
                reply = self.query(command)
                if count == 1:
                    values = np.array([parse_number(reply, instrument=self.name, command=command)])
                else:
                    try:
                        values = np.array(reply.split(","), dtype=np.float64)
                    except ValueError:
                        raise InstrumentReplyError(
                            "reply is not a list of numbers",
                            instrument=self.name,
                            command=command,
                            reply=reply,
                        ) from None
        if values.size != count:
            raise InstrumentReplyError(
                f"expected {count} readings, got {values.size}",
                instrument=self.name,
                command=command,
            )
        return reject_special_values(values, instrument=self.name, command=command)

    @cached_property
    def _scalars(self) -> dict[Function, ScalarQuantity]:
        """Return the builder of one reading's Quantity per function (units parsed once)."""
        return {function: ScalarQuantity(unit) for function, unit in self._units.items()}

    @cached_property
    def _units(self) -> dict[Function, Any]:
        """Return the pint unit of each function's readings (built once: parsing is slow)."""
        from metrolab.units import ureg

        return {function: ureg.Unit(function.unit) for function in Function}

    def _timeout_for(self, count: int) -> _Timeout | nullcontext[None]:
        """Allow the integration time of ``count`` readings and their transfer (ASCII over
        RS-232 is the slow case) on top of the transport's own timeout."""
        aperture = (self.nplc or 5.0) / 50.0
        transfer = _BINARY_TRANSFER_S if self._binary else _ASCII_TRANSFER_S
        extra = count * (aperture * 1.5 + transfer)
        base = self.transport.timeout_s
        if extra <= 0.5 * base:
            return _NO_CHANGE  # fits the timeout as it is (setting it costs a VISA call)
        return _Timeout(self.transport, base + extra)


class _Timeout:
    """Raise a transport's timeout for the length of one long exchange."""

    def __init__(self, transport: Any, seconds: float) -> None:
        self._transport = transport
        self._seconds = seconds
        self._saved = transport.timeout_s

    def __enter__(self) -> None:
        self._transport.timeout_s = self._seconds

    def __exit__(self, *exc: object) -> None:
        self._transport.timeout_s = self._saved


_driver_classes: dict[str, type[ScpiDmm]] = {}
#: the modules that define named driver classes, by maker
_NAMED_CLASSES = {"keysight": "metrolab.drivers.keysight.dmm",
                  "fluke": "metrolab.drivers.fluke.fluke8846a"}


def open_dmm(resource: str, profile: DmmProfile | str | None = None, *,
             name: str | None = None, timeout_s: float | None = None,
             **transport_options: Any) -> ScpiDmm:
    """Open ``resource`` and return the family driver of its model.

    ``profile`` (a profile or a packaged profile's name) says which model it is; without
    it the instrument is asked ``*IDN?`` over LF-terminated messages and the profile is
    the one whose identity fields match. Raises UserInputError when no profile matches.
    """
    if profile is not None:
        return ScpiDmm.for_profile(profile).open(resource, name=name, timeout_s=timeout_s,
                                                 **transport_options)
    serial = is_serial_resource(resource, transport_options)
    transport = open_transport(resource, read_termination="\r\n" if serial else "\n",
                               write_termination="\n",
                               timeout_s=timeout_s or ScpiDmm.TIMEOUT_S, **transport_options)
    try:
        probe = SCPIInstrument(transport, name=name)
        identity = Identity.parse(probe.query("*IDN?"), instrument=probe.name)
        found = profile_for_identity(identity.manufacturer, identity.model)
    except BaseException:
        transport.close()
        raise
    transport.close()
    return ScpiDmm.for_profile(found).open(resource, name=name, timeout_s=timeout_s,
                                           **transport_options)
