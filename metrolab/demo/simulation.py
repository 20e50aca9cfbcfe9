"""Simulated instruments for every role of a procedure, on one shared virtual clock.

``metrolab run PROCEDURE --simulate`` and ``metrolab demo`` rehearse a real procedure
without a bench: a :class:`~metrolab.drivers.bench.SimulatedBench` (DMM, calibrator,
thermometer readout and hygrometer coupled in one drifting laboratory) is served inside
this process, each role of the procedure is given the simulator of a model the role
accepts, and what the operator sets by hand when a prompt asks (a bath set point) is
applied to the simulation when the operator confirms. Its standards get a register of
their own, marked SIMULATED, so a rehearsal never borrows the lab's real traceability.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from metrolab.clock import VirtualClock
from metrolab.demo.register import demo_register
from metrolab.errors import UserInputError
from metrolab.runner.discovery import Procedure
from metrolab.runner.procedure import ManualSetting

#: the DMM models the simulated bench can put in the DUT's place
_DMM_MODELS = ("34401A", "34465A")


@dataclass(frozen=True, slots=True)
class SimulationOptions:
    """How to simulate: the bench's seed, the errors injected into its DMM, and the DMM and
    calibrator profiles it holds (None: the models the procedure's roles name first)."""

    seed: int = 0
    dut_errors: tuple[str, ...] = ()
    #: a DMM profile name (``keysight-34461a``) for the DUT's place
    dut_profile: str | None = None
    #: a calibrator profile name (``fluke-5520a``) for the calibrator's place
    calibrator_profile: str | None = None


@dataclass(slots=True)
class Simulation:
    """A served simulated bench: the procedure's roles, their resources, the shared clock."""

    bench: Any
    clock: VirtualClock
    options: SimulationOptions
    #: procedure role -> resource of its simulator (``SIM::...``, openable in this process)
    resources: dict[str, str]
    #: procedure role -> the bench simulator serving it
    simulators: dict[str, Any] = field(default_factory=dict)

    def apply(self, setting: ManualSetting) -> str:
        """Do on the simulated bench what the operator was asked to set; return what was done.

        Raises :class:`UserInputError` for a setting the bench cannot make.
        """
        if setting.name == "bath set point":
            value = float(setting.value.to("degC").magnitude)
            self.bench.set_bath_temperature(value)
            return f"the simulated bath was set to {value:g} °C"
        raise UserInputError(f"the simulated bench cannot make the manual setting "
                             f"{setting.name!r}: the procedure needs a real bench for it")

    def identities(self) -> dict[str, dict[str, str]]:
        """Return role -> identity (manufacturer, model, serial) of every simulated instrument."""
        identities = {}
        for role, simulator in self.simulators.items():
            manufacturer, model, serial = simulator.IDN.split(",")[:3]
            identities[role] = {"manufacturer": manufacturer, "model": model, "serial": serial}
        return identities

    def record(self) -> dict[str, Any]:
        """Return what the record says about the simulation (JSON-safe): seed, DUT errors."""
        profiles = {key: value for key, value in (("dut_profile", self.options.dut_profile),
                    ("calibrator_profile", self.options.calibrator_profile)) if value}
        return {"simulated": True, "seed": self.options.seed,
                "dut_errors": list(self.options.dut_errors), **profiles,
                "note": "simulated instruments on a virtual clock: not a calibration of a "
                        "real item"}

    def write_register(self, folder: Path, standards: Sequence[str], *,
                       name: str = "simulated-register.toml") -> Path:
        """Write a register of the simulated standards in ``standards`` into ``folder``.

        Each gets a stand-in certificate file marked demo (:func:`demo_register`), in
        date on the virtual clock's day. Returns the register's path (``folder/name``).
        """
        folder.mkdir(parents=True, exist_ok=True)
        identities = self.identities()
        today = datetime.fromtimestamp(self.clock.now(), tz=UTC).date()
        path = folder / name
        path.write_text(demo_register({role: identities[role] for role in standards}, today,
                                      folder), encoding="utf-8")
        return path


def _dmm_model(procedure: Procedure) -> str:
    """Return the bench's DMM model (lower case) for ``procedure``: the one its roles ask for."""
    for spec in procedure.metadata.instruments.values():
        for model in spec.drivers:
            if model.upper() in _DMM_MODELS:
                return model.lower()
    return "34401a"


@contextmanager
def simulate(procedure: Procedure, options: SimulationOptions, *,
             clock: VirtualClock | None = None, wire: bool = False) -> Iterator[Simulation]:
    """Serve a simulated bench for every role of ``procedure``.

    Inside this process (``SIM::`` resources) unless ``wire``: then over TCP on
    127.0.0.1 and pseudo-terminals, as ``metrolab sim bench`` serves it. Yields the
    :class:`Simulation`; the simulators are withdrawn when the block ends.
    Raises :class:`UserInputError` for a role no bench simulator can play, and for DUT
    errors given to a procedure without a simulated DMM or naming a range it lacks.
    """
    from metrolab.drivers.bench import BenchConfig, SimulatedBench

    clock = clock or VirtualClock(datetime.now(UTC).timestamp())
    config = BenchConfig(seed=options.seed,
                         dut_model=options.dut_profile or _dmm_model(procedure),
                         calibrator_model=options.calibrator_profile or "fluke-5522a")
    bench = SimulatedBench(options.seed, clock, config=config)
    chosen = _cast(procedure, bench.simulators)
    if options.dut_errors and "dut" not in {bench_role for bench_role in chosen.values()}:
        raise UserInputError(f"--dut-error injects errors into the simulated DMM; procedure "
                             f"{procedure.metadata.name} has no DMM among its instruments")
    for text in options.dut_errors:
        bench.inject_dut_error(text)
    with (bench.serve() if wire else bench.serve_in_process()) as served:
        yield Simulation(bench, clock, options,
                         {role: served[b] for role, b in chosen.items()},
                         {role: bench.simulators[b] for role, b in chosen.items()})


def _cast(procedure: Procedure, simulators: Mapping[str, Any]) -> dict[str, str]:
    """Return procedure role -> bench role whose simulator is a model the role accepts."""
    models = {bench_role: sim.IDN.split(",")[1].upper() for bench_role, sim in simulators.items()}
    chosen: dict[str, str] = {}
    for role, spec in procedure.metadata.instruments.items():
        wanted = {model.upper() for model in spec.drivers}
        match = next((b for b, model in models.items() if model in wanted
                      and b not in chosen.values()), None)
        if match is None:
            raise UserInputError(
                f"--simulate: no simulator for role {role!r} of {procedure.metadata.name} "
                f"(it needs one of {', '.join(spec.drivers)}; the simulated bench has "
                f"{', '.join(sorted(set(models.values())))})")
        chosen[role] = match
    return chosen
