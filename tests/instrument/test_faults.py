"""Injected faults give typed errors or a documented recovery, never a wrong reply.

Each fault is checked in process, over TCP (pyvisa-py) and over a pseudo-terminal.
"""

from collections.abc import Iterator

import pytest

from metrolab.instrument import InProcessTransport, SCPIInstrument
from metrolab.instrument.errors import (
    InstrumentConnectionError,
    InstrumentError,
    InstrumentReplyError,
    InstrumentTimeout,
    SCPIError,
)
from metrolab.instrument.simulation import serve_pty, serve_tcp

from .helpers import Toy, toy

TIMEOUT_S = 0.2


@pytest.fixture(params=["inprocess", "tcp", "pty-visa", "pty-serial"])
def link(request: pytest.FixtureRequest) -> Iterator[tuple[Toy, SCPIInstrument]]:
    sim = toy()
    if request.param == "inprocess":
        yield sim, SCPIInstrument(InProcessTransport(sim))
        return
    server = serve_tcp(sim) if request.param == "tcp" else serve_pty(sim)
    options = {"backend": "serial"} if request.param == "pty-serial" else {}
    driver = SCPIInstrument.open(server.resource, timeout_s=TIMEOUT_S, **options)
    try:
        yield sim, driver
    finally:
        try:
            driver.close()
        finally:
            server.close()


def test_delayed_reply_times_out_and_is_never_the_next_answer(link) -> None:  # type: ignore[no-untyped-def]
    sim, driver = link
    sim.volt = 3.0
    sim.faults.arm("delay")
    with pytest.raises(InstrumentTimeout, match="VOLT"):
        driver.query("VOLT?")
    sim.volt = 4.0
    assert driver.query("ECHO? next") == "next"
    assert driver.query("VOLT?") == "+4.00000000E+00"


def test_garbled_reply_is_refused_then_the_link_recovers(link) -> None:  # type: ignore[no-untyped-def]
    sim, driver = link
    sim.faults.arm("garble")
    with pytest.raises(InstrumentReplyError, match="garbled"):
        driver.query("VOLT?")
    assert driver.query("ECHO? ok") == "ok"


def test_flooded_error_queue_is_reported_whole(link) -> None:  # type: ignore[no-untyped-def]
    sim, driver = link
    sim.faults.arm("flood")
    with pytest.raises(SCPIError) as caught:
        driver.configure_with("VOLT 2")
    assert caught.value.errors[-1] == (-350, "Queue overflow")
    assert len(caught.value.errors) == sim.ERROR_QUEUE_DEPTH
    driver.configure_with("VOLT 2")


def test_dropped_connection_never_yields_a_reading(link) -> None:  # type: ignore[no-untyped-def]
    sim, driver = link
    sim.faults.arm("drop")
    # pyvisa-py cannot tell a closed socket from silence: the first failure may be a
    # timeout; the next exchange then finds the connection gone.
    with pytest.raises((InstrumentConnectionError, InstrumentTimeout)):
        driver.query("VOLT?")
    with pytest.raises(InstrumentError):
        driver.query("VOLT?")
