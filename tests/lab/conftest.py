"""Fixtures of the laboratory tests: a small simulated fleet, a PostgreSQL server, the
example DCCs, the shared schemas and a register of standards.

The fleet is written once per test session and shared by the pytest-xdist workers (a
file lock makes the first worker write it and the others wait); tests that change
records copy it first. The PostgreSQL server is Debian's ``postgresql`` package started
in a temporary folder on a free 127.0.0.1 port (as the ``postgres`` user when the tests
run as root, since ``initdb`` refuses root); without it those tests skip.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from glob import glob
from pathlib import Path

import pytest
from filelock import FileLock

from metrolab.lab.catalogue import Catalogue, records_directories
from metrolab.lab.fleet import simulate_fleet
from metrolab.lab.fleet_plan import FleetMix
from metrolab.lab.indexing import DirectoryScan, scan_directory

EXAMPLES = Path(__file__).parent / "dcc_examples"
#: ``../shared/schemas/dcc`` beside the checkout (CI lays it there)
SHARED_SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "schemas" / "dcc"

REGISTER = """\
# the lab's register (a comment that must survive an import)
[laboratory]
name = "Example Calibration Lab"

[[standard]]
id = "CAL-5522A-01"
role = "calibrator"
manufacturer = "FLUKE"
model = "5522A"
serial = "1972905"
certificate_id = "OLD-2024-001"
calibration_date = 2024-06-01
due_date = 2025-06-01
values = "certificate"

[[standard]]
id = "MASS-1KG"
role = "weight"
manufacturer = "Example Weights"
model = "E1-1KG"
serial = "W-0815"
certificate_id = "OLD-MASS"
calibration_date = 2023-09-15
due_date = 2025-09-15

[[standard]]
id = "PG-200"
role = "pressure"
manufacturer = "Example Gauges"
model = "PG-200"
serial = "PG-7731"
certificate_id = "OLD-PG"
calibration_date = 2022-11-01
due_date = 2023-11-01
"""


@pytest.fixture
def register_file(tmp_path: Path) -> Path:
    """Return a register of three standards in a fresh folder."""
    path = tmp_path / "register.toml"
    path.write_text(REGISTER, encoding="utf-8")
    return path


@pytest.fixture
def shared_schemas() -> Path:
    """Return the shared DCC schema folder, or skip when it is not beside the checkout."""
    if not (SHARED_SCHEMAS / "dcc-3.1.2" / "dcc.xsd").is_file():
        pytest.skip(f"no shared DCC schemas at {SHARED_SCHEMAS}")
    return SHARED_SCHEMAS

#: the shared fleet: enough records for every path (function models, a renamed input,
#: Monte Carlo budgets, amendments, aborted runs, all three rules) at a few seconds per
#: record on a busy box
FLEET_RECORDS = 16
FLEET_SEED = 12
FLEET_MIX = FleetMix(function_model=0.15, renamed_input=0.08, monte_carlo=0.2, aborted=0.05,
                     amended=0.12, guarded=0.2, nonbinary=0.2)


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the folder of the shared simulated fleet (read-only: copy it to change it)."""
    base = tmp_path_factory.getbasetemp()
    # under xdist each worker has its own base folder inside the session's: share that
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "lab-fleet"
    root.mkdir(exist_ok=True)
    folder = root / "fleet"
    with FileLock(str(root / "fleet.lock")):
        if not (folder / "fleet.json").is_file():
            if folder.exists():
                shutil.rmtree(folder)
            simulate_fleet(FLEET_RECORDS, folder, standards=3, seed=FLEET_SEED,
                           scheduler="loop", mix=FLEET_MIX)
    return folder


@pytest.fixture(scope="session")
def fleet_scans(fleet: Path) -> list[DirectoryScan]:
    """Return the fleet's folders verified and read once (what a rebuild indexes)."""
    register = str(fleet / "fleet-register.toml")
    return [scan_directory(folder, register)
            for folder in records_directories([fleet / "records"])]


@pytest.fixture(scope="session")
def fleet_catalogue(fleet_scans: list[DirectoryScan],
                    tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    """Return a SQLite catalogue of the shared fleet (read-only)."""
    folder = tmp_path_factory.mktemp("fleet-catalogue")
    catalogue = Catalogue.open(f"sqlite:///{folder / 'catalogue.sqlite'}")
    for scan in fleet_scans:
        assert catalogue.apply(scan).refused == ()
    return catalogue


@pytest.fixture()
def fleet_copy(fleet: Path, tmp_path: Path) -> Path:
    """Return a private copy of the shared fleet that a test may change."""
    target = tmp_path / "fleet"
    shutil.copytree(fleet, target, symlinks=True)
    for key in (target / "fleet-keys").glob("*.key"):
        key.chmod(0o600)
    return target


def fleet_summary(folder: Path) -> dict[str, object]:
    """Return the fleet's ``fleet.json``."""
    return json.loads((folder / "fleet.json").read_text(encoding="utf-8"))


def _postgres_bin() -> Path | None:
    found = sorted(glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pgserver_url() -> Iterator[str]:
    """Yield the SQLAlchemy URL of a throw-away server from the pgserver wheel (PostgreSQL's
    binaries on PyPI, in the test extra: CI's fresh machine has no Debian server). It
    listens on a Unix socket only and, as root, runs as a user of its own."""
    pgserver = pytest.importorskip(
        "pgserver", reason="no PostgreSQL: neither Debian's postgresql package nor the "
                           "pgserver wheel (pip install '.[test]') is installed")
    folder = Path(tempfile.mkdtemp(prefix="metrolab-pgserver-"))
    server = pgserver.get_server(folder, cleanup_mode="delete")
    try:
        yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Start a throw-away PostgreSQL server on 127.0.0.1; yield its SQLAlchemy URL."""
    pytest.importorskip("psycopg", reason="the PostgreSQL driver (metrolab[lab]) is missing")
    binaries = _postgres_bin()
    if binaries is None:
        yield from _pgserver_url()
        return
    folder = Path(tempfile.mkdtemp(prefix="metrolab-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        import pwd

        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder)
            pytest.skip("running as root and there is no postgres user for initdb")
        os.chown(folder, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()

    def run(*command: str) -> None:
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=60)

    try:
        run(str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "metrolab",
            "--no-sync", "-E", "UTF8")
        run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
            "-w", "-t", "60", "-o",
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        log = folder / "server.log"
        detail = log.read_text(errors="replace")[-500:] if log.exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {exc}; {getattr(exc, 'stderr', b'')!r} {detail}")
    try:
        yield f"postgresql+psycopg://metrolab@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "-w", "stop"], capture_output=True, timeout=60, check=False)
        shutil.rmtree(folder, ignore_errors=True)
