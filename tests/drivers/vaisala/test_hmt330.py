"""The HMT330 driver against its simulator in the same process (no pty)."""


def test_the_driver_reads_an_in_process_simulator_that_frames_its_own_lines() -> None:
    """The HMT330 simulator ends its own lines (REPLY_TERMINATOR ""): in-process, the
    transport took the empty terminator to mean "every reply is empty", so `metrolab run
    --simulate` could not even prepare the hygrometer (no answer to ECHO OFF)."""
    from metrolab.drivers.vaisala import VaisalaHMT330
    from metrolab.drivers.vaisala.sim_hmt330 import VaisalaHMT330Simulator

    from metrolab.clock import VirtualClock
    from metrolab.instrument.inprocess import InProcessTransport

    sim = VaisalaHMT330Simulator(seed=2, clock=VirtualClock())
    reading = VaisalaHMT330(InProcessTransport(sim)).read()
    assert 10 < reading.humidity.to("percent").magnitude < 90
    assert 15 < reading.temperature.to("degC").magnitude < 30
