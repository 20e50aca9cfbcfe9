"""``metrolab demo``: a whole calibration against simulated instruments, unattended.

Serves a simulated bench for every role of the procedure (:mod:`metrolab.demo.simulation`)
on a virtual clock, writes a register of its standards marked demo, runs the procedure
with ``--yes`` for a fictitious customer, seals the record and, when the run completed,
has it reviewed and approved by two other demo persons (the operator does not check or
authorise their own calibration; each signs with a demo key made in the output folder and
entered in the demo register) and renders the certificate (PDF, HTML, DCC). A run that
did not complete gets no certificate: the demo says so in its last line and exits
non-zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from metrolab.store.signing import SigningKey

PROCEDURE = "dmm-34401a-verification"
OPERATOR = "demo operator"
REVIEWER = "demo reviewer"
APPROVER = "demo approver"
#: each demo person's role, as the demo register of signers holds it
ROLES = {OPERATOR: "operator (demo)", REVIEWER: "reviewer (demo)",
         APPROVER: "head of laboratory, approver (demo)"}
#: how the simulated item arrived (ISO/IEC 17025 7.8.2.1 g: condition of the item)
CONDITION = "no visible damage; powers up and passes its self-test (simulated item)"
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
    #: the lab's own specification tables (``--specs DIR``), first wins
    specs_dirs: tuple[Path, ...] = ()
    #: the simulated DMM and calibrator profiles (None: the procedure's first models)
    dut_profile: str | None = None
    calibrator_profile: str | None = None


@dataclass(frozen=True, slots=True)
class DemoResult:
    """The run and the certificate files rendered from it (none for an incomplete run)."""

    run: RunResult
    files: dict[str, Path]


def run_demo(out_dir: Path, options: DemoOptions, console: Console) -> DemoResult:
    """Run the demo into ``out_dir``; print the summary; return the run and its files."""
    from metrolab.store.durable import prepare_folder

    prepare_folder(out_dir, "demo's output folder (--out)")
    procedure = find_procedure(options.procedure)
    roles = procedure.metadata.instruments
    simulation_options = SimulationOptions(options.seed, options.dut_errors,
                                           options.dut_profile, options.calibrator_profile)
    with simulate(procedure, simulation_options, wire=options.wire) as simulation:
        # the standards and the hygrometer whose readings the certificate reports
        standards = [role for role, spec in roles.items()
                     if spec.kind in ("standard", "environment")]
        register = simulation.write_register(out_dir, standards, name="demo-register.toml")
        keys = _demo_keys(out_dir, register)
        config = RunConfig(procedure=options.procedure, resources=simulation.resources,
                           out_dir=str(out_dir), register=str(register),
                           settings=RunSettings(readings=procedure.metadata.readings_per_point),
                           virtual_clock=True, customer=CUSTOMER,
                           item={**({} if "dut" in roles else SENSOR),
                                 **_receipt(simulation.clock)},
                           simulation=simulation.record(),
                           specs_dirs=tuple(str(f) for f in options.specs_dirs))
        operator = Operator(Answers(operator=OPERATOR), yes=True, interactive=False)
        result = start_run(config, RunInputs(operator, ProgressReporter(console),
                                             clock=simulation.clock, manual=simulation.apply,
                                             sealer=keys[OPERATOR]))
    files: dict[str, Path] = {}
    if result.status.status == "completed" and options.certificate:
        files = _approve_and_render(result, out_dir, simulation.clock, keys, register)
    print_result(result, console, files)
    return DemoResult(result, files)


def checked_profiles(dut: str | None, calibrator: str | None) -> tuple[str | None, str | None]:
    """Return the packaged DMM and calibrator profile names ``dut`` and ``calibrator`` in
    their canonical spelling (None stays None).

    Raises UserInputError naming the valid profiles when one is unknown.
    """
    from metrolab.drivers.dmm.registry import dmm_profile
    from metrolab.drivers.fluke.cal_profile import calibrator_profile, calibrator_profile_names
    from metrolab.errors import UserInputError

    dut_name = None if dut is None else dmm_profile(dut).name
    cal_name = None
    if calibrator is not None:
        try:
            cal_name = calibrator_profile(calibrator).name
        except UserInputError:
            raise UserInputError(f"--calibrator {calibrator!r}: unknown calibrator profile; "
                                 f"valid: {', '.join(calibrator_profile_names())}") from None
    return dut_name, cal_name


def _receipt(clock: Clock) -> dict[str, str]:
    """Return the item's date of receipt (the day of the run) and condition on receipt."""
    from datetime import UTC, datetime

    day = datetime.fromtimestamp(clock.now(), tz=UTC).date()
    return {"received": day.isoformat(), "condition": CONDITION}


def _demo_keys(out_dir: Path, register: Path) -> dict[str, SigningKey]:
    """Return the demo people's signing keys, made in ``out_dir/demo-keys`` on the first
    run (owner-only, like any key), and enter their [[signer]] tables in ``register``."""
    from metrolab.store.signing import create_key, load_signing_key, slug

    folder = out_dir / "demo-keys"
    tables = []
    for name, role in ROLES.items():
        if not (folder / f"{slug(name)}.key").exists():
            create_key(name, role, folder)
        tables.append((folder / f"{slug(name)}.pub.toml").read_text(encoding="utf-8"))
    with open(register, "a", encoding="utf-8") as handle:
        handle.write("\n" + "\n".join(tables))
    return {name: load_signing_key(name, folder) for name in ROLES}


def _approve_and_render(result: RunResult, out_dir: Path, clock: Clock,
                        keys: Mapping[str, SigningKey], register: Path) -> dict[str, Path]:
    """Review and approve a completed record (two other people than the operator, signed
    and checked against the demo register), render the certificate files."""
    from metrolab.certificates.issue import render_all
    from metrolab.store import approve, review
    from metrolab.store.signing import KeyRegister

    signers = KeyRegister.load(register)
    # on the run's clock: virtual time ran ahead of the wall, and a record must not
    # be reviewed or approved before the calibration it holds ended
    review(result.record, keys[REVIEWER], register=signers, clock=clock)
    approve(result.record, keys[APPROVER], register=signers, clock=clock)
    return {str(kind): Path(path) for kind, path
            in render_all(result.record, out_dir, draft=False, register=signers).items()}
