"""Protocol replay: the Keysight drivers send exactly these commands, nothing left over."""

import numpy as np
import pytest
from metrolab.drivers.keysight import Keysight34401A, Keysight34465A

from metrolab.errors import UserInputError
from metrolab.instrument import Function
from metrolab.instrument.blocks import encode_block
from metrolab.instrument.errors import InstrumentError, OverloadError, SCPIError
from metrolab.testing.replay import ReplayTransport
from metrolab.units import ureg

NO_ERROR = ("SYST:ERR?", '+0,"No error"')
CONF_DCV_10 = [
    ("CONF:VOLT:DC 10", None),
    ("VOLT:DC:NPLC 10", None),
    ("TRIG:SOUR IMM", None),
    ("TRIG:COUN 1", None),
    ("SAMP:COUN 1", None),
    NO_ERROR,
]


def test_34401a_configure_read_and_read_many() -> None:
    script = [
        *CONF_DCV_10,
        ("READ?", "+1.00000120E+01"),
        ("SAMP:COUN 3", None),
        NO_ERROR,
        ("READ?", "+1.00000000E+01,+1.00000100E+01,+9.99999000E+00"),
        ("SAMP:COUN 1", None),
        NO_ERROR,
        ("READ?", "+1.00000050E+01"),
    ]
    with ReplayTransport(script) as transport:
        dmm = Keysight34401A(transport)
        dmm.configure(Function.DCV, 10 * ureg.V, 10)
        assert dmm.read() == 10.0000120 * ureg.V
        many = dmm.read_many(3)
        assert many.units == ureg.V
        assert np.allclose(many.magnitude, [10.0, 10.00001, 9.99999])
        assert dmm.read().magnitude == pytest.approx(10.000005)


def test_range_is_rounded_up_to_the_models_range_and_ac_sends_no_nplc() -> None:
    script = [
        ("CONF:VOLT:AC 100", None),
        ("TRIG:SOUR IMM", None),
        ("TRIG:COUN 1", None),
        ("SAMP:COUN 1", None),
        NO_ERROR,
        ("CONF:FRES DEF", None),
        ("FRES:NPLC 100", None),
        ("TRIG:SOUR IMM", None),
        ("TRIG:COUN 1", None),
        ("SAMP:COUN 1", None),
        NO_ERROR,
    ]
    with ReplayTransport(script) as transport:
        dmm = Keysight34401A(transport)
        dmm.configure(Function.ACV, 20 * ureg.V)
        assert dmm.range == 100.0
        dmm.configure(Function.RES4, None, 100)
        assert dmm.range is None


def test_34465a_moves_buffers_as_big_endian_real64() -> None:
    values = np.array([1.0, 1.000001, 0.999999, 1.0000005])
    block = encode_block(values.astype(">f8").tobytes())
    script = [
        ("CONF:VOLT:DC 1", None),
        ("VOLT:DC:NPLC 1", None),
        ("TRIG:SOUR IMM", None),
        ("TRIG:COUN 1", None),
        ("SAMP:COUN 1", None),
        NO_ERROR,
        ("FORM:DATA REAL,64", None),
        ("FORM:BORD NORM", None),
        NO_ERROR,
        ("SAMP:COUN 4", None),
        NO_ERROR,
        ("READ?", block),
    ]
    with ReplayTransport(script) as transport:
        dmm = Keysight34465A(transport)
        dmm.configure(Function.DCV, 1 * ureg.V, 1)
        readings = dmm.read_many(4)
        assert np.array_equal(readings.magnitude, values)


def test_overload_is_raised_never_returned() -> None:
    with ReplayTransport([*CONF_DCV_10, ("READ?", "+9.90000000E+37")]) as transport:
        dmm = Keysight34401A(transport)
        dmm.configure(Function.DCV, 10 * ureg.V)
        with pytest.raises(OverloadError, match="READ"):
            dmm.read()


def test_overload_inside_a_buffer_rejects_the_buffer() -> None:
    script = [*CONF_DCV_10, ("SAMP:COUN 2", None), NO_ERROR, ("READ?", "+1.0E+01,-9.9E+37")]
    with ReplayTransport(script) as transport:
        dmm = Keysight34401A(transport)
        dmm.configure(Function.DCV, 10 * ureg.V)
        with pytest.raises(OverloadError, match="1 of 2"):
            dmm.read_many(2)


def test_refused_configuration_raises_scpi_error() -> None:
    script = [*CONF_DCV_10[:-1], ("SYST:ERR?", '-222,"Data out of range"'), NO_ERROR]
    with ReplayTransport(script) as transport:
        dmm = Keysight34401A(transport)
        with pytest.raises(SCPIError) as caught:
            dmm.configure(Function.DCV, 10 * ureg.V)
        assert caught.value.code == -222
        assert dmm.function is None


def test_impossible_settings_are_refused_before_anything_is_sent() -> None:
    with ReplayTransport([]) as transport:
        dmm = Keysight34401A(transport)
        with pytest.raises(UserInputError, match="beyond the highest"):
            dmm.configure(Function.DCV, 2000 * ureg.V)
        with pytest.raises(UserInputError, match="not a V quantity"):
            dmm.configure(Function.DCV, 10 * ureg.A)
        with pytest.raises(UserInputError, match="NPLC 5"):
            dmm.configure(Function.DCV, 10 * ureg.V, 5)
        with pytest.raises(UserInputError, match="sample count"):
            dmm.set_sample_count(0)
        with pytest.raises(InstrumentError, match="configure"):
            dmm.read()


def test_resolution_per_model_range_and_nplc() -> None:
    dmm401 = Keysight34401A(ReplayTransport([]))
    dmm465 = Keysight34465A(ReplayTransport([]))
    assert dmm401.resolution(Function.DCV, 10 * ureg.V, 10).to("uV").magnitude == pytest.approx(10)
    assert dmm401.resolution(Function.DCV, 10 * ureg.V, 0.02).to("mV").magnitude == pytest.approx(1)
    assert dmm465.resolution(Function.DCV, 10 * ureg.V, 100).to("uV").magnitude == pytest.approx(
        0.3
    )
    assert dmm465.resolution(Function.ACV, 1 * ureg.V).to("uV").magnitude == pytest.approx(1)
    with pytest.raises(UserInputError, match="fixed range"):
        dmm401.resolution(Function.DCV, None, 10)  # type: ignore[arg-type]


def test_trigger_and_fetch_sequence() -> None:
    script = [
        *CONF_DCV_10,
        ("TRIG:SOUR BUS", None),
        ("TRIG:COUN 2", None),
        ("TRIG:DEL 0.5", None),
        NO_ERROR,
        ("INIT", None),
        ("*TRG", None),
        ("*TRG", None),
        ("FETC?", "+1.0E+01,+1.0E+01"),
    ]
    with ReplayTransport(script) as transport:
        dmm = Keysight34401A(transport)
        dmm.configure(Function.DCV, 10 * ureg.V)
        dmm.configure_trigger("BUS", 2, delay_s=0.5)
        dmm.initiate()
        dmm.send_trigger()
        dmm.send_trigger()
        assert dmm.fetch(2).magnitude.tolist() == [10.0, 10.0]


def test_reset_forgets_the_configuration() -> None:
    with ReplayTransport([*CONF_DCV_10, ("*RST", None), ("*OPC?", "1")]) as transport:
        dmm = Keysight34401A(transport)
        dmm.configure(Function.DCV, 10 * ureg.V)
        dmm.reset()
        assert dmm.function is None


def test_34401a_configure_repeated_and_in_other_units_sends_the_same_commands() -> None:
    """configure() works a request out once (plan cache): a repeat, the same range in
    mV, and then another range each send exactly what the first did or their own."""
    conf_dcv_1 = [("CONF:VOLT:DC 1", None), ("VOLT:DC:NPLC 1", None),
                  *CONF_DCV_10[2:]]
    with ReplayTransport([*CONF_DCV_10, *CONF_DCV_10, *CONF_DCV_10, *conf_dcv_1]) as transport:
        dmm = Keysight34401A(transport)
        dmm.configure(Function.DCV, 10 * ureg.V, 10)
        dmm.configure(Function.DCV, 10 * ureg.V, 10)
        dmm.configure(Function.DCV, 10_000 * ureg.mV, 10)
        assert dmm.range == 10.0 and dmm.nplc == 10.0
        dmm.configure(Function.DCV, 0.5 * ureg.V, 1)
        assert dmm.range == 1.0 and dmm.nplc == 1.0 and dmm.function is Function.DCV
    with pytest.raises(UserInputError, match="NPLC 3"):
        Keysight34401A(ReplayTransport([])).configure(Function.DCV, 10 * ureg.V, 3)
    with pytest.raises(UserInputError, match="is not a A quantity"):
        Keysight34401A(ReplayTransport([])).configure(Function.DCI, 10 * ureg.V, 10)
