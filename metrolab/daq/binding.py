"""Binding what was declared to the instruments that were opened.

Each :class:`~metrolab.daq.spec.Readable` becomes a :class:`Column` (name, unit, and a
``take(instrument, count)`` that returns float64 numbers in that unit), each
:class:`~metrolab.daq.spec.Axis` a :class:`BoundAxis`, each
:class:`~metrolab.daq.spec.Watch` a :class:`BoundWatch`. Catalogue calls are resolved by
the model the instrument answered with.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pint

from metrolab.daq.config import DaqConfig
from metrolab.daq.errors import DaqError, DaqInputError
from metrolab.daq.instruments import OpenedInstrument
from metrolab.daq.parsing import unit_text
from metrolab.daq.spec import Axis, Readable, ReadFunction, SetFunction, Watch, column_name
from metrolab.units import ureg


@functools.cache
def _unit(text: str) -> pint.Unit:
    """Return the pint unit of ``text`` (parsed once: parsing is slow)."""
    return ureg.Unit(text)


@dataclass(frozen=True, slots=True)
class Column:
    """A readable bound to its instrument: column name, role, unit, call, read and setup."""

    name: str
    role: str
    unit: str
    call: str
    read: ReadFunction
    setup: Callable[[Any], Any] | None

    def take(self, instrument: Any, count: int) -> np.ndarray:
        """Return ``count`` readings as float64 numbers in :attr:`unit`.

        Plain numbers from the caller's own read function are taken as being in the unit.
        Raises :class:`DaqError` for a wrong number of readings or a unit that does not
        convert.
        """
        reading = self.read(instrument, count)
        if isinstance(reading, pint.Quantity):
            target = _unit(self.unit)
            try:
                values = reading.magnitude if reading.units == target else \
                    reading.m_as(target)
            except pint.errors.DimensionalityError:
                raise DaqError(f"{self.name}: the reading {reading!r} cannot be expressed in "
                               f"{self.unit}; declare the unit it comes in") from None
        else:
            values = reading
        array = np.atleast_1d(np.asarray(values, dtype=np.float64)).ravel()
        if array.size != count:
            raise DaqError(f"{self.name}: {self.call or 'the read function'} gave "
                           f"{array.size} readings where {count} were asked for")
        return array


@dataclass(frozen=True, slots=True)
class BoundAxis:
    """An axis bound to its instrument: setpoints, settle time, setter and safe state."""

    name: str
    role: str
    unit: str
    call: str
    values: np.ndarray
    settle_s: float
    set: SetFunction
    safe: Callable[[Any], Any] | None

    def setpoint(self, value: float) -> pint.Quantity:
        """Return ``value`` (a number in :attr:`unit`) as a Quantity."""
        return ureg.Quantity(value, self.unit)


@dataclass(frozen=True, slots=True)
class BoundWatch:
    """A watch bound to its instrument: ``read(instrument)`` gives one Quantity."""

    name: str
    role: str
    low: pint.Quantity
    high: pint.Quantity
    read: Callable[[Any], pint.Quantity]
    poll_s: float
    max_wait_s: float


@dataclass(frozen=True, slots=True)
class Bound:
    """Every declaration of a run bound to its instruments."""

    columns: tuple[Column, ...]
    axes: tuple[BoundAxis, ...]
    watches: tuple[BoundWatch, ...]


def _entry(instrument: OpenedInstrument, what: str) -> Any:
    if instrument.entry is None:
        raise DaqInputError(
            f"{instrument.role} is a {instrument.identity['model']}, which metrolab.daq does "
            f"not know: give a {what} with your own function (read=... / set=...)")
    return instrument.entry


def _bind_readable(readable: Readable, instrument: OpenedInstrument, name: str) -> Column:
    if readable.read is not None:
        return Column(name, readable.role, readable.unit and unit_text(readable.unit),
                      readable.call, readable.read, readable.setup)
    call = _entry(instrument, "Readable").read_call(readable.call, readable.role)
    unit = unit_text(readable.unit or call.unit)
    setup = call.setup
    if readable.setup is not None:
        setup = _both(call.setup, readable.setup)
    return Column(name, readable.role, unit, call.call, call.read, setup)


def _both(first: Callable[[Any], Any] | None,
          second: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def setup(instrument: Any) -> None:
        if first is not None:
            first(instrument)
        second(instrument)

    return setup


def default_readables(instruments: Mapping[str, OpenedInstrument],
                      swept: set[str]) -> tuple[Readable, ...]:
    """Return the catalogue's default readings of every role that is not swept."""
    readables = []
    for role, instrument in instruments.items():
        if role in swept or instrument.entry is None or instrument.entry.reads is None:
            continue
        readables += [Readable(role, call) for call in instrument.entry.default_reads]
    if not readables:
        raise DaqInputError("nothing to read: no instrument offers a default reading; declare "
                            "Readables (or --read ROLE=CALL)")
    return tuple(readables)


def _names(readables: tuple[Readable, ...],
           instruments: Mapping[str, OpenedInstrument]) -> list[str]:
    """Return each readable's column name: its own, the role when the role has one readable,
    else role_call."""
    per_role = Counter(r.role for r in readables)
    names = []
    for readable in readables:
        if readable.name:
            names.append(readable.name)
        elif per_role[readable.role] == 1:
            names.append(readable.role)
        else:
            entry = instruments[readable.role].entry
            suffix = readable.call
            if entry is not None and entry.reads is not None and readable.read is None:
                suffix = entry.read_call(readable.call, readable.role).suffix or "default"
            names.append(column_name(f"{readable.role}_{suffix or 'value'}"))
    return names


def _bind_axis(axis: Axis, instrument: OpenedInstrument) -> BoundAxis:
    if axis.set is not None:
        return BoundAxis(axis.column, axis.role, axis.unit, axis.call, axis.magnitudes,
                         axis.settle_s, axis.set, None)
    call = _entry(instrument, "Axis").set_call(axis.call, axis.role)
    if not any(axis.values.is_compatible_with(d) for d in call.dimensions):
        raise DaqInputError(f"axis {axis.column}: the {instrument.identity['model']} "
                            f"{call.call} takes {', '.join(call.dimensions)}, not "
                            f"{axis.unit}")
    return BoundAxis(axis.column, axis.role, axis.unit, call.call, axis.magnitudes,
                     axis.settle_s, call.set, call.safe)


def _bind_watch(watch: Watch, instrument: OpenedInstrument) -> BoundWatch:
    reader: ReadFunction
    if watch.read is not None:
        reader = watch.read
    else:
        reader = _entry(instrument, "Watch").read_call(watch.call, watch.role).read
    low, high = watch.low, watch.high

    def read(driver: Any) -> pint.Quantity:
        value = reader(driver, 1)
        first = value.reshape(-1)[0] if np.ndim(value.magnitude) else value
        return first.to(high.units)

    return BoundWatch(watch.label, watch.role, low.to(high.units), high, read,
                      watch.poll_s, watch.max_wait_s)


def bind(config: DaqConfig, instruments: Mapping[str, OpenedInstrument]) -> Bound:
    """Return every readable, axis and watch of ``config`` bound to ``instruments``.

    Raises :class:`DaqInputError` for a call the model does not have, a duplicate column
    name, or a column named like an axis or a reserved dataset (time, step).
    """
    axes = tuple(_bind_axis(a, instruments[a.role]) for a in config.axes)
    swept = {axis.role for axis in config.axes}
    readables = config.readables if config.readables is not None else \
        default_readables(instruments, swept)
    names = _names(readables, instruments)
    columns = tuple(_bind_readable(r, instruments[r.role], n) for r, n in zip(readables, names,
                                                                             strict=True))
    taken = ["time", "step", *(a.name for a in axes)]
    for name in [c.name for c in columns]:
        if name in taken:
            raise DaqInputError(f"column name {name!r} is used twice (or is reserved: time, "
                                "step, the axes); name the Readable (name=...)")
        taken.append(name)
    watches = tuple(_bind_watch(w, instruments[w.role]) for w in config.watches)
    return Bound(columns, axes, watches)
