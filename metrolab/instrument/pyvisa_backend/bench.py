"""Which simulator a VISA resource string opens in the ``@metrolab`` pyvisa backend.

Without a file the default bench (seed 0, virtual clock) answers at the addresses its
instruments have out of the box::

    GPIB0::22::INSTR                    dut, a 34401A (factory GPIB address 22)
    GPIB0::4::INSTR                     calibrator, the 5522A (factory address 4)
    ASRL1::INSTR                        thermometer, the Hart 1529
    ASRL2::INSTR                        hygrometer, the Vaisala HMT330
    TCPIP0::localhost::5025::SOCKET     a 34465A of its own (LAN, raw socket)
    TCPIP0::localhost::inst0::INSTR     the same 34465A over VXI-11
    ASRL3::INSTR                        an RS-232 34401A of its own

A bench file (``"bench.toml@metrolab"``) is the TOML file of ``docs/bench.md`` with a
``[visa]`` table: ``clock = "virtual" | "wall"`` and ``[visa.resources]`` mapping each
resource string to a bench role (``dut``, ``calibrator``, ``thermometer``,
``hygrometer``) or to a registered simulator name (``keysight-34465a``: a simulator of
its own on the bench's clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyvisa import rname

from metrolab.clock import Clock, VirtualClock, WallClock
from metrolab.errors import UserInputError
from metrolab.instrument.simulation import SimulatedInstrument, create_simulator
from metrolab.tomlfile import read_toml

DEFAULT_RESOURCES = {
    "GPIB0::22::INSTR": "dut",
    "GPIB0::4::INSTR": "calibrator",
    "ASRL1::INSTR": "thermometer",
    "ASRL2::INSTR": "hygrometer",
    "TCPIP0::localhost::5025::SOCKET": "keysight-34465a",
    "TCPIP0::localhost::inst0::INSTR": "keysight-34465a",
    "ASRL3::INSTR": "keysight-34401a-rs232",
}
_ROLES = ("dut", "calibrator", "thermometer", "hygrometer")
_CLOCKS = ("virtual", "wall")


def canonical(resource: str) -> str:
    """Return ``resource`` in pyvisa's canonical form (``GPIB::22`` -> ``GPIB0::22::INSTR``);
    raises UserInputError for a string that is no VISA resource name."""
    try:
        return str(rname.parse_resource_name(resource.strip()))
    except rname.InvalidResourceName as exc:
        raise UserInputError(f"{resource!r} is not a VISA resource name: {exc}") from exc


@dataclass(frozen=True)
class BackendBench:
    """The simulators one ``@metrolab`` library serves, by canonical resource name."""

    simulators: dict[str, SimulatedInstrument]
    clock: Clock
    #: the coupled bench (``metrolab.drivers.bench.SimulatedBench``) behind the roles
    bench: Any

    def find(self, resource: str) -> SimulatedInstrument | None:
        """Return the simulator at ``resource`` (any spelling pyvisa accepts), or None."""
        try:
            key = canonical(resource)
        except UserInputError:
            return None
        found = self.simulators.get(key)
        if found is None and "/" not in key:
            upper = {name.upper(): sim for name, sim in self.simulators.items()}
            found = upper.get(key.upper())
        return found

    def resources(self) -> list[str]:
        """Return every resource string served, sorted."""
        return sorted(self.simulators)


def load_bench(library_path: str) -> BackendBench:
    """Return the simulators for ``library_path``: the default bench for ``""`` or
    ``"unset"``, else the bench file at that path (see the module docstring).

    Raises UserInputError naming the file and the key for anything it cannot use.
    """
    if library_path in ("", "unset"):
        return _build({}, DEFAULT_RESOURCES, "virtual", "default @metrolab bench")
    path = Path(library_path)
    origin = f"bench file {path}"
    data = read_toml(path, "bench file")
    visa = data.pop("visa", {})
    if not isinstance(visa, dict):
        raise UserInputError(f"{origin}: [visa] must be a table")
    unknown = sorted(set(visa) - {"clock", "resources"})
    if unknown:
        raise UserInputError(f"{origin}: unknown keys in [visa]: {unknown}; "
                             "allowed: clock, resources")
    clock = visa.get("clock", "virtual")
    if clock not in _CLOCKS:
        raise UserInputError(f"{origin}: [visa] clock = {clock!r} is not one of {_CLOCKS}")
    resources = visa.get("resources", DEFAULT_RESOURCES)
    if not isinstance(resources, dict) or not all(isinstance(v, str)
                                                  for v in resources.values()):
        raise UserInputError(f"{origin}: [visa.resources] must map resource strings to "
                             "a role or simulator name")
    return _build(data, resources, clock, origin)


def _build(config: dict[str, Any], resources: dict[str, str], clock_name: str,
           origin: str) -> BackendBench:
    from metrolab.drivers.bench import BenchConfig, SimulatedBench

    clock: Clock = VirtualClock() if clock_name == "virtual" else WallClock()
    bench_config = BenchConfig.from_dict(config, origin=origin)
    bench = SimulatedBench(bench_config.seed, clock, config=bench_config)
    roles = bench.simulators
    own: dict[str, SimulatedInstrument] = {}
    simulators: dict[str, SimulatedInstrument] = {}
    for resource, target in resources.items():
        if target in _ROLES:
            simulator = roles[target]
        else:
            if target not in own:
                try:
                    own[target] = create_simulator(target, seed=bench_config.seed, clock=clock)
                except UserInputError as exc:
                    raise UserInputError(f"{origin}: {resource} = {target!r}: {exc}; "
                                         f"or a role: {', '.join(_ROLES)}") from None
            simulator = own[target]
        simulators[canonical(resource)] = simulator
    return BackendBench(simulators, clock, bench)
