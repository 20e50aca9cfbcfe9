"""The 34465A command groups beyond measuring: secondary measurements, histogram,
thermocouples, options and licenses, level trigger and pretrigger, *LRN?, MMEMory,
HCOPy, LXI/SYST:COMM/SYST:LOCK, date, time and calibration records. Values, errors and
state, each against the Truevolt Operating and Service Guide."""

import io
import math
from datetime import UTC, datetime

import numpy as np
import pytest
from metrolab.drivers.dmm.factories import simulator_class_for
from metrolab.drivers.dmm.registry import dmm_profile
from metrolab.drivers.dmm.simulator import DmmSimulator
from metrolab.drivers.keysight.simulator import Keysight34465ASimulator

from metrolab.clock import VirtualClock
from metrolab.instrument import Function
from metrolab.instrument.blocks import block_payload, encode_block
from metrolab.instrument.simulation import LabEnvironment, ManualSource

PIL = pytest.importorskip("PIL.Image")
its90 = pytest.importorskip("thermocouple_its90")


def meter(options: tuple[str, ...] | None = None, seed: int = 0
          ) -> tuple[DmmSimulator, ManualSource]:
    source = ManualSource()
    sim = Keysight34465ASimulator(seed=seed, clock=VirtualClock(), source=source,
                                  options=options)
    return sim, source


def ask(sim: DmmSimulator, message: str) -> str:
    reply = sim.handle(message)
    assert sim.pop_error() == (0, "No error"), message
    return "" if reply is None else reply if isinstance(reply, str) else reply.decode("latin-1")


def ask_bytes(sim: DmmSimulator, message: str) -> bytes:
    reply = sim.handle(message)
    assert sim.pop_error() == (0, "No error"), message
    assert isinstance(reply, bytes)
    return reply


def error_of(sim: DmmSimulator, message: str) -> int:
    sim.handle(message)
    code = sim.pop_error()[0]
    assert sim.pop_error() == (0, "No error")
    return code


def numbers(text: str) -> list[float]:
    return [float(v) for v in text.split(",")]


# ------------------------------------------------------------------ secondary
def test_ptpeak_secondary_gives_min_max_and_peak_to_peak_of_the_latest_trigger() -> None:
    sim, source = meter()
    source.apply(Function.DCV, 5.0)
    ask(sim, 'CONF:VOLT:DC 10,0.001;:VOLT:DC:SEC "PTP";:SAMP:COUN 20')
    assert ask(sim, "VOLT:SEC?") == '"PTP"'
    readings = numbers(ask(sim, "READ?"))
    low, high, span = numbers(ask(sim, "DATA2?"))
    assert (low, high) == (min(readings), max(readings))
    assert span == pytest.approx(high - low) and span > 0


def test_secondaries_of_ac_volts_ratio_and_the_raw_reading() -> None:
    sim, source = meter()
    source.apply(Function.ACV, 1.0, 1234.0)
    ask(sim, 'CONF:VOLT:AC 1;:VOLT:AC:SEC "FREQ"')
    ask(sim, "READ?")
    assert numbers(ask(sim, "DATA2?")) == [1234.0]
    ask(sim, 'VOLT:AC:SEC "VOLT"')
    ask(sim, "READ?")
    assert numbers(ask(sim, "DATA2?")) == [0.0]  # a pure AC signal has no DC part
    source.apply(Function.DCV, 2.0)
    sim.ratio_reference_v = 4.0
    ask(sim, 'CONF:VOLT:DC:RAT 10;:VOLT:RAT:SEC "SENS:DATA"')
    ratio = float(ask(sim, "READ?"))
    assert ratio == pytest.approx(0.5, rel=1e-4)
    assert numbers(ask(sim, "DATA2?")) == [2.0, 4.0]
    ask(sim, 'CONF:VOLT:DC 10;:VOLT:NULL:STAT ON;:VOLT:NULL:VAL 1.5;:VOLT:SEC "CALC:DATA"')
    nulled = float(ask(sim, "READ?"))
    assert float(ask(sim, "DATA2?")) == pytest.approx(nulled + 1.5, abs=1e-12)


def test_secondary_errors_reset_and_no_measurement() -> None:
    sim, _ = meter()
    assert float(ask(sim, "DATA2?")) == pytest.approx(9.91e37)
    assert error_of(sim, 'RES:SEC "PTP"') == -224  # not a resistance secondary
    assert error_of(sim, "VOLT:SEC PTP") == -104  # the choice is a quoted string
    ask(sim, 'FREQ:SEC "PER";:*RST')
    assert ask(sim, "FREQ:SEC?") == '"OFF"'
    ask(sim, 'CAP:SEC "CALC:DATA";:DATA2:CLE')
    assert float(ask(sim, "DATA2?")) == pytest.approx(9.91e37)


# ------------------------------------------------------------------ histogram
def test_histogram_of_the_guides_example_auto_ranged_over_1000_readings() -> None:
    sim, source = meter(seed=4)
    source.apply(Function.DCV, 5.0)
    ask(sim, "CONF:VOLT:DC 10,0.001;:SAMP:COUN 1000;:CALC:TRAN:HIST:RANG:AUTO ON;"
             ":CALC:TRAN:HIST:POIN 100;:CALC:TRAN:HIST:STAT ON;:INIT;*WAI")
    values = numbers(ask(sim, "CALC:TRAN:HIST:ALL?"))
    lower, upper, count, bins = values[0], values[1], int(values[2]), values[3:]
    readings = np.array(numbers(ask(sim, "FETC?")))
    assert (lower, upper) == (readings.min(), readings.max())
    assert count == 1000 and len(bins) == 102 and sum(bins) == 1000
    inner, _ = np.histogram(readings, bins=100, range=(lower, upper))
    assert bins[1:-1] == inner.tolist() and bins[0] == bins[-1] == 0
    assert ask(sim, "CALC:TRAN:HIST:COUN?") == "+1000"


def test_histogram_with_a_fixed_range_counts_below_and_above() -> None:
    sim, source = meter()
    source.apply(Function.DCV, 5.0)
    ask(sim, "CONF:VOLT:DC 10;:SAMP:COUN 50;:CALC:TRAN:HIST:RANG:LOW 6;"
             ":CALC:TRAN:HIST:RANG:UPP 8;:CALC:TRAN:HIST:POIN 10")
    assert ask(sim, "CALC:TRAN:HIST:RANG:AUTO?") == "0"
    ask(sim, "CALC:TRAN:HIST:STAT ON;:READ?")
    assert numbers(ask(sim, "CALC:TRAN:HIST:DATA?")) == [50.0] + [0.0] * 11
    assert error_of(sim, "CALC:TRAN:HIST:POIN 15") == -224
    ask(sim, "CALC:TRAN:HIST:STAT OFF;:CALC:TRAN:HIST:RANG:LOW 9")
    assert error_of(sim, "CALC:TRAN:HIST:STAT ON") == -221  # lower above upper
    ask(sim, "*RST")
    assert ask(sim, "CALC:TRAN:HIST:POIN?;RANG:AUTO?;:CALC:TRAN:HIST?") == "+100;1;0"
    assert float(ask(sim, "CALC:TRAN:HIST:RANG:UPP?")) == pytest.approx(9.91e37)


# -------------------------------------------------------------- thermocouples
def test_type_k_thermocouple_reads_the_nist_table_against_a_fixed_junction() -> None:
    """NIST ITS-90 type K table (NIST Monograph 175): 12.209 mV at 300 °C, 0 °C junction."""
    sim, source = meter()
    ask(sim, "CONF:TEMP TC,K;:TEMP:TRAN:TC:RJUN:TYPE FIX;:TEMP:TRAN:TC:RJUN 0")
    assert ask(sim, "CONF?").startswith('"TEMP TC,K,')
    source.apply(Function.DCV, 12.209e-3)
    sim.clock.sleep(1.0)
    assert float(ask(sim, "READ?")) == pytest.approx(300.0, abs=0.05)
    assert ask(sim, "TEMP:TRAN:TC:TYPE?;RJUN:TYPE?") == "K;FIX"


def test_thermocouple_internal_junction_follows_the_lab_and_its_offset() -> None:
    clock = VirtualClock()
    environment = LabEnvironment(0, clock)
    environment.set_temperature(23.0)
    source = ManualSource()
    sim = Keysight34465ASimulator(clock=clock, source=source, environment=environment)
    emf = its90.TypeT.emf(100.0, reference=23.0) * 1e-3
    source.apply(Function.DCV, emf)
    clock.sleep(1.0)
    ask(sim, "CONF:TEMP TC,T")
    assert float(ask(sim, "READ?")) == pytest.approx(100.0, abs=0.05)
    ask(sim, "TEMP:TRAN:TC:RJUN:OFFS:ADJ 1.5;:UNIT:TEMP K")
    # the junction now counts as 24.5 °C: the same EMF means less than 1.5 K more, as
    # type T's Seebeck coefficient is larger at 100 °C than at 24 °C
    hotter = its90.TypeT.temperature(emf * 1e3, reference=24.5)
    assert 101.2 < hotter < 101.5
    assert float(ask(sim, "READ?")) == pytest.approx(hotter + 273.15, abs=0.05)


def test_thermocouple_check_open_circuit_and_bad_settings() -> None:
    sim, _ = meter()
    ask(sim, "CONF:TEMP TC,J;:TEMP:TRAN:TC:CHEC ON")
    assert float(ask(sim, "READ?")) == pytest.approx(9.9e37)
    assert error_of(sim, "TEMP:TRAN:TC:TYPE B") == -224  # B is not a Truevolt type
    assert error_of(sim, "TEMP:TRAN:TC:RJUN 90") == -222
    assert ask(sim, "TEMP:TRAN:TC:RJUN? MAX;RJUN:OFFS:ADJ? MIN") == (
        "+8.00000000E+01;-2.00000000E+01")
    ask(sim, "TEMP:TRAN:FRTD:OCOM ON;:TEMP:TRAN:THER:POW:LIM ON;:*RST")
    assert ask(sim, "TEMP:TRAN:RTD:OCOM?;:TEMP:TRAN:FTH:POW:LIM?;:TEMP:TRAN:TC:TYPE?") == (
        "0;0;J")


# --------------------------------------------------------- options, licenses
def test_without_dig_the_level_trigger_and_pretrigger_are_refused() -> None:
    sim, _ = meter()
    assert ask(sim, "*OPT?") == "0,0"
    for command in ("TRIG:SOUR INT", "TRIG:LEV 0.75", "SAMP:COUN:PRET 10"):
        assert error_of(sim, command) == -221, command


def test_the_guides_pretrigger_example_runs_with_dig_and_mem() -> None:
    sim, source = meter(options=("DIG", "MEM"))
    source.apply(Function.ACV, 1.0, 100.0)
    assert ask(sim, "*OPT?") == "DIG,MEM"
    assert ask(sim, "SYST:LIC:CAT?") == '"DIG","MEM"'
    ask(sim, "CONF:VOLT:AC;:VOLT:AC:RANG 100;:SAMP:COUN 10000;:SAMP:COUN:PRET 5000;"
             ":TRIG:SOUR INT;:TRIG:LEV 0.75;:INIT")
    assert ask(sim, "DATA:POIN?") == "+10000"
    assert ask(sim, "SAMP:COUN:PRET? MAX;:TRIG:LEV?") == "+1999999;+7.50000000E-01"
    assert sim.reading_memory == 2_000_000
    dig_only, _ = meter(options=("DIG",))
    assert ask(dig_only, "SAMP:COUN:PRET? MAX") == "+49999"
    assert dig_only.reading_memory == 50_000
    with pytest.raises(ValueError, match="options \\['XYZ'\\]"):
        meter(options=("XYZ",))


def test_a_license_file_installs_an_option_and_a_wrong_one_is_counted() -> None:
    sim, _ = meter()
    serial = sim.IDN.split(",")[2]
    good = f"DIG {serial}".encode()
    ask(sim, 'MMEM:DOWN:FNAM "USB:\\dig.lic"')
    ask(sim, f"MMEM:DOWN:DATA {encode_block(good).decode()}")
    ask(sim, 'SYST:LIC:INST "USB:\\dig.lic"')
    assert ask(sim, 'SYST:LIC:INST? "DIG";:*OPT?') == "1;DIG,0"
    assert ask(sim, 'SYST:LIC:DESC? "MEM"').startswith('"Memory expansion')
    ask(sim, 'MMEM:DOWN:FNAM "USB:\\other.lic";:MMEM:DOWN:DATA #19MEM 00000')
    assert error_of(sim, 'SYST:LIC:INST "USB:\\other.lic"') == -257
    assert ask(sim, "SYST:LIC:ERR:COUN?") == "+1"
    assert "not a license" in ask(sim, "SYST:LIC:ERR?")
    ask(sim, 'SYST:LIC:DEL "DIG"')
    assert ask(sim, "*OPT?") == "0,0"
    assert error_of(sim, 'SYST:LIC:DESC? "SEC"') == -224


# ----------------------------------------------------------------------- *LRN?
def test_learn_string_restores_every_setting_after_a_reset() -> None:
    sim, _ = meter(options=("DIG",))
    ask(sim, "CONF:CURR:AC 1;:CURR:AC:BAND 3;:VOLT:DC:RANG 1;:VOLT:DC:NPLC 100;"
             ":VOLT:DC:NULL ON;:VOLT:DC:NULL:VAL 0.25;:RES:APER 0.05;:TRIG:COUN INF;"
             ":TRIG:DEL 0.5;:SAMP:COUN 7;:SAMP:SOUR TIM;:SAMP:TIM 0.2;:FORM REAL,64;"
             ":CALC:SCAL:FUNC SCAL;:CALC:SCAL:GAIN 2;:CALC:SCAL:STAT ON;:TEMP:TRAN:TYPE TC;"
             ':TEMP:TRAN:TC:TYPE K;:FREQ:SEC "PER";:TRIG:LEV 0.3;:CALC:TRAN:HIST:POIN 20')
    before = sim.settings.copy()
    learned = ask(sim, "*LRN?")
    assert learned.startswith(":VOLT:RANG +1.00000000E+00;:VOLT:RANG:AUTO 0;")
    ask(sim, "*RST")
    assert sim.settings != before
    ask(sim, learned)
    assert sim.settings == before
    assert ask(sim, "*LRN?") == learned


# -------------------------------------------------------------------- MMEMory
def test_state_files_in_folders_catalog_and_recall() -> None:
    sim, _ = meter()
    ask(sim, 'MMEM:MDIR "INT:\\Bench";:MMEM:CDIR "INT:\\Bench"')
    assert ask(sim, "MMEM:CDIR?") == '"INT:\\Bench"'
    ask(sim, 'CONF:RES 1000;:MMEM:STOR:STAT "ohms"')
    size = len(sim.mmemory.files.read("INT:\\Bench\\ohms.sta"))
    listing = ask(sim, "MMEM:CAT?")
    assert listing == f'+{size},+{1_000_000_000 - size},"ohms.sta,STAT,{size}"'
    assert ask(sim, 'MMEM:STAT:VAL? "ohms.sta"') == "1"
    ask(sim, 'CONF:VOLT:AC;:MMEM:LOAD:STAT "INT:\\Bench\\ohms.sta"')
    assert ask(sim, "FUNC?;:RES:RANG?") == '"RES";+1.00000000E+03'
    ask(sim, 'MMEM:STAT:REC:SEL "ohms";:MMEM:STAT:REC:AUTO ON')
    assert ask(sim, "MMEM:STAT:REC:SEL?;AUTO?") == '"INT:\\Bench\\ohms.sta";1'
    assert error_of(sim, 'MMEM:RDIR "INT:\\Bench"') == -257  # not empty
    ask(sim, 'MMEM:COPY "ohms.sta","INT:\\copy.sta";:MMEM:MOVE "ohms.sta","old.sta"')
    assert error_of(sim, 'MMEM:LOAD:STAT "ohms.sta"') == -256
    ask(sim, 'MMEM:DEL "old.sta";:MMEM:CDIR "INT:\\";:MMEM:RDIR "Bench"')
    assert ask(sim, "MMEM:CAT?").endswith('"copy.sta,STAT,' + str(size) + '"')
    assert error_of(sim, 'MMEM:LOAD:STAT "INT:\\bad<name.sta"') == -257


def test_preferences_readings_export_and_file_transfer() -> None:
    sim, source = meter()
    source.apply(Function.DCV, 1.0)
    ask(sim, 'SYST:BEEP:STAT OFF;:SYST:LAB "bench 3";:MMEM:STOR:PREF "USB:\\prefs"')
    ask(sim, 'SYST:BEEP:STAT ON;:SYST:LAB "";:MMEM:LOAD:PREF "USB:\\prefs.prf"')
    assert ask(sim, "SYST:BEEP:STAT?;:SYST:LAB?") == '0;"bench 3"'
    ask(sim, "CONF:VOLT:DC 10;:SAMP:COUN 3;:INIT")
    readings = numbers(ask(sim, "FETC?"))
    ask(sim, "MMEM:FORM:READ:CSEP SEM;:MMEM:FORM:READ:INF ON")
    ask(sim, 'MMEM:STOR:DATA RDG_STORE,"INT:\\run1"')
    upload = block_payload(ask_bytes(sim, 'MMEM:UPL? "INT:\\run1.csv"'))
    rows = upload.decode().split("\r\n")[:-1]
    assert [r.split(";")[0] for r in rows] == ["1", "2", "3"]
    assert [float(r.split(";")[1]) for r in rows] == readings
    assert ask(sim, "MMEM:FORM:READ:CSEP?;INF?;RLIM?") == "SEM;1;1"
    sim.mmemory.files.usb_present = False
    assert error_of(sim, 'MMEM:CAT? "USB:\\"') == -252


# ---------------------------------------------------------------------- HCOPy
@pytest.mark.parametrize(("kind", "magic"), [("PNG", b"\x89PNG"), ("BMP", b"BM")])
def test_screen_dump_is_an_image_of_the_display(kind: str, magic: bytes) -> None:
    sim, _ = meter()
    ask(sim, f'HCOP:SDUM:DATA:FORM {kind};:DISP:TEXT "CAL IN PROGRESS"')
    assert ask(sim, "HCOP:SDUM:DATA:FORM?") == kind
    image = block_payload(ask_bytes(sim, "HCOP:SDUM:DATA?"))
    assert image.startswith(magic)
    picture = PIL.open(io.BytesIO(image))
    assert picture.size == (480, 272) and picture.format == kind
    assert sim.hardcopy.lines()[1] == "CAL IN PROGRESS"
    ask(sim, "DISP OFF")
    assert sim.hardcopy.lines() == ["Display disabled"]


# ------------------------------------------------------- LAN, LXI and the lock
def test_lan_settings_wait_for_update_and_survive_a_reset() -> None:
    sim, _ = meter()
    assert ask(sim, "SYST:COMM:LAN:DHCP?;IPAD?") == '1;"169.254.4.10"'
    ask(sim, 'SYST:COMM:LAN:DHCP OFF;IPAD "10.0.0.7";SMAS "255.255.255.0";'
             'DNS "10.0.0.1",2;HOST "bench-dmm"')
    assert ask(sim, "SYST:COMM:LAN:IPAD?") == '"169.254.4.10"'
    ask(sim, "SYST:COMM:LAN:UPD;:*RST")
    assert ask(sim, "SYST:COMM:LAN:IPAD?;DHCP?;DNS? 2;HOST?;:LXI:MDNS:HNAM?") == (
        '"10.0.0.7";0;"10.0.0.1";"bench-dmm";"bench-dmm"')
    assert error_of(sim, 'SYST:COMM:LAN:IPAD "10.0.0.300"') == -224
    assert error_of(sim, "SYST:COMM:GPIB:ADDR 31") == -222
    assert ask(sim, "SYST:COMM:LAN:CONT?;MAC?").startswith('+5030;"80-09-02-')
    ask(sim, "SYST:COMM:ENAB OFF,TELN;:LXI:IDEN ON")
    assert ask(sim, "SYST:COMM:ENAB? TELN;:SYST:COMM:ENAB? LAN;:LXI:IDEN?") == "0;1;1"
    ask(sim, "LXI:RES")
    assert ask(sim, "SYST:COMM:LAN:IPAD?;DHCP?") == '"169.254.4.10";1'


def test_lock_is_granted_counted_and_released() -> None:
    sim, _ = meter()
    assert ask(sim, "SYST:LOCK:OWN?") == "NONE"
    assert ask(sim, "SYST:LOCK:REQ?;REQ?;OWN?") == "1;1;LAN"
    assert ask(sim, "SYST:LOCK:NAME?") == '"LAN169.254.4.10"'
    ask(sim, "SYST:LOCK:REL")
    assert ask(sim, "SYST:LOCK:OWN?") == "LAN"
    ask(sim, "SYST:LOCK:REL")
    assert ask(sim, "SYST:LOCK:OWN?") == "NONE"
    assert error_of(sim, "SYST:LOCK:REL") == -221


# --------------------------------------------------- date, time, calibration
def test_date_and_time_come_from_the_injected_clock() -> None:
    sim, _ = meter()
    start = datetime.fromtimestamp(sim.clock.now(), UTC)
    assert ask(sim, "SYST:DATE?") == f"+{start.year},+{start.month},+{start.day}"
    ask(sim, "SYST:DATE 2027,2,3;:SYST:TIME 12,30,15")
    sim.clock.sleep(10.0)
    assert ask(sim, "SYST:DATE?;:SYST:TIME?") == "+2027,+2,+3;+12,+30,+25.000"
    assert error_of(sim, "SYST:DATE 2027,2,30") == -222
    assert error_of(sim, "SYST:TIME 24,0,0") == -222


def test_calibration_records_date_time_and_temperature() -> None:
    clock = VirtualClock()
    environment = LabEnvironment(0, clock)
    environment.set_temperature(21.0)
    source = ManualSource()
    sim = Keysight34465ASimulator(clock=clock, source=source, environment=environment)
    assert float(ask(sim, "SYST:TEMP?")) == pytest.approx(26.0)
    ask(sim, "SYST:DATE 2026,6,1;:SYST:TIME 9,0,0")
    source.apply(Function.DCV, 10.0)
    clock.sleep(1.0)
    ask(sim, "CONF:VOLT:DC 10;:CAL:VAL 10.0001;:CAL:SEC:STAT OFF,AT34465A")
    assert ask(sim, "CAL:ALL?") == "+0"
    calibrated = ask(sim, "CAL:DATE?;:CAL:TIME?")
    assert calibrated.startswith("+2026,+6,+1;+9,+0,")
    seconds = float(calibrated.rsplit(",", 1)[1])  # the settling second and the reading
    assert 1.0 < seconds < 2.0
    environment.set_temperature(24.0)
    assert ask(sim, "*CAL?") == "+0"  # auto-calibration: 15 s on the clock
    autocalibrated = ask(sim, "SYST:ACAL:DATE?;:SYST:ACAL:TIME?")
    assert autocalibrated.startswith("+2026,+6,+1;+9,+0,")
    assert float(autocalibrated.rsplit(",", 1)[1]) == pytest.approx(seconds + 15.0, abs=2e-3)
    assert float(ask(sim, "SYST:ACAL:TEMP?")) == pytest.approx(29.0)
    assert float(ask(sim, "CAL:TEMP?")) == pytest.approx(26.0)
    assert ask(sim, "SYST:SEC:COUN?") == "+1"
    ask(sim, "CAL:SEC:STAT ON,AT34465A")
    assert sim.handle("CAL:ADC?") == "+1"
    assert sim.pop_error() == (702, "Cal secured")


# --------------------------------------------------------------------- system
def test_identity_emulation_help_sanitising_and_small_settings() -> None:
    sim, _ = meter()
    ask(sim, "SYST:IDEN HP34401A")
    assert ask(sim, "*IDN?").startswith("HEWLETT-PACKARD,34401A,0,")
    assert ask(sim, "SYST:IDEN?") == "HP34401A"
    ask(sim, "SYST:IDEN DEF")
    assert ask(sim, "*IDN?") == sim.IDN
    help_text = block_payload(ask_bytes(sim, "SYST:HELP?")).decode()
    assert "MMEMory:CATalog[:ALL]?" in help_text.splitlines()
    ask(sim, 'MMEM:STOR:STAT "keep";:SYST:WMES "Property of lab 4";:SYST:SEC:IMM')
    assert ask(sim, "MMEM:CAT?") == "+0,+1000000000"
    assert ask(sim, "SYST:WMES?;:SYST:SEC:COUN?;:TEST:ALL?") == '"";+1;+0'
    ask(sim, "CURR:SWIT:MODE FAST;:FREQ:TIM:AUTO ON;:SYST:USB:HOST:ENAB OFF")
    assert ask(sim, "CURR:SWIT:MODE?;:FREQ:TIM:AUTO?;:SYST:USB:HOST:ENAB?") == "FAST;1;0"
    assert ask(sim, "DISP:VIEW HIST;:DISP:VIEW?") == "HIST"
    assert math.isclose(sim.clock.now(), VirtualClock().now())


def test_the_34470a_is_licensed_for_dig_and_mem_as_the_34465a() -> None:
    profile = dmm_profile("keysight-34470a")
    assert sorted(profile.options.available) == ["DIG", "MEM"]
    assert profile.options.installed == ()
    sim = simulator_class_for(profile)(clock=VirtualClock(), options=("DIG", "MEM"))
    assert ask(sim, "*OPT?") == "DIG,MEM"
    assert ask(sim, "SAMP:COUN:PRET? MAX") == "+1999999"
    assert sim.reading_memory == 2_000_000
    assert ask(simulator_class_for(profile)(clock=VirtualClock()), "*OPT?") == "0,0"
