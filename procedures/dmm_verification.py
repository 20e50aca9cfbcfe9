"""Performance verification of any DMM of the family against any Fluke calibrator, from data.

The test points, their limits and the standard's contribution come from the profiles
(:mod:`.dmm_points`): the DUT's specification table (or its point table, the
manufacturer's own verification table where one is held) and the calibrator's profile and
specification. The models are the ones the instruments answer ``*IDN?`` with (in a dry
run, the ones named by ``--dut`` and ``--standard calibrator=``, e.g.
``--dut keithley-dmm6500 --standard calibrator=fluke-5520a``); a point one of them cannot
measure or source, or whose specification is missing, is left out and listed with the
reason before the run.

Each point: self-test and warm-up once, then the calibrator sources the point, the DMM
reads it ``readings`` times at 10 NPLC, and the error E = (DMM reading + resolution) -
(calibrator value + thermal EMF) is evaluated by the uncertainty engine (GUM, 95 %):

- ``reading``: Type A, mean of the readings, u = s/sqrt(n), n-1 degrees of freedom;
- ``resolution``: rectangular, half-width one half of the DMM's resolution;
- ``calibrator``: rectangular, half-width the calibrator's specification at the value
  (no confidence level is stated with it, so rectangular is the cautious choice); or,
  when the register says ``values = "certificate"`` (or ``"drift"``), the nominal plus
  the certificate's correction, normal with the certificate's U/k
  (docs/traceability.md); every point records which;
- ``thermal_emf`` (DC voltage only): rectangular, ±1 µV for low-thermal leads at a
  stable lab temperature. The runner keeps the lab within 23 ± 2 °C (suspender), inside
  the specifications' 23 ± 5 °C, so no temperature-coefficient term applies.

2-wire resistance is measured without Math Null, so its limits carry +200 mΩ for the
leads (34401A Service Guide p.69; :class:`~.dmm_points.Method`).

Decision rule and TUR: the lab's rule (``--rule simple``, ILAC-G8 simple acceptance, or
``--rule guarded --guard u|rss|rp10|dobbert``) on every point. Before the run the TUR of
each point is estimated from the terms known in advance (:mod:`.dmm_points`); a point below
the lab's minimum (``--min-tur``, default 4, the customary 4:1 of ANSI/NCSL Z540.3 and
ILAC-G8) is flagged before the run with its TUR and the rule that will apply, and again
in the record at the point; with ``--low-tur refuse`` it is not measured at all.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pint
from metrolab.drivers.dmm.driver import ScpiDmm
from metrolab.drivers.dmm.profile import DmmProfile
from metrolab.drivers.dmm.registry import dmm_profile, profile_names
from metrolab.drivers.fluke.cal_profile import (
    CalibratorProfile,
    calibrator_profile,
    calibrator_profile_names,
)
from metrolab.drivers.fluke.calibrator import driver_class
from metrolab.drivers.vaisala import VaisalaHMT330
from metrolab.procedures.dmm_points import (
    Method,
    PlannedPoint,
    PointTable,
    dut_limit,
    point_table,
)

from metrolab.conformity import decide
from metrolab.conformity.errors import LowTURWarning
from metrolab.errors import UserInputError
from metrolab.instrument.functions import Function
from metrolab.instrument.roles import Calibrator, Instrument, Multimeter
from metrolab.runner.engine import RunContext, RunSettings
from metrolab.runner.evaluation import decide_error, noting_warnings
from metrolab.runner.procedure import (
    Do,
    InstrumentRole,
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
)
from metrolab.uncertainty import TypeA, TypeB, evaluate_gum
from metrolab.units import Quantity

#: outputs above this need the operator's confirmation (the calibrators' own limit)
HIGH_VOLTAGE_V = 30.0

_RULES = {"simple": "simple acceptance (ILAC-G8 4.2.1, w = 0)",
          "guarded": "guarded acceptance (ILAC-G8 4.2.2)"}


@dataclass(frozen=True)
class DmmVerification:
    """A DMM verification configured by data: which DMM and calibrator profiles it accepts
    (the first of each is the default of a dry run), how it measures (:class:`Method`),
    warm-up and settling, and its name. Its methods are the procedure's plans."""

    name: str
    version: str
    title: str
    duts: tuple[DmmProfile, ...]
    calibrators: tuple[CalibratorProfile, ...]
    method: Method = field(default_factory=Method)
    #: warm-up before the first point (s): the specifications assume 1 h
    warm_up_s: float = 3600.0
    #: settling after the calibrator reports settled, before the first reading (s)
    settle_s: float = 2.0
    #: what the operator is asked to do between as-found and as-left
    adjust_text: str = ("Adjust the DMM now (its service guide's calibration procedure, "
                        "calibration security code needed); confirm when the adjustment is "
                        "complete")
    #: driver class per DUT profile name where a named one is wanted (else the family's)
    dut_drivers: Mapping[str, type[Instrument]] = field(default_factory=dict)
    #: driver class per calibrator profile name where a named one is wanted
    calibrator_drivers: Mapping[str, type[Instrument]] = field(default_factory=dict)

    # -- what the runner reads ------------------------------------------------------
    @property
    def metadata(self) -> Metadata:
        """Return the procedure's METADATA: roles ``dut``, ``calibrator`` and ``hygrometer``."""
        duts = {p.identity.model_field: self.dut_drivers.get(p.name) or ScpiDmm.for_profile(p)
                for p in self.duts}
        calibrators = {p.model: self.calibrator_drivers.get(p.name) or driver_class(p)
                       for p in self.calibrators}
        return Metadata(
            name=self.name, version=self.version, title=self.title,
            dut_models=tuple(p.model for p in self.duts),
            instruments={
                "dut": InstrumentRole("dut", self._describe_duts(), duts),
                "calibrator": InstrumentRole("standard", self._describe_calibrators(),
                                             calibrators),
                "hygrometer": InstrumentRole("environment", "lab temperature/humidity monitor",
                                             {"HMT330": VaisalaHMT330}, required=False),
            },
            readings_per_point=10,
            temperature_band_c=(21.0, 25.0),
        )

    def _describe_duts(self) -> str:
        if len(self.duts) == 1:
            return f"{self.duts[0].digits:g}-digit DMM under test".replace(".5", "½")
        return "digital multimeter under test (any profile of the DMM family)"

    def _describe_calibrators(self) -> str:
        if len(self.calibrators) == 1:
            return f"multi-product calibrator ({self.calibrators[0].model} class)"
        return "multi-product calibrator (any Fluke calibrator profile)"

    def table(self, ctx: RunContext | None = None) -> PointTable:
        """Return the point table of the run's DUT and calibrator models (``ctx.models``;
        the defaults when ``ctx`` is None or names no model)."""
        models = {} if ctx is None else ctx.models
        return _table(self._dut(models.get("dut")), self._calibrator(models.get("calibrator")),
                      self.method)

    def points_for(self, ctx: RunContext) -> tuple[TestPoint, ...]:
        """Return the points this run measures: the table's, without the low-TUR ones when
        the run refuses them (``settings.low_tur == "refuse"``).

        Raises UserInputError when every point would be refused.
        """
        table = self.table(ctx)
        if not table.points:
            first = table.left_out[0].reason if table.left_out else "no candidate point"
            raise UserInputError(
                f"{self.name}: no point of the {table.dut.model} can be verified against the "
                f"{table.calibrator.model} ({len(table.left_out)} left out; the first: {first})")
        if ctx.settings.low_tur != "refuse":
            return table.points
        kept = tuple(p.point for p in table.planned if p.limits.tur >= ctx.settings.min_tur)
        if not kept:
            raise UserInputError(
                f"{self.name}: every point of the {table.dut.model} against the "
                f"{table.calibrator.model} has a TUR below {ctx.settings.min_tur:g}; lower "
                "--min-tur or use --low-tur flag to measure them with the flag recorded")
        return kept

    def _dut(self, model: str | None) -> DmmProfile:
        if model is None:
            return self.duts[0]
        found = next((p for p in self.duts
                      if p.identity.model_field.upper() == model.strip().upper()), None)
        if found is None:
            raise UserInputError(f"{self.name}: no DMM profile for model {model!r} (known: "
                                 f"{', '.join(p.identity.model_field for p in self.duts)})")
        return found

    def _calibrator(self, model: str | None) -> CalibratorProfile:
        if model is None:
            return self.calibrators[0]
        found = next((p for p in self.calibrators
                      if p.model.upper() == model.strip().upper()), None)
        if found is None:
            raise UserInputError(f"{self.name}: no calibrator profile for model {model!r} "
                                 f"(known: {', '.join(p.model for p in self.calibrators)})")
        return found

    # -- the plans --------------------------------------------------------------------
    def prepare(self, ctx: RunContext) -> Plan:
        """List what is left out and the low-TUR points, reset both instruments, run the
        DMM self-test, warm up (not again after a resume)."""
        yield from self.announce(ctx)
        yield Do[Calibrator]("calibrator", "reset (*RST), output to standby", _reset_to_standby)
        yield Do[Multimeter]("dut", "reset (*RST) and clear status (*CLS)", _reset_and_clear)
        result = yield Do[Multimeter]("dut", "self-test (*TST?)", lambda d: d.query("*TST?"))
        if result is not None and result.strip() not in ("0", "+0"):
            raise StopRun(f"DMM self-test failed (*TST? answered {result.strip()!r}): "
                          "send the DMM for repair, do not verify it")
        if not ctx.resumed:
            yield Wait(self.warm_up_s, "warm-up of DMM and calibrator (1 h, input shorted)")

    def announce(self, ctx: RunContext) -> Plan:
        """Yield a Note per point left out (with the reason) and per point whose TUR is below
        the lab's minimum (its TUR, the rule that will apply, measured or refused)."""
        table = self.table(ctx)
        for left in table.left_out:
            yield Note(f"left out {left.point.point_id}: {left.reason}",
                       {"point_id": left.point.point_id, "left_out": left.reason})
        low = [p for p in table.planned if p.limits.tur < ctx.settings.min_tur]
        refused = ctx.settings.low_tur == "refuse"
        for planned in low:
            yield Note(low_tur_text(planned, ctx.settings)
                       + (" (refused: not measured)" if refused else " (measured, flagged)"),
                       {"point_id": planned.point.point_id, "tur": planned.limits.tur,
                        "min_tur": ctx.settings.min_tur, "refused": refused})

    def measure_point(self, ctx: RunContext, point: TestPoint) -> PointPlan:
        """Source the point, take the readings, return the error, its budget and decision."""
        function = Function[point.function]
        nominal = point.nominal
        span = point.range
        if span is None:
            raise StopRun(f"test point {point.point_id} has no range: the verification table "
                          "gives every point one")
        planned = self._planned(ctx, point)
        if planned is not None and planned.limits.tur < ctx.settings.min_tur:
            yield Note(low_tur_text(planned, ctx.settings),
                       {"tur": planned.limits.tur, "min_tur": ctx.settings.min_tur})
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
        nplc = self.method.nplc
        yield Do[Multimeter]("dut", f"configure {function.name} range {span:~#P}, {nplc:g} NPLC",
                             lambda d: d.configure(function, span, nplc))
        yield Wait(self.settle_s, "DMM settling")
        readings = yield Read[Multimeter]("dut", ctx.settings.readings, "take readings",
                                          lambda d, n: d.read_many(n), nominal)
        resolution = yield Do[Multimeter]("dut", "resolution of this setting",
                                          lambda d: d.resolution(function, span, nplc))
        yield Do[Calibrator]("calibrator", "standby", lambda c: c.standby())
        yield Do[Multimeter]("dut", "check the error queue",
                             lambda d: d.check_errors(f"point {point.point_id}"))
        if resolution is None:  # dry run: nothing was asked
            resolution = 0 * nominal
        return (yield from noting_warnings(
            lambda: self.evaluate(ctx, point, readings, resolution)))

    def _planned(self, ctx: RunContext, point: TestPoint) -> PlannedPoint | None:
        try:
            return self.table(ctx).planned_point(point.point_id)
        except KeyError:  # a point of another table (a test's own): no estimate to flag
            return None

    def evaluate(self, ctx: RunContext, point: TestPoint, readings: pint.Quantity,
                 resolution: pint.Quantity) -> PointOutcome:
        """Return the error of ``point`` from its ``readings``, with GUM budget and decision.

        Warnings of the engines (autocorrelated readings, say) are left to the caller.
        """
        table = self.table(ctx)
        dut_spec = table.dut.specification(self.method.interval)
        cal_spec = table.calibrator.specification(self.method.interval)
        function = Function[point.function]
        unit = function.unit
        nominal = point.nominal.to(unit)
        lookup = ctx.standard_value("calibrator", nominal, point.frequency)
        reference = nominal
        if lookup.value is None:
            calibrator_tol = cal_spec.tolerance(function, None, nominal, point.frequency)
            calibrator = TypeB(nominal, half_width=calibrator_tol.to(unit),
                               distribution="rectangular")
        else:  # the register asks for the calibrator's certificate (or drift) values
            reference = nominal + lookup.value.correction.to(unit)
            calibrator = TypeB(reference, u=lookup.value.u.to(unit))
        inputs: dict[str, Any] = {
            "reading": TypeA.from_readings(readings.to(unit)),
            "resolution": TypeB(Quantity(0.0, unit), half_width=resolution.to(unit) / 2,
                                distribution="rectangular"),
            "calibrator": calibrator,
        }
        if function is Function.DCV:
            inputs["thermal_emf"] = TypeB(Quantity(0.0, "V"),
                                          half_width=Quantity(self.method.thermal_emf_v, "V"),
                                          distribution="rectangular")
            gum = evaluate_gum(_error_with_emf, inputs, outputs=("error",))
        else:
            gum = evaluate_gum(_error, inputs, outputs=("error",))
        error = gum["error"]
        limit = dut_limit(point, dut_spec, self.method)
        # pint's stubs type negation as PlainQuantity; at run time it is the registry's Quantity
        lower = cast(pint.Quantity, -limit)
        decision = decide_error(ctx.settings, error, lower, limit)
        mean = readings.to(unit).mean()
        caveats = (None if lookup.value else cal_spec.caveat(function, None, nominal,
                                                             point.frequency),
                   dut_spec.caveat(function, point.range, nominal, point.frequency))
        return PointOutcome(mean, reference, error.value, (lower, limit), gum.to_dict(),
                            decision.to_dict(), tuple(c for c in caveats if c),
                            (lookup.record("calibrator"),))

    def adjust(self, ctx: RunContext) -> Plan:
        """Ask the operator to adjust the DMM before as-left."""
        yield Do[Calibrator]("calibrator", "standby", lambda c: c.standby())
        yield Prompt("adjust-dut", self.adjust_text)

    def safe_state(self, ctx: RunContext) -> Plan:
        """Calibrator output to standby, DMM to DC volts autorange (safe for any input)."""
        yield Do[Calibrator]("calibrator", "standby", lambda c: c.standby())
        nplc = self.method.nplc
        yield Do[Multimeter]("dut", "DC voltage, autorange",
                             lambda d: d.configure(Function.DCV, None, nplc))


_TABLES: dict[tuple[str, str, Method], PointTable] = {}


def _table(dut: DmmProfile, calibrator: CalibratorProfile, method: Method) -> PointTable:
    """Return the point table of the pair (built once per pair and method)."""
    key = (dut.name, calibrator.name, method)
    if key not in _TABLES:
        _TABLES[key] = point_table(dut, calibrator, method)
    return _TABLES[key]


def rule_text(planned: PlannedPoint, settings: RunSettings) -> str:
    """Return the decision rule that will apply to ``planned`` under ``settings``: simple
    acceptance on ±T, or the guarded acceptance limit ±A from the conformity engine at the
    U estimated before the run."""
    limits = planned.limits
    tolerance = float(limits.tolerance.magnitude)
    if settings.rule == "simple":
        return f"simple acceptance (ILAC-G8), pass within ±T = ±{_short(limits.tolerance)}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LowTURWarning)
        decision = decide(None, float(limits.expanded.magnitude), lower=-tolerance,
                          upper=tolerance, rule=settings.rule, guard=settings.guard)
    accept = Quantity(decision.to_dict()["acceptance_upper"], limits.tolerance.units)
    return (f"{settings.rule} acceptance (ILAC-G8, guard band {settings.guard or 'w = U'}), "
            f"pass within ±{_short(accept)} of ±{_short(limits.tolerance)}")


def low_tur_text(planned: PlannedPoint, settings: RunSettings) -> str:
    """Return the flag of a point whose TUR before the run is below ``settings.min_tur``:
    the point, its TUR, the minimum and the rule that will apply."""
    return (f"low TUR {planned.limits.tur:.2f} < {settings.min_tur:g} at "
            f"{planned.point.point_id}: {rule_text(planned, settings)}")


def _short(value: pint.Quantity) -> str:
    """Return ``value`` with a prefixed unit and three digits (``3.5 µV``)."""
    return f"{value.to_compact():.3g~P}"


def _reset_to_standby(calibrator: Calibrator) -> None:
    calibrator.reset()
    calibrator.standby()


def _reset_and_clear(dmm: Multimeter) -> None:
    dmm.reset()
    dmm.clear_status()


def _error(reading: Any, resolution: Any, calibrator: Any) -> Any:
    """E = (reading + resolution) - calibrator."""
    return reading + resolution - calibrator


def _error_with_emf(reading: Any, resolution: Any, calibrator: Any, thermal_emf: Any) -> Any:
    """E = (reading + resolution) - (calibrator + thermal EMF)."""
    return reading + resolution - calibrator - thermal_emf


def _ordered(names: Sequence[str], first: str) -> list[str]:
    return [first, *sorted(n for n in names if n != first)]


#: every DMM profile against every calibrator profile; the 34401A and 5522A first (the
#: default of a dry run and of ``metrolab run --simulate``)
VERIFICATION = DmmVerification(
    name="dmm-verification",
    version="1.0",
    title="Performance verification of a digital multimeter against a multi-product "
          "calibrator, points and limits from the specification tables",
    duts=tuple(dmm_profile(n) for n in _ordered(profile_names(), "keysight-34401a")),
    calibrators=tuple(calibrator_profile(n)
                      for n in _ordered(calibrator_profile_names(), "fluke-5522a")),
)

METADATA = VERIFICATION.metadata
TEST_POINTS: tuple[TestPoint, ...] = VERIFICATION.table().points
points_for = VERIFICATION.points_for
prepare = VERIFICATION.prepare
measure_point = VERIFICATION.measure_point
evaluate = VERIFICATION.evaluate
adjust = VERIFICATION.adjust
safe_state = VERIFICATION.safe_state
