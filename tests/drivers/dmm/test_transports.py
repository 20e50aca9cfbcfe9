"""Every profile's simulator against the family driver over its real transport: raw
SCPI on 127.0.0.1 TCP for all, a pseudo-terminal for the RS-232 ports; ``open_dmm``
finds the profile from the ``*IDN?`` reply."""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from metrolab.drivers.dmm import dmm_profile, profile_names
from metrolab.drivers.dmm.driver import ScpiDmm, open_dmm
from metrolab.drivers.dmm.factories import simulator_class_for
from metrolab.drivers.dmm.simulator import DmmSimulator

from metrolab.clock import VirtualClock
from metrolab.instrument import Function
from metrolab.instrument.errors import InstrumentTimeout, OverloadError
from metrolab.instrument.scpi import SCPIInstrument
from metrolab.instrument.simulation import ManualSource, serve_pty, serve_tcp
from metrolab.units import ureg

SERIAL_PROFILES = ["keysight-34401a", "fluke-8845a", "fluke-8846a"]
LINKS = [(name, "tcp") for name in profile_names()] + [
    (name, "pty-visa") for name in SERIAL_PROFILES] + [("fluke-8846a", "pty-serial")]


@dataclass
class Link:
    sim: DmmSimulator
    dmm: ScpiDmm
    source: ManualSource


@pytest.fixture(params=LINKS, ids=lambda p: "-".join(p))
def link(request: pytest.FixtureRequest) -> Iterator[Link]:
    name, path = request.param
    profile = dmm_profile(name)
    source = ManualSource()
    sim = simulator_class_for(profile, serial=path != "tcp")(
        seed=5, clock=VirtualClock(), source=source)
    server = serve_tcp(sim) if path == "tcp" else serve_pty(sim)
    options = {"backend": "serial"} if path == "pty-serial" else {}
    try:
        dmm = ScpiDmm.for_profile(profile).open(server.resource, timeout_s=0.5, **options)
        try:
            yield Link(sim, dmm, source)
        finally:
            dmm.close()
    finally:
        server.close()


def test_identity_over_the_wire_is_the_profiles(link: Link) -> None:
    identity = link.dmm.identity
    assert link.dmm.profile.identity.matches(identity.manufacturer, identity.model)


def test_a_known_source_reads_within_the_models_specification(link: Link) -> None:
    link.source.apply(Function.DCV, 10.0)
    link.dmm.configure(Function.DCV, 10 * ureg.V, 10)
    tolerance = link.dmm.spec.tolerance(Function.DCV, 10 * ureg.V, 10 * ureg.V)
    assert abs(link.dmm.read() - 10 * ureg.V) <= tolerance
    readings = link.dmm.read_many(20)
    assert readings.shape == (20,)
    assert np.all(np.abs(readings.magnitude - 10.0) <= tolerance.magnitude)
    assert readings.magnitude.std() > 0  # the last digit flickers: a real Type A estimate


def test_resistance_and_current_read_what_is_applied(link: Link) -> None:
    link.source.apply(Function.RES4, 1000.0)
    link.dmm.configure(Function.RES4, 1000 * ureg.ohm, 10)
    assert link.dmm.read().to("ohm").magnitude == pytest.approx(1000.0, rel=3e-4)
    link.source.apply(Function.DCI, 0.01)
    link.dmm.configure(Function.DCI, 0.01 * ureg.A, 10)
    assert link.dmm.read().to("A").magnitude == pytest.approx(0.01, rel=2e-3)


def test_beyond_the_over_range_the_reading_is_an_overload(link: Link) -> None:
    limit = link.dmm.profile.over_range_limit(Function.DCV, 10.0)
    link.source.apply(Function.DCV, limit * 0.99)
    link.dmm.configure(Function.DCV, 10 * ureg.V)
    assert link.dmm.read().magnitude == pytest.approx(limit * 0.99, rel=1e-4)
    link.source.apply(Function.DCV, limit * 1.01)
    with pytest.raises(OverloadError):
        link.dmm.read()


@pytest.mark.parametrize("name", ["keysight-34461a", "keithley-2000", "keithley-dmm6500",
                                  "fluke-8846a"])
def test_open_dmm_picks_the_profile_from_the_idn_reply(name: str) -> None:
    sim = simulator_class_for(dmm_profile(name))(seed=1, clock=VirtualClock())
    with serve_tcp(sim) as server, open_dmm(server.resource, timeout_s=0.5) as dmm:
        assert dmm.profile.name == name
        assert dmm.identity.model == dmm_profile(name).identity.model_field


def test_the_8846a_rs232_port_ignores_everything_before_syst_rem() -> None:
    sim = simulator_class_for(dmm_profile("fluke-8846a"), serial=True)(clock=VirtualClock())
    with serve_pty(sim) as server:
        plain = SCPIInstrument.open(server.resource, timeout_s=0.3, backend="serial")
        try:
            with pytest.raises(InstrumentTimeout):
                plain.query("*IDN?")
        finally:
            plain.close()
        with ScpiDmm.for_profile("fluke-8846a").open(server.resource, timeout_s=0.5,
                                                    backend="serial") as dmm:
            assert dmm.identity.model == "8846A"  # SYST:REM sent first, CR LF stripped
