"""``metrolab idn`` on the serial simulators: CR LF replies, a terminal-mode echo, and an
instrument that does not speak IEEE 488.2."""

import pytest
from metrolab.drivers.fluke.serial_5522a import Fluke5522ASerialSimulator
from metrolab.drivers.hart.sim_1529 import Hart1529Simulator
from metrolab.drivers.vaisala.sim_hmt330 import VaisalaHMT330Simulator

from metrolab.cli import main
from metrolab.clock import VirtualClock
from metrolab.instrument.simulation import SimulatedInstrument, serve_pty


@pytest.mark.parametrize(
    ("sim", "identity"),
    [(Hart1529Simulator(clock=VirtualClock()), ("HART", "1529", "A2B3C4", "2.01")),
     (Fluke5522ASerialSimulator(clock=VirtualClock(), mode="term"),
      ("FLUKE", "5522A", "1972905", "1.1+1.3+1.8")),
     (Fluke5522ASerialSimulator(clock=VirtualClock(), mode="comp"),
      ("FLUKE", "5522A", "1972905", "1.1+1.3+1.8"))],
    ids=["1529-crlf", "5522a-term-echo", "5522a-comp"],
)
def test_idn_reads_past_the_line_end_and_the_echo(
    sim: SimulatedInstrument, identity: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with serve_pty(sim) as server:
        main(["idn", server.resource, "--timeout", "2"])
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":", 1)[1].strip() for line in out] == list(identity)


def test_idn_of_a_non_scpi_instrument_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    with serve_pty(VaisalaHMT330Simulator(clock=VirtualClock())) as server, \
            pytest.raises(SystemExit) as done:
        main(["idn", server.resource, "--timeout", "2"])
    assert done.value.code == 1
    err = capsys.readouterr().err
    assert "not a SCPI instrument" in err and "'Unknown command'" in err
    assert "garbled" not in err
