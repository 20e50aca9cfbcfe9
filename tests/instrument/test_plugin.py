"""The pytest plugin's fixtures serve real simulators over real transports."""

from collections.abc import Callable
from typing import Any

from metrolab.instrument import SCPIInstrument
from metrolab.instrument.simulation import ManualSource
from metrolab.testing.plugin import Served


def test_dmm_fixture_is_served_over_tcp(sim_keysight_34401a: Served) -> None:
    assert sim_keysight_34401a.resource.startswith("TCPIP0::127.0.0.1::")
    with SCPIInstrument.open(sim_keysight_34401a.resource) as dmm:
        assert dmm.identity.model == "34401A"


def test_serve_simulator_sets_attributes_and_shares_the_virtual_clock(
    serve_simulator: Callable[..., Served],
) -> None:
    source = ManualSource()
    served = serve_simulator("keysight-34465a", seed=4, source=source)
    assert served.simulator.source is source
    assert served.simulator.clock is served.clock
    before = served.clock.now()
    with SCPIInstrument.open(served.resource) as dmm:
        dmm.query("READ?")
    assert served.clock.now() > before  # the reading took its integration time, virtually


def test_sim_bench_fixture_serves_every_role(sim_bench) -> None:  # type: ignore[no-untyped-def]
    assert {"dut", "calibrator", "thermometer", "hygrometer"} <= set(sim_bench.resources)
    with SCPIInstrument.open(sim_bench.resources["dut"]) as dmm:
        assert dmm.identity.model in {"34401A", "34465A"}
    assert sim_bench.bench.clock is sim_bench.clock


def test_metrolab_visa_fixture_opens_a_fresh_in_process_bench(metrolab_visa: Any) -> None:
    dmm = metrolab_visa.open_resource("GPIB0::22::INSTR", read_termination="\n")
    assert dmm.query("*IDN?").split(",")[1] == "34401A"
    assert metrolab_visa.visalib.bench.bench.dut.seed == 0
