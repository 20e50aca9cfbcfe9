"""The calibrations of a standard as the register holds them: certificate, dates, points.

Each ``[[standard.calibration]]`` table of the register is one calibration of the
standard (an imported DCC, a record of the lab's own calibration, or typed in by hand):
who issued it, when, and per calibrated point the nominal value, the correction
(true value minus what the standard shows or was set to) and its expanded uncertainty
with coverage factor and probability. The format is in docs/traceability.md.

All values of a point are in the point's ``unit`` (a pint unit text); the correction,
the uncertainty and the tolerance are differences in that unit (a point in °C has its
correction in kelvin-sized steps).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pint

from metrolab.runner.errors import RegisterError
from metrolab.units import Quantity, ureg

#: where a calibration came from
SOURCES = ("dcc", "record", "manual")
#: the adjustment state of a calibrated point (DCC beforeAdjustment / afterAdjustment)
PHASES = ("as_found", "as_left")

_POINT_FLOATS = ("nominal", "correction", "U", "k")
_POINT_OPTIONAL_FLOATS = ("p", "value", "indication", "frequency", "range", "tolerance")
_POINT_TEXT = ("quantity", "unit", "phase", "function")


@dataclass(frozen=True, slots=True)
class CalibrationPoint:
    """One calibrated point of a standard, numbers in ``unit`` (frequency in Hz).

    ``nominal`` is what the standard was set to or showed, ``correction`` what to add
    to it to get the value the certificate attributes (for a meter: minus its error),
    ``U`` the expanded uncertainty of that correction with coverage factor ``k`` and
    coverage probability ``p`` (None when the certificate gives none). ``value`` is the
    certificate's measured or reference value and ``indication`` the standard's reading
    when the certificate states them; ``range`` the standard's range and ``tolerance``
    the ± limit of the correction when the certificate gives them.
    """

    quantity: str
    nominal: float
    correction: float
    U: float
    k: float
    unit: str
    p: float | None = None
    value: float | None = None
    indication: float | None = None
    frequency: float | None = None
    range: float | None = None
    tolerance: float | None = None
    phase: str = "as_found"
    function: str = ""

    @property
    def u(self) -> float:
        """Return the standard uncertainty U/k of the correction, in ``unit``."""
        return self.U / self.k

    @property
    def pint_unit(self) -> pint.Unit:
        """Return ``unit`` as a pint unit."""
        return ureg.Unit(self.unit)

    @property
    def dimensionality(self) -> str:
        """Return the dimensionality of the point's unit as text (``[mass] * [length]...``)."""
        return str(Quantity(1.0, self.unit).dimensionality)

    @property
    def is_ac(self) -> bool:
        """Return True when the point was calibrated at a frequency."""
        return self.frequency is not None

    def to_table(self) -> dict[str, Any]:
        """Return the point as the register's inline table (None fields left out)."""
        table: dict[str, Any] = {"quantity": self.quantity}
        if self.function:
            table["function"] = self.function
        table.update(nominal=self.nominal, correction=self.correction, U=self.U, k=self.k)
        for key in _POINT_OPTIONAL_FLOATS:
            value = getattr(self, key)
            if value is not None:
                table[key] = value
        table.update(unit=self.unit, phase=self.phase)
        return table


@dataclass(frozen=True, slots=True)
class Calibration:
    """One calibration of a standard: the certificate and its points.

    ``calibration_date`` is the day the calibration ended (the DCC's
    ``endPerformanceDate``); ``source`` is ``dcc``, ``record`` or ``manual``;
    ``certificate_file`` is relative to the register's folder.
    """

    certificate_id: str
    calibration_date: date
    issuer: str = ""
    accreditation: str = ""
    certificate_sha256: str = ""
    certificate_file: str = ""
    issue_date: date | None = None
    source: str = "manual"
    dcc_version: str = ""
    points: tuple[CalibrationPoint, ...] = ()

    @property
    def adjusted(self) -> bool:
        """Return True when the standard was adjusted during this calibration (as-left points)."""
        return any(p.phase == "as_left" for p in self.points)

    def points_in(self, phase: str) -> tuple[CalibrationPoint, ...]:
        """Return the points of ``phase`` (``as_found`` or ``as_left``)."""
        return tuple(p for p in self.points if p.phase == phase)

    @property
    def current_points(self) -> tuple[CalibrationPoint, ...]:
        """Return the points that describe the standard as it left the calibration:
        the as-left points when it was adjusted, else the as-found ones."""
        return self.points_in("as_left") if self.adjusted else self.points_in("as_found")

    def to_table(self) -> dict[str, Any]:
        """Return the calibration as the register's ``[[standard.calibration]]`` table."""
        table: dict[str, Any] = {"certificate_id": self.certificate_id,
                                 "calibration_date": self.calibration_date}
        if self.issue_date is not None:
            table["issue_date"] = self.issue_date
        for key in ("issuer", "accreditation", "certificate_sha256", "certificate_file",
                    "dcc_version"):
            if getattr(self, key):
                table[key] = getattr(self, key)
        table["source"] = self.source
        table["points"] = [p.to_table() for p in self.points]
        return table


def parse_calibration(where: str, entry: Any) -> Calibration:
    """Return the :class:`Calibration` of a register table; ``where`` names it in errors.

    Raises :class:`RegisterError` for a missing or mistyped field, an unknown source or
    phase, a unit pint does not know, or an uncertainty or coverage factor that is not
    positive.
    """
    if not isinstance(entry, Mapping):
        raise RegisterError(f"{where}: not a table")
    for key in ("certificate_id", "calibration_date"):
        if key not in entry:
            raise RegisterError(f"{where}: missing {key}")
    for key in ("calibration_date", "issue_date"):
        if key in entry and not isinstance(entry[key], date):
            raise RegisterError(f"{where}: {key} = {entry[key]!r} is not a TOML date (YYYY-MM-DD)")
    source = str(entry.get("source", "manual"))
    if source not in SOURCES:
        raise RegisterError(f"{where}: source = {source!r} is not one of {', '.join(SOURCES)}")
    points = entry.get("points", [])
    if not isinstance(points, list):
        raise RegisterError(f"{where}: points must be an array of tables")
    return Calibration(
        certificate_id=str(entry["certificate_id"]),
        calibration_date=entry["calibration_date"],
        issuer=str(entry.get("issuer", "")),
        accreditation=str(entry.get("accreditation", "")),
        certificate_sha256=str(entry.get("certificate_sha256", "")).lower(),
        certificate_file=str(entry.get("certificate_file", "")),
        issue_date=entry.get("issue_date"),
        source=source,
        dcc_version=str(entry.get("dcc_version", "")),
        points=tuple(_parse_point(f"{where}, point #{n}", p) for n, p in enumerate(points, 1)),
    )


def _parse_point(where: str, entry: Any) -> CalibrationPoint:
    if not isinstance(entry, Mapping):
        raise RegisterError(f"{where}: not a table")
    unknown = sorted(set(entry) - {*_POINT_FLOATS, *_POINT_OPTIONAL_FLOATS, *_POINT_TEXT})
    if unknown:
        raise RegisterError(f"{where}: unknown key {unknown[0]!r}")
    missing = [key for key in (*_POINT_FLOATS, "quantity", "unit") if key not in entry]
    if missing:
        raise RegisterError(f"{where}: missing {', '.join(missing)}")
    numbers: dict[str, float | None] = {}
    for key in (*_POINT_FLOATS, *_POINT_OPTIONAL_FLOATS):
        value = entry.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise RegisterError(f"{where}: {key} = {value!r} is not a number")
        numbers[key] = None if value is None else float(value)
    unit = str(entry["unit"])
    try:
        ureg.Unit(unit)
    except (pint.errors.UndefinedUnitError, ValueError, AttributeError) as exc:
        raise RegisterError(f"{where}: unit = {unit!r} is not a unit pint knows") from exc
    phase = str(entry.get("phase", "as_found"))
    if phase not in PHASES:
        raise RegisterError(f"{where}: phase = {phase!r} is not one of {', '.join(PHASES)}")
    U, k = numbers["U"], numbers["k"]
    if U is None or U <= 0 or k is None or k <= 0:
        raise RegisterError(f"{where}: U and k must be positive (U = {U}, k = {k})")
    p = numbers["p"]
    if p is not None and not 0 < p < 1:
        raise RegisterError(f"{where}: p = {p} is not a probability between 0 and 1")
    return CalibrationPoint(
        quantity=str(entry["quantity"]), nominal=float(entry["nominal"]),
        correction=float(entry["correction"]), U=U, k=k, unit=unit, p=p,
        value=numbers["value"], indication=numbers["indication"],
        frequency=numbers["frequency"], range=numbers["range"],
        tolerance=numbers["tolerance"], phase=phase, function=str(entry.get("function", "")))
