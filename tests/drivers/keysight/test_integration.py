"""Each Keysight driver against its simulator over real transports, faults included."""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from metrolab.drivers.keysight import SPEC_34401A, SPEC_34465A, Keysight34401A, Keysight34465A
from metrolab.drivers.keysight.sim_serial import Keysight34401ASerialSimulator
from metrolab.drivers.keysight.simulator import Keysight34401ASimulator, Keysight34465ASimulator

from metrolab.clock import VirtualClock
from metrolab.instrument import Function
from metrolab.instrument.errors import (
    InstrumentReplyError,
    InstrumentTimeout,
    OverloadError,
    SCPIError,
)
from metrolab.instrument.simulation import ManualSource, Server, serve_pty, serve_tcp
from metrolab.instrument.visa import VisaTransport
from metrolab.units import ureg

MODELS = {
    "34401A": (Keysight34401ASimulator, Keysight34401A, SPEC_34401A),
    "34465A": (Keysight34465ASimulator, Keysight34465A, SPEC_34465A),
}


@dataclass
class Link:
    sim: Keysight34401ASimulator | Keysight34465ASimulator
    dmm: Keysight34401A | Keysight34465A
    source: ManualSource
    spec: object


@pytest.fixture(
    params=[
        ("34401A", "tcp"),
        ("34465A", "tcp"),
        ("34401A", "pty-visa"),
        ("34401A", "pty-serial"),
        ("34465A", "pty-serial"),
    ],
    ids=lambda p: "-".join(p),
)
def link(request: pytest.FixtureRequest) -> Iterator[Link]:
    model, path = request.param
    sim_class, driver_class, spec = MODELS[model]
    if model == "34401A" and path != "tcp":
        # the 34401A's RS-232 port: CR LF replies, SYSTem:REMote first
        sim_class = Keysight34401ASerialSimulator
    source = ManualSource()
    sim = sim_class(seed=7, clock=VirtualClock(), source=source)
    server: Server = serve_tcp(sim) if path == "tcp" else serve_pty(sim)
    options = {"backend": "serial"} if path == "pty-serial" else {}
    dmm = driver_class.open(server.resource, timeout_s=0.5, **options)
    try:
        yield Link(sim, dmm, source, spec)
    finally:
        try:
            dmm.close()
        finally:
            server.close()


def test_identity_over_the_wire(link: Link) -> None:
    assert link.dmm.identity.model == link.sim.MODEL.model


def test_the_34401a_is_put_in_remote_over_rs232_only(link: Link) -> None:
    serial = not link.dmm.transport.resource.startswith("TCPIP")
    link.dmm.wait_complete()  # the server has handled everything sent before
    assert link.sim.remote == (serial and link.sim.MODEL.model == "34401A")


def test_a_known_source_reads_within_spec(link: Link) -> None:
    link.source.apply(Function.DCV, 10.0)
    link.dmm.configure(Function.DCV, 10 * ureg.V, 10)
    reading = link.dmm.read()
    tolerance = link.spec.tolerance(Function.DCV, 10 * ureg.V, reading)  # type: ignore[attr-defined]
    assert abs(reading - 10 * ureg.V) <= tolerance
    readings = link.dmm.read_many(25)
    assert readings.shape == (25,)
    assert np.all(np.abs(readings.magnitude - 10.0) <= tolerance.magnitude)


def test_overload_over_the_wire(link: Link) -> None:
    link.source.apply(Function.DCV, 15.0)
    link.dmm.configure(Function.DCV, 10 * ureg.V)
    with pytest.raises(OverloadError):
        link.dmm.read()
    with pytest.raises(OverloadError):
        link.dmm.read_many(3)


def test_garbled_reading_is_refused_and_the_next_one_is_right(link: Link) -> None:
    link.source.apply(Function.DCV, 1.0)
    link.dmm.configure(Function.DCV, 1 * ureg.V)
    link.sim.faults.arm("garble")
    with pytest.raises(InstrumentReplyError):
        link.dmm.read()
    assert link.dmm.read().magnitude == pytest.approx(1.0, abs=1e-4)


def test_late_reading_is_never_taken_for_the_next_answer(link: Link) -> None:
    link.source.apply(Function.DCV, 1.0)
    link.dmm.configure(Function.DCV, 1 * ureg.V)
    link.sim.faults.arm("delay")
    with pytest.raises(InstrumentTimeout):
        link.dmm.read()
    link.source.apply(Function.DCV, 2.0)
    link.dmm.configure(Function.DCV, 10 * ureg.V)
    link.sim.clock.sleep(1.0)  # type: ignore[attr-defined]
    assert link.dmm.read().magnitude == pytest.approx(2.0, abs=1e-3)


def test_flooded_error_queue_fails_the_configuration(link: Link) -> None:
    link.sim.faults.arm("flood")
    with pytest.raises(SCPIError) as caught:
        link.dmm.configure(Function.DCV, 10 * ureg.V)
    assert (-350, "Queue overflow") in caught.value.errors
    link.dmm.configure(Function.DCV, 10 * ureg.V)


def test_a_million_real64_readings_over_tcp() -> None:
    source = ManualSource()
    source.apply(Function.DCV, 1.0)
    sim = Keysight34465ASimulator(seed=1, clock=VirtualClock(), source=source)
    with serve_tcp(sim) as server, Keysight34465A.open(server.resource) as dmm:
        assert isinstance(dmm.transport, VisaTransport)
        dmm.configure(Function.DCV, 1 * ureg.V, 0.02)
        readings = dmm.read_many(1_000_000)
    assert readings.shape == (1_000_000,)
    assert abs(readings.magnitude.mean() - 1.0) < 1e-4
    assert 0 < readings.magnitude.std() < 1e-4
