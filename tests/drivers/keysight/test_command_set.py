"""The simulated meters' command sets, one manual feature at a time (34401A User's Guide
ch. 4; Truevolt Operating and Service Guide), sent as raw program messages."""

import math

import numpy as np
import pytest
import pyvisa
from hypothesis import given
from hypothesis import strategies as st
from metrolab.drivers.keysight.sim_serial import Keysight34401ASerialSimulator
from metrolab.drivers.keysight.simulator import (
    Keysight34401ASimulator,
    Keysight34465ASimulator,
    KeysightDmmSimulator,
)

from metrolab.clock import VirtualClock
from metrolab.instrument import Function
from metrolab.instrument.blocks import block_payload, decode_float64
from metrolab.instrument.simulation import ManualSource, serve_pty

MODELS = {"34401A": Keysight34401ASimulator, "34465A": Keysight34465ASimulator}


def meter(model: str = "34401A", seed: int = 0) -> tuple[KeysightDmmSimulator, ManualSource]:
    source = ManualSource()
    return MODELS[model](seed=seed, clock=VirtualClock(), source=source), source


def settle(sim: KeysightDmmSimulator, source: ManualSource, function: Function,
           value: float) -> None:
    """Apply ``value`` and let a second of the meter's clock pass, as a bench source
    settles before anyone reads it."""
    source.apply(function, value)
    sim.clock.sleep(1.0)


def ask(sim: KeysightDmmSimulator, message: str) -> str:
    """Send ``message``; return its reply text and fail on any queued error."""
    reply = sim.handle(message)
    assert sim.pop_error() == (0, "No error"), message
    return "" if reply is None else reply if isinstance(reply, str) else reply.decode("latin-1")


def error_of(sim: KeysightDmmSimulator, message: str) -> int:
    sim.handle(message)
    return sim.pop_error()[0]


# --------------------------------------------------------------- resolution
@pytest.mark.parametrize(
    ("resolution", "nplc"),
    [("1E-3", 0.02), ("1E-4", 0.2), ("3E-5", 1.0), ("1E-5", 10.0), ("3E-6", 100.0)],
)
def test_34401a_resolution_picks_the_integration_time_of_the_users_guide(
    resolution: str, nplc: float
) -> None:
    sim, _ = meter()
    ask(sim, f"CONF:VOLT:DC 10,{resolution}")
    assert float(ask(sim, "VOLT:NPLC?")) == nplc
    assert float(ask(sim, "VOLT:RES?")) == pytest.approx(float(resolution))
    assert ask(sim, "CONF?") == f'"VOLT +1.000000E+01,{float(resolution):+.6E}"'


def test_a_fixed_resolution_with_autorange_is_a_settings_conflict() -> None:
    sim, _ = meter()
    assert error_of(sim, "CONF:VOLT:DC DEF,1E-5") == -221
    ask(sim, "CONF:VOLT:DC DEF,MIN")
    assert float(ask(sim, "VOLT:NPLC?")) == 100.0
    assert error_of(sim, "VOLT:RES 1E-5") == -221  # autorange is on
    ask(sim, "VOLT:RANG 1;RES 3E-6")
    assert float(ask(sim, "VOLT:NPLC?")) == 1.0


# ------------------------------------------------------------ parameters
@pytest.mark.parametrize("model", MODELS)
def test_min_max_def_in_settings_and_queries(model: str) -> None:
    sim, _ = meter(model)
    assert ask(sim, "VOLT:DC:RANG? MAX") == "+1.00000000E+03"
    assert ask(sim, "VOLT:DC:RANG? MIN") == "+1.00000000E-01"
    ask(sim, "VOLT:DC:RANG MIN")
    assert ask(sim, "VOLT:DC:RANG?") == "+1.00000000E-01"
    assert ask(sim, "VOLT:RANG:AUTO?") == "0"
    assert ask(sim, "VOLT:NPLC? MIN") == "+2.00000000E-02"
    assert ask(sim, "TRIG:DEL? MAX") == "+3.60000000E+03"
    ask(sim, "SAMP:COUN MAX")
    assert int(ask(sim, "SAMP:COUN?")) == sim.MODEL.max_samples
    assert ask(sim, "SAMP:COUN? MIN") == "+1"


@pytest.mark.parametrize(
    ("message", "range_value"),
    [("VOLT:RANG 100mV", 0.1), ("VOLT:RANG\t 1 V", 1.0), ("RES:RANG 1.5KOHM", 1e4),
     ("RES:RANG 1MOHM", 1e6), ("CURR:RANG 100MA", 0.1), ("  volt:range   10  ", 10.0)],
)
def test_unit_suffixes_and_any_white_space_after_the_header(message: str,
                                                             range_value: float) -> None:
    sim, _ = meter()
    ask(sim, message)
    node = message.split(":")[0].strip().upper()[:4]
    assert float(ask(sim, f"{node}:RANG?")) == range_value


@pytest.mark.parametrize(("message", "code"),
                         [("VOLT:RANG 10 A", -131), ("TRIG:COUN 5 V", -138),
                          ("FUNC VOLT", -104), ('FUNC "NOPE"', -224)])
def test_bad_suffixes_and_strings_answer_their_scpi_codes(message: str, code: int) -> None:
    sim, _ = meter()
    assert error_of(sim, message) == code


@pytest.mark.parametrize("model", MODELS)
def test_an_infinite_trigger_count_reads_back_as_9_9e37(model: str) -> None:
    sim, _ = meter(model)
    ask(sim, "TRIG:COUN INF")
    assert ask(sim, "TRIG:COUN?") == "+9.90000000E+37"
    assert error_of(sim, "READ?") == -221  # an endless READ? cannot be answered


# ------------------------------------------------------------- readings
@pytest.mark.parametrize("model", MODELS)
def test_ac_rms_readings_are_never_negative(model: str) -> None:
    sim, source = meter(model, seed=5)
    source.apply(Function.ACV, 0.0, 1000.0)
    ask(sim, "CONF:VOLT:AC 0.1;:SAMP:COUN 500")
    values = np.array(ask(sim, "READ?").split(","), dtype=float)
    assert values.min() >= 0.0
    assert values.max() < 1e-3


@given(st.floats(min_value=-1e-12, max_value=1e-12, allow_nan=False))
def test_no_reading_is_ever_printed_as_minus_zero(offset: float) -> None:
    sim, source = meter()
    source.apply(Function.DCV, offset)
    sim.settings.modes[next(iter(sim.settings.modes))].range = 1000.0
    ask(sim, "CONF:VOLT:DC 1000,MAX")
    assert "-0.00000000E+00" not in ask(sim, "READ?")


@pytest.mark.parametrize(
    ("conf", "function", "value", "frequency", "expected", "rel"),
    [
        ("CONF:FREQ", Function.ACV, 1.0, 50e3, 50e3, 1e-5),
        ("CONF:PER", Function.ACV, 1.0, 400.0, 2.5e-3, 1e-5),
        ("CONF:CONT", Function.RES2, 15.0, None, 15.2, 1e-3),
        ("CONF:DIOD", Function.RES2, 650.0, None, 0.6502, 1e-3),
        ("CONF:VOLT:DC:RAT", Function.DCV, 5.0, None, 0.5, 1e-4),
    ],
)
@pytest.mark.parametrize("model", MODELS)
def test_every_function_reads_the_applied_input(
    model: str, conf: str, function: Function, value: float, frequency: float | None,
    expected: float, rel: float
) -> None:
    sim, source = meter(model)
    sim.ratio_reference_v = 10.0
    source.apply(function, value, frequency)
    ask(sim, conf)
    assert float(ask(sim, "READ?")) == pytest.approx(expected, rel=rel)


def test_temperature_and_capacitance_on_the_34465a() -> None:
    sim, source = meter("34465A")
    source.apply(Function.RES4, 138.5055, None)  # PT100 at 100 °C (IEC 60751)
    ask(sim, "CONF:TEMP FRTD,85")
    # the 1-year 4-wire ohms spec on 138.5 Ω (±0.024 Ω) is ±0.063 °C at 0.379 Ω/°C
    assert float(ask(sim, "READ?")) == pytest.approx(100.0, abs=0.063)
    ask(sim, "UNIT:TEMP K")
    assert float(ask(sim, "READ?")) == pytest.approx(373.15, abs=0.063)
    sim.capacitor_f = 47e-9
    ask(sim, "CONF:CAP")
    assert float(ask(sim, "READ?")) == pytest.approx(47e-9, rel=0.01)
    assert ask(sim, "CAP:RANG?") == "+1.00000000E-07"
    assert error_of(MODELS["34401A"](clock=VirtualClock()), "CONF:TEMP") == -113


def test_overload_sets_its_questionable_bit_and_the_status_byte() -> None:
    sim, source = meter()
    source.apply(Function.DCV, 15.0)
    ask(sim, "STAT:QUES:ENAB 1;:CONF:VOLT:DC 10")
    assert ask(sim, "READ?") == "+9.90000000E+37"
    assert int(ask(sim, "*STB?")) & 8
    assert ask(sim, "STAT:QUES:EVEN?") == "+1"
    assert ask(sim, "STAT:QUES:EVEN?") == "+0"  # read and cleared


# --------------------------------------------------------------- math
def test_34401a_null_db_dbm_average_and_limit_math() -> None:
    sim, source = meter()
    source.apply(Function.DCV, 1.0)
    ask(sim, "CONF:VOLT:DC 10")
    assert error_of(sim, "CALC:NULL:OFFS 0.5") == -221  # null not on yet
    ask(sim, "CALC:FUNC NULL;STAT ON")
    assert float(ask(sim, "READ?")) == 0.0  # the first reading became the offset
    settle(sim, source, Function.DCV, 1.5)
    assert float(ask(sim, "READ?")) == pytest.approx(0.5, abs=1e-4)
    ask(sim, "CALC:FUNC DBM")
    assert ask(sim, "CALC:FUNC?") == "DBM"
    # 1.5 V into 600 Ω: 10 log10(1.5²/600/1 mW) = 5.7403 dBm
    assert float(ask(sim, "READ?")) == pytest.approx(5.7403, abs=1e-3)
    ask(sim, "CALC:FUNC DB;STAT ON")
    assert float(ask(sim, "READ?")) == pytest.approx(0.0, abs=1e-9)
    ask(sim, "CALC:FUNC AVER;STAT ON;:SAMP:COUN 5")
    ask(sim, "READ?")
    assert ask(sim, "CALC:AVER:COUN?") == "+5"
    assert float(ask(sim, "CALC:AVER:AVER?")) == pytest.approx(1.5, abs=1e-4)
    ask(sim, "CALC:FUNC LIM;STAT ON;LIM:UPP 1.2;LOW 0.8")
    ask(sim, "READ?")
    assert int(ask(sim, "STAT:QUES:EVEN?")) & (1 << 12)  # above the upper limit
    ask(sim, "CONF:VOLT:DC 10")
    assert ask(sim, "CALC:STAT?") == "0"  # CONFigure turns math off


def test_truevolt_null_scaling_statistics_and_smoothing() -> None:
    sim, source = meter("34465A")
    source.apply(Function.DCV, 2.0)
    ask(sim, "CONF:VOLT:DC 10;:VOLT:NULL ON")
    assert float(ask(sim, "READ?")) == 0.0
    ask(sim, "VOLT:NULL:VAL 1.5")
    assert ask(sim, "VOLT:NULL:VAL:AUTO?") == "0"
    assert float(ask(sim, "READ?")) == pytest.approx(0.5, abs=1e-5)
    ask(sim, "VOLT:NULL OFF;:CALC:SCAL:FUNC SCAL;GAIN 100;OFFS 5;STAT ON")
    assert float(ask(sim, "READ?")) == pytest.approx(100 * 2.0 - 5, abs=1e-3)  # M x - B
    ask(sim, "CALC:SCAL:FUNC PCT;REF 1.6;:CALC:AVER:STAT ON;:SAMP:COUN 4")
    values = [float(v) for v in ask(sim, "READ?").split(",")]
    assert values == pytest.approx([25.0] * 4, abs=1e-3)  # (2 - 1.6) / 1.6 x 100
    mean, sdev, low, high = map(float, ask(sim, "CALC:AVER:ALL?").split(","))
    assert mean == pytest.approx(25.0, abs=1e-3) and low <= mean <= high and sdev >= 0
    assert error_of(sim, "CALC:SCAL:UNIT \"LONGER\"") == -223


# --------------------------------------------------------- memory, formats
def test_truevolt_reading_memory_r_data_remove_and_last() -> None:
    sim, source = meter("34465A")
    source.apply(Function.DCV, 1.0)
    ask(sim, "CONF:VOLT:DC 1;:SAMP:COUN 5;:INIT")
    assert ask(sim, "DATA:POIN?") == "+5"
    last, unit = ask(sim, "DATA:LAST?").split()
    assert float(last) == pytest.approx(1.0, abs=1e-5) and unit == "VDC"
    two = ask(sim, "DATA:REM? 2").split(",")
    assert len(two) == 2 and ask(sim, "DATA:POIN?") == "+3"
    assert error_of(sim, "DATA:REM? 9") == -222
    block = sim.handle("R? 2")
    assert isinstance(block, bytes) and block.startswith(b"#")  # ASCII readings in a block
    ask(sim, "FORM REAL,64")
    reply = sim.handle("R?")
    assert isinstance(reply, bytes)
    values = decode_float64(block_payload(reply), big_endian=True)
    assert values.shape == (1,) and values[0] == pytest.approx(1.0, abs=1e-5)
    assert ask(sim, "DATA:POIN?") == "+0"
    ask(sim, "FORM REAL,32;:FORM:BORD SWAP;:SAMP:COUN 3")
    block = sim.handle("READ?")
    assert isinstance(block, bytes)
    assert np.allclose(np.frombuffer(block[4:], dtype="<f4"), 1.0, atol=1e-5)


def test_34401a_memory_holds_512_readings_and_has_no_truevolt_commands() -> None:
    sim, _ = meter()
    ask(sim, "SAMP:COUN 600")
    assert error_of(sim, "INIT") == 531
    for truevolt_only in ("R?", "DATA:REM? 1", "DATA:LAST?", "ABOR", "*OPT?",
                          "SYST:LIC:CAT?", "FORM REAL,64", "*WAI", "VOLT:APER 0.1"):
        assert error_of(sim, truevolt_only) == -113, truevolt_only


# ------------------------------------------------------ system, calibration
def test_display_text_is_cut_to_what_the_display_shows() -> None:
    sim401, _ = meter()
    ask(sim401, 'DISP:TEXT "HELLO WORLD 123"')
    assert ask(sim401, "DISP:TEXT?") == '"HELLO WORLD "'  # 12 characters
    sim465, _ = meter("34465A")
    ask(sim465, 'DISP:TEXT "Acquiring 500 samples"')
    assert ask(sim465, "DISP:TEXT?") == '"Acquiring 500 samples"'
    ask(sim465, "DISP:TEXT:CLE;:DISP OFF")
    assert ask(sim465, "DISP:TEXT?") == '""' and ask(sim465, "DISP?") == "0"


@pytest.mark.parametrize(("model", "query", "code"),
                         [("34401A", "CAL?", "HP034401"), ("34465A", "CAL:ALL?", "AT34465A")])
def test_calibration_is_secured_then_adjusts_the_gain_to_the_value(
    model: str, query: str, code: str
) -> None:
    sim, source = meter(model, seed=2)
    source.apply(Function.DCV, 10.0)
    ask(sim, "CONF:VOLT:DC 10,MIN;:CAL:VAL 10.0002")
    assert sim.handle(query) == "+1"
    assert sim.pop_error() == (702, "Cal secured")
    assert error_of(sim, "CAL:SEC:STAT OFF,WRONG") == 703
    ask(sim, f"CAL:SEC:STAT OFF,{code}")
    assert ask(sim, query) == "+0"
    assert ask(sim, "CAL:COUN?") == "+1"
    assert float(ask(sim, "READ?")) == pytest.approx(10.0002, abs=5e-6)


def test_34465a_identity_options_licenses_and_saved_states() -> None:
    sim, _ = meter("34465A")
    assert ask(sim, "*OPT?") == "0,0"
    assert ask(sim, "SYST:LIC:CAT?") == '""'
    ask(sim, "CONF:VOLT:AC 10;:*SAV 1;:CONF:CURR:DC 1")
    ask(sim, "*RCL 1")
    assert ask(sim, "FUNC?") == '"VOLT:AC"'
    assert error_of(sim, "*RCL 3") == -221
    assert ask(sim, "*PSC?") == "1"
    assert ask(sim, "ROUT:TERM?") == "FRON"


# ----------------------------------------------------------- RS-232 34401A
def test_rs232_34401a_over_a_pty_needs_remote_and_ends_in_cr_lf() -> None:
    source = ManualSource()
    source.apply(Function.DCV, 10.0)
    sim = Keysight34401ASerialSimulator(clock=VirtualClock(), source=source)
    with serve_pty(sim) as server:
        port = pyvisa.ResourceManager("@py").open_resource(
            server.resource, read_termination="\r\n", write_termination="\n", timeout=300)
        try:
            port.write("*IDN?")
            with pytest.raises(pyvisa.errors.VisaIOError):
                port.read()  # in local: not answered
            port.write("SYST:REM")
            assert port.query("*IDN?") == "HEWLETT-PACKARD,34401A,0,11-5-2"
            assert math.isclose(float(port.query("MEAS:VOLT:DC? 10")), 10.0, abs_tol=4e-4)
            port.write("SYST:LOC")
            port.write("*IDN?")
            with pytest.raises(pyvisa.errors.VisaIOError):
                port.read()
        finally:
            port.close()
