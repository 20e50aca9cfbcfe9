"""QCoDeS's own drivers (``Keysight34465A``, ``Agilent34401A``) against the simulated
meters, over TCP and in-process through the ``@metrolab`` backend: construction, a full
``snapshot(update=True)``, every parameter and method the real meters support."""

import functools
import itertools
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from metrolab.drivers.keysight.simulator import Keysight34401ASimulator, Keysight34465ASimulator

from .harness import (
    ACI_1,
    ACV_1,
    DCI_100M,
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
)

pytest.importorskip("qcodes")
from qcodes.instrument_drivers.agilent import Agilent34401A
from qcodes.instrument_drivers.Keysight import Keysight34465A

from metrolab.instrument import Function

TRANSPORTS = ["tcp", "backend"]
DCV_1 = (Function.DCV, 1.0, None)
_NAMES = itertools.count()


def param(path: str) -> Any:
    def get(d: Any) -> Any:
        target = d
        for part in path.split("."):
            target = getattr(target, part)
        return target()

    return get


def put(path: str, value: Any) -> Any:
    def set_(d: Any) -> None:
        target = d
        for part in path.split("."):
            target = getattr(target, part)
        target(value)

    return set_


def snapshot_check(snapshot: dict) -> bool:
    parameters = snapshot["parameters"]
    return (parameters["NPLC"]["value"] == 10.0 and parameters["range"]["value"] == 1000.0
            and snapshot["submodules"]["trigger"]["parameters"]["source"]["value"] == "IMM")


def floats(reply: str) -> list[float]:
    return [float(v) for v in reply.split(",")]


def add_truevolt_parameters(driver: Any) -> None:
    """Give QCoDeS's Keysight34465A the Truevolt's secondary measurement and histogram
    as QCoDeS parameters (its driver has neither), so its snapshot reads them too."""
    from qcodes import validators

    driver.add_parameter("dcv_secondary", set_cmd='VOLT:DC:SEC "{}"', get_cmd="VOLT:DC:SEC?",
                         get_parser=lambda r: r.strip('"'),
                         vals=validators.Enum("OFF", "CALC:DATA", "VOLT:AC", "PTP"))
    driver.add_parameter("secondary_data", get_cmd="DATA2?", get_parser=floats)
    driver.add_parameter("histogram_enabled", set_cmd="CALC:TRAN:HIST:STAT {}",
                         get_cmd="CALC:TRAN:HIST:STAT?", val_mapping={True: 1, False: 0})
    driver.add_parameter("histogram_points", set_cmd="CALC:TRAN:HIST:POIN {}",
                         get_cmd="CALC:TRAN:HIST:POIN?", get_parser=int,
                         vals=validators.Enum(10, 20, 40, 100, 200, 400))
    driver.add_parameter("histogram", get_cmd="CALC:TRAN:HIST:ALL?", get_parser=floats)


def extras_in_snapshot(snapshot: dict) -> bool:
    parameters = snapshot["parameters"]
    return (parameters["dcv_secondary"]["value"] == "OFF"
            and parameters["histogram_points"]["value"] == 100
            and parameters["histogram_enabled"]["value"] is False
            and parameters["secondary_data"]["value"] == [9.91e37])


def ptp_of_five(values: list[float]) -> bool:
    low, high, span = values
    near_1v = all(math.isclose(v, 1.0, abs_tol=1e-4) for v in (low, high))
    return near_1v and low <= high and math.isclose(span, high - low) and 0 <= span < 1e-4


def histogram_of_five(values: list[float]) -> bool:
    lower, upper, count, *bins = values
    return (count == 5 and len(bins) == 12 and sum(bins) == 5 and bins[0] == bins[-1] == 0
            and lower <= upper and math.isclose(lower, 1.0, abs_tol=1e-4))


def keysight34465a_calls() -> list[Call]:
    calls = [
        Call("IDN", param("IDN"), lambda v: v["model"] == "34465A"),
        Call("snapshot(update=True)", lambda d: d.snapshot(update=True), snapshot_check),
        Call("add_parameter: secondary measurement and histogram", add_truevolt_parameters),
        Call("snapshot(update=True) with secondary and histogram",
             lambda d: d.snapshot(update=True), extras_in_snapshot),
        Call("range = 10 (secondary)", put("range", 10.0)),
        Call("dcv_secondary = PTP", put("dcv_secondary", "PTP")),
        Call("dcv_secondary", param("dcv_secondary"), equals("PTP")),
        Call("sample.count = 5", put("sample.count", 5)),
        Call("histogram_points = 10", put("histogram_points", 10)),
        Call("histogram_enabled = True", put("histogram_enabled", True)),
        Call("read (5 samples, secondary and histogram on)", lambda d: d.read(),
             lambda v: v.shape == (5,), DCV_1),
        Call("secondary_data (min, max, peak-to-peak)", param("secondary_data"), ptp_of_five),
        Call("histogram (auto range, 10 bins)", param("histogram"), histogram_of_five),
        Call("dcv_secondary = OFF", put("dcv_secondary", "OFF")),
        Call("histogram_enabled = False", put("histogram_enabled", False)),
        Call("sample.count = 1 (after the histogram)", put("sample.count", 1)),
        Call("line_frequency", param("line_frequency"), equals(50)),
        Call("volt", param("volt"), near(1.0, 5e-5), DCV_1),
        Call("curr", param("curr"), near(0.1, 6e-4), DCI_100M),
        Call("ac_volt", param("ac_volt"), near(1.0, 1e-3), ACV_1),
        Call("ac_curr", param("ac_curr"), near(1.0, 2e-3), ACI_1),
        Call("res", param("res"), near(1000.0 + LEADS_OHM, 2e-4), OHM2_1K),
        Call("four_wire_res", param("four_wire_res"), near(1000.0, 2e-4), OHM_1K),
    ]
    for function in ("AC Voltage", "DC Current", "AC Current", "2 Wire Resistance",
                     "4 Wire Resistance", "DC Voltage"):
        calls += [Call(f"sense_function = {function}", put("sense_function", function)),
                  Call("sense_function", param("sense_function"), equals(function))]
    for nplc in (0.02, 0.06, 0.2, 1, 10, 100):
        calls += [Call(f"NPLC = {nplc}", put("NPLC", nplc)),
                  Call("NPLC", param("NPLC"), equals(float(nplc)))]
    for range_value in (0.1, 1.0, 10.0, 100.0, 1000.0):
        calls += [Call(f"range = {range_value}", put("range", range_value)),
                  Call("range", param("range"), equals(range_value))]
    calls += [
        Call("range = 10", put("range", 10.0)),
        Call("resolution = 3e-6 (1 PLC on 10 V)", put("resolution", 3e-6)),
        Call("resolution", param("resolution"), near(3e-6, 1e-9)),
        Call("NPLC (from the resolution)", param("NPLC"), equals(1.0)),
        Call("resolution = MIN", put("resolution", "MIN")),
        Call("NPLC (MIN resolution)", param("NPLC"), equals(100.0)),
        Call("autorange = ON", put("autorange", "ON")),
        Call("autorange", param("autorange"), equals("ON")),
        Call("autorange_once", lambda d: d.autorange_once(), stimulus=DCV_1),
        Call("range (after autorange once on 1 V)", param("range"), equals(1.0)),
        Call("autorange (off after ONCE)", param("autorange"), equals("OFF")),
        Call("increase_range", lambda d: d.increase_range()),
        Call("range (increased)", param("range"), equals(10.0)),
        Call("decrease_range", lambda d: d.decrease_range()),
        Call("range (decreased)", param("range"), equals(1.0)),
        Call("autozero = OFF", put("autozero", "OFF")),
        Call("autozero", param("autozero"), equals("OFF")),
        Call("autozero = ONCE", put("autozero", "ONCE")),
        Call("autozero = ON", put("autozero", "ON")),
        Call("aperture_time = 0.1", put("aperture_time", 0.1)),
        Call("aperture_time", param("aperture_time"), near(0.1, 1e-9)),
        Call("aperture_mode (on after aperture_time)", param("aperture_mode"), equals("ON")),
        Call("aperture_mode = OFF", put("aperture_mode", "OFF")),
        Call("NPLC = 0.02", put("NPLC", 0.02)),
        Call("display.enabled = False", put("display.enabled", False)),
        Call("display.enabled", param("display.enabled"), equals(False)),
        Call("display.text = Hello", put("display.text", "Hello")),
        Call("display.text", param("display.text"), equals("Hello")),
        Call("display.clear", lambda d: d.display.clear()),
        Call("trigger.count = INF", put("trigger.count", "INF")),
        Call("trigger.count (INF)", param("trigger.count"), equals(9.9e37)),
        Call("trigger.count = 3", put("trigger.count", 3)),
        Call("trigger.count", param("trigger.count"), equals(3.0)),
        Call("trigger.delay = 0.25", put("trigger.delay", 0.25)),
        Call("trigger.delay", param("trigger.delay"), equals(0.25)),
        Call("trigger.auto_delay_enabled", param("trigger.auto_delay_enabled"), equals(False)),
        Call("trigger.auto_delay_enabled = True", put("trigger.auto_delay_enabled", True)),
        Call("trigger.slope = POS", put("trigger.slope", "POS")),
        Call("trigger.slope", param("trigger.slope"), equals("POS")),
        Call("trigger.source = EXT", put("trigger.source", "EXT")),
        Call("trigger.source = BUS", put("trigger.source", "BUS")),
        Call("trigger.source", param("trigger.source"), equals("BUS")),
        Call("trigger.source = IMM", put("trigger.source", "IMM")),
        Call("sample.count = 4", put("sample.count", 4)),
        Call("sample.count", param("sample.count"), equals(4)),
        Call("sample.source = TIM", put("sample.source", "TIM")),
        Call("sample.source", param("sample.source"), equals("TIM")),
        Call("sample.timer = 0.01", put("sample.timer", 0.01)),
        Call("sample.timer", param("sample.timer"), near(0.01, 1e-9)),
        Call("sample.timer_minimum", param("sample.timer_minimum"),
             lambda v: 0 < v < 0.01),
        Call("sample.source = IMM", put("sample.source", "IMM")),
        Call("read (3 triggers x 4 samples)", lambda d: d.read(),
             lambda v: v.shape == (12,) and np.allclose(v, 1.0, atol=5e-4), DCV_1),
        Call("init_measurement", lambda d: d.init_measurement()),
        Call("fetch", lambda d: d.fetch(), lambda v: v.shape == (12,)),
        Call("abort_measurement", lambda d: d.abort_measurement()),
        Call("trigger.count = 1", put("trigger.count", 1)),
        Call("sample.count = 1", put("sample.count", 1)),
        Call("timetrace_npts = 10", put("timetrace_npts", 10)),
        Call("timetrace_dt = 0.01", put("timetrace_dt", 0.01)),
        Call("time_axis", param("time_axis"), lambda v: np.allclose(v, np.arange(10) * 0.01)),
        Call("timetrace", param("timetrace"),
             lambda v: v.shape == (10,) and np.allclose(v, 1.0, atol=5e-4), DCV_1),
        Call("trigger.force (not armed)", lambda d: d.trigger.force(),
             unsupported="a *TRG with nothing armed is refused (-211 Trigger ignored)"),
        Call("error", lambda d: d.error(), equals((0, "No error"))),
        Call("flush_error_queue", lambda d: d.flush_error_queue(verbose=False)),
        Call("reset", lambda d: d.reset()),
    ]
    return calls


def agilent34401a_calls() -> list[Call]:
    return [
        Call("IDN", param("IDN"), lambda v: v["model"] == "34401A"),
        Call("snapshot(update=True)", lambda d: d.snapshot(update=True),
             lambda s: s["parameters"]["NPLC"]["value"] == 10.0),
        Call("volt", param("volt"), near(1.0, 5e-5), DCV_1),
        Call("fetch (nothing initiated)", param("fetch"),
             unsupported="FETC? without INIT: -230 Data stale, and no reply"),
        Call("init_measurement", lambda d: d.init_measurement(), stimulus=DCV_1),
        Call("fetch", param("fetch"), near(1.0, 5e-5)),
        Call("terminals", param("terminals"), equals("FRON")),
        Call("NPLC = 1", put("NPLC", 1)),
        Call("NPLC", param("NPLC"), equals(1.0)),
        Call("range = 10", put("range", 10.0)),
        Call("range", param("range"), equals(10.0)),
        Call("range_auto", param("range_auto"), equals("off")),
        Call("resolution = 1e-5 (10 PLC on 10 V)", put("resolution", 1e-5)),
        Call("resolution", param("resolution"), near(1e-5, 1e-9)),
        Call("NPLC (from the resolution)", param("NPLC"), equals(10.0)),
        Call("range_auto = on", put("range_auto", "on")),
        Call("range_auto", param("range_auto"), equals("on")),
        Call("display_text = HELLO", put("display_text", "HELLO")),
        Call("display_text", param("display_text"), equals('"HELLO"')),
        Call("display_clear", lambda d: d.display_clear(),
             unsupported="DISP:WIND:TEXT:CLE is a 34410A command; the 34401A has no "
                         "WINDow node (-113)"),
        Call("clear_errors", lambda d: d.clear_errors()),
        Call("reset", lambda d: d.reset()),
    ]


def construct(driver_class: Any, rig: Any) -> Any:
    name = f"dmm{next(_NAMES)}"
    if rig.library == "@py":
        return driver_class(name, rig.resource, timeout=2, visalib="@py")
    return driver_class(name, rig.resource, timeout=2, visalib=rig.library)


def drive(driver_class: Any, rig: Any, calls: list[Call]) -> list:
    logging.getLogger("qcodes").setLevel(logging.CRITICAL)
    driver = construct(driver_class, rig)
    try:
        return run_calls(driver, calls, rig=rig, errors=lambda: drain(driver.ask))
    finally:
        driver.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_qcodes_keysight34465a_constructs_snapshots_and_every_call_works(
    transport: str, tmp_path: Path
) -> None:
    with served(Keysight34465ASimulator, transport, tmp_path, "keysight-34465a",
                "TCPIP0::192.168.0.5::5025::SOCKET") as rig:
        outcomes = drive(Keysight34465A, rig, keysight34465a_calls())
    assert_table(outcomes)


def keysight34465a_dig_calls() -> list[Call]:
    """Calls QCoDeS's Keysight34465A offers only on a meter with the DIG option."""
    return [
        Call("has_DIG and has_MEM (from *OPT?)", lambda d: (d.has_DIG, d.has_MEM),
             equals((True, True))),
        Call("snapshot(update=True) with level trigger and pretrigger",
             lambda d: d.snapshot(update=True),
             lambda s: s["submodules"]["trigger"]["parameters"]["level"]["value"] == 0.0
             and s["submodules"]["sample"]["parameters"]["pretrigger_count"]["value"] == 0),
        Call("range = 10", put("range", 10.0)),
        Call("trigger.level = 0.75", put("trigger.level", 0.75)),
        Call("trigger.level", param("trigger.level"), equals(0.75)),
        Call("trigger.source = INT", put("trigger.source", "INT")),
        Call("trigger.source", param("trigger.source"), equals("INT")),
        Call("sample.count = 10", put("sample.count", 10)),
        Call("sample.pretrigger_count = 5", put("sample.pretrigger_count", 5)),
        Call("sample.pretrigger_count", param("sample.pretrigger_count"), equals(5)),
        Call("init_measurement (level trigger)", lambda d: d.init_measurement(), stimulus=DCV_1),
        Call("fetch", lambda d: d.fetch(),
             lambda v: v.shape == (10,) and np.allclose(v, 1.0, atol=5e-4)),
        Call("sample.pretrigger_count = 1999999 (MEM)", put("sample.pretrigger_count", 1999999)),
        Call("sample.pretrigger_count = 0", put("sample.pretrigger_count", 0)),
        Call("trigger.source = IMM", put("trigger.source", "IMM")),
        Call("sample.count = 1", put("sample.count", 1)),
        Call("NPLC = 0.02 (for a 10 ms time trace)", put("NPLC", 0.02)),
        Call("timetrace_npts = 10", put("timetrace_npts", 10)),
        Call("timetrace_dt = 0.01", put("timetrace_dt", 0.01)),
        Call("timetrace (sets pretrigger_count to 0 with DIG)", param("timetrace"),
             lambda v: v.shape == (10,) and np.allclose(v, 1.0, atol=5e-4), DCV_1),
        Call("error", lambda d: d.error(), equals((0, "No error"))),
    ]


def test_qcodes_keysight34465a_with_the_dig_and_mem_options(tmp_path: Path) -> None:
    with served(functools.partial(Keysight34465ASimulator, options=("DIG", "MEM")), "tcp",
                tmp_path, "keysight-34465a", "TCPIP0::192.168.0.5::5025::SOCKET") as rig:
        outcomes = drive(Keysight34465A, rig, keysight34465a_dig_calls())
    assert_table(outcomes)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_qcodes_agilent34401a_constructs_snapshots_and_every_supported_call_works(
    transport: str, tmp_path: Path
) -> None:
    with served(Keysight34401ASimulator, transport, tmp_path, "keysight-34401a",
                "GPIB0::22::INSTR") as rig:
        outcomes = drive(Agilent34401A, rig, agilent34401a_calls())
    assert_table(outcomes)
