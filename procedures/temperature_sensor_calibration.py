"""Calibration of a platinum resistance thermometer by comparison in a bath.

The sensor under calibration (channel 2 of a 1529-class readout) and the reference PRT
(channel 1, the standard, in the register) sit together in a stirred comparison bath.
At each set point the operator sets the bath; readings count only once the reference
reads within ±0.5 K of the set point and stable (spread under 10 mK over five checks a
minute apart); while they are taken the bath is watched, and a reference that leaves the
band pauses the run until it is back and has the point measured again. Then alternating
readings of both channels are taken. Per point the error of
the sensor, E = indication - reference temperature, gets a GUM budget:

- ``indication`` and ``reference``: Type A, means of the readings (n-1 dof);
- ``readout_sensor``, ``readout_reference``: rectangular, the 1529 readout's published
  accuracy at that temperature (``SPEC_1529``, PRT input);
- ``reference_calibration``: normal, U = 10 mK (k = 2), the reference PRT's certificate
  uncertainty assumed for a working-standard PRT (replace with the lab's certificate);
- ``bath``: rectangular, ±5 mK, the axial and radial uniformity of a stirred bath.

Errors and their uncertainties are in kelvin. Conformity is judged against the IEC 60751
class A tolerance ±(0.15 + 0.002 |t|) °C. After the last point the calibration curve
E(t) = c0 + c1 t + c2 t² (t in °C) is fitted by the uncertainty engine (weighted least
squares with the points' standard uncertainties) and journalled as a ``note`` event with
the coefficients and their covariance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pint
from metrolab.drivers.hart import SPEC_1529, Hart1529, SensorType
from metrolab.drivers.vaisala import VaisalaHMT330

from metrolab.instrument.roles import ThermometerReadout
from metrolab.runner.engine import RunContext
from metrolab.runner.evaluation import decide_error, noting_warnings
from metrolab.runner.procedure import (
    Do,
    InstrumentRole,
    ManualSetting,
    Metadata,
    Note,
    Plan,
    PointOutcome,
    PointPlan,
    Prompt,
    Read,
    StopRun,
    TestPoint,
    Wait,
    Watch,
)
from metrolab.uncertainty import TypeA, TypeB, evaluate_gum
from metrolab.uncertainty.curves import fit_polynomial
from metrolab.uncertainty.errors import SingularFitError
from metrolab.units import Quantity

REFERENCE_CHANNEL = 1
SENSOR_CHANNEL = 2
#: seconds between readings of one channel: the 1529 scans 3 channels, 1 s each
READING_INTERVAL_S = 3.0
#: the reference must read within this (K) of the set point before readings count, and
#: stay within it while they are taken (a watched condition: the point is measured again)
SET_POINT_TOLERANCE_K = 0.5
#: stability: the reference's spread (max - min, K) over the last STABLE_WINDOW checks
STABLE_K = 0.01
STABLE_WINDOW = 5
STABILITY_CHECK_S = 60.0
#: how long the bath may take to reach and settle at a set point before the run stops
SETTLE_MAX_S = 2 * 3600.0
REFERENCE_U_K = 0.010
BATH_UNIFORMITY_K = 0.005
SET_POINTS_C = (0.0, 25.0, 50.0, 75.0, 100.0)

METADATA = Metadata(
    name="temperature-sensor-calibration",
    version="1.0",
    title="Calibration of a platinum resistance thermometer by comparison",
    dut_models=("PRT (Pt100)",),
    instruments={
        "thermometer": InstrumentRole("standard", "thermometer readout with reference PRT "
                                      "(1529 class)", {"1529": Hart1529}),
        "hygrometer": InstrumentRole("environment", "lab temperature/humidity monitor",
                                     {"HMT330": VaisalaHMT330}, required=False),
    },
    readings_per_point=10,
)

_BATH = (f"reference PRT in readout channel {REFERENCE_CHANNEL} and the sensor under "
         f"calibration in channel {SENSOR_CHANNEL}, both immersed side by side in the bath")

TEST_POINTS = tuple(
    TestPoint(f"T{t:+04.0f}C", "comparison in bath", "TEMP", Quantity(t, "degC"),
              connection=_BATH, connection_key="bath")
    for t in SET_POINTS_C
)


def class_a_tolerance(t_c: float) -> float:
    """Return the IEC 60751 class A tolerance (K) at ``t_c`` °C: 0.15 + 0.002 |t|."""
    return 0.15 + 0.002 * abs(t_c)


def _channel(channel: int) -> Callable[[ThermometerReadout, int], pint.Quantity]:
    """Return the reader of ``n`` temperatures (°C) of ``channel`` as one quantity array."""
    def read(readout: ThermometerReadout, n: int) -> pint.Quantity:
        values = [readout.read_temperature(channel).to("degC").magnitude for _ in range(n)]
        return Quantity(np.array(values), "degC")
    return read


def prepare(ctx: RunContext) -> Plan:
    """Reset the readout."""
    yield Do[ThermometerReadout]("thermometer", "reset (*RST) and clear status",
                                 lambda t: t.reset())


def measure_point(ctx: RunContext, point: TestPoint) -> PointPlan:
    """Set the bath, wait until the reference is at the set point and stable, read both
    channels in turn (the bath watched meanwhile); return the sensor's error."""
    set_point = float(point.nominal.to("degC").magnitude)
    yield Prompt(f"set-bath-{point.point_id}",
                 f"Set the comparison bath to {set_point:g} °C; confirm when it is set",
                 setting=ManualSetting("bath set point", point.nominal))
    yield from wait_until_settled(point)
    low = Quantity(set_point - SET_POINT_TOLERANCE_K, "degC")
    high = Quantity(set_point + SET_POINT_TOLERANCE_K, "degC")
    yield Watch("bath (reference PRT)", "thermometer", _reference, low, high,
                poll_s=STABILITY_CHECK_S, max_wait_s=SETTLE_MAX_S)
    reference: list[float] = []
    indication: list[float] = []
    for _ in range(ctx.settings.readings):
        yield Wait(READING_INTERVAL_S, "next scan of the readout")
        ref = yield Read[ThermometerReadout]("thermometer", 1, "reference",
                                             _channel(REFERENCE_CHANNEL), point.nominal,
                                             journal=False)
        reading = yield Read[ThermometerReadout]("thermometer", 1, "sensor under calibration",
                                                 _channel(SENSOR_CHANNEL), point.nominal)
        reference.append(float(ref.to("degC").magnitude[0]))
        indication.append(float(reading.to("degC").magnitude[0]))
    yield Note("reference readings of this point", {"reference_readings": reference,
                                                    "unit": "°C"})
    return (yield from noting_warnings(
        lambda: evaluate(ctx, set_point, np.array(indication), np.array(reference))))


def _reference(thermometer: Any) -> Any:
    """Return the reference PRT's temperature now (°C)."""
    return thermometer.read_temperature(REFERENCE_CHANNEL).to("degC")


def settled(history: list[float], set_point: float) -> bool:
    """Return True when the last :data:`STABLE_WINDOW` reference readings (°C) are all within
    :data:`SET_POINT_TOLERANCE_K` of ``set_point`` and spread by less than :data:`STABLE_K`."""
    window = history[-STABLE_WINDOW:]
    return (len(window) == STABLE_WINDOW
            and all(abs(t - set_point) <= SET_POINT_TOLERANCE_K for t in window)
            and max(window) - min(window) < STABLE_K)


def wait_until_settled(point: TestPoint) -> Plan:
    """Check the reference every :data:`STABILITY_CHECK_S` until :func:`settled`.

    Raises :class:`StopRun` when the bath is not settled at the set point within
    :data:`SETTLE_MAX_S` (never set, or not able to hold it), naming the last reading.
    """
    set_point = float(point.nominal.to("degC").magnitude)
    history: list[float] = []
    for _ in range(int(SETTLE_MAX_S / STABILITY_CHECK_S)):
        yield Wait(STABILITY_CHECK_S, "bath stabilisation")
        now = yield Read("thermometer", 1, "reference (set-point and stability check)",
                         _channel(REFERENCE_CHANNEL), point.nominal, journal=False)
        history.append(float(now.to("degC").magnitude[0]))
        if settled(history, set_point):
            return
    spread = max(history[-STABLE_WINDOW:]) - min(history[-STABLE_WINDOW:])
    raise StopRun(
        f"the bath did not settle at {set_point:g} °C within {SETTLE_MAX_S / 60:g} min: the "
        f"reference reads {history[-1]:.3f} °C (within ±{SET_POINT_TOLERANCE_K:g} K and "
        f"{STABLE_K:g} K of spread over {STABLE_WINDOW} checks needed; spread "
        f"{spread:.3f} K); check that the bath is set and running")


def evaluate(ctx: RunContext, set_point: float, indication: np.ndarray,
             reference: np.ndarray) -> PointOutcome:
    """Return the sensor's error (K) from readings in °C, with its GUM budget and decision."""
    kelvin = 273.15
    mean_ref = Quantity(float(reference.mean()), "degC")
    readout = SPEC_1529.tolerance(SensorType.PRT, None, mean_ref.to("K")).to("K")
    zero = Quantity(0.0, "K")
    inputs = {
        "indication": TypeA.from_readings(Quantity(indication + kelvin, "K")),
        "reference": TypeA.from_readings(Quantity(reference + kelvin, "K")),
        "readout_sensor": TypeB(zero, half_width=readout, distribution="rectangular"),
        "readout_reference": TypeB(zero, half_width=readout, distribution="rectangular"),
        "reference_calibration": TypeB(zero, expanded=Quantity(REFERENCE_U_K, "K"), k=2.0),
        "bath": TypeB(zero, half_width=Quantity(BATH_UNIFORMITY_K, "K"),
                      distribution="rectangular"),
    }
    gum = evaluate_gum(_error, inputs, outputs=("error",))
    error = gum["error"]
    limit = Quantity(class_a_tolerance(set_point), "K")
    lower = Quantity(-class_a_tolerance(set_point), "K")
    decision = decide_error(ctx.settings, error, lower, limit)
    caveat = SPEC_1529.caveat(SensorType.PRT, None, mean_ref.to("K"))
    return PointOutcome(Quantity(float(indication.mean()), "degC"), mean_ref, error.value,
                        (lower, limit), gum.to_dict(), decision.to_dict(),
                        (caveat,) if caveat else ())


def _error(indication: Any, reference: Any, readout_sensor: Any, readout_reference: Any,
           reference_calibration: Any, bath: Any) -> Any:
    """E = (indication + readout_sensor) - (reference + readout_reference + calibration + bath)."""
    return (indication + readout_sensor
            - (reference + readout_reference + reference_calibration + bath))


def conclude(ctx: RunContext) -> Plan:
    """Fit the calibration curve E(t) through every point's error and journal it.

    A fit the points cannot determine (reference temperatures too close together: the
    design matrix is singular or nearly so) stops the run with the fit's named error
    instead of journalling meaningless coefficients.
    """
    results = [r for r in ctx.results if r["phase"] == "as_found"]
    if len(results) < 3 or ctx.dry_run:
        return
    t = np.array([r["reference"]["value"] for r in results])
    errors = np.array([r["error"]["value"] for r in results])
    u = np.array([r["budget"]["outputs"]["error"]["u"] for r in results])
    degree = 2 if len(results) > 3 else 1
    try:
        fit = fit_polynomial(t, errors, degree=degree, u_y=u)
    except SingularFitError as exc:
        raise StopRun(f"no calibration curve: {exc}") from exc
    terms = " ".join(f"{c:+.4g}·t^{n}" for n, c in enumerate(fit.coefficients))
    yield Note(f"calibration curve E(t) = {terms} K (t in °C)",
               {"calibration_curve": fit.to_dict(), "t_unit": "°C", "error_unit": "K"})
