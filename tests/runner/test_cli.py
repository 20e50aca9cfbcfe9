"""Bad input to the runner's commands: one clear line on stderr, exit code 2, no traceback."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from metrolab.drivers.fluke.sim_5522a import Fluke5522ASimulator
from metrolab.drivers.keysight.simulator import Keysight34401ASimulator
from rich.console import Console

from metrolab.cli import main
from metrolab.clock import VirtualClock
from metrolab.instrument.simulation.server import serve_tcp
from metrolab.runner.lifecycle import RunInputs, resume_run
from metrolab.runner.operator import Operator
from metrolab.runner.progress import ProgressReporter
from metrolab.runner.register import Standard, dumps_register
from metrolab.store import read_journal

PROCEDURE = "dmm-34401a-verification"


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    err = capsys.readouterr().err
    return int(exit_info.value.code or 0), err


def assert_one_line(err: str, *fragments: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture
def clock() -> VirtualClock:
    """The simulators' clock (waits of a run given it pass on the simulated bench)."""
    return VirtualClock()


@pytest.fixture
def bench(clock: VirtualClock) -> Iterator[dict[str, str]]:
    """A 34401A measuring a 5522A, served on 127.0.0.1 (no environment monitor)."""
    calibrator = Fluke5522ASimulator(seed=3, clock=clock)
    dmm = Keysight34401ASimulator(seed=3, clock=clock, source=calibrator)
    with serve_tcp(calibrator) as cal_server, serve_tcp(dmm) as dmm_server:
        yield {"dut": dmm_server.resource, "calibrator": cal_server.resource}


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


CALIBRATOR_IDENTITY = ("FLUKE", "5522A", "1972905")


def write_register(path: Path, due: date, serial: str = CALIBRATOR_IDENTITY[2]) -> Path:
    """Write a register holding a 5522A with ``serial`` (the simulated one's by default),
    id ``CAL-1``, due on ``due``; return its path."""
    path.write_text(dumps_register([Standard(
        "CAL-1", "calibrator", *CALIBRATOR_IDENTITY[:2], serial, "C-1", date(2020, 1, 1), due)],
        {"name": "Test Lab", "country": "GB"}))
    return path


def run_args(bench: dict[str, str], register: Path, out: Path, *extra: str) -> list[str]:
    """Return the arguments of ``metrolab run`` of the DMM verification on ``bench``."""
    return ["run", PROCEDURE, "--dut", bench["dut"], "--standard",
            f"calibrator={bench['calibrator']}", "--register", str(register), "--out", str(out),
            *extra]


def one_point_run(bench: dict[str, str], register: Path, out: Path, *extra: str) -> list[str]:
    """Return the arguments of a virtual-clock run of the DCV-10V point only."""
    return run_args(bench, register, out, "--virtual-clock", "--points", "DCV-10V", *extra)


def test_unknown_procedure(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_cli(["run", "no-such-procedure", "--dry-run"], capsys)
    assert code == 2
    assert_one_line(err, "unknown procedure 'no-such-procedure'", PROCEDURE)


def test_malformed_answers_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                bench: dict[str, str]) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text("[prompts]\nconnect = maybe\n")
    code, err = run_cli(["run", PROCEDURE, "--dut", bench["dut"], "--standard",
                         f"calibrator={bench['calibrator']}", "--answers", str(answers),
                         "--out", str(tmp_path)], capsys)
    assert code == 2
    assert_one_line(err, f"answers file {answers}: not valid TOML")
    assert not list(tmp_path.glob("*.journal"))


def test_resource_that_does_not_answer(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       silent_port: int) -> None:
    resource = f"TCPIP0::127.0.0.1::{silent_port}::SOCKET"
    code, err = run_cli(["run", PROCEDURE, "--dut", resource, "--standard",
                         f"calibrator={resource}", "--yes", "--timeout", "0.3",
                         "--out", str(tmp_path)], capsys)
    assert code == 2
    assert_one_line(err, f"dut at {resource} does not answer *IDN? within 0.3 s")
    assert not list(tmp_path.glob("*.journal"))


def test_standard_missing_from_the_register(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            bench: dict[str, str]) -> None:
    register = write_register(tmp_path / "register.toml", date(2099, 1, 1), serial="999")
    code, err = run_cli(run_args(bench, register, tmp_path, "--yes"), capsys)
    assert code == 2
    assert_one_line(err, "standard 'calibrator' (FLUKE 5522A, serial 1972905) is not in")
    assert not list(tmp_path.glob("*.journal"))


def test_expired_standard_stops_the_run_without_override(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], bench: dict[str, str]) -> None:
    register = write_register(tmp_path / "register.toml", date(2021, 1, 1))
    code, err = run_cli(run_args(bench, register, tmp_path, "--yes"), capsys)
    assert code == 2
    assert_one_line(err, "'CAL-1'", "due for calibration on 2021-01-01",
                    "--override CAL-1=REASON")


def test_missing_role_and_bad_pairs(capsys: pytest.CaptureFixture[str],
                                    bench: dict[str, str]) -> None:
    code, err = run_cli(["run", PROCEDURE, "--dut", bench["dut"], "--yes"], capsys)
    assert code == 2
    assert_one_line(err, "no resource for role 'calibrator'", "--standard calibrator=RESOURCE")
    code, err = run_cli(["run", PROCEDURE, "--dut", bench["dut"], "--standard", "calibrator",
                         "--yes"], capsys)
    assert code == 2
    assert_one_line(err, "--standard 'calibrator': expected NAME=VALUE")


def test_resume_of_a_missing_journal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_cli(["resume", str(tmp_path / "nothing.journal")], capsys)
    assert code == 2
    assert_one_line(err, "nothing.journal: no such file")


def test_procedures_lists_the_builtin_ones(capsys: pytest.CaptureFixture[str]) -> None:
    main(["procedures"])
    out = capsys.readouterr().out
    assert PROCEDURE in out
    assert "34401A" in out


def test_dry_run_lists_points_and_prompts(capsys: pytest.CaptureFixture[str]) -> None:
    main(["run", PROCEDURE, "--dry-run"])
    captured = capsys.readouterr()
    assert "point 1/" in captured.out
    assert "ask operator [confirm-output-DCV-1000V]" in captured.out
    assert "dut: take readings (10 readings)" in captured.out
    assert "nothing measured" in captured.err


def test_points_pattern_that_matches_nothing(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_cli(["run", PROCEDURE, "--dut", "TCPIP0::127.0.0.1::1::SOCKET", "--yes",
                         "--points", "NOPE-*", "--out", str(tmp_path)], capsys)
    assert code == 2
    assert_one_line(err, "no point of dmm-34401a-verification matches NOPE-*")
    assert not list(tmp_path.glob("*.journal"))



def run_started(journal: Path) -> dict[str, Any]:
    """Return the data of the journal's ``run_started`` entry."""
    return next(e.data for e in read_journal(journal) if e.kind == "run_started")


def test_customer_and_laboratory_country_reach_the_journal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], bench: dict[str, str]) -> None:
    register = write_register(tmp_path / "register.toml", date(2099, 1, 1))
    answers = tmp_path / "answers.toml"
    answers.write_text('[customer]\nname = "from the file"\naddress = "2 Client St"\n'
                       'contact = "J. Client"\n')
    code, err = run_cli(one_point_run(bench, register, tmp_path, "--answers", str(answers),
                                      "--customer", "Client Ltd"), capsys)
    assert code == 2 and "has no answer" in err  # run_started is written before the prompt
    started = run_started(next(tmp_path.glob("*.journal")))
    assert started["customer"] == {"name": "Client Ltd", "address": "2 Client St",
                                   "contact": "J. Client"}
    assert started["laboratory"] == {"name": "Test Lab", "address": "", "accreditation": "",
                                     "country": "GB"}


def test_resume_stops_on_a_standard_that_fell_due_unless_overridden(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], bench: dict[str, str],
        clock: VirtualClock) -> None:
    register = write_register(tmp_path / "register.toml", date(2099, 1, 1))
    # no --yes and no terminal: the run stops at the first prompt, journal left open
    code, err = run_cli(one_point_run(bench, register, tmp_path), capsys)
    assert code == 2 and "has no answer" in err
    journal = next(tmp_path.glob("*.journal"))
    write_register(register, date(2021, 1, 1))  # the calibrator fell due meanwhile
    code, err = run_cli(["resume", str(journal), "--yes"], capsys)
    assert code == 2
    assert_one_line(err, "'CAL-1'", "due for calibration on 2021-01-01")
    assert not list(tmp_path.glob("*.h5"))
    operator = Operator(yes=True, interactive=False)
    result = resume_run(journal, RunInputs(operator, ProgressReporter(Console(quiet=True)),
                                           overrides={"CAL-1": "booked for recalibration"},
                                           clock=clock))
    assert result.status.status == "completed"
    overrides = [e.data for e in read_journal(journal)
                 if e.kind == "event" and e.data["type"] == "override"]
    assert [o["data"] for o in overrides] == [{"role": "calibrator",
                                               "reason": "booked for recalibration"}]
    assert len(list(tmp_path.glob("*.h5"))) == 1


def test_run_signs_the_seal_with_the_operators_key(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], bench: dict[str, str],
        clock: VirtualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    from metrolab.runner.config import RunConfig
    from metrolab.runner.engine import RunSettings
    from metrolab.runner.lifecycle import start_run
    from metrolab.store import verify
    from metrolab.store.signing import KeyRegister, create_key, load_signing_key

    register = write_register(tmp_path / "register.toml", date(2099, 1, 1))
    monkeypatch.setenv("METROLAB_KEY_DIR", str(tmp_path / "keys"))
    code, err = run_cli(one_point_run(bench, register, tmp_path / "out", "--yes", "--key",
                                      "Otto Operator"), capsys)
    assert code == 2
    assert_one_line(err, "metrolab keys new 'Otto Operator' --role ROLE")
    assert not (tmp_path / "out").exists()  # refused before any instrument or journal
    key = create_key("Otto Operator", "operator")
    with open(register, "a", encoding="utf-8") as handle:
        handle.write("\n" + key.register_table())
    config = RunConfig(procedure=PROCEDURE, resources=bench, out_dir=str(tmp_path / "out"),
                       register=str(register), settings=RunSettings(points=("DCV-10V",)),
                       virtual_clock=True)
    result = start_run(config, RunInputs(Operator(yes=True, interactive=False),
                                         ProgressReporter(Console(quiet=True)), clock=clock,
                                         sealer=load_signing_key("Otto Operator")))
    assert result.status.status == "completed"
    report = verify(tmp_path / "out", register=KeyRegister.load(register))
    assert report.ok, report.problems
    signers = verify(result.record, register=KeyRegister.load(register)).signers
    assert [(s.action, s.name, s.role) for s in signers] == [("sealed", "Otto Operator",
                                                              "operator")]
