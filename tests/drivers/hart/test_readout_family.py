"""The thermometer readout family: every profile answers a procedure's questions, replays
the family driver in its dialect with nothing left over, is served on a pty and through
the ``@metrolab`` pyvisa backend, and differs where its manual says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from metrolab.drivers.hart import (
    READOUT_DRIVERS,
    Fluke1594A,
    Hart1529,
    ReadoutDialect,
    SensorType,
    ThermometerReadoutDriver,
    open_readout,
    readout_profile,
    readout_profile_names,
)
from metrolab.drivers.hart.readout_profile import ReadoutProfile, ReadoutProfileError
from metrolab.drivers.hart.sim_1529 import create

from metrolab.clock import VirtualClock
from metrolab.errors import UserInputError
from metrolab.instrument.errors import InstrumentReplyError, SpecificationUnavailable
from metrolab.instrument.roles import ThermometerReadout
from metrolab.instrument.simulation import create_simulator, serve, simulator_names
from metrolab.testing.replay import ReplayTransport
from metrolab.units import Quantity

PROFILES = readout_profile_names()


def test_the_five_models_and_their_channels() -> None:
    assert PROFILES == ["fluke-1594a", "fluke-1595a", "hart-1524", "hart-1529", "hart-1560"]
    channels = {name: readout_profile(name).channels for name in PROFILES}
    assert channels == {"fluke-1594a": (1, 2, 3, 4), "fluke-1595a": (1, 2, 3, 4),
                        "hart-1524": (1, 2), "hart-1529": (1, 2, 3, 4),
                        "hart-1560": (1, 2, 3, 4, 5, 6)}
    assert SensorType.THERMOCOUPLE not in readout_profile("fluke-1594a").inputs_of(1)
    assert readout_profile("hart-1560").inputs_of(5) == (SensorType.THERMOCOUPLE,)
    with pytest.raises(UserInputError, match="the 1524 has no channel 3"):
        readout_profile("hart-1524").inputs_of(3)
    assert {cls.PROFILE.name for cls in READOUT_DRIVERS.values()} == set(PROFILES)


def test_spec_tables_and_their_provenance() -> None:
    counts = {name: readout_profile(name).provenance() for name in PROFILES}
    assert counts == {"fluke-1594a": (0, 0), "fluke-1595a": (0, 0), "hart-1524": (0, 0),
                      "hart-1529": (0, 7), "hart-1560": (0, 0)}
    spec = readout_profile("hart-1529").spec
    # 5 µV [U] on a type K thermocouple at 100 °C (41.3 µV/°C, NIST 175): about 0.12 °C
    assert spec.tolerance(SensorType.THERMOCOUPLE, None, Quantity(100, "degC")).magnitude \
        == pytest.approx(0.121, abs=0.001)
    with pytest.raises(SpecificationUnavailable, match="1594A: no readout specification"):
        readout_profile("fluke-1594a").spec.tolerance(SensorType.PRT, None,
                                                      Quantity(0, "degC"))


def test_a_malformed_profile_is_refused_naming_the_file(tmp_path: Path) -> None:
    text = readout_profile("hart-1529").path.read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('"THERMISTOR"', '"PLATINUM"', 1), encoding="utf-8")
    with pytest.raises(ReadoutProfileError, match=r"bad\.toml: .*PLATINUM"):
        ReadoutProfile.load(bad)


@pytest.mark.parametrize("name", PROFILES)
def test_replay_a_stamped_reading_in_each_model(name: str) -> None:
    profile = readout_profile(name)
    cls = READOUT_DRIVERS[profile.model]
    last = profile.channels[-1]
    transport = ReplayTransport([
        ("*IDN?", profile.idn),
        ("FORM:STAM ON", None), ("SYST:ERR?", '0,"No error"'),
        (f"FETC? {last}", f"1,{last},25.1234,C,12,0,0,2026,1,2"),
        ("FETC? 1", "0,2,25.1,C,12,0,0,2026,1,2"),
    ])
    readout = cls(transport)
    with transport:
        assert readout.identity.model == profile.model
        assert readout.read_temperature(last) == Quantity(25.1234, "degC")
        with pytest.raises(InstrumentReplyError, match="asked for channel 1, the reply is for"):
            readout.read_temperature(1)
    assert isinstance(readout, ThermometerReadout)
    with pytest.raises(UserInputError, match=f"channel {last + 1} does not exist"):
        readout.read_temperature(last + 1)


# -- simulators: where the manuals say the models differ ------------------------------
def test_the_super_thermometer_answers_nothing_without_a_measurement() -> None:
    clock = VirtualClock(start=1e9)
    sim = create("fluke-1594a", clock=clock)
    clock.sleep(10.0)
    assert sim.handle("FETC? 4") is None  # no probe: no response, -230 queued
    assert sim.handle("SYST:ERR?") == '-230,"Data corrupt or stale"'
    assert sim.handle("STAT:OPER?") == "16"  # new measurements not yet fetched
    for channel in (1, 2, 3):
        sim.handle(f"FETC? {channel}")
    assert sim.handle("STAT:OPER?") == "0"  # FETC? cleared it
    assert sim.handle("STAT:MEAS?") is None  # a 1529 query: undefined here
    assert sim.handle("SYST:ERR?") == '-113,"Undefined header"'
    sim1529 = create("hart-1529", clock=clock)
    assert sim1529.handle("FETC? 4") == "9.91E+37"
    assert sim1529.handle("STAT:OPER?") is None


def test_a_thermocouple_channel_reports_emf_and_junction() -> None:
    clock = VirtualClock(start=1e9)
    sim = create("hart-1560", clock=clock)
    sim.set_bath(100.0)
    clock.sleep(3600.0)
    emf, junction = (float(x) for x in (sim.handle("SENS5:DATA?") or "").split(","))
    # type K, 100 °C against the junction (NIST 175: 4.096 mV at 100 °C, about 0.04 mV/°C)
    expected = 4.096 - 0.0405 * junction
    assert emf == pytest.approx(expected, abs=0.03)
    assert float(sim.handle("FETC? 5") or "nan") == pytest.approx(100.0, abs=0.5)


def test_every_profile_is_a_registered_pty_simulator() -> None:
    names = set(simulator_names())
    for name in PROFILES:
        assert name in names
        sim = create_simulator(name, clock=VirtualClock())
        assert sim.SERVE_OVER == "pty" and type(sim).PROFILE is readout_profile(name)


@pytest.mark.parametrize("name", PROFILES)
def test_every_profile_over_a_pty_through_the_family_driver(name: str) -> None:
    clock = VirtualClock(start=1e9)
    profile = readout_profile(name)
    sim = create(name, seed=2, clock=clock)
    sim.set_bath(30.0)
    clock.sleep(3600.0)
    with serve(sim) as server, open_readout(server.resource, timeout_s=1.0) as readout:
        assert type(readout) is READOUT_DRIVERS[profile.model]
        temperature = readout.read_temperature(1)
        assert temperature.magnitude == pytest.approx(30.0, abs=0.02)
        assert readout.drain_errors() == []
        if profile.dialect is ReadoutDialect.SUPER_THERMOMETER:
            with pytest.raises(InstrumentReplyError, match="-230"):
                readout.read_temperature(4)


@pytest.mark.parametrize("name", PROFILES)
def test_every_profile_through_the_pyvisa_backend(name: str, tmp_path: Path) -> None:
    pyvisa = pytest.importorskip("pyvisa")
    import metrolab.instrument.pyvisa_backend  # noqa: F401  (registers "@metrolab")

    bench = tmp_path / "bench.toml"
    bench.write_text(f'[visa.resources]\n"ASRL7::INSTR" = "{name}"\n', encoding="utf-8")
    rm = pyvisa.ResourceManager(f"{bench}@metrolab")
    try:
        port = rm.open_resource("ASRL7::INSTR", read_termination="\r\n",
                                write_termination="\r")
        assert port.query("*IDN?") == readout_profile(name).idn
        assert float(port.query("FETC? 1")) == pytest.approx(23.0, abs=3.0)
    finally:
        rm.close()


def test_named_drivers_are_thermometer_readouts() -> None:
    for cls in (Hart1529, Fluke1594A):
        assert issubclass(cls, ThermometerReadoutDriver)
        assert isinstance(cls(ReplayTransport([])), ThermometerReadout)


def test_metrolab_sim_serve_serves_a_readout_profile_on_a_pty() -> None:
    import os
    import signal
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "metrolab", "sim", "serve", "fluke-1594a"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        resource = process.stdout.readline().strip()
        assert resource.startswith("ASRL/dev/pts/")
        with open_readout(resource, timeout_s=5.0) as readout:
            assert type(readout) is Fluke1594A
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err


def test_an_sprt_on_its90_read_raw_and_converted_with_its_own_coefficients() -> None:
    """An SPRT (R_tpw 25.4781 Ω, deviation a = -1.5e-5, b = 2e-6) in a bath at the tin
    point on a 1595A: the raw resistance converted by ITS-90 with the probe's coefficients
    gives the bath temperature; the readout's default PRT conversion would not."""
    from metrolab.drivers.hart.its90 import DeviationFunction, StandardPlatinumResistance
    from metrolab.drivers.hart.probes_1529 import ProbeChannel

    sprt = StandardPlatinumResistance(25.4781, DeviationFunction(a=-1.5e-5, b=2e-6))
    clock = VirtualClock(start=1e9)
    sim = create("fluke-1595a", clock=clock)
    sim.channels[1] = ProbeChannel(SensorType.PRT, "bath", noise_c=0.0002, model=sprt)
    sim.set_bath(231.928)
    clock.sleep(3600.0)
    bath = sim.bath.temperature(clock.now())
    assert bath is not None
    with serve(sim) as server, open_readout(server.resource, timeout_s=1.0) as readout:
        ohms = readout.read_raw(1, SensorType.PRT)
        assert ohms.units == Quantity(1, "ohm").units
        assert sprt.temperature(ohms.magnitude) == pytest.approx(bath, abs=0.002)
        assert ohms.magnitude == pytest.approx(25.4781 * 1.89279768, rel=2e-5)
        with pytest.raises(UserInputError, match="does not take a THERMOCOUPLE"):
            readout.read_raw(1, SensorType.THERMOCOUPLE)
