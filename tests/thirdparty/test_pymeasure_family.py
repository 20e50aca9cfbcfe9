"""PyMeasure's Keithley drivers (``Keithley2000``, ``KeithleyDMM6500``) and its
``Agilent34410A`` against the family's simulators of those models, over TCP and through
the ``@metrolab`` backend: every call the real meters support works."""

import warnings
from pathlib import Path
from typing import Any

import pytest
from metrolab.drivers.dmm import dmm_profile
from metrolab.drivers.dmm.factories import simulator_class_for

from .harness import (
    ACI_1,
    ACV_1,
    DCI_100M,
    DCV_10,
    LEADS_OHM,
    OHM2_1K,
    OHM_1K,
    Call,
    assert_table,
    drain,
    equals,
    near,
    run_calls,
    served,
    summary,
)

pytest.importorskip("pymeasure")
from pymeasure.instruments.agilent import Agilent34410A
from pymeasure.instruments.keithley import Keithley2000, KeithleyDMM6500

from metrolab.instrument import Function

TRANSPORTS = ["tcp", "backend"]
FREQ_1K = (Function.ACV, 1.0, 1000.0)
DCV_5 = (Function.DCV, 5.0, None)


def setter(name: str, value: Any) -> Any:
    return lambda d: setattr(d, name, value)


def getter(name: str) -> Any:
    return lambda d: getattr(d, name)


def keithley2000_calls() -> list[Call]:
    return [
        Call("id", getter("id"), lambda v: v.startswith("KEITHLEY INSTRUMENTS INC.,MODEL 2000")),
        Call("voltage (at power-on)", getter("voltage"), stimulus=DCV_10,
             unsupported="continuous initiation is on after power-on: READ? gives -213 "
                         "Init ignored, and the driver never switches it off"),
        Call("reset", lambda d: d.reset()),
        Call("mode = voltage", setter("mode", "voltage")),
        Call("mode", getter("mode"), equals("voltage")),
        Call("voltage", getter("voltage"), near(10.0, 4e-5), DCV_10),
        Call("voltage_range = 10", setter("voltage_range", 10)),
        Call("voltage_range", getter("voltage_range"), equals(10.0)),
        Call("voltage_nplc = 1", setter("voltage_nplc", 1)),
        Call("voltage_nplc", getter("voltage_nplc"), equals(1.0)),
        Call("voltage_digits = 6", setter("voltage_digits", 6)),
        Call("voltage_digits", getter("voltage_digits"), equals(6)),
        Call("voltage_reference = 1", setter("voltage_reference", 1)),
        Call("voltage_reference", getter("voltage_reference"), equals(1.0)),
        Call("enable_reference", lambda d: d.enable_reference()),
        Call("voltage (less the reference)", getter("voltage"), near(9.0, 5e-5), DCV_10),
        Call("disable_reference", lambda d: d.disable_reference()),
        Call("acquire_reference", lambda d: d.acquire_reference(), stimulus=DCV_5),
        Call("voltage_reference (acquired)", getter("voltage_reference"), near(5.0, 5e-5)),
        Call("enable_filter", lambda d: d.enable_filter(type="repeat", count=5)),
        Call("voltage (filtered)", getter("voltage"), near(5.0, 5e-5), DCV_5),
        Call("disable_filter", lambda d: d.disable_filter()),
        Call("auto_range", lambda d: d.auto_range()),
        Call("mode = voltage ac", setter("mode", "voltage ac")),
        Call("voltage (ac)", getter("voltage"), near(1.0, 1e-3), ACV_1),
        Call("voltage_ac_bandwidth = 300", setter("voltage_ac_bandwidth", 300)),
        Call("voltage_ac_bandwidth", getter("voltage_ac_bandwidth"), equals(300.0)),
        Call("mode = current", setter("mode", "current")),
        Call("current", getter("current"), near(0.1, 6e-4), DCI_100M),
        Call("current_range = 0.1", setter("current_range", 0.1)),
        Call("current_range", getter("current_range"), equals(0.1)),
        Call("current_nplc = 10", setter("current_nplc", 10)),
        Call("mode = current ac", setter("mode", "current ac")),
        Call("current (ac)", getter("current"), near(1.0, 2e-3), ACI_1),
        Call("mode = resistance", setter("mode", "resistance")),
        Call("resistance", getter("resistance"), near(1000.0 + LEADS_OHM, 2e-4), OHM2_1K),
        Call("resistance_range = 1000", setter("resistance_range", 1000)),
        Call("resistance_range", getter("resistance_range"), equals(1000.0)),
        Call("mode = resistance 4W", setter("mode", "resistance 4W")),
        Call("resistance (4-wire)", getter("resistance"), near(1000.0, 2e-4), OHM_1K),
        Call("mode = frequency", setter("mode", "frequency")),
        Call("frequency", getter("frequency"), near(1000.0, 1e-4), FREQ_1K),
        Call("frequency_aperature = 1", setter("frequency_aperature", 1)),
        Call("frequency_threshold = 10", setter("frequency_threshold", 10)),
        Call("frequency_threshold", getter("frequency_threshold"), equals(10.0)),
        Call("mode = period", setter("mode", "period")),
        Call("period", getter("period"), near(1e-3, 1e-4), FREQ_1K),
        Call("period_threshold = 10", setter("period_threshold", 10),
             unsupported="the driver's setter sends :SENS:PRE:THR:VOLT:RANG (PRE for PER): "
                         "-113 Undefined header"),
        Call("mode = voltage", setter("mode", "voltage")),
        Call("trigger_count = 5", setter("trigger_count", 5)),
        Call("trigger_count", getter("trigger_count"), equals(5)),
        Call("trigger_delay = 0.5", setter("trigger_delay", 0.5)),
        Call("trigger_delay", getter("trigger_delay"), equals(0.5)),
        Call("config_buffer (10 points)", lambda d: d.config_buffer(points=10, delay=0)),
        Call("buffer_points", getter("buffer_points"), equals(10)),
        Call("start_buffer", lambda d: d.start_buffer(), stimulus=DCV_5),
        Call("is_buffer_full", lambda d: d.is_buffer_full(), equals(True)),
        Call("buffer_data", getter("buffer_data"),
             lambda v: v.shape == (10,) and all(abs(x - 5.0) < 2e-4 for x in v)),
        Call("reset_buffer", lambda d: d.reset_buffer()),
        Call("stop_buffer", lambda d: d.stop_buffer()),
        Call("disable_buffer", lambda d: d.disable_buffer()),
        Call("beep_state = disabled", setter("beep_state", "disabled")),
        Call("beep_state", getter("beep_state"), equals("disabled")),
        Call("beep", lambda d: d.beep(1000, 0.1),
             unsupported="the 2000's SYSTem subsystem has BEEPer:STATe only, as far as its "
                         "manual was read [U] (:SYST:BEEP f, d is the 24xx's): -113"),
        Call("remote", lambda d: d.remote()),
        Call("remote_lock", lambda d: d.remote_lock()),
        Call("local", lambda d: d.local()),
        Call("reset (status, queue, *RST)", lambda d: d.reset()),
        Call("check_errors", lambda d: d.check_errors(), equals([])),
    ]


def dmm6500_calls() -> list[Call]:
    return [
        Call("id", getter("id"), lambda v: v.startswith("KEITHLEY INSTRUMENTS,MODEL DMM6500")),
        Call("command_set", getter("command_set"), equals("SCPI")),
        Call("line_frequency", getter("line_frequency"), equals(50)),
        Call("reset", lambda d: d.reset()),
        Call("mode = voltage", setter("mode", "voltage")),
        Call("mode", getter("mode"), equals("voltage")),
        Call("voltage", getter("voltage"), near(10.0, 3e-5), DCV_10),
        Call("voltage_range = 10", setter("voltage_range", 10)),
        Call("voltage_range", getter("voltage_range"), equals(10.0)),
        Call("voltage_relative = 1", setter("voltage_relative", 1)),
        Call("voltage_relative", getter("voltage_relative"), equals(1.0)),
        Call("voltage_relative_enabled = True", setter("voltage_relative_enabled", True)),
        Call("voltage_relative_enabled", getter("voltage_relative_enabled"), equals(True)),
        Call("voltage (less the relative offset)", getter("voltage"), near(9.0, 4e-5), DCV_10),
        Call("voltage_relative_enabled = False", setter("voltage_relative_enabled", False)),
        Call("voltage_nplc = 1", setter("voltage_nplc", 1)),
        Call("voltage_nplc", getter("voltage_nplc"), equals(1.0)),
        Call("voltage_digits = 5", setter("voltage_digits", 5)),
        Call("voltage_digits", getter("voltage_digits"), equals(5)),
        Call("mode = voltage ac", setter("mode", "voltage ac")),
        Call("voltage (ac)", getter("voltage"), near(1.0, 1e-3), ACV_1),
        Call("mode = current", setter("mode", "current")),
        Call("current", getter("current"), near(0.1, 6e-4), DCI_100M),
        Call("current_range = 0.1", setter("current_range", 0.1)),
        Call("current_range", getter("current_range"), equals(0.1)),
        Call("current_nplc = 10", setter("current_nplc", 10)),
        Call("mode = current ac", setter("mode", "current ac")),
        Call("current (ac)", getter("current"), near(1.0, 2e-3), ACI_1),
        Call("mode = resistance", setter("mode", "resistance")),
        Call("resistance", getter("resistance"), near(1000.0 + LEADS_OHM, 2e-4), OHM2_1K),
        Call("resistance_range = 1000", setter("resistance_range", 1000)),
        Call("resistance_range", getter("resistance_range"), equals(1000.0)),
        Call("mode = resistance 4W", setter("mode", "resistance 4W")),
        Call("resistance (4-wire)", getter("resistance"), near(1000.0, 2e-4), OHM_1K),
        Call("resistance_4W_range = 1000", setter("resistance_4W_range", 1000)),
        Call("resistance_4W_range", getter("resistance_4W_range"), equals(1000.0)),
        Call("mode = frequency", setter("mode", "frequency")),
        Call("mode (frequency)", getter("mode"), equals("frequency")),
        Call("frequency", getter("frequency"), near(1000.0, 1e-4), FREQ_1K),
        Call("frequency_aperature = 0.1", setter("frequency_aperature", 0.1)),
        Call("mode = period", setter("mode", "period")),
        Call("period", getter("period"), near(1e-3, 1e-4), FREQ_1K),
        Call("mode = voltage", setter("mode", "voltage")),
        Call("buffer_points = 100", setter("buffer_points", 100)),
        Call("buffer_points", getter("buffer_points"), equals(100)),
        Call("voltage (into the buffer)", getter("voltage"), near(5.0, 3e-5), DCV_5),
        Call("points_in_buffer", getter("points_in_buffer"), equals(1)),
        Call("data_format = ASC", setter("data_format", "ASC")),
        Call("data_format", getter("data_format"), equals("ASC")),
        Call("terminals_used", getter("terminals_used"), equals("FRONT")),
        Call("check_errors", lambda d: d.check_errors(), equals([])),
    ]


def agilent34410a_calls(model: str) -> list[Call]:
    return [
        Call("id", getter("id"), lambda v: model in v),
        Call("reset", lambda d: d.reset()),
        Call("voltage_dc", getter("voltage_dc"), near(10.0, 1e-4), DCV_10),
        Call("voltage_ac", getter("voltage_ac"), near(1.0, 1e-3), ACV_1),
        Call("current_dc", getter("current_dc"), near(0.1, 6e-4), DCI_100M),
        Call("current_ac", getter("current_ac"), near(1.0, 2e-3), ACI_1),
        Call("resistance", getter("resistance"), near(1000.0 + LEADS_OHM, 2e-4), OHM2_1K),
        Call("resistance_4w", getter("resistance_4w"), near(1000.0, 2e-4), OHM_1K),
    ]


def drive(driver_class: Any, rig: Any, calls: list[Call]) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        driver = driver_class(rig.resource, visa_library=rig.library, read_termination="\n",
                              write_termination="\n", timeout=500)
        try:
            return run_calls(driver, calls, rig=rig, errors=lambda: drain(driver.ask))
        finally:
            driver.adapter.close()


def factory(name: str) -> Any:
    return simulator_class_for(dmm_profile(name))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pymeasure_keithley2000_every_supported_call_works(transport: str,
                                                           tmp_path: Path) -> None:
    with served(factory("keithley-2000"), transport, tmp_path, "keithley-2000",
                "GPIB0::16::INSTR") as rig:
        outcomes = drive(Keithley2000, rig, keithley2000_calls())
    assert_table(outcomes)
    tried, working, supported = summary(outcomes)
    assert (tried, working, supported) == (69, 66, 66)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pymeasure_keithley_dmm6500_every_supported_call_works(transport: str,
                                                               tmp_path: Path) -> None:
    with served(factory("keithley-dmm6500"), transport, tmp_path, "keithley-dmm6500",
                "TCPIP0::192.168.0.9::5025::SOCKET") as rig:
        outcomes = drive(KeithleyDMM6500, rig, dmm6500_calls())
    assert_table(outcomes)


@pytest.mark.parametrize("model", ["34410A", "34411A", "34460A", "34461A", "34470A"])
def test_pymeasure_agilent34410a_reads_every_truevolt_model(model: str, tmp_path: Path) -> None:
    name = f"keysight-{model.lower()}"
    with served(factory(name), "backend", tmp_path, name, "USB0::1::2::3::INSTR") as rig:
        outcomes = drive(Agilent34410A, rig, agilent34410a_calls(model))
    assert_table(outcomes)
    assert all(o.ok for o in outcomes)

