"""The roles an instrument plays, as small ``typing.Protocol`` classes.

A procedure asks for a :class:`Multimeter`, a :class:`Calibrator`, a
:class:`ThermometerReadout` or an :class:`EnvironmentMonitor`; any driver whose methods
fit is one (as Bluesky's ``protocols.py`` does for devices: no base class). Return types
are precise: pint quantities in the instrument's unit, and typed reading objects
(:class:`EnvironmentReading`). The protocols are ``runtime_checkable``, so a runner can
also check an opened driver with ``isinstance`` (which checks the names, not the
signatures: mypy checks those, see ``tests/instrument/test_roles.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pint

    from metrolab.instrument.functions import Function


@dataclass(frozen=True, slots=True)
class EnvironmentReading:
    """Laboratory conditions: temperature, relative humidity (%) and pressure (None when
    the monitor has no barometer)."""

    temperature: pint.Quantity
    humidity: pint.Quantity
    pressure: pint.Quantity | None = None


@runtime_checkable
class Instrument(Protocol):
    """What every driver offers: a name for messages, its errors, closing.

    (The identity is not a member: ``isinstance`` on a runtime protocol reads every
    member, and a driver's ``identity`` asks the instrument ``*IDN?``.)
    """

    name: str

    def drain_errors(self) -> list[tuple[int, str]]:
        """Return every error the instrument has queued (oldest first), emptying it."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


@runtime_checkable
class Multimeter(Instrument, Protocol):
    """A digital multimeter: configure a function and range, then read in its unit."""

    def configure(self, function: Function, range: pint.Quantity | None = None,
                  nplc: float = 10) -> None:
        """Set ``function``, ``range`` (None = autorange) and integration time (PLC)."""
        ...

    def read(self) -> pint.Quantity:
        """Return one reading in the configured function's unit."""
        ...

    def read_many(self, count: int) -> pint.Quantity:
        """Return ``count`` readings as a 1-D quantity array."""
        ...

    def resolution(self, function: Function, range: pint.Quantity,
                   nplc: float = 10) -> pint.Quantity:
        """Return the reading resolution on ``range`` at ``nplc``, in the function's unit."""
        ...

    def reset(self) -> None:
        """Return the meter to its reset state."""
        ...

    def clear_status(self) -> None:
        """Clear the event registers and the error queue."""
        ...

    def check_errors(self, command: str) -> None:
        """Raise SCPIError when ``command`` left errors on the queue."""
        ...

    def query(self, command: str) -> str:
        """Send ``command`` and return its reply text."""
        ...


@runtime_checkable
class Calibrator(Instrument, Protocol):
    """A multi-product calibrator used as the reference source."""

    def set_output(self, value: pint.Quantity, frequency: pint.Quantity | None = None, *,
                   confirm_high_voltage: bool = False) -> None:
        """Select ``value`` (V, A or Ω) at ``frequency`` (None: DC)."""
        ...

    def output(self) -> tuple[pint.Quantity, pint.Quantity | None]:
        """Return the selected output and its frequency (None for DC)."""
        ...

    def operate(self) -> None:
        """Connect the output terminals."""
        ...

    def standby(self) -> None:
        """Disconnect the output terminals."""
        ...

    def is_operating(self) -> bool:
        """Return True when the output is connected."""
        ...

    def wait_settled(self, timeout_s: float = 30.0) -> float:
        """Wait until the output has settled; return the seconds waited."""
        ...

    def set_four_wire(self, four_wire: bool) -> None:
        """Select 4-wire (True) or 2-wire lead compensation for resistance."""
        ...

    def reset(self) -> None:
        """Return the calibrator to its reset state (output in standby)."""
        ...


@runtime_checkable
class ThermometerReadout(Instrument, Protocol):
    """A thermometer readout: the temperature of a probe on one of its channels."""

    def read_temperature(self, channel: int) -> pint.Quantity:
        """Return the most recent temperature of ``channel`` (°C, °F or K)."""
        ...

    def reset(self) -> None:
        """Return the readout to its reset state."""
        ...


@runtime_checkable
class EnvironmentMonitor(Instrument, Protocol):
    """A laboratory conditions monitor (thermo-hygrometer, with or without barometer)."""

    def read(self) -> EnvironmentReading:
        """Return the present temperature, humidity and pressure."""
        ...

