"""``metrolab sim serve``, ``sim bench``, ``idn`` and ``list``."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from metrolab.drivers.vaisala import VaisalaHMT330

from metrolab.cli import main
from metrolab.instrument import SCPIInstrument, visa
from metrolab.instrument.simulation import serve_tcp

from .helpers import toy


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "metrolab", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_serve_prints_the_resource_first_and_exits_cleanly_on_ctrl_c() -> None:
    process = start("sim", "serve", "keysight-34401a", "--port", "0", "--seed", "3")
    try:
        assert process.stdout is not None
        resource = process.stdout.readline().strip()
        assert resource.startswith("TCPIP0::127.0.0.1::") and resource.endswith("::SOCKET")
        with SCPIInstrument.open(resource, timeout_s=5.0) as dmm:
            assert dmm.identity.model == "34401A"
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_serve_unknown_instrument_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["sim", "serve", "no-such-meter"])
    assert done.value.code == 2
    assert "keysight-34401a" in capsys.readouterr().err


def test_serve_on_a_port_in_use_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    with serve_tcp(toy()) as busy, pytest.raises(SystemExit) as done:
        main(["sim", "serve", "keysight-34401a", "--port", str(busy.port)])
    assert done.value.code == 1
    assert f"port {busy.port}" in capsys.readouterr().err


def test_idn_prints_the_parsed_identity(capsys: pytest.CaptureFixture[str]) -> None:
    with serve_tcp(toy()) as server:
        main(["idn", server.resource])
    out = capsys.readouterr().out
    assert "manufacturer: ACME" in out and "serial:       123" in out


def test_idn_of_a_missing_instrument_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["idn", "/dev/no-such-port", "--backend", "serial"])
    assert done.value.code == 1
    assert "cannot open" in capsys.readouterr().err


def test_list_prints_what_the_visa_library_finds(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[str] = []

    class FakeManager:
        def list_resources(self, query: str) -> tuple[str, ...]:
            asked.append(query)
            return ("ASRL/dev/ttyS0::INSTR", "TCPIP0::10.0.0.2::inst0::INSTR")

    monkeypatch.setattr(visa, "resource_manager", lambda backend: FakeManager())
    main(["list", "--query", "?*::INSTR"])
    assert capsys.readouterr().out.splitlines() == [
        "ASRL/dev/ttyS0::INSTR",
        "TCPIP0::10.0.0.2::inst0::INSTR",
    ]
    assert asked == ["?*::INSTR"]


def test_bench_config_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bench.toml"
    config.write_text("seed = 1\ncolour = 'red'\n")
    with pytest.raises(SystemExit) as done:
        main(["sim", "bench", "--config", str(config)])
    assert done.value.code == 2
    assert "colour" in capsys.readouterr().err


def test_bench_prints_one_resource_per_instrument_and_stops_on_ctrl_c() -> None:
    process = start("sim", "bench")
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().split() for _ in range(4)]
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert {name for name, _ in lines} == {"dut", "calibrator", "thermometer", "hygrometer"}
    assert all(resource.startswith(("TCPIP0::127.0.0.1::", "ASRL/dev/")) for _, resource in lines)
    assert process.returncode == 0, err


def test_bench_config_file_applies_every_documented_key(tmp_path: Path) -> None:
    config = tmp_path / "bench.toml"
    config.write_text(
        'seed = 4\ndut_model = "34465a"\nbarometer = true\npressure_hpa = 990.0\n'
        'dut_errors = ["DCV 10V gain=+60ppm"]\nlatency_s = 0.0\n'
    )
    process = start("sim", "bench", "--config", str(config))
    try:
        assert process.stdout is not None
        resources = dict(process.stdout.readline().split() for _ in range(4))
        with SCPIInstrument.open(resources["dut"], timeout_s=5.0) as dmm:
            assert dmm.identity.model == "34465A"
        with VaisalaHMT330.open(resources["hygrometer"], timeout_s=5.0) as hygrometer:
            pressure = hygrometer.read().pressure
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert pressure is not None
    assert pressure.to("hPa").magnitude == pytest.approx(990.0, abs=0.5)
    assert process.returncode == 0, err


def test_port_for_a_serial_simulator_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from metrolab.instrument import simulation

    serial_toy = toy()
    serial_toy.SERVE_OVER = "pty"  # type: ignore[misc]
    monkeypatch.setattr(simulation, "create_simulator", lambda name, seed, clock: serial_toy)
    with pytest.raises(SystemExit) as done:
        main(["sim", "serve", "toy", "--port", "5025"])
    assert done.value.code == 2
    assert "pseudo-terminal" in capsys.readouterr().err
