"""Drivers for the Keysight/Agilent 34401A and 34465A digital multimeters.

``configure(function, range, nplc)`` then ``read()`` (one reading) or
``read_many(count)`` (a buffer; REAL,64 binary on the 34465A). Readings are pint
quantities; an overload raises OverloadError and is never returned as a value.
pint and numpy are imported on first use, so importing a driver stays cheap.
"""

from __future__ import annotations

import math
from contextlib import nullcontext
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from metrolab.drivers.keysight.models import (
    KEYSIGHT_34401A,
    KEYSIGHT_34465A,
    NPLC_FUNCTIONS,
    SCPI_FUNCTION,
    DmmModel,
)

from metrolab.errors import UserInputError
from metrolab.instrument.errors import InstrumentError, InstrumentReplyError
from metrolab.instrument.functions import Function
from metrolab.instrument.readings import ScalarQuantity, parse_number, reject_special_values
from metrolab.instrument.scpi import SCPIInstrument

if TYPE_CHECKING:
    from pint import Quantity

    from metrolab.instrument.specs import AccuracySpec

SPEC_DIR = Path(__file__).parent / "specs"
#: seconds allowed to move one reading: ASCII (16 characters at 9600 baud) or REAL,64
_ASCII_TRANSFER_S = 0.02
_BINARY_TRANSFER_S = 1e-6
_NO_CHANGE = nullcontext()


class KeysightDMM(SCPIInstrument):
    """A Keysight 344xx DMM over SCPI; the model's data is in ``MODEL``."""

    MODEL: ClassVar[DmmModel] = KEYSIGHT_34401A
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

    def opened(self, *, serial: bool) -> None:
        """Over RS-232, put a model that needs it (the 34401A) in remote (``SYST:REM``)
        before any other command."""
        if serial and self.MODEL.remote_over_serial:
            self.write("SYST:REM")

    @cached_property
    def spec(self) -> AccuracySpec:
        """Return this model's 1-year accuracy specification (loaded from its TOML file)."""
        from metrolab.instrument.specs import AccuracySpec

        return AccuracySpec.load(SPEC_DIR / self.MODEL.spec_file)

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
        if function not in self.MODEL.ranges:
            raise UserInputError(f"{self.name}: function {function.name} is not available")
        range_value = self._choose_range(function, range)
        node = SCPI_FUNCTION[function]
        commands = [f"CONF:{node} {'DEF' if range_value is None else f'{range_value:g}'}"]
        integrating = function in NPLC_FUNCTIONS
        if integrating:
            if not any(math.isclose(nplc, c) for c in self.MODEL.nplc_choices):
                choices = ", ".join(f"{c:g}" for c in self.MODEL.nplc_choices)
                raise UserInputError(
                    f"{self.name}: NPLC {nplc:g} not available; use one of {choices}"
                )
            commands.append(f"{node}:NPLC {nplc:g}")
        commands += ["TRIG:SOUR IMM", "TRIG:COUN 1", "SAMP:COUN 1"]
        # the commands and the state they set change together under the instrument lock:
        # a reading taken by another thread is labelled with what the instrument measured
        with self.lock:
            self.function = None  # unknown until the instrument has accepted the commands
            self.configure_with(*commands)
            self.function = function
            self.range = range_value
            self.nplc = float(nplc) if integrating else None
            self._samples = 1

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
        for candidate in self.MODEL.ranges[function]:
            if value <= candidate * (1 + 1e-9):
                return candidate
        top = max(self.MODEL.ranges[function])
        raise UserInputError(
            f"{self.name}: {range} is beyond the highest {function.name} range "
            f"({top:g} {function.unit})"
        )

    def configure_trigger(
        self, source: str = "IMM", count: int = 1, delay_s: float | None = None
    ) -> None:
        """Set the trigger ``source`` (IMM, BUS, EXT), trigger ``count`` and delay in seconds."""
        commands = [f"TRIG:SOUR {source}", f"TRIG:COUN {count:d}"]
        if delay_s is not None:
            commands.append(f"TRIG:DEL {delay_s:g}")
        self.configure_with(*commands)

    def set_sample_count(self, count: int) -> None:
        """Set how many readings each trigger takes (1 to the model's maximum)."""
        if not 1 <= count <= self.MODEL.max_samples:
            raise UserInputError(
                f"{self.name}: sample count {count} outside 1..{self.MODEL.max_samples}"
            )
        if count != self._samples:
            self.configure_with(f"SAMP:COUN {count:d}")
            self._samples = count

    def resolution(self, function: Function, range: Quantity, nplc: float = 10) -> Quantity:
        """Return the reading resolution on ``range`` at ``nplc``, in the function's unit."""
        from metrolab.units import ureg

        range_value = self._choose_range(function, range)
        if range_value is None:
            raise UserInputError(f"{self.name}: resolution needs a fixed range, not autorange")
        if function.is_ac:
            factor = self.MODEL.ac_resolution_factor
        else:
            factor = next(
                (f for n, f in self.MODEL.resolution_factor.items() if math.isclose(n, nplc)),
                math.nan,
            )
            if math.isnan(factor):
                raise UserInputError(f"{self.name}: NPLC {nplc:g} not available")
        return ureg.Quantity(factor * range_value, function.unit)

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
            if self._binary:
                value = float(self._read_values("READ?", 1)[0])
            else:
                with self._timeout_for(1):
                    reply = self.query("READ?")
                value = parse_number(reply, instrument=self.name, command="READ?")
        return self._scalars[function](value)

    def read_many(self, count: int) -> Quantity:
        """Trigger ``count`` readings and return them as a 1-D Quantity array.

        Raises OverloadError when any reading overloaded (none is returned).
        """
        from metrolab.units import ureg

        with self.lock:
            function = self._configured()
            self.set_sample_count(count)
            values = self._read_values("READ?", count)
        return ureg.Quantity(values, self._units[function])

    def initiate(self) -> None:
        """Start a measurement (``INIT``); readings go to memory for :meth:`fetch`."""
        self.write("INIT")

    def send_trigger(self) -> None:
        """Send a bus trigger (``*TRG``) for a measurement armed with source BUS."""
        self.write("*TRG")

    def fetch(self, count: int) -> Quantity:
        """Return the ``count`` readings of the last measurement from memory (``FETC?``)."""
        from metrolab.units import ureg

        with self.lock:
            function = self._configured()
            values = self._read_values("FETC?", count)
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


class Keysight34401A(KeysightDMM):
    """Keysight/Agilent 34401A 6½-digit DMM (ASCII readings; RS-232 or GPIB/LAN adapters)."""

    MODEL = KEYSIGHT_34401A
    SERIAL_SETTINGS: ClassVar[dict[str, Any]] = dict(KEYSIGHT_34401A.serial_settings)


class Keysight34465A(KeysightDMM):
    """Keysight 34465A Truevolt 6½-digit DMM: buffers move as REAL,64 binary blocks."""

    MODEL = KEYSIGHT_34465A

    def read_many(self, count: int) -> Quantity:
        """Trigger ``count`` readings and return them as a 1-D Quantity array.

        Transfers as a big-endian REAL,64 block (``FORM REAL,64``). Raises
        OverloadError when any reading overloaded.
        """
        with self.lock:
            if not self._binary:
                self.configure_with("FORM:DATA REAL,64", "FORM:BORD NORM")
                self._binary = True
            return super().read_many(count)
