"""Procedures written as data: a TOML file compiled into the runner's own types.

:func:`compile_file` checks a file (:mod:`metrolab.runner.toml_schema`, then the links
between its parts: roles named by the measurement, channels, hooks, unique point ids)
and returns a module holding ``METADATA``, ``TEST_POINTS``, ``measure_point`` and the
optional ``prepare``/``conclude``, exactly what a Python procedure module holds, so
the runner, the journal, the record and the certificate treat both alike.

Each point's plan: the point's prompt (with its manual setting), the calibrator set to
the nominal and operating when the measurement names a source, a settling wait, then
the indication (journalled) and the reference read in turn. Its budget is
``error = indication - reference + Σ contributions``: Type A for the means read, the
``[[uncertainty]]`` entries as Type B inputs; the limit is the point's value or the
tolerance of a specification table (``{spec = MODEL, interval = ...}``, the laboratory's
own file when the run has one). A ``[hooks] evaluate`` function replaces that budget.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import numpy as np
import pint

from metrolab.errors import UserInputError
from metrolab.instrument.functions import Function
from metrolab.instrument.roles import Instrument
from metrolab.runner.errors import ProcedureDefinitionError
from metrolab.runner.procedure import (
    Do,
    InstrumentRole,
    ManualSetting,
    Metadata,
    Plan,
    PointOutcome,
    PointPlan,
    Prompt,
    Read,
    TestPoint,
    Wait,
)
from metrolab.runner.toml_schema import ProcedureFile, Role, quantity
from metrolab.toml_check import Problem, TomlFileError, parse, problem_at, read_text, validate
from metrolab.units import Quantity

#: the models each protocol accepts without naming a driver, and their driver classes
DRIVERS: dict[str, dict[str, str]] = {
    "multimeter": {"34401A": "metrolab.drivers.keysight:Keysight34401A",
                   "34465A": "metrolab.drivers.keysight:Keysight34465A"},
    "calibrator": {"5522A": "metrolab.drivers.fluke:Fluke5522A"},
    "thermometer readout": {"1529": "metrolab.drivers.hart:Hart1529"},
    "environment monitor": {"HMT330": "metrolab.drivers.vaisala:VaisalaHMT330"},
}
_READS = ("multimeter", "thermometer readout")


class ProcedureFileError(TomlFileError, ProcedureDefinitionError):
    """A TOML procedure cannot be used: every problem with its line."""


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``metrolab procedures --check FILE`` found: problems (none: valid)."""

    path: Path
    problems: tuple[Problem, ...]
    unreadable: bool = False
    summary: str = ""

    def lines(self) -> list[str]:
        """Return one ``FILE:LINE: message`` line per problem."""
        return [p.format(self.path) for p in self.problems]


def check_file(path: Path) -> CheckReport:
    """Return the check of TOML procedure ``path`` (every problem with its line)."""
    try:
        text = read_text(path, "procedure file")
    except TomlFileError as exc:
        return CheckReport(path, exc.problems, unreadable=True)
    procedure, problems = check_text(text)
    summary = "" if procedure is None else (
        f"{procedure.procedure.name} {procedure.procedure.version}, "
        f"{len(procedure.point)} points, roles {', '.join(procedure.roles)}")
    return CheckReport(path, tuple(problems), summary=summary)


def check_text(text: str) -> tuple[ProcedureFile | None, list[Problem]]:
    """Return (the checked procedure, []) of TOML ``text``, or (None, its problems)."""
    data, problems = parse(text)
    if data is None:
        return None, problems
    procedure, problems = validate(ProcedureFile, data, text)
    if procedure is None:
        return None, problems
    problems = sorted(_links(procedure, text), key=lambda p: (p.line or 0, p.message))
    return (None, problems) if problems else (procedure, [])


def _links(procedure: ProcedureFile, text: str) -> list[Problem]:
    """Return the problems between parts: unknown roles, kinds, channels, models, hooks."""
    found = []
    for name, role in procedure.roles.items():
        unknown = [m for m in role.models if m.upper() not in {k.upper() for k in
                                                                 DRIVERS[role.kind]}]
        if unknown:
            found.append(problem_at(text, ("roles", name, "models"),
                                    f"no driver for model {unknown[0]!r} as a {role.kind} "
                                    f"(known: {', '.join(DRIVERS[role.kind])})"))
    measurement = procedure.measurement
    for part, channel, kinds in (("indication", measurement.indication, _READS),
                                 ("reference", measurement.reference, _READS),
                                 ("source", measurement.source, ("calibrator",))):
        if channel is None:
            continue
        where = ("measurement", part, "role")
        named = procedure.roles.get(channel.role)
        if named is None:
            found.append(problem_at(text, where, f"no role {channel.role!r} (roles: "
                                                 f"{', '.join(procedure.roles)})"))
        elif named.kind not in kinds:
            found.append(problem_at(text, where, f"role {channel.role!r} is a {named.kind}; the "
                                                 f"{part} needs a {' or a '.join(kinds)}"))
        elif named.kind == "thermometer readout" and channel.channel is None:
            found.append(problem_at(text, ("measurement", part),
                                    "a thermometer readout needs its channel = N"))
    seen: set[str] = set()
    multimeter = _kind(procedure, measurement.indication.role) == "multimeter"
    for number, point in enumerate(procedure.point):
        if point.id in seen:
            found.append(problem_at(text, ("point", number, "id"),
                                    f"{point.id!r} is already a point id"))
        seen.add(point.id)
        if (multimeter or measurement.source is not None
                or not isinstance(point.limit, str)) and point.function not in Function.__members__:
            found.append(problem_at(text, ("point", number, "function"),
                                    f"{point.function!r} is not a function a multimeter, a "
                                    f"calibrator or a specification table knows "
                                    f"({', '.join(Function.__members__)})"))
    for name in ("prepare", "evaluate", "conclude"):
        reference = getattr(procedure.hooks, name)
        if reference is not None:
            try:
                hook(reference)
            except UserInputError as exc:
                found.append(problem_at(text, ("hooks", name), str(exc)))
    return found


def _kind(procedure: ProcedureFile, role: str) -> str:
    found = procedure.roles.get(role)
    return found.kind if found is not None else ""


def hook(reference: str) -> Callable[..., Any]:
    """Return the function ``module:function`` names; UserInputError says why it cannot."""
    module_name, _, attribute = reference.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise UserInputError(f"hook {reference!r}: module {module_name!r} cannot be imported "
                             f"({type(exc).__name__}: {exc})") from None
    function = getattr(module, attribute, None)
    if not callable(function):
        raise UserInputError(f"hook {reference!r}: {module_name} has no function {attribute!r}")
    return cast(Callable[..., Any], function)


def compile_file(path: Path) -> ModuleType:
    """Return the procedure module compiled from TOML file ``path``.

    Raises :class:`ProcedureFileError` with every problem and its line.
    """
    text = read_text(path, "procedure file", ProcedureFileError)
    procedure, problems = check_text(text)
    if procedure is None:
        raise ProcedureFileError("procedure file", path, problems)
    return _Compiled(procedure, path).module()


class _Compiled:
    """One checked TOML procedure and the plans made from it."""

    def __init__(self, procedure: ProcedureFile, path: Path) -> None:
        self.data = procedure
        self.path = path
        self.points = {p.id: p for p in procedure.point}

    def module(self) -> ModuleType:
        info = self.data.procedure
        module = ModuleType(f"metrolab_toml_procedures.{info.name.replace('-', '_')}",
                            f"{info.title} (TOML procedure {self.path})")
        module.__file__ = str(self.path)
        module.METADATA = Metadata(  # type: ignore[attr-defined]
            name=info.name, version=info.version,
            title=f"{info.title} ({info.method})" if info.method else info.title,
            dut_models=tuple(info.dut_models),
            instruments={name: self._role(name, role) for name, role in self.data.roles.items()},
            readings_per_point=info.readings,
            temperature_band_c=(None if info.temperature_band_c is None else
                                (info.temperature_band_c[0], info.temperature_band_c[1])))
        module.TEST_POINTS = tuple(self._point(p) for p in self.data.point)  # type: ignore[attr-defined]
        module.measure_point = self.measure_point  # type: ignore[attr-defined]
        module.prepare = self.prepare  # type: ignore[attr-defined]
        if self.data.hooks.conclude:
            module.conclude = hook(self.data.hooks.conclude)  # type: ignore[attr-defined]
        return module

    @staticmethod
    def _role(name: str, role: Role) -> InstrumentRole:
        known = DRIVERS[role.kind]
        models = [m for m in known if not role.models or m.upper() in
                  {r.upper() for r in role.models}]
        use = role.use or ("environment" if role.kind == "environment monitor"
                           else "dut" if name == "dut" else "standard")
        return InstrumentRole(use, role.description or role.kind,
                              {m: cast(type[Instrument], hook(known[m])) for m in models},
                              required=role.required)

    @staticmethod
    def _point(point: Any) -> TestPoint:
        return TestPoint(point.id, point.step or point.function, point.function,
                         quantity(point.nominal),
                         range=quantity(point.range) if point.range else None,
                         frequency=quantity(point.frequency) if point.frequency else None,
                         connection=point.connection)

    def prepare(self, ctx: Any) -> Plan:
        """Ask the ``[[prompt]]`` confirmations, then run the ``prepare`` hook if any."""
        for entry in self.data.prompt:
            yield Prompt(entry.key, entry.text)
        if self.data.hooks.prepare:
            yield from hook(self.data.hooks.prepare)(ctx)

    def measure_point(self, ctx: Any, point: TestPoint) -> PointPlan:
        """Set up, settle, read indication and reference in turn; return the outcome."""
        spec = self.points[point.point_id]
        measurement = self.data.measurement
        if spec.prompt:
            setting = ManualSetting(spec.setting, point.nominal) if spec.setting else None
            yield Prompt(f"setup-{point.point_id}".lower(), spec.prompt, setting=setting)
        if measurement.source is not None:
            yield from self._source(measurement.source.role, point)
        if spec.settle_s:
            yield Wait(spec.settle_s, "settling")
        count = spec.readings or ctx.settings.readings
        indication: list[pint.Quantity] = []
        reference: list[pint.Quantity] = []
        configured = False
        for _ in range(count):
            if measurement.interval_s:
                yield Wait(measurement.interval_s, "next reading")
            if measurement.reference is not None:
                value = yield self._read(measurement.reference, point, journal=False)
                reference.append(value[0])
            if not configured and _kind(self.data, measurement.indication.role) == "multimeter":
                yield Do(measurement.indication.role, f"configure {point.label()}",
                         lambda dmm: dmm.configure(Function[point.function], point.range))
                configured = True
            value = yield self._read(measurement.indication, point, journal=True)
            indication.append(value[0])
        return self._evaluate(ctx, point, _stack(indication),
                              _stack(reference) if reference else None)

    def _source(self, role: str, point: TestPoint) -> Plan:
        yield Do(role, f"output {point.label()}",
                 lambda cal: cal.set_output(point.nominal, point.frequency))
        yield Do(role, "operate", lambda cal: cal.operate())

    def _read(self, where: Any, point: TestPoint, *, journal: bool) -> Read[Any]:
        kind = _kind(self.data, where.role)
        if kind == "thermometer readout":
            channel = int(where.channel)
            return Read(where.role, 1, f"channel {channel}",
                        lambda t, n: _array([t.read_temperature(channel) for _ in range(n)]),
                        point.nominal, journal=journal)
        return Read(where.role, 1, "reading", lambda dmm, n: dmm.read_many(n), point.nominal,
                    journal=journal)

    def _evaluate(self, ctx: Any, point: TestPoint, indication: pint.Quantity,
                  reference: pint.Quantity | None) -> PointOutcome:
        if self.data.hooks.evaluate:
            outcome = hook(self.data.hooks.evaluate)(ctx, point, indication, reference)
            if not isinstance(outcome, PointOutcome):
                raise ProcedureDefinitionError(
                    f"hook {self.data.hooks.evaluate}: returned {outcome!r}, not a PointOutcome")
            return outcome
        return _budget(ctx, point, self.points[point.point_id], self.data, indication,
                       reference)


def _array(values: list[pint.Quantity]) -> pint.Quantity:
    unit = values[0].units
    stacked: pint.Quantity = Quantity(np.array([v.to(unit).magnitude for v in values]), unit)
    return stacked


def _stack(values: list[pint.Quantity]) -> pint.Quantity:
    return _array(values)


def _budget(ctx: Any, point: TestPoint, spec: Any, data: ProcedureFile,
            indication: pint.Quantity, reference: pint.Quantity | None) -> PointOutcome:
    """Return the outcome of ``error = indication - reference + Σ contributions``."""
    from metrolab.runner.evaluation import decide_error
    from metrolab.uncertainty import TypeA, TypeB, evaluate_gum
    from metrolab.uncertainty.model import Model

    temperature = indication.check("[temperature]")
    unit = "K" if temperature else f"{indication.units:~}"
    difference = "K" if temperature else unit
    nominal = point.nominal.to(unit)
    inputs: dict[str, Any] = {"indication": TypeA.from_readings(indication.to(unit))}
    if reference is not None:
        inputs["reference"] = TypeA.from_readings(reference.to(unit))
        reference_value = reference.to(unit).mean()
    else:
        inputs["reference"] = TypeB(nominal, half_width=_tiny(nominal),
                                    distribution="rectangular")
        reference_value = nominal
    for entry in data.uncertainty:
        zero = Quantity(0.0, difference)
        if entry.expanded is not None:
            inputs[entry.name] = TypeB(zero, expanded=quantity(entry.expanded).to(difference),
                                       k=entry.k)
        else:
            assert entry.half_width is not None  # checked by the schema
            inputs[entry.name] = TypeB(zero, half_width=quantity(entry.half_width).to(difference),
                                       distribution=entry.distribution)
    names = tuple(inputs)
    extra = names[2:]
    model = Model(lambda **v: v["indication"] - v["reference"] + sum(v[n] for n in extra),
                  names, ("error",),
                  "error = indication - reference" + "".join(f" + {n}" for n in extra))
    gum = evaluate_gum(model, inputs)
    error = gum["error"]
    limit = _limit(point, spec, difference)
    lower = cast(pint.Quantity, -limit)
    decision = decide_error(ctx.settings, error, lower, limit)
    shown = indication.mean().to(point.nominal.units) if temperature else indication.mean()
    caveat = _caveat(point, spec)
    return PointOutcome(shown, reference_value, error.value, (lower, limit), gum.to_dict(),
                        decision.to_dict(), (caveat,) if caveat else ())


def _tiny(nominal: pint.Quantity) -> pint.Quantity:
    """Return a negligible half-width for a nominal taken as exact (the source's own
    uncertainty enters as an ``[[uncertainty]]`` entry): 1e-12 of it, never 0."""
    return Quantity(max(abs(float(nominal.magnitude)) * 1e-12, 1e-15), nominal.units)


def _table(spec: Any) -> Any:
    from metrolab.instrument import spec_sources

    table = spec_sources.lookup(spec.limit.spec, spec.limit.interval,
                                packaged=spec_sources.packaged_table(spec.limit.spec,
                                                                     spec.limit.interval))
    if table is None:
        raise UserInputError(f"point {spec.id}: no {spec.limit.interval} specification of "
                             f"{spec.limit.spec} is packaged or in the lab's --specs folders")
    return table


def _limit(point: TestPoint, spec: Any, unit: str) -> pint.Quantity:
    """Return the point's limit (half-width) in ``unit``: its value, or the tolerance of
    the specification table it names at the nominal."""
    if isinstance(spec.limit, str):
        return quantity(spec.limit).to(unit)
    tolerance = _table(spec).tolerance(Function[point.function], point.range, point.nominal,
                                       point.frequency)
    return cast(pint.Quantity, tolerance.to(unit))


def _caveat(point: TestPoint, spec: Any) -> str | None:
    if isinstance(spec.limit, str):
        return None
    text: str | None = _table(spec).caveat(Function[point.function], point.range,
                                           point.nominal, point.frequency)
    return text
