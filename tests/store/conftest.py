"""A small but complete calibration run, journalled the way the runner journals it."""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from metrolab.clock import VirtualClock
from metrolab.store import seal
from metrolab.store.journal import Journal
from metrolab.store.signing import KeyRegister, SigningKey, create_key, load_signing_key
from metrolab.testing.cli import run_cli

RUN_ID = "R-2026-0001"


def budget(value: float, u_ref: float) -> dict[str, Any]:
    """Return a GumResult.to_dict()-shaped budget for a DMM reading against a calibrator."""
    u = (u_ref**2 + 1e-6**2) ** 0.5
    return {
        "method": "GUM", "model": "error = indication - reference", "coverage": 0.95,
        "outputs": {"error": {"value": value, "u": u, "dof": None, "k": 2.0, "U": 2 * u,
                              "unit": "V"}},
        "budget": [
            {"output": "error", "input": "indication", "value": 10.00001, "u": 1e-6,
             "unit": "V", "distribution": "normal", "dof": 9, "sensitivity": 1.0,
             "contribution": 1e-6, "share": 0.2},
            {"output": "error", "input": "reference", "value": 10.0, "u": u_ref, "unit": "V",
             "distribution": "rectangular", "dof": None, "sensitivity": -1.0,
             "contribution": u_ref, "share": 0.8},
        ],
        "correlations": [], "settings": {"samples": None},
        "inputs": {"indication": {"kind": "A", "value": 10.00001, "u": 1e-6, "dof": 9,
                                  "distribution": "t-scaled", "unit": "V",
                                  "readings": [10.000009, 10.000011]},
                   "reference": {"kind": "B", "value": 10.0, "u": u_ref, "dof": None,
                                 "distribution": "rectangular", "unit": "V"}},
    }


def decision(measured: float, U: float) -> dict[str, Any]:
    """Return a Decision.to_dict()-shaped simple-acceptance decision against ±40 µV."""
    return {"rule": "simple", "parameters": {"guard": None}, "measured": measured, "U": U,
            "k": 2.0, "lower_limit": -4e-5, "upper_limit": 4e-5, "acceptance_lower": -4e-5,
            "acceptance_upper": 4e-5, "statement": "pass" if abs(measured) < 4e-5 else "fail",
            "probability_of_conformity": 0.99, "pfa": None, "pfr": None, "tur": 4.2}


def write_run(path: Path, *, readings: int = 5, end: bool = True,
              clock: VirtualClock | None = None, run_id: str = RUN_ID,
              caveats: tuple[str, ...] = ()) -> Path:
    """Journal one run with two DCV points (as found) at ``path``, each result carrying
    ``caveats``; return the path."""
    clock = clock or VirtualClock()
    with Journal.create(path, run_id, clock=clock) as journal:
        journal.append("run_started", {
            "run_id": run_id, "procedure": {"name": "dmm-dcv", "version": "1.2"},
            "software_version": "0.1.0", "config_hash": "ab" * 32, "operator": "A. Operator",
            "item": {"manufacturer": "Keysight", "model": "34401A", "serial": "MY123",
                     "description": "6½-digit DMM"},
            "customer": {"name": "Example Ltd", "address": "1 Road, Town"},
            "location": "laboratory",
            "laboratory": {"name": "Cal Lab", "address": "2 Street", "accreditation": "A-1"},
            "decision_rule": {"rule": "simple", "parameters": {}},
            "started_at": clock.now()})
        journal.append("instrument", {
            "role": "dut", "name": "dmm", "resource": "TCPIP0::127.0.0.1::5025::SOCKET",
            "identity": {"manufacturer": "Keysight", "model": "34401A", "serial": "MY123",
                         "firmware": "11-5-2"}, "traceability": None})
        journal.append("instrument", {
            "role": "standard", "name": "calibrator", "resource": "ASRL/dev/pts/3::INSTR",
            "identity": {"manufacturer": "Fluke", "model": "5522A", "serial": "F1",
                         "firmware": "1.0"},
            "traceability": {"certificate_id": "C-77", "certificate_sha256": "cd" * 32,
                             "calibration_date": "2025-06-01", "due_date": "2026-06-01",
                             "issuer": "NMI", "override_reason": None}})
        journal.append("environment", {"time": clock.now(),
                                       "temperature": {"value": 23.1, "unit": "degC"},
                                       "humidity": {"value": 45.0, "unit": "percent"},
                                       "pressure": None})
        for number, nominal in enumerate((1.0, 10.0)):
            point_id = f"dcv-{nominal:g}V"
            journal.append("point_started", {
                "point_id": point_id, "phase": "as_found", "function": "DCV",
                "range": {"value": 10.0, "unit": "V"}, "nominal": {"value": nominal, "unit": "V"},
                "settings": {"nplc": {"value": 10, "unit": "dimensionless"}}})
            values = []
            for index in range(readings):
                clock.advance(0.5)
                value = nominal + 1e-6 * (index - 2) + number * 1e-5
                values.append(value)
                journal.append("reading", {"point_id": point_id, "phase": "as_found",
                                           "index": index, "time": clock.now(),
                                           "value": value, "unit": "V"})
            mean = sum(values) / len(values)
            journal.append("point_result", {
                "point_id": point_id, "phase": "as_found", "function": "DCV",
                "range": {"value": 10.0, "unit": "V"}, "nominal": {"value": nominal, "unit": "V"},
                "value": {"value": mean, "unit": "V"},
                "error": {"value": mean - nominal, "unit": "V"},
                "reference": {"value": nominal, "unit": "V"},
                "tolerance": {"lower": -4e-5, "upper": 4e-5, "unit": "V"},
                "budget": budget(mean - nominal, 5e-6),
                "decision": decision(mean - nominal, 1.1e-5),
                "caveats": list(caveats)})
        journal.append("event", {"time": clock.now(), "type": "note",
                                 "message": "all points done", "data": {"points": 2}})
        if end:
            journal.append("run_ended", {"status": "completed", "ended_at": clock.now(),
                                         "reason": ""})
    return path


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    """Return the path of a completed run's journal in a fresh directory."""
    return write_run(tmp_path / f"{RUN_ID}.journal")


@pytest.fixture
def sample() -> SimpleNamespace:
    """Return the sample run's helpers: ``run_id``, ``write_run``, ``budget``, ``decision``."""
    return SimpleNamespace(run_id=RUN_ID, write_run=write_run, budget=budget, decision=decision)


@pytest.fixture
def record_path(journal_path: Path) -> Path:
    """Return a freshly sealed record of the sample run."""
    return seal(journal_path)


#: the people of the sample laboratory: name -> role
PEOPLE = {"A. Operator": "operator", "Rita Reviewer": "reviewer", "Abe Approver": "approver"}
#: the time the sample records are sealed, reviewed and approved (2026-05-28, UTC)
SEALED_AT = 1_780_000_000.0


class Keys(SimpleNamespace):
    """Signing keys of :data:`PEOPLE` (``keys["Rita Reviewer"]``), the ``folder`` they are
    in, the ``register_path`` listing them and its loaded ``register``; ``foreign`` is a
    key of "Rita Reviewer" that the register does not hold."""

    def __getitem__(self, name: str) -> SigningKey:
        return load_signing_key(name, self.folder)


@pytest.fixture(scope="session")
def _key_files(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """Create the sample people's keys once: their ``folder``, ``register`` text, and the
    ``foreign`` key file."""
    folder = tmp_path_factory.mktemp("keys")
    tables = [create_key(name, role, folder).register_table() for name, role in PEOPLE.items()]
    foreign = create_key("Rita Reviewer", "reviewer", tmp_path_factory.mktemp("foreign"))
    return SimpleNamespace(folder=folder, register="\n".join(tables),
                           foreign=foreign.private_path)


@pytest.fixture
def keys(_key_files: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory,
         monkeypatch: pytest.MonkeyPatch) -> Keys:
    """Return the sample people's keys with a register of them that this test may change;
    the key folder is also $METROLAB_KEY_DIR (for the command line)."""
    register_path = tmp_path_factory.mktemp("register") / "register.toml"
    register_path.write_text(_key_files.register, encoding="utf-8")
    monkeypatch.setenv("METROLAB_KEY_DIR", str(_key_files.folder))
    monkeypatch.delenv("METROLAB_REGISTER", raising=False)
    return Keys(folder=_key_files.folder, register_path=register_path,
                register=KeyRegister.load(register_path),
                foreign=load_signing_key(_key_files.foreign))


@pytest.fixture
def signed_record(journal_path: Path, keys: Keys) -> Path:
    """Return a record of the sample run sealed with the operator's key."""
    return seal(journal_path, signer=keys["A. Operator"])


@pytest.fixture(scope="session")
def _records_template(_key_files: SimpleNamespace,
                      tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build once the records directory that :func:`records` copies for each test."""
    from metrolab.store import approve, review

    folder = tmp_path_factory.mktemp("records-template")
    register = KeyRegister.from_tables(None, tomllib.loads(_key_files.register)["signer"])
    people = {name: load_signing_key(name, _key_files.folder) for name in PEOPLE}
    clock = VirtualClock(SEALED_AT)
    sealer = people["A. Operator"]
    a = seal(write_run(folder / "A.journal", run_id="R-A"), clock=clock, signer=sealer)
    seal(write_run(folder / "B.journal", run_id="R-B"), clock=clock, signer=sealer)
    clock.advance(3600.0)
    review(a, people["Rita Reviewer"], register=register, clock=clock)
    clock.advance(3600.0)
    approve(a, people["Abe Approver"], register=register, clock=clock)
    return folder


@pytest.fixture
def records(_records_template: Path, tmp_path: Path, keys: Keys) -> SimpleNamespace:
    """Return a records directory (``dir``) holding two signed records: ``a`` (R-A, sealed,
    reviewed and approved) and ``b`` (R-B, sealed), with ``register`` (CLI arguments
    naming the register) and ``now``, the time of the last audit entry (s since epoch)."""
    folder = tmp_path / "records"
    shutil.copytree(_records_template, folder)
    return SimpleNamespace(dir=folder, a=folder / "A.h5", b=folder / "B.h5",
                           log=folder / "audit.log", now=SEALED_AT + 7200.0,
                           register=["--register", str(keys.register_path)])


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[[list[str]], tuple[int, str, str]]:
    """Return a runner of ``metrolab ARGS`` giving (exit code, stdout, stderr)."""

    def run(args: list[str]) -> tuple[int, str, str]:
        return run_cli(args, capsys)

    return run
