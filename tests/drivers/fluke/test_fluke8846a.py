"""The Fluke 8845A/8846A: the family driver and simulator on their profiles, with the
8846A's own ranges (10 Ω, 1 GΩ, 100 µA AC) and its LAN port."""

import pytest
from metrolab.drivers.dmm.driver import ScpiDmm
from metrolab.drivers.dmm.factories import create
from metrolab.drivers.fluke.fluke8846a import Fluke8845A, Fluke8846A, Fluke8846ASimulator

from metrolab.clock import VirtualClock
from metrolab.instrument import Function, InProcessTransport
from metrolab.instrument.simulation import ManualSource
from metrolab.units import ureg


def test_the_named_classes_are_the_family_classes_of_their_profiles() -> None:
    assert ScpiDmm.for_profile("fluke-8846a") is Fluke8846A
    assert ScpiDmm.for_profile("fluke-8845a") is Fluke8845A
    assert Fluke8846A.SERIAL_READ_TERMINATION == "\r\n"
    assert Fluke8846A.MODEL.interfaces.lan_port == 3490


def test_the_8846a_measures_ten_ohms_and_a_gigaohm_through_the_driver() -> None:
    source = ManualSource()
    sim = Fluke8846ASimulator(seed=3, clock=VirtualClock(), source=source)
    dmm = Fluke8846A(InProcessTransport(sim))
    source.apply(Function.RES4, 5.0)
    dmm.configure(Function.RES4, 10 * ureg.ohm, 10)
    reading = dmm.read()
    assert abs(reading - 5 * ureg.ohm) <= dmm.spec.tolerance(Function.RES4, 10 * ureg.ohm, reading)
    source.apply(Function.RES4, 0.9e9)
    dmm.configure(Function.RES4, 1e9 * ureg.ohm, 10)
    sim.clock.sleep(60.0)  # a gigaohm input settles slowly (the cable's capacitance)
    assert dmm.read().to("Gohm").magnitude == pytest.approx(0.9, rel=3e-2)
    source.apply(Function.ACI, 50e-6, 1000.0)
    dmm.configure(Function.ACI, 100e-6 * ureg.A)
    assert dmm.read().to("uA").magnitude == pytest.approx(50.0, rel=2e-3)


def test_the_8845a_has_not_the_8846a_extra_ranges() -> None:
    sim = create("fluke-8845a", clock=VirtualClock())
    sim.handle("CONF:FRES 1E9")  # its top range is 100 MΩ
    sim.handle("CONF:CAP")  # capacitance and temperature are the 8846A's
    sim.handle("CONF:CURR:AC 1E-4")  # its lowest AC range, 10 mA, holds 100 µA
    assert sim.handle("CURR:AC:RANG?") == "+1.00000000E-02"
    assert [sim.handle("SYST:ERR?") for _ in range(3)] == [
        '-222,"Data out of range"', '-113,"Undefined header"', '+0,"No error"']
    assert sim.handle("*IDN?").startswith("FLUKE,8845A,")  # type: ignore[union-attr]
