"""A failure inside a simulator is the instrument's error, never a dropped connection."""

from collections.abc import Callable

import pytest

from metrolab.clock import VirtualClock
from metrolab.instrument import SCPIInstrument
from metrolab.instrument.simulation import serve_pty, serve_tcp
from metrolab.instrument.simulation.server import Server
from metrolab.instrument.simulation.session import SIMULATOR_FAULT

from .helpers import Toy


class Faulty(Toy):
    """A Toy whose ``BOOM`` handler and first unsolicited output raise (simulator bugs)."""

    def register_commands(self, tree) -> None:  # type: ignore[no-untyped-def]
        super().register_commands(tree)
        tree.add("BOOM", self._boom)
        self.broken_output = False

    def _boom(self, params: list[str]) -> None:
        raise ZeroDivisionError("model bug")

    def unsolicited(self) -> list[str]:
        if self.broken_output:
            self.broken_output = False
            raise KeyError("stream bug")
        return super().unsolicited()


@pytest.mark.parametrize("serve", [serve_tcp, serve_pty])
def test_a_failing_handler_queues_an_error_and_the_server_keeps_serving(
    serve: Callable[[Faulty], Server],
) -> None:
    sim = Faulty(clock=VirtualClock())
    with serve(sim) as server, SCPIInstrument.open(server.resource, timeout_s=2.0) as driver:
        driver.write("BOOM")
        assert driver.identity.model == "TOY"
        errors = driver.drain_errors()
        assert [code for code, _ in errors] == [SIMULATOR_FAULT]
        assert "ZeroDivisionError: model bug" in errors[0][1]


@pytest.mark.parametrize("serve", [serve_tcp, serve_pty])
def test_failing_unsolicited_output_queues_an_error_and_the_server_keeps_serving(
    serve: Callable[[Faulty], Server],
) -> None:
    sim = Faulty(clock=VirtualClock())
    sim.broken_output = True
    with serve(sim) as server, SCPIInstrument.open(server.resource, timeout_s=2.0) as driver:
        assert driver.query("ECHO? alive") == "alive"
        assert not sim.broken_output
        errors = driver.drain_errors()
        assert [code for code, _ in errors] == [SIMULATOR_FAULT]
        assert "KeyError" in errors[0][1]
