"""The raw readings of a record as columns: one NeXus NXdata group per unit.

``/entry/readings/<unit name>`` holds every reading journalled in that unit, in journal
order: ``value`` (in the unit), ``time`` (s since the Unix epoch), ``point`` (row of the
points table), ``attempt`` (which ``point_started`` of that point it followed; the last
attempt's readings count, earlier ones were voided), ``index`` and ``journal_seq``. The
columns are appended to while the journal is read, so no reading is ever held as a
Python object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pint

from metrolab.store.writer import Column, RecordWriter
from metrolab.units import ureg

READINGS = "/entry/readings"
EPOCH = "1970-01-01T00:00:00+00:00"
#: the columns of a readings group: name -> (numpy type, attributes besides units)
COLUMNS: dict[str, tuple[str, dict[str, str]]] = {
    "value": ("f8", {"long_name": "reading, in the unit of this group"}),
    "time": ("f8", {"units": "s", "start": EPOCH,
                    "long_name": "time of the reading, seconds since the Unix epoch (UTC)"}),
    "point": ("i4", {"long_name": "row of /entry/points/points this reading belongs to"}),
    "attempt": ("i4", {"long_name": "the point's attempt (point_started) it followed; "
                                    "only the last attempt's readings count"}),
    "index": ("i8", {"long_name": "the reading's index as journalled"}),
    "journal_seq": ("i8", {"long_name": "sequence number of its journal entry"}),
}


def unit_name(unit: str) -> str:
    """Return the group name for readings in ``unit``: pint's name of the unit
    (``volt``, ``millivolt``, ``degree_Celsius``), ``dimensionless`` for none, or the
    text itself made into a valid NeXus name when pint does not know it."""
    if not unit:
        return "dimensionless"
    try:
        text = format(ureg.Unit(unit), "D") or "dimensionless"
    except (pint.PintError, ValueError, TypeError, AttributeError):
        text = unit
    text = text.replace(" / ", "_per_").replace(" ** ", "_pow_").replace(" * ", "_")
    name = re.sub(r"[^A-Za-z0-9_]", "_", text)
    return name if re.match(r"[A-Za-z_]", name) else f"_{name}"


@dataclass
class ReadingsSink:
    """Appends readings to the unit groups under ``/entry/readings`` of ``writer``."""

    writer: RecordWriter
    groups: dict[str, dict[str, Column]] = field(default_factory=dict)
    #: unit as journalled -> its group's columns (pint parses each unit once)
    _by_unit: dict[str, dict[str, Column]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.writer.group(READINGS, "NXcollection", {
            "description": "raw readings, one NXdata group per unit, in journal order"})

    def append(self, unit: str, point: int, attempt: int, seq: np.ndarray, index: np.ndarray,
               time: np.ndarray, value: np.ndarray) -> None:
        """Add readings of one point and attempt, all in ``unit``; return nothing."""
        columns = self._columns(unit)
        for name, data in (("value", value), ("time", time), ("journal_seq", seq),
                           ("index", index)):
            columns[name].append(data)
        columns["point"].repeat(point, seq.size)
        columns["attempt"].repeat(attempt, seq.size)

    def _columns(self, unit: str) -> dict[str, Column]:
        known = self._by_unit.get(unit)
        if known is not None:
            return known
        name = unit_name(unit)
        if name not in self.groups:
            path = self.writer.group(f"{READINGS}/{name}", "NXdata", {
                "signal": "value", "axes": "time", "time_indices": 0})
            columns = {}
            for column, (dtype, attrs) in COLUMNS.items():
                extra = {"units": unit or "1"} if column == "value" else {}
                columns[column] = self.writer.column(f"{path}/{column}", dtype,
                                                     {**attrs, **extra})
            self.groups[name] = columns
        self._by_unit[unit] = self.groups[name]
        return self.groups[name]
