"""``metrolab demo``: the whole DMM verification against the simulated bench, unattended.

Starts :class:`~metrolab.drivers.bench.SimulatedBench` on a virtual clock and serves
it over the real transports (TCP sockets and pseudo-terminals), writes a demo
register of standards from the bench's identities, runs
``dmm-34401a-verification`` with ``--yes``, seals the record, approves it as the
demo reviewer and approver (four eyes), renders the certificate, and prints the
summary table and the file paths.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from metrolab.clock import Clock, VirtualClock
from metrolab.runner.config import RunConfig
from metrolab.runner.discovery import find_procedure
from metrolab.runner.engine import RunSettings
from metrolab.runner.instruments import close_instruments, open_instruments
from metrolab.runner.lifecycle import RunInputs, RunResult, start_run
from metrolab.runner.operator import Answers, Operator
from metrolab.runner.progress import ProgressReporter
from metrolab.runner.register import Standard, dumps_register
from metrolab.runner.summary import print_result

PROCEDURE = "dmm-34401a-verification"
OPERATOR = "demo operator"
REVIEWER = "demo reviewer"
LABORATORY = {"name": "metrolab demonstration laboratory (fictitious)",
              "address": "simulated bench, Demo Street 1, Braunschweig (fictitious)",
              "accreditation": "none (demonstration)", "country": "DE"}
#: a fictitious customer, so the demo certificate shows where a customer goes
CUSTOMER = {"name": "Demo Customer Ltd (fictitious, metrolab demo)",
            "address": "Example Road 2, Demo Town (fictitious)",
            "contact": "demo contact (fictitious)"}
#: folder (next to the register) of the demo's stand-in calibration certificates
CERTIFICATES = "demo-certificates"


def demo_register(identities: Mapping[str, Mapping[str, str]], today: date, folder: Path) -> str:
    """Return the TOML text of a register holding the bench's standards, in date on ``today``.

    Writes a small stand-in calibration certificate (text, marked demo) per standard
    into ``folder/demo-certificates``; the register names each file and its SHA-256,
    so the register's hash check and the record's traceability use real values. The
    register must be written into ``folder``.
    """
    (folder / CERTIFICATES).mkdir(parents=True, exist_ok=True)
    standards = []
    for role, ident in identities.items():
        certificate_id = f"DEMO-CERT-{ident['model']}-{ident['serial']}"
        calibrated, due = today - timedelta(days=90), today + timedelta(days=275)
        file = f"{CERTIFICATES}/{certificate_id}.txt"
        text = (f"metrolab DEMO calibration certificate {certificate_id}\n"
                f"{ident['manufacturer']} {ident['model']} serial {ident['serial']} ({role})\n"
                f"calibrated {calibrated.isoformat()}, due {due.isoformat()}\n"
                "A simulated instrument: this is not a real calibration.\n").encode()
        (folder / file).write_bytes(text)
        standards.append(Standard(
            id=f"DEMO-{role.upper()}", role=role, manufacturer=ident["manufacturer"],
            model=ident["model"], serial=ident["serial"], certificate_id=certificate_id,
            calibration_date=calibrated, due_date=due,
            issuer="metrolab demo (simulated, not a real calibration)",
            certificate_sha256=hashlib.sha256(text).hexdigest(), certificate_file=file,
            specification="manufacturer 1-year specification",
        ))
    return dumps_register(standards, LABORATORY)


def run_demo(out_dir: Path, dut_errors: Sequence[str], seed: int, console: Console) -> RunResult:
    """Run the demo into ``out_dir``; print the summary; return the run's result."""
    from metrolab.drivers.bench import SimulatedBench

    out_dir.mkdir(parents=True, exist_ok=True)
    clock = VirtualClock(datetime.now(UTC).timestamp())
    bench = SimulatedBench(seed=seed, clock=clock)
    for error in dut_errors:
        bench.inject_dut_error(error)
    procedure = find_procedure(PROCEDURE)
    roles = procedure.metadata.instruments
    with bench.serve() as served:
        resources = {role: served[role] for role in roles if role in served}
        register = out_dir / "demo-register.toml"
        register.write_text(_register_for(procedure, resources, clock, out_dir),
                            encoding="utf-8")
        config = RunConfig(procedure=PROCEDURE, resources=resources, out_dir=str(out_dir),
                           register=str(register), settings=RunSettings(),
                           virtual_clock=True, customer=CUSTOMER)
        operator = Operator(Answers(operator=OPERATOR), yes=True, interactive=False)
        result = start_run(config, RunInputs(operator, ProgressReporter(console), clock=clock))
    extra = _approve_and_render(result, out_dir, clock)
    print_result(result, console, extra)
    return result


def _register_for(procedure: Any, resources: Mapping[str, str], clock: Clock,
                  folder: Path) -> str:
    instruments = open_instruments(procedure, resources, 5.0, clock)
    try:
        identities = {role: i.identity for role, i in instruments.items() if i.kind == "standard"}
    finally:
        close_instruments(instruments)
    today = datetime.fromtimestamp(clock.now(), tz=UTC).date()
    return demo_register(identities, today, folder)


def _approve_and_render(result: RunResult, out_dir: Path, clock: Clock) -> dict[str, Path]:
    """Review and approve a completed record (four eyes), render the certificate files."""
    from metrolab.store import approve, review

    files: dict[str, Path] = {}
    draft = result.status.status != "completed"
    if not draft:
        # on the run's clock: virtual time ran ahead of the wall, and a record must not
        # be approved before the calibration it holds ended
        review(result.record, REVIEWER, clock=clock)
        approve(result.record, OPERATOR, clock=clock)
    from metrolab.certificates.issue import render_all

    for kind, path in render_all(result.record, out_dir, draft=draft).items():
        files[str(kind)] = Path(path)
    return files
