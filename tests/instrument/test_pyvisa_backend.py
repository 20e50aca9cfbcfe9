"""The ``@metrolab`` pyvisa backend: bench resource strings opened in-process, with the
framing, faults and coupling of the served simulators."""

from pathlib import Path

import pytest
import pyvisa
from pyvisa import constants

import metrolab.instrument.pyvisa_backend  # noqa: F401  (registers "@metrolab")
from metrolab.errors import UserInputError
from metrolab.instrument import Function
from metrolab.instrument.pyvisa_backend.bench import canonical, load_bench


def bench_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bench.toml"
    path.write_text(text, encoding="utf-8")
    return f"{path}@metrolab"


def test_default_bench_answers_at_the_factory_addresses() -> None:
    rm = pyvisa.ResourceManager("@metrolab")
    try:
        assert set(rm.list_resources("GPIB?*::INSTR")) == {"GPIB0::22::INSTR", "GPIB0::4::INSTR"}
        dmm = rm.open_resource("GPIB::22", read_termination="\n")
        assert dmm.query("*IDN?").split(",")[1] == "34401A"
        lan = rm.open_resource("TCPIP::localhost::5025::SOCKET", read_termination="\n")
        assert lan.query("*IDN?").split(",")[1] == "34465A"
        with pytest.raises(pyvisa.errors.VisaIOError) as caught:
            rm.open_resource("GPIB0::9::INSTR")
        assert caught.value.error_code == constants.StatusCode.error_resource_not_found
    finally:
        rm.close()


def test_a_socket_without_read_termination_times_out_as_with_pyvisa_py(tmp_path: Path) -> None:
    rm = pyvisa.ResourceManager(bench_file(tmp_path, ""))
    lan = rm.open_resource("TCPIP0::localhost::5025::SOCKET", timeout=100)
    lan.write("*IDN?")
    with pytest.raises(pyvisa.errors.VisaIOError) as caught:
        lan.read()
    assert caught.value.error_code == constants.StatusCode.error_timeout
    # GPIB ends each reply with EOI: the read ends without a termination character
    gpib = rm.open_resource("GPIB0::22::INSTR")
    gpib.write("*IDN?")
    assert gpib.read_raw() == b"HEWLETT-PACKARD,34401A,0,11-5-2\n"
    rm.close()


def test_bench_file_maps_resources_and_couples_the_calibrator_to_the_dmm(tmp_path: Path) -> None:
    spec = bench_file(tmp_path, """
seed = 4
dut_errors = ["DCV 10V gain=+100ppm"]
[visa.resources]
"TCPIP0::192.168.1.7::5025::SOCKET" = "dut"
"GPIB0::4::INSTR" = "calibrator"
"USB0::0x2A8D::0x0101::MY1::INSTR" = "keysight-34465a"
""")
    rm = pyvisa.ResourceManager(spec)
    try:
        assert set(rm.list_resources("?*")) == {
            "TCPIP0::192.168.1.7::5025::SOCKET", "GPIB0::4::INSTR",
            "USB0::0x2A8D::0x0101::MY1::0::INSTR"}
        calibrator = rm.open_resource("GPIB0::4::INSTR", read_termination="\n")
        dmm = rm.open_resource("TCPIP0::192.168.1.7::5025::SOCKET", read_termination="\n")
        calibrator.write("OUT 10 V")
        calibrator.write("OPER")
        rm.visalib.bench.clock.sleep(60.0)  # let the output settle on the virtual clock
        reading = float(dmm.query("MEAS:VOLT:DC? 10,MIN"))
        assert reading == pytest.approx(10.001, abs=2e-4)  # the injected +100 ppm
        usb = rm.open_resource("USB0::0x2A8D::0x0101::MY1::INSTR", read_termination="\n")
        assert usb.query("*IDN?").split(",")[1] == "34465A"
    finally:
        rm.close()


def test_faults_act_on_the_in_process_resource(tmp_path: Path) -> None:
    rm = pyvisa.ResourceManager(bench_file(tmp_path, ""))
    dmm = rm.open_resource("GPIB0::22::INSTR", read_termination="\n", timeout=100)
    bench = rm.visalib.bench.bench
    bench.inject_fault("dut", "delay")
    with pytest.raises(pyvisa.errors.VisaIOError):
        dmm.query("*IDN?")
    assert dmm.query("SYST:ERR?").startswith("HEWLETT-PACKARD")  # the late reply comes first
    bench.inject_fault("dut", "drop")
    with pytest.raises(pyvisa.errors.VisaIOError) as caught:
        dmm.write("*RST")
    assert caught.value.error_code == constants.StatusCode.error_connection_lost
    rm.close()


def test_serial_poll_trigger_and_clear(tmp_path: Path) -> None:
    rm = pyvisa.ResourceManager(bench_file(tmp_path, ""))
    dmm = rm.open_resource("GPIB0::22::INSTR", read_termination="\n")
    dmm.write("*IDN?")
    assert dmm.read_stb() & 16  # MAV: a reply waits
    dmm.clear()
    assert not dmm.read_stb() & 16
    rm.visalib.bench.bench.calibrator.handle("OUT 1 V; OPER")
    rm.visalib.bench.clock.sleep(60.0)
    dmm.write("CONF:VOLT:DC 1;:TRIG:SOUR BUS;:INIT")
    dmm.assert_trigger()  # GPIB group execute trigger = *TRG
    assert float(dmm.query("FETC?")) == pytest.approx(1.0, abs=1e-4)
    rm.close()


def test_rs232_34401a_wants_remote_first_and_ends_replies_with_cr_lf(tmp_path: Path) -> None:
    rm = pyvisa.ResourceManager(bench_file(tmp_path, ""))
    port = rm.open_resource("ASRL3::INSTR", read_termination="\n", timeout=100)
    port.write("*IDN?")
    with pytest.raises(pyvisa.errors.VisaIOError):
        port.read()  # still in local: ignored
    port.write("SYST:REM")
    assert port.query("*IDN?") == "HEWLETT-PACKARD,34401A,0,11-5-2\r"
    rm.close()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[visa]\nclock = 'sundial'", "clock"),
        ("[visa]\ncolour = 1", "colour"),
        ("[visa.resources]\n'GPIB0::1::INSTR' = 'keysight-9999'", "keysight-9999"),
        ("seed = 'x'", "seed"),
    ],
)
def test_bad_bench_files_are_refused_by_name(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bench.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserInputError, match=message):
        load_bench(str(path))
    with pytest.raises(OSError, match=message):
        pyvisa.ResourceManager(f"{path}@metrolab")


def test_resource_names_are_compared_in_canonical_form() -> None:
    bench = load_bench("")
    assert bench.find("GPIB::22") is bench.find("GPIB0::22::INSTR") is bench.bench.dut
    assert bench.find("not a resource") is None
    assert canonical("TCPIP::10.0.0.1::INSTR") == "TCPIP0::10.0.0.1::inst0::INSTR"
    assert Function.DCV in bench.bench.dut.MODEL.ranges
