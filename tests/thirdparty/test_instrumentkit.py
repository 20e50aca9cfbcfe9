"""InstrumentKit's own ``Agilent34410a`` driver against the simulated 34465A, over a raw
TCP socket (``open_tcpip``) and through pyvisa with the ``@metrolab`` backend.

InstrumentKit parses ``CONF?`` without removing the quotes the meters put around it
(``"VOLT +1.000000E+01,+3.000000E-06"``), so every call that reads ``mode`` fails on a
real meter too; those, and the commands the Truevolt set lacks, are marked unsupported.
"""

from pathlib import Path
from typing import Any

import pytest
import pyvisa
from metrolab.drivers.keysight.simulator import Keysight34465ASimulator

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
)

ik = pytest.importorskip("instruments")
from instruments.abstract_instruments.comm import (  # noqa: E402
    VisaCommunicator,
    visa_communicator,
)

from metrolab.instrument import Function  # noqa: E402

TRANSPORTS = ["tcp", "backend"]
QUOTED_CONF = "InstrumentKit reads CONF? without removing its quotes: ValueError on a real meter"
TRIG_COUNT_NR3 = ("InstrumentKit parses TRIG:COUN? as an integer; the meter answers NR3 "
                  "(+1.00000000E+00)")
MODES = ik.agilent.Agilent34410a.Mode
#: what measure(mode) reads for the input applied: (input, check)
MEASURED = {
    "voltage_dc": (DCV_10, near(10.0, 5e-5)),
    "voltage_ac": (ACV_1, near(1.0, 1e-3)),
    "current_dc": (DCI_100M, near(0.1, 6e-4)),
    "current_ac": (ACI_1, near(1.0, 2e-3)),
    "resistance": (OHM2_1K, near(1000.0 + LEADS_OHM, 2e-4)),
    "fourpt_resistance": (OHM_1K, near(1000.0, 2e-4)),
    "frequency": ((Function.ACV, 1.0, 1000.0), near(1000.0, 1e-4)),
    "period": ((Function.ACV, 1.0, 1000.0), near(1e-3, 1e-4)),
    "continuity": ((Function.RES2, 10.0, None), near(10.0 + LEADS_OHM, 1e-3)),
    "diode": ((Function.RES2, 600.0, None), near(0.6 + LEADS_OHM * 1e-3, 1e-3)),
    # a 100 Ω PT100 (4-wire) reads 0 °C; InstrumentKit labels it kelvin
    "temperature": ((Function.RES4, 100.0, None), lambda v: abs(float(v)) < 0.01),
    # nothing on the input: a few pF of stray capacitance
    "capacitance": (None, lambda v: abs(float(v)) < 1e-10),
}


def setter(name: str, value: Any) -> Any:
    return lambda d: setattr(d, name, value)


def getter(name: str) -> Any:
    return lambda d: getattr(d, name)


def magnitude(value: Any) -> float:
    return float(getattr(value, "magnitude", value))


def agilent34410a_calls() -> list[Call]:
    calls = [
        Call("name", getter("name"), lambda v: "34465A" in v),
        Call("scpi_version", getter("scpi_version"), equals("1999.0")),
        Call("op_complete", getter("op_complete"), equals(True)),
        Call("self_test_ok", getter("self_test_ok"), equals(True)),
        Call("power_on_status = False", setter("power_on_status", False)),
        Call("power_on_status", getter("power_on_status"), equals(False)),
        Call("line_frequency", getter("line_frequency"), lambda v: magnitude(v) == 50.0),
        Call("line_frequency = 60", setter("line_frequency", 60),
             unsupported="SYST:LFR is a query only on the meters (-113)"),
        Call("check_error_queue", lambda d: d.check_error_queue(),
             unsupported="SYST:ERR:CODE:ALL? is not in the Truevolt command set (-113)"),
        Call("display_brightness", getter("display_brightness"),
             unsupported="DISP:BRIG? is not in the Truevolt command set (-113)"),
        Call("display_contrast", getter("display_contrast"),
             unsupported="DISP:CONT? is not in the Truevolt command set (-113)"),
    ]
    for name, (stimulus, check) in MEASURED.items():
        calls.append(Call(f"measure({name})", lambda d, n=name: d.measure(MODES[n]), check,
                          stimulus))
    calls += [
        Call("mode = voltage_dc", setter("mode", MODES.voltage_dc)),
        Call("mode", getter("mode"), unsupported=QUOTED_CONF),
        Call("input_range", getter("input_range"), unsupported=QUOTED_CONF),
        Call("input_range = 10 V", setter("input_range", 10), unsupported=QUOTED_CONF),
        Call("resolution", getter("resolution"), unsupported=QUOTED_CONF),
        Call("resolution = 3e-6", setter("resolution", 3e-6), unsupported=QUOTED_CONF),
        Call("trigger_mode = bus", lambda d: setattr(d, "trigger_mode", d.TriggerMode.bus)),
        Call("trigger_mode", getter("trigger_mode"), lambda v: v.value == "BUS"),
        Call("trigger_count = 2", setter("trigger_count", 2)),
        Call("trigger_count", getter("trigger_count"), unsupported=TRIG_COUNT_NR3),
        Call("sample_count = 3", setter("sample_count", 3)),
        Call("sample_count", getter("sample_count"), equals(3)),
        Call("trigger_delay = 0.01", setter("trigger_delay", 0.01)),
        Call("trigger_delay", getter("trigger_delay"), lambda v: magnitude(v) == 0.01),
        Call("sample_source = timer",
             lambda d: setattr(d, "sample_source", d.SampleSource.timer)),
        Call("sample_source", getter("sample_source"), lambda v: v.value == "TIM"),
        Call("sample_timer = 0.5", setter("sample_timer", 0.5)),
        Call("sample_timer", getter("sample_timer"), lambda v: magnitude(v) == 0.5),
        Call("sample_source = immediate",
             lambda d: setattr(d, "sample_source", d.SampleSource.immediate)),
        Call("init", lambda d: d.init(), stimulus=DCV_10),
        Call("trigger", lambda d: d.trigger()),
        Call("data_point_count (one trigger of 3 samples)", getter("data_point_count"),
             equals(3)),
        Call("wait_to_continue", lambda d: d.wait_to_continue()),
        Call("abort", lambda d: d.abort()),
        Call("read_last_data", lambda d: d.read_last_data(), lambda v: abs(magnitude(v) - 10)
             < 5e-4),
        Call("fetch", lambda d: d.fetch(), unsupported=QUOTED_CONF),
        Call("read_data(1)", lambda d: d.read_data(1), unsupported=QUOTED_CONF),
        Call("r(0)", lambda d: d.r(0), unsupported=QUOTED_CONF),
        Call("read_meter", lambda d: d.read_meter(), unsupported=QUOTED_CONF),
        Call("read_data_nvmem", lambda d: d.read_data_nvmem(), unsupported=QUOTED_CONF),
        Call("clear_memory", lambda d: d.clear_memory(),
             unsupported="DATA:DEL NVMEM is a 34410A command, not Truevolt (-113)"),
        Call("clear", lambda d: d.clear()),
        Call("reset", lambda d: d.reset()),
    ]
    return calls


def open_driver(rig: Any) -> Any:
    if rig.library == "@py":
        driver = ik.agilent.Agilent34410a.open_tcpip(rig.host, rig.port)
        driver._file._conn.settimeout(1.0)  # the socket's own timeout, in seconds
        return driver
    resource = pyvisa.ResourceManager(rig.library).open_resource(
        rig.resource, read_termination="\n", timeout=1000)
    return ik.agilent.Agilent34410a(VisaCommunicator(resource))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_instrumentkit_agilent34410a_every_supported_call_works_on_a_34465a(
    transport: str, tmp_path: Path
) -> None:
    if transport == "backend" and getattr(visa_communicator, "visa", None) is None:
        pytest.skip("this InstrumentKit imports the module 'visa', which pyvisa >= 1.11 no "
                    "longer provides: its VISA communicator works on no pyvisa backend")
    with served(Keysight34465ASimulator, transport, tmp_path, "keysight-34465a",
                "TCPIP0::192.168.0.5::inst0::INSTR") as rig:
        driver = open_driver(rig)
        try:
            outcomes = run_calls(driver, agilent34410a_calls(), rig=rig,
                                 errors=lambda: drain(driver.query))
        finally:
            driver._file.close()
    assert_table(outcomes)
