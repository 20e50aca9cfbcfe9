"""The pytest plugin's fixtures serve these simulators, and the drivers talk to them."""

from typing import Any

import pytest
from metrolab.drivers.fluke import Fluke5522A
from metrolab.drivers.hart import Hart1529
from metrolab.drivers.keysight import Keysight34401A
from metrolab.drivers.vaisala import VaisalaHMT330

from metrolab.instrument.functions import Function
from metrolab.units import Quantity


def test_fixture_served_5522a(sim_fluke_5522a: Any) -> None:
    with Fluke5522A.open(sim_fluke_5522a.resource, clock=sim_fluke_5522a.clock,
                         timeout_s=1.0) as cal:
        cal.set_output(Quantity(2, "V"))
        cal.operate()
        assert cal.wait_settled() > 0


def test_fixture_served_serial_instruments(sim_hart_1529: Any, sim_vaisala_hmt330: Any) -> None:
    with Hart1529.open(sim_hart_1529.resource, timeout_s=1.0) as thermometer, \
            VaisalaHMT330.open(sim_vaisala_hmt330.resource, timeout_s=1.0) as hygrometer:
        air = thermometer.read_temperature(3).to("degC").magnitude
        assert air == pytest.approx(hygrometer.read().temperature.magnitude, abs=1.0)


def test_fixture_served_bench(sim_bench: Any) -> None:
    clock = sim_bench.clock
    with Fluke5522A.open(sim_bench.resources["calibrator"], clock=clock, timeout_s=1.0) as cal, \
            Keysight34401A.open(sim_bench.resources["dut"], timeout_s=1.0) as dmm:
        cal.set_output(Quantity(100, "ohm"))
        cal.set_four_wire(True)
        cal.operate()
        cal.wait_settled()
        dmm.configure(Function.RES4, Quantity(100, "ohm"))
        assert dmm.read().to("ohm").magnitude == pytest.approx(100.0, abs=0.02)
