"""Every DMM profile through the ``@metrolab`` pyvisa backend: a bench file names the
simulator at a resource, and the family driver (or plain pyvisa) opens it in-process."""

from pathlib import Path

import pytest
import pyvisa
from metrolab.drivers.dmm import dmm_profile, profile_names
from metrolab.drivers.dmm.driver import ScpiDmm

import metrolab.instrument.pyvisa_backend  # noqa: F401  (registers "@metrolab")
from metrolab.instrument import Function
from metrolab.instrument.simulation import ManualSource
from metrolab.units import ureg

#: a resource of the kind each model is reached by, and the simulator registered there
CASES = [(name, "TCPIP0::10.0.0.5::5025::SOCKET", name) for name in profile_names()] + [
    ("keysight-34401a", "ASRL4::INSTR", "keysight-34401a-rs232"),
    ("fluke-8845a", "ASRL5::INSTR", "fluke-8845a-rs232"),
    ("fluke-8846a", "ASRL6::INSTR", "fluke-8846a-rs232"),
    ("keithley-2000", "GPIB0::16::INSTR", "keithley-2000"),
]


@pytest.mark.parametrize(("name", "resource", "simulator"), CASES,
                         ids=[f"{c[2]}@{c[1].split('::')[0]}" for c in CASES])
def test_the_family_driver_opens_every_profile_through_the_backend(
        tmp_path: Path, name: str, resource: str, simulator: str) -> None:
    bench = tmp_path / "bench.toml"
    bench.write_text(f'[visa.resources]\n"{resource}" = "{simulator}"\n', encoding="utf-8")
    library = f"{bench}@metrolab"
    manager = pyvisa.ResourceManager(library)
    try:
        source = ManualSource()
        manager.visalib.bench.find(resource).source = source
        source.apply(Function.DCV, 5.0)
        with ScpiDmm.for_profile(name).open(resource, backend=library) as dmm:
            assert dmm.identity.model == dmm_profile(name).identity.model_field
            dmm.configure(Function.DCV, 10 * ureg.V, 10)
            tolerance = dmm.spec.tolerance(Function.DCV, 10 * ureg.V, 5 * ureg.V)
            assert abs(dmm.read() - 5 * ureg.V) <= tolerance
            assert dmm.drain_errors() == []
    finally:
        manager.close()


def test_plain_pyvisa_sees_the_keithley_quirks(tmp_path: Path) -> None:
    bench = tmp_path / "bench.toml"
    bench.write_text('[visa.resources]\n"GPIB0::16::INSTR" = "keithley-2000"\n'
                     '"TCPIP0::10.0.0.9::inst0::INSTR" = "keithley-dmm6500"\n', encoding="utf-8")
    manager = pyvisa.ResourceManager(f"{bench}@metrolab")
    try:
        k2000 = manager.open_resource("GPIB0::16::INSTR", read_termination="\n")
        k2000.write(":READ?")  # continuous initiation is on after power-on
        assert k2000.query("SYST:ERR?") == '-213,"Init ignored"'
        dmm6500 = manager.open_resource("TCPIP0::10.0.0.9::inst0::INSTR", read_termination="\n")
        assert dmm6500.query("*LANG?") == "SCPI"
        dmm6500.write(":SENS:COUN 4")
        dmm6500.query(':READ? "defbuffer1"')
        assert dmm6500.query(':TRAC:ACT? "defbuffer1"') == "4"  # four made, one answered
    finally:
        manager.close()
