"""PyMeasure's own drivers (``HP34401A``, ``Agilent34410A``) against the simulated 34401A
and 34465A, over TCP and in-process through the ``@metrolab`` pyvisa backend: every call
the real meters support works, readings are what the source applies."""

import warnings
from pathlib import Path
from typing import Any

import pytest
from metrolab.drivers.keysight.simulator import Keysight34401ASimulator, Keysight34465ASimulator

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
from pymeasure.instruments.hp import HP34401A

from metrolab.instrument import Function

TRANSPORTS = ["tcp", "backend"]
FREQ_1K = (Function.ACV, 1.0, 1000.0)
#: half a volt: on the 1 V range the driver selected
DCV_HALF = (Function.DCV, 0.5, None)
#: readings of each function after ``function_`` selected it: (input, check)
READINGS = {
    "DCV": (DCV_10, near(10.0, 4e-5)),  # 1-year spec on 10 V: ±400 µV
    "DCV_RATIO": ((Function.DCV, 5.0, None), near(0.5, 1e-4)),
    "ACV": (ACV_1, near(1.0, 1e-3)),
    "DCI": (DCI_100M, near(0.1, 6e-4)),
    "ACI": (ACI_1, near(1.0, 2e-3)),
    "R2W": (OHM2_1K, near(1000.0 + LEADS_OHM, 2e-4)),
    "R4W": (OHM_1K, near(1000.0, 2e-4)),
    "FREQ": (FREQ_1K, near(1000.0, 1e-4)),
    "PERIOD": (FREQ_1K, near(1e-3, 1e-4)),
    "CONTINUITY": ((Function.RES2, 10.0, None), near(10.0 + LEADS_OHM, 1e-3)),
    "DIODE": ((Function.RES2, 600.0, None), near(0.6 + LEADS_OHM * 1e-3, 1e-3)),
}
#: range_ = 1 selects these ranges (the smallest holding 1 of the function's unit)
ONE_RANGE = {"DCV": 1.0, "ACV": 1.0, "DCI": 1.0, "ACI": 1.0, "R2W": 100.0, "R4W": 100.0,
             "FREQ": 1.0, "PERIOD": 1.0}


def setter(name: str, value: Any) -> Any:
    return lambda d: setattr(d, name, value)


def getter(name: str) -> Any:
    return lambda d: getattr(d, name)


def hp34401a_calls() -> list[Call]:
    calls = [
        Call("id", getter("id"), lambda v: v.startswith("HEWLETT-PACKARD,34401A")),
        Call("complete", getter("complete"), equals("1")),
        Call("status", getter("status")),
        Call("options", getter("options"),
             unsupported="*OPT? is not in the 34401A command set (-113)"),
        Call("next_error", getter("next_error"), lambda v: v[0] == 0),
        Call("check_errors", lambda d: d.check_errors(), equals([])),
        Call("clear", lambda d: d.clear()),
        Call("reset", lambda d: d.reset()),
        Call("self_test_result", getter("self_test_result"), equals(0)),
        Call("scpi_version", getter("scpi_version")),
        Call("terminals_used", getter("terminals_used"), equals("FRONT")),
    ]
    for function, (stimulus, check) in READINGS.items():
        calls += [
            Call(f"function_ = {function}", setter("function_", function)),
            Call("function_", getter("function_"), equals(function)),
            Call(f"reading ({function})", getter("reading"), check, stimulus),
        ]
        if function in ONE_RANGE:
            calls += [
                Call(f"autorange ({function})", getter("autorange"), equals(True)),
                Call(f"range_ = 1 ({function})", setter("range_", 1)),
                Call(f"range_ ({function})", getter("range_"), equals(ONE_RANGE[function])),
                Call(f"autorange = True ({function})", setter("autorange", True)),
            ]
    calls += [
        Call("function_ = DCV", setter("function_", "DCV")),
        Call("range_ = MAX", setter("range_", "MAX")),
        Call("range_ (MAX)", getter("range_"), equals(1000.0)),
        Call("range_ = 1", setter("range_", 1)),
        Call("resolution = 1e-4", setter("resolution", 1e-4)),
        Call("resolution", getter("resolution"), equals(1e-4)),
        Call("nplc (0.02 PLC from the resolution)", getter("nplc"), equals(0.02)),
        Call("nplc = 100", setter("nplc", 100)),
        Call("nplc", getter("nplc"), equals(100.0)),
        Call("autozero_enabled = False", setter("autozero_enabled", False)),
        Call("autozero_enabled", getter("autozero_enabled"), equals(False)),
        Call("trigger_single_autozero", lambda d: d.trigger_single_autozero()),
        Call("auto_input_impedance_enabled = True", setter("auto_input_impedance_enabled", True)),
        Call("auto_input_impedance_enabled", getter("auto_input_impedance_enabled"),
             equals(True)),
        Call("detector_bandwidth = 3", setter("detector_bandwidth", 3)),
        Call("detector_bandwidth", getter("detector_bandwidth"), equals(3)),
        Call("function_ = FREQ", setter("function_", "FREQ")),
        Call("gate_time = 1", setter("gate_time", 1)),
        Call("gate_time", getter("gate_time"), equals(1)),
        Call("function_ = DCV", setter("function_", "DCV")),
        Call("trigger_source = BUS", setter("trigger_source", "BUS")),
        Call("trigger_source", getter("trigger_source"), equals("BUS")),
        Call("trigger_source = EXT", setter("trigger_source", "EXT")),
        Call("trigger_source = IMM", setter("trigger_source", "IMM")),
        Call("trigger_delay = 10.5", setter("trigger_delay", 10.5)),
        Call("trigger_delay", getter("trigger_delay"), equals(10.5)),
        Call("trigger_auto_delay_enabled = True", setter("trigger_auto_delay_enabled", True)),
        Call("trigger_auto_delay_enabled", getter("trigger_auto_delay_enabled"), equals(True)),
        Call("trigger_count = INF", setter("trigger_count", "INF")),
        Call("trigger_count (INF)", getter("trigger_count"), equals(9.9e37)),
        Call("trigger_count = 2", setter("trigger_count", 2)),
        Call("trigger_count", getter("trigger_count"), equals(2)),
        Call("sample_count = 3", setter("sample_count", 3)),
        Call("sample_count", getter("sample_count"), equals(3)),
        Call("init_trigger", lambda d: d.init_trigger(), stimulus=DCV_HALF),
        Call("stored_readings_count", getter("stored_readings_count"), equals(6)),
        Call("stored_reading", getter("stored_reading"),
             lambda v: len(v) == 6 and all(abs(x - 0.5) < 5e-5 for x in v)),
        Call("reading (6 readings)", getter("reading"), lambda v: len(v) == 6, DCV_HALF),
        Call("display_enabled = False", setter("display_enabled", False)),
        Call("display_enabled", getter("display_enabled"), equals(False)),
        Call("displayed_text = Hello World", setter("displayed_text", "Hello World")),
        Call("displayed_text", getter("displayed_text"), equals("Hello World")),
        Call("remote_control_enabled = True", setter("remote_control_enabled", True)),
        Call("remote_control_enabled", getter("remote_control_enabled"),
             unsupported="the driver's getter sends 'SYST: ', which is no query (-113)"),
        Call("remote_lock_enabled = False", setter("remote_lock_enabled", False)),
        Call("remote_lock_enabled", getter("remote_lock_enabled"),
             unsupported="the driver's getter sends 'SYST: ', which is no query (-113)"),
        Call("beep", lambda d: d.beep()),
        Call("beeper_enabled = False", setter("beeper_enabled", False)),
        Call("beeper_enabled", getter("beeper_enabled"), equals(False)),
        Call("reset (before the MEAS? properties)", lambda d: d.reset()),
        Call("voltage_ac", getter("voltage_ac"), near(1.0, 1e-3), ACV_1),
        Call("current_dc", getter("current_dc"), near(0.1, 6e-4), DCI_100M),
        Call("current_ac", getter("current_ac"), near(1.0, 2e-3), ACI_1),
        Call("resistance", getter("resistance"), near(1000.0 + LEADS_OHM, 2e-4), OHM2_1K),
        Call("resistance_4w", getter("resistance_4w"), near(1000.0, 2e-4), OHM_1K),
    ]
    return calls


def agilent34410a_calls() -> list[Call]:
    return [
        Call("id", getter("id"), lambda v: "34465A" in v),
        Call("options", getter("options")),
        Call("complete", getter("complete"), equals("1")),
        Call("status", getter("status")),
        Call("next_error", getter("next_error"), lambda v: v[0] == 0),
        Call("check_errors", lambda d: d.check_errors(), equals([])),
        Call("clear", lambda d: d.clear()),
        Call("reset", lambda d: d.reset()),
        Call("voltage_dc", getter("voltage_dc"), near(10.0, 5e-5), DCV_10),
        Call("voltage_ac", getter("voltage_ac"), near(1.0, 1e-3), ACV_1),
        Call("current_dc", getter("current_dc"), near(0.1, 6e-4), DCI_100M),
        Call("current_ac", getter("current_ac"), near(1.0, 2e-3), ACI_1),
        Call("resistance", getter("resistance"), near(1000.0 + LEADS_OHM, 2e-4), OHM2_1K),
        Call("resistance_4w", getter("resistance_4w"), near(1000.0, 2e-4), OHM_1K),
    ]


def drive(driver_class: Any, rig: Any, calls: list[Call]) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # HP34401A's deprecated properties
        driver = driver_class(rig.resource, visa_library=rig.library, read_termination="\n",
                              write_termination="\n", timeout=1000)
        try:
            return run_calls(driver, calls, rig=rig, errors=lambda: drain(driver.ask))
        finally:
            driver.adapter.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pymeasure_hp34401a_every_supported_call_works(transport: str, tmp_path: Path) -> None:
    with served(Keysight34401ASimulator, transport, tmp_path, "keysight-34401a",
                "GPIB0::22::INSTR") as rig:
        rig.simulator.ratio_reference_v = 10.0  # type: ignore[attr-defined]
        outcomes = drive(HP34401A, rig, hp34401a_calls())
    assert_table(outcomes)
    tried, working, supported = summary(outcomes)
    assert (tried, working) == (len(outcomes), supported)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pymeasure_agilent34410a_every_call_works_on_a_34465a(transport: str,
                                                               tmp_path: Path) -> None:
    with served(Keysight34465ASimulator, transport, tmp_path, "keysight-34465a",
                "TCPIP0::192.168.0.5::inst0::INSTR") as rig:
        outcomes = drive(Agilent34410A, rig, agilent34410a_calls())
    assert_table(outcomes)
    assert all(o.ok for o in outcomes)
