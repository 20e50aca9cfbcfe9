"""Protocol replay: the 5522A driver sends exactly the expected commands and reads every reply."""

import pytest
from metrolab.drivers.fluke import Fluke5522A

from metrolab.clock import VirtualClock
from metrolab.errors import UserInputError
from metrolab.instrument.errors import (
    InstrumentReplyError,
    InstrumentTimeout,
    SafetyInterlockError,
    SCPIError,
)
from metrolab.testing.replay import ReplayMismatch, ReplayTransport
from metrolab.units import Quantity

NO_ERROR = ("ERR?", '0,"No Error"')


def driver(script: list[tuple[str, str | None]]) -> tuple[Fluke5522A, ReplayTransport]:
    transport = ReplayTransport(script)
    return Fluke5522A(transport, clock=VirtualClock(start=0.0)), transport


def test_set_dc_voltage_operate_and_wait_settled() -> None:
    cal, transport = driver([
        ("OUT 1.0000000E+01 V, 0 HZ", None), NO_ERROR,
        ("OUT?", "1.0000000E+01,V,0E+00,0,0.00E+00"),
        ("OPER", None), NO_ERROR,
        ("OPER?", "1"),
        ("ISR?", "2049"),
        ("ISR?", "6145"),
    ])
    with transport:
        cal.set_output(Quantity(10, "V"))
        cal.operate()
        assert cal.wait_settled(timeout_s=5) == pytest.approx(0.1)


def test_ac_current_and_resistance_commands() -> None:
    cal, transport = driver([
        ("OUT 1.0000000E-03 A, 1.000000E+03 HZ", None), NO_ERROR,
        ("OUT 1.0000000E+04 OHM", None), NO_ERROR,
        ("ZCOMP WIRE4", None), NO_ERROR,
        ("OUT?", "1.0000000E+04,OHM,0E+00,0,0.00E+00"),
    ])
    with transport:
        cal.set_output(Quantity(1, "mA"), Quantity(1, "kHz"))
        cal.set_output(Quantity(10, "kohm"))
        cal.set_four_wire(True)
        value, frequency = cal.output()
        assert value == Quantity(10_000, "ohm")
        assert frequency is None


def test_high_voltage_without_confirmation_sends_nothing() -> None:
    cal, transport = driver([])
    with transport, pytest.raises(SafetyInterlockError, match=r"confirm_high_voltage=True"):
        cal.set_output(Quantity(-50, "V"))


def test_a_confirmed_high_voltage_operates_at_once() -> None:
    """The calibrator asks for no confirmation: the interlock is the driver's own."""
    cal, transport = driver([
        ("OUT 1.0000000E+02 V, 0 HZ", None), NO_ERROR,
        ("OUT?", "1.0000000E+02,V,0E+00,0,0.00E+00"),
        ("OPER", None), NO_ERROR,
        ("OPER?", "1"),
    ])
    with transport:
        cal.set_output(Quantity(100, "V"), confirm_high_voltage=True)
        cal.operate()


def test_operate_refuses_a_high_voltage_set_behind_the_drivers_back() -> None:
    cal, transport = driver([("OUT?", "1.0000000E+02,V,0E+00,0,0.00E+00")])
    with transport, pytest.raises(SafetyInterlockError, match="not confirmed"):
        cal.operate()


def test_refused_setting_raises_scpi_error_with_the_command() -> None:
    cal, transport = driver([
        ("OUT 5.0000000E+00 A, 0 HZ", None),
        ("ERR?", '509,"Output exceeds user limits"'), NO_ERROR,
    ])
    with transport, pytest.raises(SCPIError, match=r"OUT 5\.0000000E") as caught:
        cal.set_output(Quantity(5, "A"))
    assert (caught.value.code, caught.value.message) == (509, "Output exceeds user limits")


def test_an_output_beyond_the_profile_is_refused_before_anything_is_sent() -> None:
    cal, transport = driver([])
    with transport, pytest.raises(UserInputError, match=r"5000 A is beyond its DCI output "
                                                          r"\(20\.5 A at most\)"):
        cal.set_output(Quantity(5000, "A"))
    with transport, pytest.raises(UserInputError, match=r"600000 Hz is outside its ACV band"):
        cal.set_output(Quantity(1, "V"), Quantity(600, "kHz"))


def test_wait_settled_times_out_on_the_injected_clock() -> None:
    cal, transport = driver([("ISR?", "2049")] * 11)
    with transport, pytest.raises(InstrumentTimeout, match="not settled"):
        cal.wait_settled(timeout_s=1.0)


def test_the_replay_fails_on_a_command_that_is_not_in_the_script() -> None:
    cal, _ = driver([("STBY", None), NO_ERROR])
    with pytest.raises(ReplayMismatch, match="expected 'STBY'"):
        cal.operate()


def test_term_mode_reads_each_echo_past_earlier_faults_and_checks_the_prompts() -> None:
    cal = Fluke5522A(ReplayTransport([
        ("OUT 2.0000000E+01 V, 0 HZ", "OUT 2.0000000E+01 V, 0 HZ"),
        ("ERR?", 'Fault 509: Output exceeds user limits\n2> ERR?\n'
                 '509,"Output exceeds user limits"'),
        ("ERR?", '3> ERR?\n0,"No Error"'),
        ("OUT?", "4> OUT?\n0.0000000E+00,V,0E+00,0,0.00E+00"),
        ("*OPC?", "6> *OPC?\n1"),
    ]), clock=VirtualClock(start=0.0), echo=True)
    with cal.transport:  # type: ignore[attr-defined]
        with pytest.raises(SCPIError, match="509"):
            cal.set_output(Quantity(20, "V"))
        assert cal.output()[0] == Quantity(0.0, "V")
        with pytest.raises(InstrumentReplyError, match="prompt 6 where 5 was due"):
            cal.query("*OPC?")
        cal.transport.clear()  # the answer of the out-of-step line stays unread


def test_term_mode_a_fault_instead_of_an_answer_is_an_error() -> None:
    cal = Fluke5522A(ReplayTransport([
        ("RANGE?", "7> RANGE?\nFault 1300: Bad syntax"),
    ]), clock=VirtualClock(start=0.0), echo=True)
    with cal.transport, pytest.raises(SCPIError, match="1300"):  # type: ignore[attr-defined]
        cal.query("RANGE?")
