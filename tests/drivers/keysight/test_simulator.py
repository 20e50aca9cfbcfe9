"""The simulated DMMs' physical model: errors within spec, noise, drift, tempco, ranges."""

import numpy as np
import pytest
from metrolab.drivers.keysight import SPEC_34401A

from metrolab.instrument import Function
from metrolab.instrument.errors import OverloadError, SCPIError
from metrolab.instrument.simulation import DutError
from metrolab.units import ureg

from .helpers import rig


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("function", "value"), [(Function.DCV, 10.0), (Function.RES4, 1e4)])
def test_a_fresh_meter_reads_within_its_one_year_spec(
    seed: int, function: Function, value: float
) -> None:
    r = rig(seed=seed)
    r.source.apply(function, value)
    r.dmm.configure(function, value * ureg(function.unit), 10)
    reading = r.dmm.read()
    tolerance = SPEC_34401A.tolerance(function, value, reading)
    assert abs(reading.magnitude - value) <= tolerance.magnitude
    assert r.sim.intrinsic(function, value).gain != 0.0  # the meter has errors of its own


def test_same_seed_same_readings_other_seed_other_readings() -> None:
    def take(seed: int) -> list[float]:
        r = rig("34465A", seed=seed)
        r.source.apply(Function.DCV, 1.0)
        r.dmm.configure(Function.DCV, 1 * ureg.V, 0.02)
        return r.dmm.read_many(20).magnitude.tolist()

    assert take(1) == take(1)
    assert take(1) != take(2)


def test_noise_falls_with_nplc_and_grows_with_range() -> None:
    r = rig("34465A")
    r.source.apply(Function.DCV, 0.5)

    def spread(range_v: float, nplc: float) -> float:
        r.dmm.configure(Function.DCV, range_v * ureg.V, nplc)
        return float(np.std(r.dmm.read_many(400).magnitude))

    fast, slow = spread(1.0, 0.02), spread(1.0, 100)
    assert fast > 5 * slow
    assert spread(10.0, 0.02) > 5 * fast


def test_integration_time_runs_on_the_virtual_clock() -> None:
    r = rig("34465A", latency_s=0.002)
    r.source.apply(Function.DCV, 1.0)
    r.dmm.configure(Function.DCV, 1 * ureg.V, 10)
    before = r.clock.now()
    r.dmm.read_many(50)
    # 50 readings x 10 PLC at 50 Hz after the 1.5 ms automatic trigger delay, plus
    # reply latencies
    assert r.clock.now() - before == pytest.approx(50 * 0.2 + 1.5e-3, abs=0.05)


def test_temperature_coefficient_follows_the_lab() -> None:
    r = rig(seed=3)
    r.source.apply(Function.DCV, 10.0)
    r.dmm.configure(Function.DCV, 10 * ureg.V, 100)
    at_23 = r.dmm.read_many(20).magnitude.mean()
    r.environment.set_temperature(33.0)
    at_33 = r.dmm.read_many(20).magnitude.mean()
    shift = at_33 - at_23
    assert abs(shift) > 1e-5
    assert abs(shift) <= 10 * (5e-6 * 10 + 1e-6 * 10)  # published tempco bound over 10 °C


def test_gain_drifts_with_time_but_stays_in_spec_after_a_year() -> None:
    r = rig(seed=4)
    r.source.apply(Function.DCV, 10.0)
    r.dmm.configure(Function.DCV, 10 * ureg.V, 100)
    now = r.dmm.read_many(10).magnitude.mean()
    r.clock.advance(365.25 * 86400)
    later = r.dmm.read_many(10).magnitude.mean()
    assert later != pytest.approx(now, abs=2e-6)
    assert abs(later - 10.0) < SPEC_34401A.tolerance(Function.DCV, 10.0, 10 * ureg.V).magnitude


def test_beyond_range_is_overload_and_autorange_moves_up() -> None:
    r = rig()
    r.source.apply(Function.DCV, 11.5)
    r.dmm.configure(Function.DCV, 10 * ureg.V)
    assert r.dmm.read().magnitude == pytest.approx(11.5, abs=1e-3)  # 120 % overrange
    r.source.apply(Function.DCV, 12.5)
    with pytest.raises(OverloadError):
        r.dmm.read()
    r.dmm.configure(Function.DCV, None)
    assert r.dmm.read().magnitude == pytest.approx(12.5, abs=1e-2)
    assert r.dmm.query("VOLT:RANG?") == "+1.00000000E+02"
    r.source.apply(Function.DCV, 1049.0)
    r.dmm.configure(Function.DCV, 1000 * ureg.V)
    r.clock.advance(1.0)  # let the input settle
    assert r.dmm.read().magnitude == pytest.approx(1049.0, abs=0.1)  # reads to 1050 V
    r.source.apply(Function.DCV, 1051.0)
    r.clock.advance(1.0)
    with pytest.raises(OverloadError):  # 5 % overrange on the 1000 V range, not 20 %
        r.dmm.read()


@pytest.mark.parametrize(("model", "function", "range_value", "limit"), [
    ("34401A", Function.DCV, 0.1, 0.12), ("34401A", Function.DCV, 100.0, 120.0),
    ("34401A", Function.DCV, 1000.0, 1050.0), ("34401A", Function.ACV, 100.0, 120.0),
    ("34401A", Function.ACV, 750.0, 750.0), ("34401A", Function.DCI, 3.0, 3.6),
    ("34401A", Function.RES4, 1e8, 1.2e8), ("34465A", Function.DCV, 1000.0, 1050.0),
    ("34465A", Function.DCI, 10.0, 10.0), ("34465A", Function.DCI, 3.0, 3.6),
])
def test_overload_limit_is_the_manuals_overrange_of_each_range(
    model: str, function: Function, range_value: float, limit: float
) -> None:
    from metrolab.drivers.keysight.models import (
        KEYSIGHT_34401A,
        KEYSIGHT_34465A,
        overload_limit,
    )

    dmm = KEYSIGHT_34401A if model == "34401A" else KEYSIGHT_34465A
    assert overload_limit(dmm, function, range_value) == pytest.approx(limit)


def test_open_input_ohms_overload_and_two_wire_sees_the_leads() -> None:
    r = rig()
    r.dmm.configure(Function.RES4, 100 * ureg.ohm)
    with pytest.raises(OverloadError):
        r.dmm.read()
    r.source.apply(Function.RES4, 100.0)
    four = r.dmm.read().magnitude
    r.dmm.configure(Function.RES2, 100 * ureg.ohm)
    two = r.dmm.read().magnitude
    assert two - four == pytest.approx(r.sim.lead_resistance_ohm, abs=0.02)


def test_input_settles_after_a_change_of_source() -> None:
    r = rig()
    r.source.apply(Function.ACV, 1.0, 1000.0)
    r.dmm.configure(Function.ACV, 1 * ureg.V)
    assert r.dmm.read().magnitude == pytest.approx(1.0, abs=1e-3)
    r.dmm.configure_with("TRIG:DEL 0")  # no automatic delay: read the settling tail
    r.source.apply(Function.ACV, 0.5, 1000.0)
    first = r.dmm.read().magnitude
    assert first > 0.6  # still on its way down
    r.clock.advance(5.0)
    assert r.dmm.read().magnitude == pytest.approx(0.5, abs=1e-3)


@pytest.mark.parametrize(("model", "delay_s"), [("34401A", 1.0), ("34465A", 0.25)])
def test_automatic_trigger_delay_waits_for_the_ac_filter(model: str, delay_s: float) -> None:
    r = rig(model)
    r.source.apply(Function.ACV, 1.0, 1000.0)
    r.dmm.configure(Function.ACV, 1 * ureg.V)
    assert r.dmm.query("TRIG:DEL:AUTO?") == "1"
    assert float(r.dmm.query("TRIG:DEL?")) == pytest.approx(delay_s)  # 20 Hz filter
    r.dmm.read()
    r.source.apply(Function.ACV, 0.5, 1000.0)
    before = r.clock.now()
    first = r.dmm.read().magnitude
    assert r.clock.now() - before >= delay_s
    # the 250 ms input time constant has had the delay to settle
    assert first == pytest.approx(0.5, rel=0.04 if model == "34465A" else 0.02)


def test_injected_dut_error_shifts_only_its_function_and_range() -> None:
    r = rig(seed=2)
    r.source.apply(Function.DCV, 10.0)
    r.dmm.configure(Function.DCV, 10 * ureg.V, 100)
    clean = r.dmm.read_many(20).magnitude.mean()
    r.sim.inject_error(DutError.parse("DCV 10V gain=+60ppm"))
    shifted = r.dmm.read_many(20).magnitude.mean()
    assert (shifted - clean) / 10.0 * 1e6 == pytest.approx(60.0, abs=2.0)
    r.dmm.configure(Function.DCV, 100 * ureg.V, 100)
    assert r.dmm.read().magnitude == pytest.approx(10.0, abs=1e-3)
    r.sim.clear_injected_errors()
    r.dmm.configure(Function.DCV, 10 * ureg.V, 100)
    assert r.dmm.read_many(20).magnitude.mean() == pytest.approx(clean, abs=3e-6)


def test_scpi_surface_of_the_simulator() -> None:
    r = rig("34465A")
    dmm = r.dmm
    dmm.write("CONF:VOLT:DC 10,1E-6")
    assert dmm.query("CONF?") == '"VOLT +1.000000E+01,+1.000000E-06"'
    assert dmm.query("VOLT:NPLC?") == "+1.00000000E+01"  # least NPLC giving 1 µV
    dmm.write('FUNC "VOLT:AC"')
    assert dmm.query("FUNC?") == '"VOLT:AC"'
    assert dmm.query("SYST:LFR?") == "+50"
    with pytest.raises(SCPIError) as caught:
        dmm.configure_with("CONF:VOLT:DC 2000")
    assert caught.value.code == -222
    with pytest.raises(SCPIError) as caught:
        dmm.configure_with("TRIG:SOUR BUS", "READ?")
    assert caught.value.code == -214


def test_34401a_has_no_binary_format() -> None:
    r = rig("34401A")
    with pytest.raises(SCPIError) as caught:
        r.dmm.configure_with("FORM:DATA REAL,64")
    assert caught.value.code == -113


def test_swapped_byte_order_block_decodes_little_endian() -> None:
    from metrolab.instrument.blocks import decode_float64

    r = rig("34465A")
    r.source.apply(Function.DCV, 1.0)
    r.dmm.configure(Function.DCV, 1 * ureg.V, 10)
    r.dmm.configure_with("FORM:DATA REAL,64", "FORM:BORD SWAP", "SAMP:COUN 3")
    values = decode_float64(r.dmm.query_block("READ?"), big_endian=False)
    assert np.allclose(values, 1.0, atol=1e-4)


def test_bus_triggered_buffer_fills_trigger_by_trigger() -> None:
    r = rig("34465A")
    r.source.apply(Function.DCV, 1.0)
    r.dmm.configure(Function.DCV, 1 * ureg.V, 1)
    r.dmm.configure_trigger("BUS", 2)
    r.dmm.set_sample_count(3)
    r.dmm.initiate()
    r.dmm.send_trigger()
    assert r.dmm.query("DATA:POIN?") == "+3"
    r.dmm.send_trigger()
    readings = r.dmm.fetch(6)
    assert np.allclose(readings.magnitude, 1.0, atol=1e-4)
    r.dmm.send_trigger()  # not armed any more
    assert r.dmm.drain_errors() == [(-211, "Trigger ignored")]
