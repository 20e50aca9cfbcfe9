"""Simulated instruments: the framework every simulator is built on.

* :class:`SimulatedInstrument`: error queue, status registers, seeded ``rng``,
  injected ``clock``, latency and a fault switchboard (:class:`Fault`).
* :class:`CommandTree` and parameter helpers: SCPI short/long forms, ``;`` chains,
  -113 undefined header, -222 data out of range.
* :class:`LabEnvironment`, :class:`SignalSource`, :class:`Stimulus`,
  :class:`ManualSource`, :class:`DutError`: how simulators are coupled.
* :func:`serve_tcp`, :func:`serve_pty`, :func:`serve`: real transports.
* :func:`create_simulator`, :func:`simulator_names`: the ``metrolab.simulators`` registry.
"""

from metrolab.instrument.simulation.environment import (
    NOTHING,
    DutError,
    LabEnvironment,
    ManualSource,
    SignalSource,
    Stimulus,
)
from metrolab.instrument.simulation.faults import Fault, FaultSwitchboard
from metrolab.instrument.simulation.instrument import SimulatedInstrument
from metrolab.instrument.simulation.parser import (
    CommandError,
    CommandTree,
    boolean,
    choice,
    compile_header,
    no_params,
    number,
    one_param,
)
from metrolab.instrument.simulation.registry import (
    SimulatorUnavailable,
    create_simulator,
    simulator_factory,
    simulator_names,
)
from metrolab.instrument.simulation.server import (
    PtyServer,
    Server,
    TcpServer,
    serve,
    serve_pty,
    serve_tcp,
)
from metrolab.instrument.simulation.session import ConnectionDropped, Session

__all__ = [
    "NOTHING",
    "CommandError",
    "CommandTree",
    "ConnectionDropped",
    "DutError",
    "Fault",
    "FaultSwitchboard",
    "LabEnvironment",
    "ManualSource",
    "PtyServer",
    "Server",
    "Session",
    "SignalSource",
    "SimulatedInstrument",
    "SimulatorUnavailable",
    "Stimulus",
    "TcpServer",
    "boolean",
    "choice",
    "compile_header",
    "create_simulator",
    "no_params",
    "number",
    "one_param",
    "serve",
    "serve_pty",
    "serve_tcp",
    "simulator_factory",
    "simulator_names",
]
