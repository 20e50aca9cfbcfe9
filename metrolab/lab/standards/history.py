"""A standard's calibrations as time series per point, with drift models and spec limits.

Every point of the standard's current calibration is followed back through all its
calibrations in the register (imported DCCs and the lab's own records alike). The
drift model of a point (:func:`metrolab.uncertainty.drift.fit_drift`) is fitted to its
corrections since the last adjustment, weighted by each certificate's u = U/k. Its
limit is the standard's specification at the point (``specification_file``), else the
tolerance the certificate states.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from metrolab.errors import MetrolabError
from metrolab.instrument.functions import Function
from metrolab.instrument.specs import AccuracySpec
from metrolab.runner.calibrations import CalibrationPoint
from metrolab.runner.errors import RegisterError
from metrolab.runner.register import Standard
from metrolab.runner.standard_values import (
    MIN_DRIFT_CALIBRATIONS,
    drift_series,
    in_unit,
    same_point,
)
from metrolab.uncertainty.drift import DriftModel, fit_drift
from metrolab.uncertainty.inputs import magnitude_and_unit
from metrolab.units import Quantity


@dataclass(frozen=True)
class PointHistory:
    """One calibrated point of a standard over time.

    ``point`` is its latest calibration; ``history`` every calibration of it (date and
    point, as found and as left, in ``point``'s unit), oldest first; ``drift`` the model
    since the last adjustment (None with fewer than two dates, or fewer than
    :data:`MIN_DRIFT_CALIBRATIONS` calibrations for a model that predicts: see
    ``usable``); ``limit`` the ± limit of the correction (None when neither the
    specification nor the certificate gives one) and ``limit_source`` where it came from.
    """

    point: CalibrationPoint
    history: tuple[tuple[date, CalibrationPoint], ...]
    drift: DriftModel | None
    calibrations_since_adjustment: int
    limit: float | None
    limit_source: str

    @property
    def label(self) -> str:
        """Return the point as text, e.g. ``DCV 10 V`` or ``ACV 1 V at 1000 Hz``."""
        at = f" at {self.point.frequency:g} Hz" if self.point.frequency is not None else ""
        unit = f"{Quantity(1.0, self.point.unit).units:~P}"
        return f"{self.point.function or self.point.quantity} {self.point.nominal:g} {unit}{at}"

    @property
    def usable(self) -> bool:
        """Return True when the drift model rests on enough calibrations to predict with."""
        return self.drift is not None and \
            self.calibrations_since_adjustment >= MIN_DRIFT_CALIBRATIONS


def load_specification(standard: Standard, register_path: Path | None) -> AccuracySpec | None:
    """Return the standard's specification table (``specification_file``, relative to the
    register's folder), or None when it names none; raises :class:`RegisterError` when the
    file cannot be loaded."""
    if not standard.specification_file:
        return None
    folder = register_path.parent if register_path is not None else Path()
    path = folder / standard.specification_file
    try:
        return AccuracySpec.load(path)
    except (OSError, MetrolabError, KeyError, ValueError) as exc:
        raise RegisterError(f"standard {standard.id}: specification_file {path} cannot be "
                            f"loaded ({exc})") from exc


def spec_limit(spec: AccuracySpec | None, point: CalibrationPoint) -> float | None:
    """Return the specification's ± limit of the correction at ``point`` (point's unit),
    or None when the table does not cover it (the function is the point's own when it
    names one, else the first of the point's dimension, AC or DC, the table covers)."""
    if spec is None:
        return None
    value = Quantity(point.nominal, point.unit)
    names = [point.function] if point.function in Function.__members__ else [
        f.name for f in Function
        if Quantity(1.0, f.unit).dimensionality == value.dimensionality
        and f.is_ac == point.is_ac]
    for name in names:
        try:
            tolerance = spec.tolerance(Function[name], None, value, point.frequency)
        except MetrolabError:
            continue
        return float(magnitude_and_unit(tolerance, point.pint_unit, "tolerance",
                                        delta=True)[0])
    return None


def point_histories(standard: Standard, spec: AccuracySpec | None) -> list[PointHistory]:
    """Return the history of every point of the standard's current calibration, in the
    certificate's order (empty when the register holds no calibration of it)."""
    latest = standard.latest_calibration
    if latest is None:
        return []
    histories = []
    for point in latest.current_points:
        history = []
        for calibration in standard.calibrations:
            for phase in ("as_found", "as_left"):
                match = next((p for p in calibration.points_in(phase) if same_point(point, p)),
                             None)
                if match is not None:
                    history.append((calibration.calibration_date, in_unit(match, point.unit)))
        series = drift_series(standard.calibrations, point)
        drift = None
        if len({d for d, _ in series}) >= 2:
            drift = fit_drift([d for d, _ in series], [p.correction for _, p in series],
                              [p.u for _, p in series])
        limit = spec_limit(spec, point)
        source = "specification" if limit is not None else ""
        if limit is None and point.tolerance is not None:
            limit, source = point.tolerance, "certificate tolerance"
        histories.append(PointHistory(point, tuple(history), drift, len(series), limit, source))
    return histories
