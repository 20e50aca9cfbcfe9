"""The simulated 5522A: its command set, its own error numbers, settling and the output."""

import math

import numpy as np
import pytest
from metrolab.drivers.fluke.cal_commands import Argument, parse_argument
from metrolab.drivers.fluke.cal_output import CommandRejected
from metrolab.drivers.fluke.sim_5522a import Fluke5522ASimulator

from metrolab.clock import VirtualClock
from metrolab.instrument.functions import Function
from metrolab.instrument.simulation import LabEnvironment

ISR_OPER, ISR_HIVOLT, ISR_REMOTE, ISR_SETTLED = 1, 1 << 6, 1 << 11, 1 << 12


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(start=0.0)


@pytest.fixture
def sim(clock: VirtualClock) -> Fluke5522ASimulator:
    return Fluke5522ASimulator(seed=1, clock=clock)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [("10 V", 10.0, "V"), ("10MV", 10e-3, "V"), ("-1.5e-3 a", -1.5e-3, "A"),
     ("10 MA", 10e-3, "A"), ("2 KOHM", 2e3, "OHM"), ("1 MOHM", 1e6, "OHM"),
     ("1 MHZ", 1e6, "HZ"), ("100 uV", 100e-6, "V"), ("3", 3.0, ""), ("100 NF", 100e-9, "F"),
     ("2.2 uF", 2.2e-6, "F"), ("25 CEL", 25.0, "CEL"), ("77 FAR", 77.0, "FAR"),
     ("1 MAV", 1e6, "V"), ("90 DEG", 90.0, "DEG")],
)
def test_arguments_follow_ieee_488_2_multipliers(text: str, value: float, unit: str) -> None:
    assert parse_argument(text) == Argument(pytest.approx(value), unit)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "code"), [("10 W", 1305), ("ten V", 1304), ("5 KCEL", 1305)])
def test_bad_arguments_are_the_5522as_errors(text: str, code: int) -> None:
    with pytest.raises(CommandRejected) as caught:
        parse_argument(text)
    assert caught.value.code == code


def test_out_query_and_function_follow_the_setting(sim: Fluke5522ASimulator) -> None:
    assert sim.handle("OUT?") == "0.0000000E+00,V,0E+00,0,0.00E+00"
    sim.handle("out 10 V, 50 HZ")
    assert sim.handle("OUT?;FUNC?") == "1.0000000E+01,V,0E+00,0,5.00E+01;ACV"
    sim.handle("OUT 2 V")  # a new amplitude keeps the present frequency
    assert sim.handle("OUT?") == "2.0000000E+00,V,0E+00,0,5.00E+01"
    sim.handle("OUT 60 HZ")  # and a frequency alone keeps the amplitude
    assert sim.handle("OUT?") == "2.0000000E+00,V,0E+00,0,6.00E+01"
    sim.handle("OUT 10 MA, 0 HZ")  # 0 Hz is DC
    assert sim.handle("FUNC?") == "DCI"


def test_dual_outputs_capacitance_and_temperature(sim: Fluke5522ASimulator) -> None:
    sim.handle("OUT 1 V, 1 A")
    assert sim.handle("OUT?;FUNC?") == "1.0000000E+00,V,1.0000000E+00,A,0.00E+00;DC_POWER"
    sim.handle("OUT 100 V, 2 A, 60 HZ")
    assert sim.handle("FUNC?;WAVE?") == "AC_POWER;SINE,SINE"
    sim.handle("OUT 1 V, 2 V")  # the present frequency is kept
    assert sim.handle("FUNC?") == "ACV_ACV"
    sim.handle("OUT 1 V, 2 V, 0 HZ")
    assert sim.handle("FUNC?") == "DCV_DCV"
    sim.handle("OUT 100 NF")
    assert sim.handle("OUT?;FUNC?") == "1.0000000E-07,F,0E+00,0,0.00E+00;CAP"
    sim.handle("OUT 25 CEL")
    assert sim.handle("FUNC?;TSENS_TYPE?") == "TC_OUT;TC"
    sim.handle("TSENS_TYPE RTD;OUT 212 FAR")
    assert sim.handle("OUT?;FUNC?") == "1.0000000E+02,CEL,0E+00,0,0.00E+00;RTD"
    assert sim.handle("ERR?") == '0,"No Error"'


@pytest.mark.parametrize(
    ("command", "code"),
    [("BOGUS 1", 1300), ("OUT10V", 1300), ("OUT 2000 V", 1306), ("OUT 1V, ,2A", 1302),
     ("OUT 1 V, 1 A, 1 V", 521), ("OUT 1 V, 1 A, 2 A", 521), ("OUT 1 V, 50 HZ, 60 HZ", 520),
     ("OUT 1 OHM, 2 OHM", 1306), ("OUT 1 A, 1 V", 521), ("OUT 10 W", 1305),
     ("EARTH SOMETIMES", 1303), ("*ESE 300", 1306), ("OUT -5 OHM", 1306), ("OUT 5 HZ", 1306),
     ("OUT 2000 CEL", 1306), ("OUT 0.1 NF", 1306), ("PHASE 200", 1306), ("OPER 1", 1302)],
)
def test_errors_are_the_5522as_own_numbers(sim: Fluke5522ASimulator, command: str,
                                           code: int) -> None:
    sim.handle(command)
    reply = sim.handle("ERR?")
    assert reply is not None and reply.startswith(f"{code},"), (command, reply)
    assert sim.handle("ERR?") == '0,"No Error"'


def test_error_queue_fault_explain_and_the_event_register(sim: Fluke5522ASimulator) -> None:
    assert sim.handle("ERR?") == '0,"No Error"'
    assert sim.handle("*ESR?") == "128"  # power on
    sim.handle("BOGUS")
    sim.handle("OUT 2000 V")
    assert sim.handle("*STB?") == str(1 << 3)  # EAV is bit 3 on the Fluke calibrators
    assert sim.handle("*ESR?") == str(32 | 16)  # CME for 1300, EXE for 1306
    assert sim.handle("ERR?") == '1300,"Bad syntax"'
    assert sim.handle("FAULT?") == "1306"
    assert sim.handle("EXPLAIN? 1306") == '"Bad parameter value"'
    assert sim.handle("FAULT?") == "0"


def test_a_flooded_queue_ends_in_error_1(sim: Fluke5522ASimulator) -> None:
    sim.faults.arm("flood")
    sim.handle("*CLS")  # the flood comes first, *CLS then empties the queue
    assert sim.handle("ERR?") == '0,"No Error"'
    sim.faults.arm("flood")
    sim.handle("STBY")
    replies = [sim.handle("ERR?") for _ in range(21)]
    assert replies[-2] == '1,"Error queue overflow"'
    assert replies[-1] == '0,"No Error"'


def test_high_voltage_needs_no_confirmation_and_shows_in_isr(
    sim: Fluke5522ASimulator, clock: VirtualClock
) -> None:
    sim.handle("OUT 33 V;OPER")
    assert int(sim.handle("ISR?") or 0) & ISR_HIVOLT == 0  # HIVOLT is above 33 V
    sim.handle("OUT 100 V")
    assert sim.handle("OPER?") == "1"  # the output stays on: no confirmation asked
    assert int(sim.handle("ISR?") or 0) & ISR_HIVOLT
    assert sim.handle("ERR?") == '0,"No Error"'
    clock.advance(10.0)
    assert sim.stimulus(Function.DCV, clock.now()).value == pytest.approx(100.0, abs=5e-3)


def test_settled_bit_follows_the_injected_clock(sim: Fluke5522ASimulator,
                                                 clock: VirtualClock) -> None:
    sim.handle("OUT 10 V;OPER")
    assert int(sim.handle("ISR?") or 0) == ISR_REMOTE | ISR_OPER
    clock.advance(5.0)
    assert int(sim.handle("ISR?") or 0) == ISR_SETTLED | ISR_REMOTE | ISR_OPER


def test_opc_query_and_wai_complete_when_the_output_has_settled(
    sim: Fluke5522ASimulator, clock: VirtualClock
) -> None:
    assert sim.handle("*OPC?") == "1"  # in standby nothing is pending
    assert clock.now() == 0.0
    sim.handle("OUT 10 V;OPER")
    assert sim.handle("*OPC?;ISR?") == f"1;{ISR_SETTLED | ISR_REMOTE | ISR_OPER}"
    waited = clock.now()
    assert 1.0 < waited < 5.0  # the 5522A settles in under 5 s
    sim.handle("OUT 1 V;*WAI")
    assert int(sim.handle("ISR?") or 0) & ISR_SETTLED
    assert clock.now() > waited


def test_opc_sets_the_event_bit_only_once_settled(sim: Fluke5522ASimulator,
                                                  clock: VirtualClock) -> None:
    sim.handle("*ESR?;OUT 10 V;OPER;*OPC")
    assert sim.handle("*ESR?") == "0"
    clock.advance(10.0)
    assert sim.handle("*ESR?") == "1"


def test_range_limit_and_range_lock(sim: Fluke5522ASimulator) -> None:
    sim.handle("OUT 10 V")
    assert sim.handle("RANGE?") == "3.299999E+01,0"
    sim.handle("OUT 1 V, 1 A")
    assert sim.handle("RANGE?") == "3.299999E+00,1.099990E+00"
    sim.handle("LIMIT 20 V, -5 V")
    assert sim.handle("LIMIT?") == "2.0000E+01,-5.0000E+00,2.0500E+01,-2.0500E+01"
    sim.handle("OUT -6 V, 0 HZ")
    assert sim.handle("ERR?") == '509,"Output exceeds user limits"'
    sim.handle("OUT 3 V, 0 HZ;RANGELCK ON")
    assert sim.handle("RANGELCK?") == "ON"
    sim.handle("OUT 4 V")
    assert sim.handle("ERR?") == '518,"Value outside locked range"'
    sim.handle("OUT 0.5 V;RANGELCK OFF;OUT 4 V")
    assert sim.handle("ERR?;OUT?") == '0,"No Error";4.0000000E+00,V,0E+00,0,0.00E+00'


def test_earth_lows_wave_phase_offset_and_options(sim: Fluke5522ASimulator) -> None:
    assert sim.handle("EARTH?;LOWS?") == "OPEN;TIED"
    sim.handle("EARTH TIED;LOWS OPEN;WAVE TRI, SQUARE;PHASE -90 DEG;DC_OFFSET 12 MV")
    sim.handle("OUT 1 V, 1 A, 50 HZ")
    assert sim.handle("EARTH?;LOWS?;WAVE?;PHASE?;DC_OFFSET?") == \
        "TIED;OPEN;TRI,SQUARE;-9.00E+01;1.2000E-02"
    assert sim.handle("*OPT?") == "0"
    assert Fluke5522ASimulator(options=("SC600",)).handle("*OPT?") == "SC600"
    assert sim.handle("ERR?") == '0,"No Error"'


@pytest.mark.parametrize("form", ['"CAL LAB 1"', "'CAL LAB 1'", "#0CAL LAB 1", "#209CAL LAB 1"])
def test_protected_user_data_in_each_form(sim: Fluke5522ASimulator, form: str) -> None:
    sim.handle(f"*PUD {form}")
    assert sim.handle("*PUD?") == "#209CAL LAB 1"


def test_protected_user_data_has_64_characters(sim: Fluke5522ASimulator) -> None:
    sim.handle(f'*PUD "{"x" * 65}"')
    assert sim.handle("ERR?") == '1314,"Parameter too long"'
    sim.handle("*PUD #205ab")
    assert sim.handle("ERR?") == '1306,"Bad parameter value"'


def test_serial_strings(sim: Fluke5522ASimulator) -> None:
    assert sim.handle("SRQSTR?") == '"SRQ: %02x %02x %04x %04x"'
    sim.handle('SRQSTR "Calibrator: %02x %02x %04x %04x"')
    assert sim.serial_string(sim.srqstr) == "Calibrator: 00 80 0000 0000"  # ESR: power on
    sim.handle('SPLSTR "%s"')
    assert sim.handle("ERR?") == '1306,"Bad parameter value"'  # not four numbers
    assert sim.handle("SP_SET?") == "9600,TERM,XON,DBIT8,SBIT1,PNONE,CRLF"
    sim.handle("SP_SET 4800,COMP")
    assert sim.handle("SP_SET?") == "4800,COMP,XON,DBIT8,SBIT1,PNONE,CRLF"


def test_the_meter_sees_the_output_within_its_specification(
    sim: Fluke5522ASimulator, clock: VirtualClock
) -> None:
    sim.handle("OUT 10 V;OPER")
    early = sim.stimulus(Function.DCV, clock.now()).value
    assert early == pytest.approx(0.0, abs=1e-3)  # just switched on: still rising
    clock.advance(10.0)
    stimulus = sim.stimulus(Function.DCV, clock.now())
    assert stimulus.value == pytest.approx(10.0, abs=140e-6)
    assert stimulus.value != 10.0
    assert stimulus.frequency is None
    assert math.isnan(sim.stimulus(Function.DCI, clock.now()).value)
    assert sim.stimulus(Function.ACV, clock.now()).value == 0.0


def test_a_current_meter_reads_the_aux_current_of_a_power_output(
    sim: Fluke5522ASimulator, clock: VirtualClock
) -> None:
    sim.handle("OUT 10 V, 2 A;OPER")
    clock.advance(10.0)
    assert sim.stimulus(Function.DCI, clock.now()).value == pytest.approx(2.0, rel=1e-3)
    assert sim.stimulus(Function.DCV, clock.now()).value == pytest.approx(10.0, abs=1e-3)


def test_resistance_two_wire_sees_the_leads_unless_compensated(
    sim: Fluke5522ASimulator, clock: VirtualClock
) -> None:
    sim.handle("OUT 100 OHM;OPER")
    clock.advance(10.0)
    four = sim.stimulus(Function.RES4, clock.now()).value
    two = sim.stimulus(Function.RES2, clock.now()).value
    assert four == pytest.approx(100.0, abs=0.005)
    assert two - four == pytest.approx(0.1, abs=0.005)
    sim.handle("ZCOMP WIRE2")
    assert sim.stimulus(Function.RES2, clock.now()).value == pytest.approx(100.0, abs=0.005)


def test_standby_and_reset_remove_the_output(sim: Fluke5522ASimulator,
                                             clock: VirtualClock) -> None:
    sim.handle("OUT 1 V;OPER")
    clock.advance(10.0)
    sim.handle("STBY")
    assert math.isnan(sim.stimulus(Function.DCV, clock.now()).value)
    sim.handle("OPER;*RST")
    assert sim.handle("OPER?;OUT?") == "0;0.0000000E+00,V,0E+00,0,0.00E+00"


def test_out_of_range_settings_are_refused_and_keep_the_output(
    sim: Fluke5522ASimulator,
) -> None:
    sim.handle("OUT 1 V")
    for bad in ("OUT -1 V, 1 KHZ", "OUT 1 V, 5 HZ", "OUT -5 OHM", "OUT 21 A"):
        sim.handle(bad)
        assert sim.handle("ERR?") == '1306,"Bad parameter value"', bad
    assert sim.handle("OUT?") == "1.0000000E+00,V,0E+00,0,0.00E+00"


def test_same_seed_same_output_errors() -> None:
    readings = []
    for _ in range(2):
        clock = VirtualClock(start=0.0)
        sim = Fluke5522ASimulator(seed=7, clock=clock)
        sim.handle("OUT 10 V;OPER")
        clock.advance(10.0)
        readings.append(sim.stimulus(Function.DCV, clock.now()).value)
    assert readings[0] == readings[1]


def test_outside_tcal_plus_minus_5_c_the_output_drifts_with_the_laboratory() -> None:
    values = {}
    for ambient in (23.0, 27.0, 38.0):
        clock = VirtualClock(start=0.0)
        environment = LabEnvironment(seed=0, clock=clock)
        environment.set_temperature(ambient)
        sim = Fluke5522ASimulator(seed=5, clock=clock, environment=environment)
        sim.handle("OUT 10 V;OPER")
        clock.advance(10.0)
        values[ambient] = np.mean([sim.stimulus(Function.DCV, clock.now()).value
                                   for _ in range(200)])
    assert values[27.0] == pytest.approx(values[23.0], abs=1e-6)  # within tcal ± 5 °C
    # 10 °C outside: a tenth of the 140 µV specification per °C
    assert abs(values[38.0] - values[23.0]) == pytest.approx(140e-6, rel=0.05)
