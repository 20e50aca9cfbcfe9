"""Performance verification of a 34401A-class DMM against a 5522A-class calibrator.

Mirrors the manufacturer's verification (34401A Service Guide ch.4, summarised in
``shared/reference/instruments.md`` section 3): self-test, warm-up, zero offset on
each range, gain on each range (DC voltage including -10 V, DC current, 2-wire and
4-wire resistance, AC voltage), each compared with the DUT's published 1-year
specification, taken from the 34401A profile's specification (a laboratory's own file for
it when the run has one: ``--specs DIR``).
A point whose function or range the specification data does not hold is left out of
the table rather than judged against a guessed limit; the dry run lists what is in.

Zero offset: the service guide applies a copper 4-wire short; here the calibrator's
zero output is the short (the guide asks to check that output per range anyway), so
the same leads serve the whole step. The reference value is then 0 with the
calibrator's floor specification as its uncertainty.

Budget of the error E = (DMM reading + resolution) - (calibrator value + thermal EMF),
evaluated by the uncertainty engine (GUM, 95 % coverage):

- ``reading``: Type A, mean of the readings, u = s/sqrt(n), n-1 degrees of freedom;
- ``resolution``: rectangular, half-width one half of the DMM's resolution at 10 NPLC;
- ``calibrator``: rectangular, half-width the 5522A 1-year specification at the value
  (no confidence level is stated with it, so rectangular is the cautious choice); or,
  when the register says ``values = "certificate"`` (or ``"drift"``) for the calibrator,
  its output is the nominal plus the certificate's correction at that value, normal with
  the certificate's U/k (docs/traceability.md gives the interpolation rule); a value the
  certificate does not cover keeps the specification, and every point records which;
- ``thermal_emf`` (DC voltage only, the environment term): rectangular, ±1 µV for
  low-thermal copper leads and connections at a stable lab temperature. The runner
  keeps the lab within 23 ± 2 °C (suspender), inside both specifications' 23 ± 5 °C, so
  no temperature-coefficient term applies.

2-wire resistance is measured without Math Null, so its limits carry the service guide's
+200 mΩ for the leads.

The decision uses the lab's rule (simple acceptance per ILAC-G8 by default; guarded
selectable) with the TUR reported per point. A 5522A is a modest standard for a
6½-digit DMM, so TURs below 4 are expected: they are recorded in every decision, and
the conformity engine's low-TUR warning is therefore not repeated on screen.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import pint
from metrolab.drivers.fluke import Fluke5522A, calibrator_profile
from metrolab.drivers.keysight import Keysight34401A
from metrolab.drivers.vaisala import VaisalaHMT330

from metrolab.instrument.errors import SpecificationUnavailable
from metrolab.instrument.functions import Function
from metrolab.instrument.roles import Calibrator, Multimeter
from metrolab.instrument.specs import AccuracySpec
from metrolab.runner.engine import RunContext
from metrolab.runner.evaluation import decide_error, noting_warnings
from metrolab.runner.procedure import (
    Do,
    InstrumentRole,
    Metadata,
    Plan,
    PointOutcome,
    PointPlan,
    Prompt,
    Read,
    StopRun,
    TestPoint,
    Wait,
)
from metrolab.uncertainty import TypeA, TypeB, evaluate_gum
from metrolab.units import Quantity

#: integration time of every reading (6½ digits, as the service guide asks)
NPLC = 10.0
#: settling after the calibrator reports settled, before the first reading (s)
SETTLE_S = 2.0
#: warm-up before the first point: 1 h (34401A specifications assume it)
WARM_UP_S = 3600.0
#: outputs above this need the operator's confirmation (the 5522A's own limit)
HIGH_VOLTAGE_V = 30.0
#: half-width of the thermal-EMF term in DC voltage budgets
THERMAL_EMF_V = 1e-6
#: 2-wire limits assume Math Null, "otherwise add 200 mΩ" (34401A Service Guide p.69)
RES2_WITHOUT_NULL_OHM = 0.2

METADATA = Metadata(
    name="dmm-34401a-verification",
    version="1.0",
    title="Performance verification of a 34401A-class digital multimeter",
    dut_models=("34401A",),
    instruments={
        "dut": InstrumentRole("dut", "6½-digit DMM under test", {"34401A": Keysight34401A}),
        "calibrator": InstrumentRole("standard", "multi-product calibrator (5522A class)",
                                     {"5522A": Fluke5522A}),
        "hygrometer": InstrumentRole("environment", "lab temperature/humidity monitor",
                                     {"HMT330": VaisalaHMT330}, required=False),
    },
    readings_per_point=10,
    temperature_band_c=(21.0, 25.0),
)

_SHORT = "calibrator NORMAL HI/LO and SENSE HI/LO to DMM Input and Sense HI/LO (4-wire), " \
         "calibrator at zero as the short"
_VOLTS = "calibrator NORMAL HI/LO to DMM Input HI/LO"
_AMPS = "calibrator AUX HI/LO to DMM current input I and LO"
_OHMS2 = "calibrator NORMAL HI/LO to DMM Input HI/LO (2-wire)"
_OHMS4 = "calibrator NORMAL and SENSE to DMM Input and Sense (4-wire)"
#: short names of the connections: the prompt keys are ``connect-<name>``
_CONNECTION_KEYS = {_SHORT: "short", _VOLTS: "volts", _AMPS: "amps", _OHMS2: "ohms-2-wire",
                    _OHMS4: "ohms-4-wire"}


def _q(value: float, unit: str) -> pint.Quantity:
    return Quantity(value, unit)


def _table() -> list[TestPoint]:
    """Return the service guide's verification table for the 34401A (before filtering)."""
    points: list[TestPoint] = []
    for rng, label in ((0.1, "100mV"), (1.0, "1V"), (10.0, "10V"), (100.0, "100V"),
                       (1000.0, "1000V")):
        points.append(TestPoint(f"ZERO-DCV-{label}", "zero offset", "DCV", _q(0.0, "V"),
                                _q(rng, "V"), connection=_SHORT))
    for rng, label in ((100.0, "100ohm"), (1e3, "1kohm"), (1e4, "10kohm")):
        points.append(TestPoint(f"ZERO-RES4-{label}", "zero offset", "RES4", _q(0.0, "ohm"),
                                _q(rng, "ohm"), connection=_SHORT))
    for rng, label in ((0.01, "10mA"), (0.1, "100mA"), (1.0, "1A"), (3.0, "3A")):
        points.append(TestPoint(f"ZERO-DCI-{label}", "zero offset", "DCI", _q(0.0, "A"),
                                _q(rng, "A"), connection=_AMPS))
    for value, rng, label in ((0.1, 0.1, "100mV"), (1.0, 1.0, "1V"), (10.0, 10.0, "10V"),
                              (-10.0, 10.0, "-10V"), (100.0, 100.0, "100V"),
                              (1000.0, 1000.0, "1000V")):
        points.append(TestPoint(f"DCV-{label}", "DC voltage gain", "DCV", _q(value, "V"),
                                _q(rng, "V"), connection=_VOLTS))
    for value, rng, label in ((0.01, 0.01, "10mA"), (0.1, 0.1, "100mA"), (1.0, 1.0, "1A"),
                              (2.0, 3.0, "2A")):
        points.append(TestPoint(f"DCI-{label}", "DC current gain", "DCI", _q(value, "A"),
                                _q(rng, "A"), connection=_AMPS))
    for value, label in ((1e3, "1kohm"), (1e4, "10kohm"), (1e5, "100kohm"), (1e6, "1Mohm")):
        points.append(TestPoint(f"RES2-{label}", "2-wire resistance gain", "RES2",
                                _q(value, "ohm"), _q(value, "ohm"), connection=_OHMS2))
    for value, label in ((100.0, "100ohm"), (1e3, "1kohm"), (1e4, "10kohm"), (1e5, "100kohm"),
                         (1e6, "1Mohm"), (1e7, "10Mohm")):
        points.append(TestPoint(f"RES4-{label}", "4-wire resistance gain", "RES4",
                                _q(value, "ohm"), _q(value, "ohm"), connection=_OHMS4))
    for value, label in ((0.1, "100mV"), (1.0, "1V"), (10.0, "10V"), (100.0, "100V")):
        points.append(TestPoint(f"ACV-{label}-1kHz", "AC voltage gain", "ACV", _q(value, "V"),
                                _q(value, "V"), frequency=_q(1e3, "Hz"), connection=_VOLTS))
    return [replace(p, connection_key=_CONNECTION_KEYS[p.connection]) for p in points]


def _dut_spec() -> AccuracySpec:
    """Return the 34401A's specification: the packaged table, or the laboratory's own file
    for it while a run has one active (``--specs DIR``)."""
    return Keysight34401A.MODEL.spec


def _calibrator_spec() -> AccuracySpec:
    """Return the 5522A's 1-year specification (the laboratory's own file when active)."""
    return calibrator_profile("fluke-5522a").spec


def _specified(point: TestPoint) -> bool:
    """Return True when the 34401A specification data holds a limit for ``point``."""
    try:
        _dut_spec().tolerance(Function[point.function], point.range, point.nominal,
                              point.frequency)
    except SpecificationUnavailable:
        return False
    return True


TEST_POINTS: tuple[TestPoint, ...] = tuple(p for p in _table() if _specified(p))


def _reset_to_standby(calibrator: Calibrator) -> None:
    calibrator.reset()
    calibrator.standby()


def _reset_and_clear(dmm: Multimeter) -> None:
    dmm.reset()
    dmm.clear_status()


def prepare(ctx: RunContext) -> Plan:
    """Reset both instruments, run the DMM self-test, warm up (not again after a resume)."""
    yield Do[Calibrator]("calibrator", "reset (*RST), output to standby", _reset_to_standby)
    yield Do[Multimeter]("dut", "reset (*RST) and clear status (*CLS)", _reset_and_clear)
    result = yield Do[Multimeter]("dut", "self-test (*TST?)", lambda d: d.query("*TST?"))
    if result is not None and result.strip() not in ("0", "+0"):
        raise StopRun(f"DMM self-test failed (*TST? answered {result.strip()!r}): "
                      "send the DMM for repair, do not verify it")
    if not ctx.resumed:
        yield Wait(WARM_UP_S, "warm-up of DMM and calibrator (1 h, input shorted)")


def measure_point(ctx: RunContext, point: TestPoint) -> PointPlan:
    """Source the point, take the readings, return the error, its budget and the decision."""
    function = Function[point.function]
    nominal = point.nominal
    span = point.range
    if span is None:
        raise StopRun(f"test point {point.point_id} has no range: the verification table "
                      "gives every point one")
    high_voltage = function in (Function.DCV, Function.ACV) and \
        abs(nominal.to("V").magnitude) > HIGH_VOLTAGE_V
    if high_voltage:
        yield Prompt(f"confirm-output-{point.point_id}",
                     f"Confirm {nominal:~P} output: hazardous voltage at the calibrator and "
                     "DMM terminals")
    if function in (Function.RES2, Function.RES4):
        wires = "4" if function is Function.RES4 else "2"
        yield Do[Calibrator]("calibrator", f"{wires}-wire compensation",
                             lambda c: c.set_four_wire(function is Function.RES4))
    at = f" at {point.frequency:~#P}" if point.frequency is not None else ""
    yield Do[Calibrator](
        "calibrator", f"output {nominal:~#P}{at}",
        lambda c: c.set_output(nominal, point.frequency, confirm_high_voltage=high_voltage))
    yield Do[Calibrator]("calibrator", "operate", lambda c: c.operate())
    yield Do[Calibrator]("calibrator", "wait until settled", lambda c: c.wait_settled(30.0))
    yield Do[Multimeter]("dut", f"configure {function.name} range {span:~#P}, {NPLC:g} NPLC",
                         lambda d: d.configure(function, span, NPLC))
    yield Wait(SETTLE_S, "DMM settling")
    readings = yield Read[Multimeter]("dut", ctx.settings.readings, "take readings",
                                      lambda d, n: d.read_many(n), nominal)
    resolution = yield Do[Multimeter]("dut", "resolution of this setting",
                                      lambda d: d.resolution(function, span, NPLC))
    yield Do[Calibrator]("calibrator", "standby", lambda c: c.standby())
    yield Do[Multimeter]("dut", "check the error queue",
                         lambda d: d.check_errors(f"point {point.point_id}"))
    if resolution is None:  # dry run: nothing was asked
        resolution = 0 * nominal
    return (yield from noting_warnings(lambda: evaluate(ctx, point, readings, resolution)))


def evaluate(ctx: RunContext, point: TestPoint, readings: pint.Quantity,
             resolution: pint.Quantity) -> PointOutcome:
    """Return the error of ``point`` from its ``readings``, with GUM budget and decision.

    Warnings of the engines (autocorrelated readings, say) are left to the caller.
    """
    function = Function[point.function]
    unit = function.unit
    dut_spec, calibrator_spec = _dut_spec(), _calibrator_spec()
    nominal = point.nominal.to(unit)
    lookup = ctx.standard_value("calibrator", nominal, point.frequency)
    reference = nominal
    if lookup.value is None:
        calibrator_tol = calibrator_spec.tolerance(function, None, nominal, point.frequency)
        calibrator = TypeB(nominal, half_width=calibrator_tol.to(unit),
                           distribution="rectangular")
    else:  # the register asks for the calibrator's certificate (or drift) values
        reference = nominal + lookup.value.correction.to(unit)
        calibrator = TypeB(reference, u=lookup.value.u.to(unit))
    inputs: dict[str, Any] = {
        "reading": TypeA.from_readings(readings.to(unit)),
        "resolution": TypeB(_q(0.0, unit), half_width=resolution.to(unit) / 2,
                            distribution="rectangular"),
        "calibrator": calibrator,
    }
    if function is Function.DCV:
        inputs["thermal_emf"] = TypeB(_q(0.0, "V"), half_width=_q(THERMAL_EMF_V, "V"),
                                      distribution="rectangular")
        gum = evaluate_gum(_error_with_emf, inputs, outputs=("error",))
    else:
        gum = evaluate_gum(_error, inputs, outputs=("error",))
    error = gum["error"]
    limit = dut_spec.tolerance(function, point.range, nominal, point.frequency).to(unit)
    if function is Function.RES2:
        limit = limit + _q(RES2_WITHOUT_NULL_OHM, "ohm")
    # pint's stubs type negation as PlainQuantity; at run time it is the registry's Quantity
    lower = cast(pint.Quantity, -limit)
    decision = decide_error(ctx.settings, error, lower, limit)
    mean = readings.to(unit).mean()
    caveats = (None if lookup.value else calibrator_spec.caveat(function, None, nominal,
                                                                point.frequency),
               dut_spec.caveat(function, point.range, nominal, point.frequency))
    return PointOutcome(mean, reference, error.value, (lower, limit), gum.to_dict(),
                        decision.to_dict(), tuple(c for c in caveats if c),
                        (lookup.record("calibrator"),))


def _error(reading: Any, resolution: Any, calibrator: Any) -> Any:
    """E = (reading + resolution) - calibrator."""
    return reading + resolution - calibrator


def _error_with_emf(reading: Any, resolution: Any, calibrator: Any, thermal_emf: Any) -> Any:
    """E = (reading + resolution) - (calibrator + thermal EMF)."""
    return reading + resolution - calibrator - thermal_emf


def adjust(ctx: RunContext) -> Plan:
    """Ask the operator to adjust the DMM (service guide calibration procedure) before as-left."""
    yield Do[Calibrator]("calibrator", "standby", lambda c: c.standby())
    yield Prompt("adjust-dut", "Adjust the DMM now (Service Guide ch.4, calibration security "
                 "code needed); confirm when the adjustment is complete")


def safe_state(ctx: RunContext) -> Plan:
    """Calibrator output to standby, DMM to DC volts autorange (safe for any input)."""
    yield Do[Calibrator]("calibrator", "standby", lambda c: c.standby())
    yield Do[Multimeter]("dut", "DC voltage, autorange",
                         lambda d: d.configure(Function.DCV, None, NPLC))
