"""QCoDeS's drivers of the family's models against its simulators, over TCP and through
the ``@metrolab`` backend: ``Keithley2000``, ``Keithley6500`` (QCoDeS and
qcodes_contrib_drivers), and the ``Keysight344xxA`` subclasses 34410A, 34411A, 34460A,
34461A and 34470A (construction, ``snapshot(update=True)``, the calls the meters support).
Temperature is left out: the Keithley meters measure it with thermocouples, RTDs or
thermistors the simulators do not model."""

import itertools
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from metrolab.drivers.dmm import dmm_profile
from metrolab.drivers.dmm.factories import simulator_class_for

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
from qcodes.instrument_drivers.Keithley import Keithley2000, Keithley6500
from qcodes.instrument_drivers.Keysight import (
    Keysight34410A,
    Keysight34411A,
    Keysight34460A,
    Keysight34461A,
    Keysight34470A,
)

from metrolab.instrument import Function

TRANSPORTS = ["tcp", "backend"]
DCV_1 = (Function.DCV, 1.0, None)
DCV_5 = (Function.DCV, 5.0, None)
_NAMES = itertools.count()
KEYSIGHT = {"34410A": Keysight34410A, "34411A": Keysight34411A, "34460A": Keysight34460A,
            "34461A": Keysight34461A, "34470A": Keysight34470A}


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


def keithley2000_calls() -> list[Call]:
    return [
        Call("IDN", param("IDN"), lambda v: v["model"] == "2000"),
        Call("trigger_continuous (power-on)", param("trigger_continuous"), equals(True)),
        Call("snapshot(update=True)", lambda d: d.snapshot(update=True),
             lambda s: s["parameters"]["mode"]["value"] == "dc voltage"),
        Call("trigger_continuous = False", put("trigger_continuous", False)),
        Call("mode = dc voltage", put("mode", "dc voltage")),
        Call("range = 10", put("range", 10)),
        Call("range", param("range"), equals(10.0)),
        Call("nplc = 5", put("nplc", 5)),
        Call("nplc", param("nplc"), equals(5.0)),
        Call("auto_range_enabled = True", put("auto_range_enabled", True)),
        Call("auto_range_enabled", param("auto_range_enabled"), equals(True)),
        Call("digits = 6", put("digits", 6)),
        Call("digits", param("digits"), equals(6)),
        Call("averaging_type = repeat", put("averaging_type", "repeat")),
        Call("averaging_type", param("averaging_type"), equals("repeat")),
        Call("averaging_count = 5", put("averaging_count", 5)),
        Call("averaging_count", param("averaging_count"), equals(5)),
        Call("averaging_enabled = True", put("averaging_enabled", True)),
        Call("averaging_enabled", param("averaging_enabled"), equals(True)),
        Call("averaging_enabled = False", put("averaging_enabled", False)),
        Call("display_enabled = False", put("display_enabled", False)),
        Call("display_enabled", param("display_enabled"), equals(False)),
        Call("trigger_count = 3", put("trigger_count", 3)),
        Call("trigger_count", param("trigger_count"), equals(3)),
        Call("trigger_count = 1", put("trigger_count", 1)),
        Call("trigger_delay = 0.25", put("trigger_delay", 0.25)),
        Call("trigger_delay", param("trigger_delay"), equals(0.25)),
        Call("trigger_source = bus", put("trigger_source", "bus")),
        Call("trigger_source", param("trigger_source"), equals("bus")),
        Call("trigger_source = immediate", put("trigger_source", "immediate")),
        Call("trigger_timer = 0.5", put("trigger_timer", 0.5)),
        Call("trigger_timer", param("trigger_timer"), equals(0.5)),
        Call("amplitude (no trigger sent)", param("amplitude"), equals(0.0)),
        Call("trigger", lambda d: d.trigger(), stimulus=DCV_5),
        Call("amplitude", param("amplitude"), near(5.0, 4e-5)),
        Call("mode = ac voltage", put("mode", "ac voltage")),
        Call("mode", param("mode"), equals("ac voltage")),
        Call("mode = 4w resistance", put("mode", "4w resistance")),
        Call("trigger (4w)", lambda d: d.trigger(), stimulus=OHM_1K),
        Call("amplitude (4w)", param("amplitude"), near(1000.0, 2e-4)),
        Call("reset", lambda d: d.reset()),
    ]


def keithley6500_calls() -> list[Call]:
    return [
        Call("IDN", param("IDN"), lambda v: v["model"] == "DMM6500"),
        Call("snapshot(update=True)", lambda d: d.snapshot(update=True),
             lambda s: s["parameters"]["mode"]["value"] == "dc voltage"),
        Call("mode = dc voltage", put("mode", "dc voltage")),
        Call("range = 10", put("range", 10)),
        Call("range", param("range"), equals(10.0)),
        Call("nplc = 1", put("nplc", 1)),
        Call("nplc", param("nplc"), equals(1.0)),
        Call("auto_range_enabled = True", put("auto_range_enabled", True)),
        Call("auto_range_enabled", param("auto_range_enabled"), equals(True)),
        Call("amplitude", param("amplitude"), near(5.0, 3e-5), DCV_5),
        Call("averaging_type = repeat", put("averaging_type", "repeat")),
        Call("averaging_count = 5", put("averaging_count", 5)),
        Call("averaging_count", param("averaging_count"), equals(5)),
        Call("averaging_enabled = True", put("averaging_enabled", True)),
        Call("averaging_enabled = False", put("averaging_enabled", False)),
        Call("mode = dc current", put("mode", "dc current")),
        Call("amplitude (dc current)", param("amplitude"), near(0.1, 6e-4), DCI_100M),
        Call("mode = ac voltage", put("mode", "ac voltage")),
        Call("amplitude (ac voltage)", param("amplitude"), near(1.0, 1e-3), ACV_1),
        Call("mode = 2w resistance", put("mode", "2w resistance")),
        Call("amplitude (2w)", param("amplitude"), near(1000.0 + LEADS_OHM, 2e-4), OHM2_1K),
        Call("display_backlight = Off", put("display_backlight", "Off")),
        Call("display_backlight", param("display_backlight"), equals("Off")),
        Call("reset", lambda d: d.reset()),
    ]


def keysight_calls(model: str) -> list[Call]:
    profile = dmm_profile(f"keysight-{model.lower()}")
    nplcs = profile.nplc_choices
    resolution_1plc = profile.resolution(Function.DCV, 10.0, 1.0)
    calls = [
        Call("IDN", param("IDN"), lambda v: v["model"] == model),
        Call("snapshot(update=True)", lambda d: d.snapshot(update=True),
             lambda s: s["parameters"]["NPLC"]["value"] == 10.0),
        Call("line_frequency", param("line_frequency"), equals(50)),
        Call("volt", param("volt"), near(1.0, 1e-4), DCV_1),
        Call("curr", param("curr"), near(0.1, 6e-4), DCI_100M),
        Call("ac_volt", param("ac_volt"), near(1.0, 1e-3), ACV_1),
        Call("ac_curr", param("ac_curr"), near(1.0, 2e-3), ACI_1),
        Call("res", param("res"), near(1000.0 + LEADS_OHM, 2e-4), OHM2_1K),
        Call("four_wire_res", param("four_wire_res"), near(1000.0, 2e-4), OHM_1K),
        Call("sense_function = DC Voltage", put("sense_function", "DC Voltage")),
    ]
    for nplc in nplcs:
        calls += [Call(f"NPLC = {nplc:g}", put("NPLC", nplc)),
                  Call("NPLC", param("NPLC"), equals(float(nplc)))]
    calls += [
        Call("range = 10", put("range", 10.0)),
        Call("range", param("range"), equals(10.0)),
        Call(f"resolution = {resolution_1plc:g} (1 PLC on 10 V)",
             put("resolution", resolution_1plc)),
        Call("NPLC (from the resolution)", param("NPLC"), equals(1.0)),
        Call("autorange = ON", put("autorange", "ON")),
        Call("autorange", param("autorange"), equals("ON")),
        Call("display.text = Hello", put("display.text", "Hello")),
        Call("display.text", param("display.text"), equals("Hello")),
        Call("display.clear", lambda d: d.display.clear()),
        Call("trigger.count = 3", put("trigger.count", 3)),
        Call("trigger.count", param("trigger.count"), equals(3.0)),
        Call("trigger.delay = 0.25", put("trigger.delay", 0.25)),
        Call("trigger.delay", param("trigger.delay"), equals(0.25)),
        Call("trigger.source = BUS", put("trigger.source", "BUS")),
        Call("trigger.source", param("trigger.source"), equals("BUS")),
        Call("trigger.source = IMM", put("trigger.source", "IMM")),
        Call("sample.count = 4", put("sample.count", 4)),
        Call("sample.count", param("sample.count"), equals(4)),
        Call("read (3 triggers x 4 samples)", lambda d: d.read(),
             lambda v: v.shape == (12,) and np.allclose(v, 1.0, atol=5e-4), DCV_1),
        Call("init_measurement", lambda d: d.init_measurement()),
        Call("fetch", lambda d: d.fetch(), lambda v: v.shape == (12,)),
        Call("error", lambda d: d.error(), equals((0, "No error"))),
        Call("reset", lambda d: d.reset()),
    ]
    return calls


def construct(driver_class: Any, rig: Any) -> Any:
    name = f"dmm{next(_NAMES)}"
    return driver_class(name, rig.resource, timeout=2, visalib=rig.library)


def drive(driver_class: Any, rig: Any, calls: list[Call]) -> list:
    logging.getLogger("qcodes").setLevel(logging.CRITICAL)
    driver = construct(driver_class, rig)
    try:
        return run_calls(driver, calls, rig=rig, errors=lambda: drain(driver.ask))
    finally:
        driver.close()


def factory(name: str) -> Any:
    return simulator_class_for(dmm_profile(name))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_qcodes_keithley2000_every_supported_call_works(transport: str, tmp_path: Path) -> None:
    with served(factory("keithley-2000"), transport, tmp_path, "keithley-2000",
                "GPIB0::16::INSTR") as rig:
        outcomes = drive(Keithley2000, rig, keithley2000_calls())
    assert_table(outcomes)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_qcodes_keithley6500_every_call_works(transport: str, tmp_path: Path) -> None:
    with served(factory("keithley-dmm6500"), transport, tmp_path, "keithley-dmm6500",
                "TCPIP0::192.168.0.9::5025::SOCKET") as rig:
        outcomes = drive(Keithley6500, rig, keithley6500_calls())
    assert_table(outcomes)


def test_qcodes_contrib_keithley_6500_measures_through_the_front_terminals(
        tmp_path: Path) -> None:
    contrib = pytest.importorskip("qcodes_contrib_drivers.drivers.Tektronix.Keithley_6500")
    calls = [
        Call("IDN", param("IDN"), lambda v: v["model"] == "DMM6500"),
        Call("active_terminal", param("active_terminal"), equals("FRON")),
        Call("voltage_dc", param("voltage_dc"), near(5.0, 3e-5), DCV_5),
        Call("current_dc", param("current_dc"), near(0.1, 6e-4), DCI_100M),
        Call("resistance", param("resistance"), near(1000.0 + LEADS_OHM, 2e-4), OHM2_1K),
        Call("resistance_4w", param("resistance_4w"), near(1000.0, 2e-4), OHM_1K),
        Call("volt.nplc = 1", put("volt.nplc", 1)),
        Call("volt.nplc", param("volt.nplc"), equals(1.0)),
    ]
    with served(factory("keithley-dmm6500"), "backend", tmp_path, "keithley-dmm6500",
                "TCPIP0::192.168.0.9::inst0::INSTR") as rig:
        outcomes = drive(contrib.Keithley_6500, rig, calls)
    assert_table(outcomes)


@pytest.mark.parametrize("model", sorted(KEYSIGHT))
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_qcodes_keysight_344xxa_subclasses_on_every_truevolt_profile(
        model: str, transport: str, tmp_path: Path) -> None:
    name = f"keysight-{model.lower()}"
    with served(factory(name), transport, tmp_path, name,
                "TCPIP0::192.168.0.5::5025::SOCKET") as rig:
        outcomes = drive(KEYSIGHT[model], rig, keysight_calls(model))
    assert_table(outcomes)
