"""Every DMM profile is a registered simulator: ``metrolab sim serve <profile>`` works."""

import os
import signal
import subprocess
import sys

import pytest
from metrolab.drivers.dmm import dmm_profile, profile_names
from metrolab.drivers.dmm.driver import ScpiDmm

from metrolab.clock import VirtualClock
from metrolab.instrument.simulation import create_simulator, simulator_names

RS232 = ["keysight-34401a-rs232", "fluke-8845a-rs232", "fluke-8846a-rs232"]


def test_every_profile_and_rs232_port_is_registered() -> None:
    names = set(simulator_names())
    assert set(profile_names()) <= names
    assert set(RS232) <= names


@pytest.mark.parametrize("name", [*profile_names(), *RS232])
def test_the_registry_makes_each_simulator_of_its_profile(name: str) -> None:
    simulator = create_simulator(name, seed=1, clock=VirtualClock())
    profile = dmm_profile(name.removesuffix("-rs232"))
    assert simulator.MODEL is profile  # type: ignore[attr-defined]
    serial = name in RS232
    assert simulator.SERVE_OVER == "pty" if serial else simulator.SERVE_OVER == "tcp"
    if serial:
        assert simulator.handle("*IDN?") is None  # ignored until SYSTem:REMote
        simulator.handle("SYST:REM")
    assert simulator.handle("*IDN?") == profile.idn


def test_metrolab_sim_serve_keithley_dmm6500() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "metrolab", "sim", "serve", "keithley-dmm6500", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        resource = process.stdout.readline().strip()
        with ScpiDmm.for_profile("keithley-dmm6500").open(resource, timeout_s=5.0) as dmm:
            assert dmm.identity.model == "MODEL DMM6500"
            assert dmm.query("*LANG?") == "SCPI"
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
