"""The coupled simulated bench: a DMM under test wired to a Fluke calibrator (the 5522A
unless ``calibrator_model`` names another profile), a 1529 thermometer readout and an
HMT330 transmitter, all in one drifting laboratory.

::

    bench = SimulatedBench(seed=0, clock=VirtualClock())
    bench.inject_dut_error("DCV 10V gain=+60ppm")
    with bench.serve() as resources:          # {"dut": "TCPIP0::127.0.0.1::N::SOCKET",
        ...                                   #  "calibrator": ..., "thermometer":
                                              #  "ASRL/dev/pts/N::INSTR", "hygrometer": ...}

The calibrator simulator is the DMM simulator's ``source``; the DMM, the thermometer and
the transmitter share one :class:`~metrolab.instrument.simulation.LabEnvironment`. The
DMM and the calibrator are served on TCP (127.0.0.1), the serial instruments on
pseudo-terminals. The configuration file read by :meth:`BenchConfig.from_toml` is
described in ``docs/bench.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from metrolab.drivers.dmm.factories import simulator_class_for
from metrolab.drivers.dmm.registry import dmm_profile, profile_names
from metrolab.drivers.dmm.simulator import DmmSimulator
from metrolab.drivers.fluke.cal_profile import calibrator_profile, calibrator_profile_names
from metrolab.drivers.fluke.sim_calibrator import FlukeCalibratorSimulator, simulator_class
from metrolab.drivers.hart.sim_1529 import Hart1529Simulator
from metrolab.drivers.keysight.simulator import (
    Keysight34401ASimulator,
    Keysight34465ASimulator,
)
from metrolab.drivers.vaisala.sim_hmt330 import VaisalaHMT330Simulator

from metrolab.clock import Clock, WallClock
from metrolab.errors import UserInputError
from metrolab.instrument.inprocess import serve_in_process
from metrolab.instrument.simulation import (
    DutError,
    Fault,
    LabEnvironment,
    SimulatedInstrument,
    serve_pty,
    serve_tcp,
)
from metrolab.tomlfile import read_toml

#: the instruments of the bench, in the order they are served and printed
ROLES = ("dut", "calibrator", "thermometer", "hygrometer")
_DMM_MODELS: dict[str, type[DmmSimulator]] = {
    "34401a": Keysight34401ASimulator,
    "34465a": Keysight34465ASimulator,
}


def _dut_class(model: str) -> type[DmmSimulator]:
    """Return the simulator class of ``dut_model``: ``34401a``/``34465a`` or any DMM profile."""
    if model in _DMM_MODELS:
        return _DMM_MODELS[model]
    return simulator_class_for(dmm_profile(model))


@dataclass(frozen=True)
class BenchConfig:
    """How a bench is built; every field has a default (see ``docs/bench.md``)."""

    seed: int = 0
    dut_model: str = "34401a"
    #: the calibrator's profile (``fluke-5520a`` ...; the 5522A by default)
    calibrator_model: str = "fluke-5522a"
    dut_errors: tuple[str, ...] = ()
    barometer: bool = False
    temperature_c: float | None = None
    humidity_rh: float | None = None
    pressure_hpa: float | None = None
    bath_c: float | None = None
    dut_sensor_error: tuple[float, ...] | None = None
    dut_port: int = 0
    calibrator_port: int = 0
    latency_s: float = 0.0

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, origin: str = "bench configuration"
                  ) -> BenchConfig:
        """Return the configuration in ``data``; UserInputError names a bad key or value."""
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise UserInputError(f"{origin}: unknown keys {unknown}; allowed: {', '.join(names)}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            values[name] = _checked(name, value, origin)
        config = cls(**values)
        if config.dut_model not in _DMM_MODELS and config.dut_model not in profile_names():
            raise UserInputError(
                f"{origin}: dut_model {config.dut_model!r} is not one of {sorted(_DMM_MODELS)} "
                f"nor a DMM profile ({', '.join(profile_names())})"
            )
        if config.calibrator_model not in calibrator_profile_names():
            raise UserInputError(
                f"{origin}: calibrator_model {config.calibrator_model!r} is not a calibrator "
                f"profile ({', '.join(calibrator_profile_names())})"
            )
        return config

    @classmethod
    def from_toml(cls, path: Path) -> BenchConfig:
        """Return the configuration in TOML file ``path``; UserInputError when unreadable."""
        return cls.from_dict(read_toml(path, "bench configuration"),
                             origin=f"bench configuration {path}")


_TYPES: dict[str, tuple[type, ...]] = {
    "seed": (int,), "dut_model": (str,), "calibrator_model": (str,), "barometer": (bool,),
    "dut_port": (int,), "calibrator_port": (int,), "latency_s": (int, float),
    "temperature_c": (int, float),
    "humidity_rh": (int, float), "pressure_hpa": (int, float), "bath_c": (int, float),
}


def _checked(name: str, value: Any, origin: str) -> Any:
    if name in ("dut_errors", "dut_sensor_error"):
        kind = str if name == "dut_errors" else (int, float)
        if not isinstance(value, list) or not all(isinstance(v, kind) for v in value):
            raise UserInputError(f"{origin}: {name} must be a list of "
                                 f"{'texts' if name == 'dut_errors' else 'numbers'}")
        return tuple(value)
    allowed = _TYPES[name]
    if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
        raise UserInputError(f"{origin}: {name} = {value!r} has the wrong type")
    if name.endswith("_port") and isinstance(value, int) and not 0 <= value <= 65535:
        raise UserInputError(f"{origin}: {name} = {value} is not a TCP port (0 = any free one)")
    return value


class SimulatedBench:
    """The four simulators of a DC/AC calibration bench, coupled and seeded.

    ``clock`` is shared by every simulator (a VirtualClock in tests, the wall clock when
    served to a human). ``config`` adds the options of :class:`BenchConfig`.
    """

    def __init__(self, seed: int = 0, clock: Clock | None = None, *,
                 config: BenchConfig | None = None) -> None:
        config = config if config is not None else BenchConfig(seed=seed)
        if config.seed != seed and seed != 0:
            raise UserInputError(f"bench: seed {seed} and config seed {config.seed} differ")
        seed = config.seed
        self.config = config
        self.clock: Clock = clock if clock is not None else WallClock()
        self.environment = LabEnvironment(seed, self.clock)
        for value, pin in ((config.temperature_c, self.environment.set_temperature),
                           (config.humidity_rh, self.environment.set_humidity),
                           (config.pressure_hpa, self.environment.set_pressure)):
            if value is not None:
                pin(value)
        latency = config.latency_s
        self.calibrator: FlukeCalibratorSimulator = simulator_class(
            calibrator_profile(config.calibrator_model))(
            seed=seed, clock=self.clock, latency_s=latency, environment=self.environment)
        self.dut = _dut_class(config.dut_model)(
            seed=seed, clock=self.clock, latency_s=latency, source=self.calibrator,
            environment=self.environment,
        )
        self.thermometer = Hart1529Simulator(seed=seed, clock=self.clock, latency_s=latency,
                                             environment=self.environment)
        self.hygrometer = VaisalaHMT330Simulator(
            seed=seed + 1, clock=self.clock, latency_s=latency, environment=self.environment,
            barometer=config.barometer,
        )
        if config.bath_c is not None:
            self.thermometer.set_bath(config.bath_c)
        if config.dut_sensor_error is not None:
            self.thermometer.set_dut_error(config.dut_sensor_error)
        for text in config.dut_errors:
            self.inject_dut_error(text)

    @classmethod
    def from_config_file(cls, path: Path, clock: Clock | None = None) -> SimulatedBench:
        """Return the bench described by TOML file ``path`` (see ``docs/bench.md``)."""
        config = BenchConfig.from_toml(path)
        return cls(config.seed, clock, config=config)

    @property
    def simulators(self) -> dict[str, SimulatedInstrument]:
        """Return role -> simulator (``dut``, ``calibrator``, ``thermometer``, ``hygrometer``)."""
        return {"dut": self.dut, "calibrator": self.calibrator,
                "thermometer": self.thermometer, "hygrometer": self.hygrometer}

    @contextmanager
    def serve(self) -> Iterator[dict[str, str]]:
        """Serve every instrument; yield role -> VISA resource string; stop them all on exit.

        The DMM and the calibrator listen on 127.0.0.1 (``dut_port``/``calibrator_port``,
        0 = a free port), the thermometer and the transmitter on new pseudo-terminals.
        """
        with ExitStack() as stack:
            servers = {
                "dut": stack.enter_context(serve_tcp(self.dut, self.config.dut_port)),
                "calibrator": stack.enter_context(
                    serve_tcp(self.calibrator, self.config.calibrator_port)),
                "thermometer": stack.enter_context(serve_pty(self.thermometer)),
                "hygrometer": stack.enter_context(serve_pty(self.hygrometer)),
            }
            yield {role: servers[role].resource for role in ROLES}

    @contextmanager
    def serve_in_process(self) -> Iterator[dict[str, str]]:
        """Serve every instrument inside this process; yield role -> ``SIM::`` resource.

        The resources open with the same drivers as :meth:`serve`'s, through an in-process
        transport (no socket, no pseudo-terminal, no thread), so a whole run is as fast as
        the simulators; they are withdrawn on exit.
        """
        with ExitStack() as stack:
            yield {role: stack.enter_context(serve_in_process(self.simulators[role]))
                   for role in ROLES}

    def inject_dut_error(self, text: str) -> DutError:
        """Add an error to the DMM's readings on one function and range; return it.

        ``text`` is ``FUNCTION RANGE [gain=±Nppm] [offset=VALUE]``, e.g.
        ``"DCV 10V gain=+60ppm"`` or ``"RES4 10kohm offset=0.5ohm"`` (no space between a
        number and its unit). Other ranges and functions are untouched. Raises
        UserInputError for text that cannot be read or a range the DMM does not have.
        """
        error = DutError.parse(text)
        ranges = self.dut.MODEL.ranges.get(error.function, ())
        if not any(abs(error.range - r) <= 1e-9 * max(1.0, r) for r in ranges):
            listed = ", ".join(f"{r:g}" for r in sorted(ranges))
            raise UserInputError(
                f"DUT error {text!r}: the {self.dut.MODEL.model} has no {error.range:g} "
                f"{error.function.unit} range for {error.function.name} (ranges: {listed})"
            )
        matched = min(ranges, key=lambda r: abs(r - error.range))
        error = DutError(error.function, matched, error.gain_ppm, error.offset)
        self.dut.inject_error(error)
        return error

    def clear_dut_errors(self) -> None:
        """Remove every injected DUT error."""
        self.dut.clear_injected_errors()

    def inject_fault(self, role: str, kind: str | Fault, count: int = 1) -> None:
        """Make ``role``'s simulator misbehave on its next ``count`` replies.

        ``kind``: ``drop`` (connection closed), ``delay`` (reply held past the client's
        timeout, sent late), ``garble`` (reply corrupted), ``flood`` (error queue filled
        past its depth). Raises UserInputError for an unknown role or kind.
        """
        simulator = self.simulators.get(role)
        if simulator is None:
            raise UserInputError(f"bench: unknown role {role!r}; roles are {', '.join(ROLES)}")
        simulator.faults.arm(kind if isinstance(kind, Fault) else Fault.parse(kind), count)

    def set_bath_temperature(self, value_c: float) -> None:
        """Give the thermometer's comparison bath a new set point, in °C."""
        self.thermometer.set_bath(value_c)
