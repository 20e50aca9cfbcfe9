"""What a test engineer declares: what to read, what to set, what to watch.

- :class:`Readable`: a quantity to record, read from the instrument of a role, in a unit.
  Either a *call* of the instrument catalogue (``"DCV 10V nplc=1"`` on a DMM, ``"ch2"`` on
  a 1529, ``"humidity"`` on an HMT330; empty = the model's default) or your own
  ``read(instrument, count) -> Quantity`` with its ``unit``.
- :class:`Axis`: a settable swept over setpoints (the calibrator's output, say), with a
  settle time; several axes nest, the first outermost.
- :class:`Watch`: a suspender: while its reading is outside [low, high] the run pauses.

These are plain frozen objects; :mod:`metrolab.daq.run` opens the instruments, binds
each declaration to a driver (:mod:`metrolab.daq.catalogue`) and runs the plan.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pint

from metrolab.daq.errors import DaqInputError
from metrolab.daq.parsing import seconds, unit_text

#: ``read(instrument, count)`` returns ``count`` readings (a 1-D Quantity, or a scalar when
#: count is 1)
ReadFunction = Callable[[Any, int], pint.Quantity]
#: ``set(instrument, value)`` puts the settable at ``value`` (a scalar Quantity)
SetFunction = Callable[[Any, pint.Quantity], Any]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def column_name(text: str) -> str:
    """Return ``text`` as a column name: letters, digits and ``_``, not starting with a digit."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", text.strip()).strip("_")
    return name if _NAME.fullmatch(name) else f"q_{name}"


def check_role(role: str, what: str) -> str:
    """Return ``role`` if it is a usable role name (a column name); raise DaqInputError."""
    if not isinstance(role, str) or not _NAME.fullmatch(role):
        raise DaqInputError(f"{what}: role {role!r} must be a name of letters, digits and _ "
                            "(dmm, thermometer, calibrator...)")
    return role


@dataclass(frozen=True, slots=True, eq=False)
class Readable:
    """A quantity to record from the instrument in ``role``.

    ``call`` names a reading of the instrument catalogue (empty: the model's default
    reading); or give ``read(instrument, count)`` and ``unit`` for anything else (then
    ``call`` is only a description). Readings are converted to ``unit`` (the call's unit
    when empty). ``name`` is the column name (default: the role, with the call appended
    when it is not the default). ``setup(instrument)`` runs once before the first reading,
    and again after a resume.
    """

    role: str
    call: str = ""
    name: str = ""
    read: ReadFunction | None = None
    unit: str = ""
    setup: Callable[[Any], Any] | None = None

    def __post_init__(self) -> None:
        check_role(self.role, "Readable")
        if self.read is not None and not self.unit:
            raise DaqInputError(f"Readable {self.name or self.role!r}: a read function needs "
                                "its unit (unit='V', 'degC', ...)")
        if self.unit:
            unit_text(self.unit)  # refuses a unit pint does not know
        if self.name and column_name(self.name) != self.name:
            raise DaqInputError(f"Readable name {self.name!r}: use letters, digits and _")

    @property
    def custom(self) -> bool:
        """Return True when the reading is the caller's own function (not a catalogue call)."""
        return self.read is not None


@dataclass(frozen=True, slots=True, eq=False)
class Axis:
    """A settable of the instrument in ``role`` swept over ``values`` (a 1-D Quantity).

    ``settle`` (seconds, or text such as ``"2 s"``) is waited after each change of this
    axis before readings are taken. ``call`` names the catalogue's setting (empty: the
    model's default, the output of a calibrator); or give ``set(instrument, value)``.
    ``name`` is the coordinate's name (default: the role).
    """

    role: str
    values: pint.Quantity
    settle: float | str | pint.Quantity = 0.0
    call: str = ""
    name: str = ""
    set: SetFunction | None = None

    def __post_init__(self) -> None:
        check_role(self.role, "Axis")
        label = self.name or self.role
        if not isinstance(self.values, pint.Quantity):
            raise DaqInputError(f"Axis {label!r}: values must be a Quantity array "
                                "(np.linspace(0, 10, 11) * ureg.V)")
        magnitude = np.atleast_1d(np.asarray(self.values.magnitude, dtype=np.float64))
        if magnitude.ndim != 1 or magnitude.size == 0 or not np.all(np.isfinite(magnitude)):
            raise DaqInputError(f"Axis {label!r}: values must be a non-empty 1-D array of "
                                "finite numbers")
        seconds(self.settle, f"Axis {label!r} settle")
        if self.name and column_name(self.name) != self.name:
            raise DaqInputError(f"Axis name {self.name!r}: use letters, digits and _")

    @property
    def settle_s(self) -> float:
        """Return the settle time in seconds."""
        return seconds(self.settle, "settle")

    @property
    def unit(self) -> str:
        """Return the unit of the setpoints as short ASCII text (``V``, ``A``, ``degC``)."""
        return unit_text(self.values)

    @property
    def magnitudes(self) -> np.ndarray:
        """Return the setpoints as float64 numbers in :attr:`unit`."""
        return np.atleast_1d(np.asarray(self.values.magnitude, dtype=np.float64))

    @property
    def column(self) -> str:
        """Return the coordinate's name: ``name``, or the role."""
        return self.name or self.role


@dataclass(frozen=True, slots=True, eq=False)
class Watch:
    """A suspender: pause while the reading of ``role`` is outside [``low``, ``high``].

    The reading is the catalogue ``call`` (or ``read(instrument, 1)``), checked before
    every step and during every settle wait; while out of band the run polls every
    ``poll`` and aborts after ``max_wait``. A sweep step interrupted by it is taken again
    from its setpoint; a log goes on at the next tick.
    """

    role: str
    low: pint.Quantity
    high: pint.Quantity
    call: str = ""
    name: str = ""
    read: ReadFunction | None = None
    poll: float | str | pint.Quantity = 60.0
    max_wait: float | str | pint.Quantity = 4 * 3600.0

    def __post_init__(self) -> None:
        check_role(self.role, "Watch")
        label = self.name or self.role
        for bound in (self.low, self.high):
            if not isinstance(bound, pint.Quantity):
                raise DaqInputError(f"Watch {label!r}: low and high must be quantities "
                                    "(ureg.Quantity(21, 'degC'))")
        try:
            ordered = bool(self.low.to(self.high.units) <= self.high)
        except pint.errors.DimensionalityError:
            raise DaqInputError(f"Watch {label!r}: low {self.low:~P} and high "
                                f"{self.high:~P} are not in one dimension") from None
        if not ordered:
            raise DaqInputError(f"Watch {label!r}: low {self.low:~P} is above high "
                                f"{self.high:~P}")
        seconds(self.poll, f"Watch {label!r} poll", allow_zero=False)
        seconds(self.max_wait, f"Watch {label!r} max_wait")

    @property
    def label(self) -> str:
        """Return the watched condition's name: ``name``, else ``role call``."""
        return self.name or f"{self.role} {self.call}".strip()

    @property
    def poll_s(self) -> float:
        """Return the polling period while out of band, in seconds."""
        return seconds(self.poll, "poll")

    @property
    def max_wait_s(self) -> float:
        """Return how long the run waits out of band before it aborts, in seconds."""
        return seconds(self.max_wait, "max_wait")
