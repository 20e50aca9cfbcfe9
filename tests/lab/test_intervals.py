"""Recommended intervals: the control-chart (drift) method against a case worked by hand,
the RP-1 simple response method against its formula, flags, and the status command."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from metrolab.drivers.fluke.cal_profile import SPEC_DIR

from metrolab.cli import main
from metrolab.lab.standards.history import point_histories
from metrolab.lab.standards.intervals import (
    DAYS_PER_MONTH,
    EXTENSION,
    RELIABILITY_TARGET,
    point_interval,
    recommend,
    simple_response,
)
from metrolab.lab.standards.status import register_status
from metrolab.runner.calibrations import Calibration, CalibrationPoint
from metrolab.runner.register import Register, Standard, dumps_register


def _calibration(year: int, correction_uv: float, u_uv: float, *, tolerance: float | None,
                 phase: str = "as_found") -> Calibration:
    point = CalibrationPoint("DCV", 10.0, correction_uv * 1e-6, 2 * u_uv * 1e-6, 2.0, "V",
                             p=0.95, tolerance=tolerance, phase=phase, function="DCV")
    return Calibration(f"C-{year}", date(year, 1, 10), points=(point,))


def _standard(ident: str, calibrations: tuple[Calibration, ...], *, serial: str = "1",
              interval_days: int = 365) -> Standard:
    last = calibrations[-1].calibration_date
    return Standard(ident, "calibrator", "FLUKE", "5522A", serial, calibrations[-1].certificate_id,
                    last, last + timedelta(days=interval_days), calibrations=calibrations)


def test_control_chart_interval_of_a_steady_drift_worked_by_hand() -> None:
    """+2 µV/year from 0 µV, certificates so precise the prediction is nearly exact, limit
    10 µV: at 8 µV on the last calibration it reaches its limit a year later."""
    calibrations = tuple(
        _calibration(y, 2.0 * (date(y, 1, 10) - date(2020, 1, 10)).days / 365.25, 1e-4,
                     tolerance=10e-6) for y in range(2020, 2025))
    standard = _standard("STEADY", calibrations, interval_days=6 * 365)
    (point,) = point_histories(standard, None)
    assert point.limit == 10e-6 and point.limit_source == "certificate tolerance"
    rate, _ = point.drift.slope_per_year  # type: ignore[union-attr]
    assert rate == pytest.approx(2e-6, rel=1e-6)
    interval = point_interval(point, standard.due_date)
    # mu(t) = 8 µV + 2 µV/yr (t - 2024-01-10) reaches 10 µV after 365.25 days: the first
    # whole day beyond is the first below the reliability target
    assert interval.days == 366
    assert interval.reliability_now == pytest.approx(1.0)
    recommendation = recommend(standard, [point], [standard], {standard.id: [point]})
    assert recommendation.control_chart_months == int(interval.days // DAYS_PER_MONTH) == 12
    assert recommendation.before_due  # due in 6 years, out of spec in one
    assert recommendation.leaves_spec_on == date(2024, 1, 10) + timedelta(days=interval.days)


def test_reliability_falls_to_the_target_where_the_normal_says() -> None:
    """With the uncertainty floor (1 µV) dominating, the interval ends where
    (L - mu)/u = z(0.95) = 1.645 (the lower tail is negligible): checked with scipy."""
    from scipy.optimize import brentq
    from scipy.stats import norm

    calibrations = tuple(
        _calibration(y, 2.0 * (date(y, 1, 10) - date(2020, 1, 10)).days / 365.25, 1.0,
                     tolerance=15e-6) for y in range(2020, 2025))
    standard = _standard("FLOOR", calibrations)
    (point,) = point_histories(standard, None)
    model = point.drift
    assert model is not None

    def r(days: float) -> float:
        on = model.reference + timedelta(days=int(days))
        mu, sigma = model.predict(on)
        return float(norm.cdf((15e-6 - mu) / sigma) - norm.cdf((-15e-6 - mu) / sigma)) - 0.95

    expected = math.ceil(brentq(r, 0, 3000) - 1)
    assert point_interval(point, standard.due_date).days == pytest.approx(expected, abs=1)


def test_simple_response_follows_its_formula() -> None:
    """Three units of one model: 4 in-tolerance and 1 out-of-tolerance as-found results
    after their first calibrations give 365 d x 1.1^4 x (1 - b)."""
    good = (_calibration(2021, 1.0, 1.0, tolerance=10e-6),
            _calibration(2022, 2.0, 1.0, tolerance=10e-6),
            _calibration(2023, 3.0, 1.0, tolerance=10e-6))
    bad = (_calibration(2021, 1.0, 1.0, tolerance=10e-6),
           _calibration(2022, 12.0, 1.0, tolerance=10e-6),
           _calibration(2023, 1.0, 1.0, tolerance=10e-6))
    standards = [_standard("A", good, serial="1"), _standard("B", bad, serial="2")]
    histories = {s.id: point_histories(s, None) for s in standards}
    months, note = simple_response(standards, histories)
    b = 1 - (1 + EXTENSION) ** (-RELIABILITY_TARGET / (1 - RELIABILITY_TARGET))
    # at the reliability target the expected log change of the interval is zero
    assert RELIABILITY_TARGET * math.log(1 + EXTENSION) + \
        (1 - RELIABILITY_TARGET) * math.log(1 - b) == pytest.approx(0.0, abs=1e-12)
    assert months == pytest.approx(365 * 1.1**3 * (1 - b) / DAYS_PER_MONTH)
    assert note.startswith("4 as-found results of 2 unit(s), 1 out of tolerance")


def _register(tmp_path: Path) -> Path:
    calibrations = tuple(
        _calibration(y, 4.0 * (date(y, 1, 10) - date(2020, 1, 10)).days / 365.25, 1.0,
                     tolerance=None) for y in range(2020, 2025))
    drifting = _standard("CAL-5522A-01", calibrations, interval_days=730)
    spec = SPEC_DIR / "5522a_1year.toml"
    drifting = Standard(**{**{f: getattr(drifting, f) for f in drifting.__slots__},
                           "specification_file": str(spec), "values": "drift"})
    lonely = Standard("DMM-01", "dmm", "HP", "34401A", "9", "X-1", date(2023, 1, 1),
                      date(2024, 1, 1))
    path = tmp_path / "register.toml"
    path.write_text(dumps_register([drifting, lonely]), encoding="utf-8")
    return path


def test_status_shows_gates_drift_intervals_and_writes_charts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _register(tmp_path)
    register = Register.load(path)
    rows = register_status(register, date(2025, 3, 1))
    drifting, lonely = rows
    # 5522A 1-year spec at 10 V: 10 V x 12 ppm + 5 µV... whatever the table says, in V
    (history,) = drifting.histories
    assert history.limit_source == "specification" and history.limit is not None
    assert "+4 ± " in drifting.drift and "µV/yr at DCV 10 V" in drifting.drift
    assert drifting.values.startswith("drift model (1 of 1 points")
    assert not drifting.blocked and lonely.blocked
    assert "--override DMM-01=REASON" in lonely.gate
    assert lonely.recommendation.control_chart_months is None
    main(["register", "status", "--register", str(path), "--on", "2025-03-01",
          "--charts", str(tmp_path / "charts")])
    out = capsys.readouterr().out
    assert "CAL-5522A-01" in out and "blocked: due 2024-01-01" in out
    assert "1 standard(s) would stop a run: DMM-01" in out
    chart = tmp_path / "charts" / "CAL-5522A-01.svg"
    svg = ElementTree.parse(chart).getroot()
    assert svg.tag.endswith("svg")
    assert "DCV 10 V" in chart.read_text()
    assert not (tmp_path / "charts" / "DMM-01.svg").exists()  # no calibration points


def test_status_refuses_a_bad_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["register", "status", "--register", str(_register(tmp_path)), "--on", "soon"])
    assert exited.value.code == 2
    assert "--on 'soon' is not a date" in capsys.readouterr().err
