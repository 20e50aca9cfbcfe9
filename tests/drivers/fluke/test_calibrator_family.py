"""The Fluke calibrator family: every profile loads, answers a procedure's questions, is
driven by the family driver in its own command forms (protocol replay, nothing left
over), is served by name over TCP and RS-232 and through the ``@metrolab`` pyvisa
backend, and does what its manual says where the models differ."""

from __future__ import annotations

from pathlib import Path

import pytest
from metrolab.drivers.fluke import (
    CommandFamily,
    Fluke5500A,
    Fluke5502A,
    Fluke5520A,
    Fluke5522A,
    Fluke5720A,
    Fluke5730A,
    FlukeCalibrator,
    calibrator_profile,
    calibrator_profile_names,
    driver_class,
    open_calibrator,
    profile_for_model,
)
from metrolab.drivers.fluke.cal_profile import CalibratorProfile, ProfileError
from metrolab.drivers.fluke.sim_calibrator import create, simulator_class
from metrolab.drivers.fluke.sim_calibrator_serial import create_serial

from metrolab.clock import VirtualClock
from metrolab.errors import UserInputError
from metrolab.instrument.functions import Function
from metrolab.instrument.roles import Calibrator
from metrolab.instrument.simulation import create_simulator, serve, simulator_names
from metrolab.instrument.spec_provenance import tag_of
from metrolab.testing.replay import ReplayTransport
from metrolab.units import Quantity

PROFILES = calibrator_profile_names()
NO_ERROR = ("ERR?", '0,"No Error"')
CLASSES = {"5500A": Fluke5500A, "5502A": Fluke5502A, "5520A": Fluke5520A,
           "5522A": Fluke5522A, "5720A": Fluke5720A, "5730A": Fluke5730A}


def test_the_six_models_are_held_in_two_command_families() -> None:
    assert PROFILES == ["fluke-5500a", "fluke-5502a", "fluke-5520a", "fluke-5522a",
                        "fluke-5720a", "fluke-5730a"]
    families = {name: calibrator_profile(name).family for name in PROFILES}
    assert [n for n, f in families.items() if f is CommandFamily.FLUKE_5700] == [
        "fluke-5720a", "fluke-5730a"]
    assert {profile_for_model(m).model for m in CLASSES} == set(CLASSES)
    for model, cls in CLASSES.items():
        assert driver_class(profile_for_model(model)) is cls
        assert cls.__name__ == f"Fluke{model}"


@pytest.mark.parametrize("name", PROFILES)
def test_a_profile_answers_a_procedures_questions(name: str) -> None:
    profile = calibrator_profile(name)
    assert set(profile.functions) == set(Function)
    for function in profile.functions:
        ranges = profile.ranges_of(function)
        assert list(ranges) == sorted(ranges) and ranges[0] > 0
        assert profile.ranges(function)[0].units == Quantity(1, function.unit).units
        band = profile.frequency_band(function)
        assert (band is not None) == function.is_ac
    provenance = profile.provenance()
    assert provenance.rows == provenance.read + provenance.secondary + provenance.derived \
        + provenance.unverified
    if provenance.rows:
        assert profile.spec.model == profile.model
    else:
        with pytest.raises(UserInputError, match="holds no 1-year specification"):
            profile.spec  # noqa: B018


def test_the_spec_provenance_of_each_profile() -> None:
    shares = {name: calibrator_profile(name).provenance() for name in PROFILES}
    assert {n: (p.rows, p.confirmed) for n, p in shares.items()} == {
        "fluke-5500a": (0, 0), "fluke-5502a": (8, 8), "fluke-5520a": (85, 32),
        "fluke-5522a": (60, 0), "fluke-5720a": (0, 0), "fluke-5730a": (0, 0)}
    ninety = calibrator_profile("fluke-5522a").provenance("90-day")
    assert (ninety.rows, ninety.confirmed) == (5, 5)
    assert tag_of("[V] manual") == "P" and tag_of("[U] from [P] x") == "U"


def test_the_5520a_ac_current_rows_are_the_supplements_table() -> None:
    spec = calibrator_profile("fluke-5520a").spec
    # 5520A Operators Manual Supplement p. 9, 1 year: 3.3-32.9999 mA, 45 Hz-1 kHz,
    # 0.04 % + 2 µA; at 10 mA: 4 µA + 2 µA = 6 µA
    tolerance = spec.tolerance(Function.ACI, None, Quantity(10, "mA"), Quantity(1, "kHz"))
    assert tolerance.to("uA").magnitude == pytest.approx(6.0)
    assert spec.caveat(Function.ACI, None, Quantity(10, "mA"), Quantity(1, "kHz")) is None
    # its DC voltage rows are the 5522A's, unverified for the 5520A: every use says so
    caveat = spec.caveat(Function.DCV, None, Quantity(10, "V"))
    assert caveat is not None and "assumed for the 5520A" in caveat


def test_the_5502a_dc_current_rows_are_its_manuals_table() -> None:
    profile = calibrator_profile("fluke-5502a")
    # 5502A manual p. 1-11: 0-1.09999 A, 1 year 0.038 % + 44 µA; 90 days 0.023 % + 44 µA
    one_year = profile.spec.tolerance(Function.DCI, None, Quantity(1, "A"))
    ninety = profile.specification("90-day").tolerance(Function.DCI, None, Quantity(1, "A"))
    assert one_year.to("uA").magnitude == pytest.approx(380 + 44)
    assert ninety.to("uA").magnitude == pytest.approx(230 + 44)


def test_a_malformed_profile_is_refused_naming_file_and_key(tmp_path: Path) -> None:
    text = calibrator_profile("fluke-5522a").path.read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('family = "5500"', 'family = "5600"'), encoding="utf-8")
    with pytest.raises(ProfileError, match=r"bad\.toml: family '5600' is not one of 5500"):
        CalibratorProfile.load(bad)
    bad.write_text(text.replace("[0.3299999, 3.299999,", "[3.299999, 0.3299999,"),
                   encoding="utf-8")
    with pytest.raises(ProfileError, match="output DCV ranges must be positive and ascending"):
        CalibratorProfile.load(bad)
    with pytest.raises(UserInputError, match="no calibrator profile 'fluke-9999a'"):
        calibrator_profile("fluke-9999a")


# -- protocol replay: the family driver speaks each model's forms ---------------------
def out_reply(profile: CalibratorProfile, value: str, unit: str, hertz: str) -> str:
    if profile.family is CommandFamily.FLUKE_5700:
        return f"{value},{unit},{hertz}"
    return f"{value},{unit},0E+00,0,{hertz}"


@pytest.mark.parametrize("name", PROFILES)
def test_replay_set_operate_settle_and_compensate_in_each_models_forms(name: str) -> None:
    profile = calibrator_profile(name)
    oper = profile.isr_mask("OPER")
    settled = profile.isr_mask("SETTLED")
    remote = profile.isr_mask("REMOTE")
    transport = ReplayTransport([
        ("*IDN?", profile.idn),
        ("OUT 1.0000000E+01 V, 0 HZ", None), NO_ERROR,
        ("OUT?", out_reply(profile, "1.0000000E+01", "V", "0.00E+00")),
        ("OPER", None), NO_ERROR,
        ("OPER?", "1"),
        ("ISR?", str(remote | oper)),
        ("ISR?", str(remote | oper | settled)),
        ("OUT 1.0000000E+00 V, 1.000000E+03 HZ", None), NO_ERROR,
        ("OUT?", out_reply(profile, "1.0000000E+00", "V", "1.00E+03")),
        (profile.four_wire_command, None), NO_ERROR,
        (profile.two_wire_command, None), NO_ERROR,
        ("STBY", None), NO_ERROR,
    ])
    cal = driver_class(profile)(transport, clock=VirtualClock(start=0.0))
    with transport:
        assert cal.identity.model == profile.model
        cal.set_output(Quantity(10, "V"))
        cal.operate()
        assert cal.wait_settled(timeout_s=5) == pytest.approx(0.1)
        cal.set_output(Quantity(1, "V"), Quantity(1, "kHz"))
        assert cal.output() == (Quantity(1.0, "V"), Quantity(1000.0, "Hz"))
        cal.set_four_wire(True)
        cal.set_four_wire(False)
        cal.standby()
    assert isinstance(cal, Calibrator)


def test_replay_the_5700_family_refuses_the_5500_families_out_reply() -> None:
    transport = ReplayTransport([("OUT?", "1.0000000E+01,V,0E+00,0,0.00E+00")])
    cal = Fluke5720A(transport, clock=VirtualClock(start=0.0))
    with transport, pytest.raises(Exception, match="amplitude,unit,frequency"):
        cal.output()


def test_the_driver_refuses_what_a_model_cannot_source_before_sending() -> None:
    for cls, value, match in [
        (Fluke5720A, Quantity(1200, "V"), r"5720A set_output: 1200 V is beyond its DCV "
                                         r"output \(1100 V at most\)"),
        (Fluke5720A, Quantity(5, "A"), r"beyond its DCI output \(2\.1999 A at most\)"),
        (Fluke5500A, Quantity(15, "A"), r"5500A set_output: 15 A is beyond its DCI output"),
    ]:
        transport = ReplayTransport([])
        with transport, pytest.raises(UserInputError, match=match):
            cls(transport).set_output(value)


# -- the simulators, where the manuals say the models differ --------------------------
def test_manual_examples_5500_family() -> None:
    sim = create("fluke-5522a", clock=VirtualClock())
    # 5522A Operators Manual p. 5-33: OUT 10V, 100HZ selects AC volts
    assert sim.handle("OUT 10V, 100HZ") is None
    assert sim.handle("FUNC?") == "ACV"
    # 5500A Operator Manual p. 5-34: *PUD "test1" then *PUD? answers #205test1
    sim5500 = create("fluke-5500a", clock=VirtualClock())
    assert sim5500.handle('*PUD "test1"') is None
    assert sim5500.handle("*PUD?") == "#205test1"
    # 5522A Operators Manual p. 6-38: the factory host-port settings
    assert sim.handle("SP_SET?") == "9600,TERM,XON,DBIT8,SBIT1,PNONE,CRLF"


def test_manual_examples_5700_family() -> None:
    sim = create("fluke-5730a", clock=VirtualClock())
    # 5730A Operators Manual p. 6-6: a compound line, and a locked range refusing 10 V
    assert sim.handle("OUT 100 MV; OPER") is None
    assert sim.handle("OPER?") == "1"
    assert sim.handle("OUT 1V ; RANGELCK ON") is None
    assert float(sim.handle("RANGE?").split(",")[0]) == pytest.approx(2.2)  # 2.2 V range
    assert sim.handle("OUT 10V ; RANGELCK OFF") is None
    assert sim.handle("FAULT?") == "518"  # value outside locked range
    assert sim.handle("RANGELCK?") == "ON"  # the refusal ended the line
    # 5700A/5720A Series II Operators Manual p. 5-38: SP_SET defaults
    assert sim.handle("SP_SET?") == "9600,TERM,XON,DBIT8,SBIT1,PNONE,CRLF"


def test_the_5700_family_lacks_the_5500_only_commands_and_outputs() -> None:
    sim = create("fluke-5720a", clock=VirtualClock())
    for command, code in [("FUNC?", "1300"), ("ZCOMP WIRE4", "1300"), ("TC_TYPE K", "1300"),
                          ("OUT 1 NF", "1305"), ("OUT 25 CEL", "1305"),
                          ("OUT 1 V, 1 A", "521")]:
        assert sim.handle(command) is None
        assert sim.handle("FAULT?") == code, command
    sim5522 = create("fluke-5522a", clock=VirtualClock())
    for command in ("RCOMP ON", "EXTSENSE ON", "CAL_DAYS?"):
        sim5522.handle(command)
        assert sim5522.handle("FAULT?") == "1300", command


def test_a_5700_resistance_output_is_the_nearest_standard_at_its_calibrated_value() -> None:
    sim = create("fluke-5720a", seed=3, clock=VirtualClock())
    sim.handle("OUT 12 KOHM")
    value, unit, hertz = sim.handle("OUT?").split(",")  # type: ignore[union-attr]
    assert unit == "OHM" and float(hertz) == 0.0
    assert float(value) == pytest.approx(10e3, rel=25e-6) and float(value) != 10e3
    assert sim.handle("RANGE?").split(",")[0] == "1.000000E+04"


def test_the_isr_bits_follow_each_models_figure() -> None:
    hivolt = {}
    for name in ("fluke-5500a", "fluke-5522a"):
        sim = create(name, clock=VirtualClock())
        sim.handle("OUT 50 V")
        hivolt[name] = int(sim.handle("ISR?") or "0") & ~(1 << 11)
    # 5500A Fig. 5-11: HIVOLT is bit 7; 5522A Fig. 5-11: bit 6
    assert hivolt == {"fluke-5500a": 1 << 7, "fluke-5522a": 1 << 6}
    sim = create("fluke-5730a", clock=VirtualClock())
    sim.handle("OUT 50 V")
    sim.handle("RCOMP ON; EXTSENSE ON; EXTGUARD ON")
    # 5700A/5720A Series II §5-35: 1 EXGARD, 2 EXSENS, 4 RCOMP, 11 REMOTE; no HIVOLT
    assert int(sim.handle("ISR?") or "0") == (1 << 1) | (1 << 2) | (1 << 4) | (1 << 11)
    assert sim.handle("RCOMP?;EXTSENSE?;EXTGUARD?") == "ON;ON;ON"
    sim.handle("*RST")
    assert sim.handle("EXTSENSE?") == "OFF"


def test_every_profile_is_a_registered_simulator_on_both_transports() -> None:
    names = set(simulator_names())
    for name in PROFILES:
        assert {name, f"{name}-rs232"} <= names
        tcp = create_simulator(name, clock=VirtualClock())
        pty = create_simulator(f"{name}-rs232", clock=VirtualClock())
        assert (tcp.SERVE_OVER, pty.SERVE_OVER) == ("tcp", "pty")
        assert type(tcp) is simulator_class(calibrator_profile(name))


# -- integration: every simulator over its transports ---------------------------------
@pytest.mark.parametrize("name", PROFILES)
def test_every_profile_over_tcp_through_the_family_driver(name: str) -> None:
    clock = VirtualClock(start=0.0)
    profile = calibrator_profile(name)
    with serve(create(name, seed=1, clock=clock)) as server, \
            open_calibrator(server.resource, clock=clock, timeout_s=2.0) as cal:
        assert type(cal) is CLASSES[profile.model]
        assert cal.identity.model == profile.model
        top = profile.ranges_of(Function.DCV)[1]  # a value on the second range
        cal.set_output(Quantity(top * 0.9, "V"))
        cal.operate()
        assert cal.wait_settled(timeout_s=30) > 0
        assert cal.output()[0].magnitude == pytest.approx(top * 0.9)
        cal.set_four_wire(True)
        cal.standby()
        assert not cal.is_operating()
        assert cal.drain_errors() == []


@pytest.mark.parametrize("name", PROFILES)
def test_every_profile_over_its_rs232_pty_in_term_mode(name: str) -> None:
    clock = VirtualClock(start=0.0)
    profile = calibrator_profile(name)
    sim = create_serial(name, seed=1, clock=clock)
    with serve(sim) as server, open_calibrator(server.resource, model=profile.model,
                                               echo=True, clock=clock, timeout_s=2.0) as cal:
        assert cal.identity.model == profile.model
        cal.set_output(Quantity(1, "V"))
        cal.operate()
        assert cal.wait_settled(timeout_s=30) > 0
        assert cal.drain_errors() == []
        assert cal.query("SP_SET?") == profile.serial.sp_set


@pytest.mark.parametrize("name", PROFILES)
def test_every_profile_through_the_pyvisa_backend(name: str, tmp_path: Path) -> None:
    pyvisa = pytest.importorskip("pyvisa")
    import metrolab.instrument.pyvisa_backend  # noqa: F401  (registers "@metrolab")

    bench = tmp_path / "bench.toml"
    bench.write_text(f'[visa.resources]\n"GPIB0::6::INSTR" = "{name}"\n', encoding="utf-8")
    rm = pyvisa.ResourceManager(f"{bench}@metrolab")
    try:
        cal = rm.open_resource("GPIB0::6::INSTR", read_termination="\n")
        assert cal.query("*IDN?") == calibrator_profile(name).idn
        cal.write("OUT 1 V; OPER")
        assert cal.query("OUT?").split(",")[:2] == ["1.0000000E+00", "V"]
        assert cal.query("ERR?") == '0,"No Error"'
    finally:
        rm.close()


def test_every_named_driver_is_a_calibrator() -> None:
    for cls in CLASSES.values():
        assert issubclass(cls, FlukeCalibrator)
        assert isinstance(cls(ReplayTransport([])), Calibrator)


def test_metrolab_sim_serve_serves_a_profile_by_name() -> None:
    import os
    import signal
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "metrolab", "sim", "serve", "fluke-5720a", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        resource = process.stdout.readline().strip()
        with open_calibrator(resource, timeout_s=5.0) as cal:
            assert type(cal) is Fluke5720A
            assert cal.query("RCOMP?") == "OFF"
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
