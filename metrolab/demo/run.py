"""``metrolab demo``: a whole calibration against simulated instruments, unattended.

Serves a simulated bench for every role of the procedure (:mod:`metrolab.demo.simulation`)
on a virtual clock, writes a register of its standards marked demo, runs the procedure
with ``--yes`` for a fictitious customer, seals the record and, when the run completed,
has it reviewed and approved by two demo persons and renders the certificate (PDF, HTML,
DCC). A run that did not complete gets no certificate: the demo says so in its last line
and exits non-zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from metrolab.clock import Clock
from metrolab.demo.simulation import SimulationOptions, simulate
from metrolab.runner.config import RunConfig
from metrolab.runner.discovery import find_procedure
from metrolab.runner.engine import RunSettings
from metrolab.runner.lifecycle import RunInputs, RunResult, start_run
from metrolab.runner.operator import Answers, Operator
from metrolab.runner.progress import ProgressReporter
from metrolab.runner.summary import print_result

PROCEDURE = "dmm-34401a-verification"
OPERATOR = "demo operator"
REVIEWER = "demo reviewer"
#: a fictitious customer, so the demo certificate shows where a customer goes
CUSTOMER = {"name": "Demo Customer Ltd (fictitious, metrolab demo)",
            "address": "Example Road 2, Demo Town (fictitious)",
            "contact": "demo contact (fictitious)"}
#: the item of a procedure whose DUT is not an instrument (a sensor in the bath)
SENSOR = {"manufacturer": "Demo Sensors (fictitious)", "model": "Pt100",
          "serial": "DEMO-PRT-0001", "description": "platinum resistance thermometer "
          "(simulated)"}


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """What the demo runs and how: procedure, seed, DUT errors, transports, certificate."""

    procedure: str = PROCEDURE
    seed: int = 0
    dut_errors: tuple[str, ...] = ()
    #: serve the simulators over TCP and pseudo-terminals (False: inside this process)
    wire: bool = True
    #: render the certificate files (PDF, HTML, DCC) of a completed run
    certificate: bool = True


@dataclass(frozen=True, slots=True)
class DemoResult:
    """The run and the certificate files rendered from it (none for an incomplete run)."""

    run: RunResult
    files: dict[str, Path]


def run_demo(out_dir: Path, options: DemoOptions, console: Console) -> DemoResult:
    """Run the demo into ``out_dir``; print the summary; return the run and its files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    procedure = find_procedure(options.procedure)
    roles = procedure.metadata.instruments
    with simulate(procedure, SimulationOptions(options.seed, options.dut_errors),
                  wire=options.wire) as simulation:
        standards = [role for role, spec in roles.items() if spec.kind == "standard"]
        register = simulation.write_register(out_dir, standards, name="demo-register.toml")
        config = RunConfig(procedure=options.procedure, resources=simulation.resources,
                           out_dir=str(out_dir), register=str(register),
                           settings=RunSettings(readings=procedure.metadata.readings_per_point),
                           virtual_clock=True, customer=CUSTOMER,
                           item={} if "dut" in roles else SENSOR,
                           simulation=simulation.record())
        operator = Operator(Answers(operator=OPERATOR), yes=True, interactive=False)
        result = start_run(config, RunInputs(operator, ProgressReporter(console),
                                             clock=simulation.clock, manual=simulation.apply))
    files: dict[str, Path] = {}
    if result.status.status == "completed" and options.certificate:
        files = _approve_and_render(result, out_dir, simulation.clock)
    print_result(result, console, files)
    return DemoResult(result, files)


def _approve_and_render(result: RunResult, out_dir: Path, clock: Clock) -> dict[str, Path]:
    """Review and approve a completed record (four eyes), render the certificate files."""
    from metrolab.certificates.issue import render_all
    from metrolab.store import approve, review

    # on the run's clock: virtual time ran ahead of the wall, and a record must not
    # be reviewed or approved before the calibration it holds ended
    review(result.record, REVIEWER, clock=clock)
    approve(result.record, OPERATOR, clock=clock)
    return {str(kind): Path(path)
            for kind, path in render_all(result.record, out_dir, draft=False).items()}
