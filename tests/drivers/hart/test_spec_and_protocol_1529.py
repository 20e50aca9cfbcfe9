"""1529 readout specification, probe conversions and the FETCh? reply format."""

from datetime import UTC, datetime

import pytest
from metrolab.drivers.hart.protocol_1529 import format_stamped, parse_fetch_reply
from metrolab.drivers.hart.sensors import PlatinumResistance, Thermistor
from metrolab.drivers.hart.spec_1529 import SPEC, SensorType

from metrolab.errors import UserInputError
from metrolab.instrument.errors import InstrumentReplyError, SpecificationUnavailable
from metrolab.units import Quantity


def test_platinum_resistance_follows_iec_60751() -> None:
    pt100 = PlatinumResistance()
    assert pt100.resistance(0.0) == pytest.approx(100.0)
    assert pt100.resistance(100.0) == pytest.approx(138.5055, abs=1e-4)
    assert pt100.resistance(-100.0) == pytest.approx(60.2558, abs=1e-4)
    assert pt100.sensitivity(0.0) == pytest.approx(0.39083)


def test_thermistor_is_10_kohm_at_25_c_with_a_negative_slope() -> None:
    ntc = Thermistor()
    assert ntc.resistance(25.0) == pytest.approx(10_000, rel=1e-3)
    step = ntc.resistance(25.01) - ntc.resistance(24.99)
    assert ntc.sensitivity(25.0) == pytest.approx(step / 0.02, rel=1e-3)


def test_prt_tolerance_is_25_ppm_of_resistance_as_a_temperature_difference() -> None:
    at_zero = SPEC.tolerance(SensorType.PRT, None, Quantity(0, "degC"))
    assert at_zero.units == Quantity(1, "delta_degC").units
    assert at_zero.magnitude == pytest.approx(25e-6 * 100 / 0.39083)
    in_kelvin = SPEC.tolerance(SensorType.PRT, None, Quantity(273.15, "K"))
    assert in_kelvin.to("K").magnitude == pytest.approx(at_zero.magnitude)


def test_thermistor_tolerance_at_25_c_matches_the_quoted_figure() -> None:
    tolerance = SPEC.tolerance(SensorType.THERMISTOR, None, Quantity(25, "degC"))
    assert tolerance.magnitude == pytest.approx(0.0023, abs=1e-4)


def test_spec_refuses_what_it_does_not_hold() -> None:
    with pytest.raises(SpecificationUnavailable, match="THERMISTOR"):
        SPEC.tolerance(SensorType.THERMISTOR, None, Quantity(-60, "degC"))
    with pytest.raises(UserInputError, match="not a temperature"):
        SPEC.tolerance(SensorType.PRT, None, Quantity(1, "V"))


def test_stamped_reply_round_trips() -> None:
    when = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC).timestamp()
    text = format_stamped(True, 2, 25.01234, "C", when)
    assert text == "1,2,25.0123,C,5,6,7,2026,3,4"
    reply = parse_fetch_reply(text)
    assert (reply.value, reply.unit, reply.channel, reply.new) == (25.0123, "degC", 2, True)
    assert reply.time == datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_the_manuals_example_and_a_plain_reply_parse() -> None:
    assert parse_fetch_reply("1,2,0.0011,mV,14,5,35,2000,9,5").unit == "mV"
    assert parse_fetch_reply("0.0000011").value == pytest.approx(1.1e-6)


@pytest.mark.parametrize(
    "reply",
    ["", "1,2,25.0,C", "1,2,25.0,X,1,2,3,2026,1,1", "1,0,25.0,C,1,2,3,2026,1,1",
     "1,2,25.0,C,1,2,3,2026,13,1", "1,2,9.91E+37,C,1,2,3,2026,1,1", "abc"],
)
def test_malformed_replies_are_reply_errors(reply: str) -> None:
    with pytest.raises(InstrumentReplyError):
        parse_fetch_reply(reply)
