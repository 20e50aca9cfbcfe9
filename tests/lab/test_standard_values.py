"""A standard's value at a test point from its certificate (at a point, interpolated, per
range, not covered) or its drift model, and a DMM verification budget that uses it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from metrolab.procedures import dmm_34401a_verification as dmm

from metrolab.clock import VirtualClock
from metrolab.runner.calibrations import Calibration, CalibrationPoint
from metrolab.runner.engine import RunContext, RunSettings
from metrolab.runner.register import Standard
from metrolab.runner.standard_values import lookup_value
from metrolab.units import Quantity

DAY = date(2026, 3, 2)


def _point(nominal: float, correction: float, U: float = 2e-6, **extra: object
           ) -> CalibrationPoint:
    return CalibrationPoint("DC voltage", nominal, correction, U, 2.0, "V", p=0.95,
                            **extra)  # type: ignore[arg-type]


def _standard(*calibrations: Calibration, values: str = "certificate") -> Standard:
    latest = max(calibrations, key=lambda c: c.calibration_date)
    return Standard("CAL-1", "calibrator", "FLUKE", "5522A", "1", latest.certificate_id,
                    latest.calibration_date, latest.calibration_date + timedelta(days=365),
                    calibrations=calibrations, values=values)


CERT = Calibration("C-2025", date(2025, 6, 4), certificate_sha256="ab" * 32, points=(
    _point(1.0, 3e-6, 1e-6), _point(10.0, 12e-6, 6e-6), _point(-10.0, 15e-6),
    _point(100.0, 410e-6, 80e-6, range=100.0), _point(1.0, 40e-6, 20e-6, frequency=1000.0)))


def look(value: float, unit: str = "V", frequency: float | None = None,
         standard: Standard | None = None):
    hz = None if frequency is None else Quantity(frequency, "Hz")
    return lookup_value(standard or _standard(CERT), Quantity(value, unit), hz, DAY)


def test_at_a_certificate_point() -> None:
    found = look(10000.0, "mV").value
    assert found is not None
    assert found.correction.to("uV").magnitude == pytest.approx(12.0)
    assert found.u.to("uV").magnitude == pytest.approx(3.0)  # U/k
    assert found.provenance == "certificate C-2025: at its point 10 V"
    assert found.certificate_sha256 == "ab" * 32


def test_between_two_points_interpolated_with_the_larger_uncertainty() -> None:
    found = look(5.5).value
    assert found is not None
    assert found.correction.to("uV").magnitude == pytest.approx(3 + 0.5 * 9)
    assert found.u.to("uV").magnitude == pytest.approx(3.0)
    assert "interpolated between its points 1 and 10 V" in found.provenance


def test_per_range_gain_and_refusals() -> None:
    gain = look(50.0).value
    assert gain is not None and "on the 100 V range" in gain.provenance
    assert gain.correction.to("uV").magnitude == pytest.approx(205.0)
    assert gain.u.to("uV").magnitude == pytest.approx(40.0)  # not scaled down
    across_zero = look(-0.5)
    assert across_zero.value is None and "outside the points" in across_zero.reason
    above = look(200.0)
    assert above.value is None and "specification used" in above.reason


def test_ac_points_match_their_frequency_only() -> None:
    found = look(1.0, frequency=1000.0).value
    assert found is not None and found.correction.to("uV").magnitude == pytest.approx(40.0)
    other = look(1.0, frequency=10e3)
    assert other.value is None and "no point of this kind" in other.reason
    assert look(2.0, "A").value is None


def test_specification_route_asks_for_nothing() -> None:
    lookup = look(10.0, standard=_standard(CERT, values="specification"))
    assert lookup.value is None and lookup.reason == ""


def test_drift_route_predicts_the_day_of_the_run() -> None:
    """Four yearly calibrations drifting +2 µV/year at 10 V: on the run day, nine months
    after the last, the model predicts about 8 + 1.5 µV."""
    history = tuple(Calibration(f"C-{y}", date(y, 6, 4), points=(_point(10.0, c * 1e-6, 1e-6),))
                    for y, c in ((2022, 2.0), (2023, 4.0), (2024, 6.0), (2025, 8.0)))
    found = look(10.0, standard=_standard(*history, values="drift")).value
    assert found is not None and found.route == "drift"
    assert found.correction.to("uV").magnitude == pytest.approx(8 + 2 * 271 / 365.25, rel=2e-3)
    assert "drift model of 4 calibrations" in found.provenance
    few = look(10.0, standard=_standard(*history[-2:], values="drift")).value
    assert few is not None and few.route == "certificate"
    assert "drift route not used: 2 calibration(s)" in few.provenance


def test_the_drift_series_starts_at_the_last_adjustment() -> None:
    adjusted = Calibration("C-2024", date(2024, 6, 4), points=(
        _point(10.0, 30e-6, 1e-6), _point(10.0, 0.0, 1e-6, phase="as_left")))
    history = (Calibration("C-2023", date(2023, 6, 4), points=(_point(10.0, 20e-6, 1e-6),)),
               adjusted,
               Calibration("C-2025", date(2025, 6, 4), points=(_point(10.0, 1e-6, 1e-6),)),
               Calibration("C-2026", date(2026, 1, 4), points=(_point(10.0, 2e-6, 1e-6),)))
    found = look(10.0, standard=_standard(*history, values="drift")).value
    assert found is not None and found.route == "drift"
    assert "(2024-06-04 to 2026-01-04)" in found.provenance  # 2023 is before the adjustment


def _context(standard: Standard) -> RunContext:
    clock = VirtualClock(datetime(2026, 3, 2, 9, tzinfo=UTC).timestamp())
    return RunContext("as_found", RunSettings(), {}, {}, clock,
                      standards={"calibrator": standard})


def test_the_dmm_budget_takes_the_calibrators_certificate_value() -> None:
    point = next(p for p in dmm.TEST_POINTS if p.point_id == "DCV-10V")
    noise = np.array([-3.0, 1.0, 2.0, -1.0, 0.0, 1.0, -2.0, 3.0, -1.0, 0.0])
    readings = Quantity(10.0 + (50.0 + noise) * 1e-6, "V")
    outcome = dmm.evaluate(_context(_standard(CERT)), point, readings, Quantity(1e-5, "V"))
    # the calibrator put out 10 V + 12 µV: the DMM's error is 38 µV, not 50 µV
    assert outcome.reference.to("V").magnitude == pytest.approx(10.000012, abs=1e-12)
    assert outcome.error.to("uV").magnitude == pytest.approx(38.0, abs=1e-6)
    calibrator = next(r for r in outcome.budget["budget"] if r["input"] == "calibrator")
    assert calibrator["distribution"] == "normal"
    assert calibrator["u"] == pytest.approx(3e-6)
    (record,) = outcome.standard_values
    assert record["route"] == "certificate" and record["certificate_id"] == "C-2025"
    assert not any(c.startswith("5522A") for c in outcome.caveats)  # spec table not used
    spec = dmm.evaluate(_context(replace(_standard(CERT), values="specification")), point,
                        readings, Quantity(1e-5, "V"))
    assert spec.error.to("uV").magnitude == pytest.approx(50.0, abs=1e-6)
    assert spec.standard_values[0]["route"] == "specification"


def test_a_point_the_certificate_does_not_cover_keeps_the_specification() -> None:
    point = next(p for p in dmm.TEST_POINTS if p.point_id == "DCV-1000V")
    noise = np.array([-3.0, 1.0, 2.0, -1.0, 0.0, 1.0, -2.0, 3.0, -1.0, 0.0])
    readings = Quantity(1000.0 + noise * 1e-4, "V")
    outcome = dmm.evaluate(_context(_standard(CERT)), point, readings, Quantity(1e-4, "V"))
    (record,) = outcome.standard_values
    assert record["route"] == "specification"
    assert "outside the points of certificate C-2025" in record["provenance"]
    calibrator = next(r for r in outcome.budget["budget"] if r["input"] == "calibrator")
    assert calibrator["distribution"] == "rectangular"
