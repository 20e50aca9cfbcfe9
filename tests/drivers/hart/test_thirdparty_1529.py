"""Other people's 1529 code, replayed against the simulated readout on a pty.

xDevs.com TECKIT ``devices/f1529.py`` (tin-/teckit, Rev 54): opens the readout through
VISA and, for each sample, writes ``READ? <channel>`` and reads the reply, which must
convert with ``float()``; a reply that does not is a failed sample. Its resource is GPIB;
here the same exchange runs over the readout's serial port (replies end in CR LF).
"""

import pytest
from metrolab.drivers.hart.sim_1529 import Hart1529Simulator

from metrolab.clock import VirtualClock
from metrolab.instrument.simulation import LabEnvironment, serve_pty
from metrolab.instrument.visa import resource_manager


def test_xdevs_teckit_read_loop_over_the_serial_port() -> None:
    clock = VirtualClock(start=1_767_225_600.0)
    environment = LabEnvironment(seed=1, clock=clock)
    environment.set_temperature(23.0)
    sim = Hart1529Simulator(seed=1, clock=clock, environment=environment)
    with serve_pty(sim) as server:
        inst = resource_manager("@py").open_resource(
            server.resource, read_termination="\r\n", write_termination="\r", timeout=2000)
        try:
            samples = {1: [], 3: []}
            for _ in range(5):
                for channel, values in samples.items():
                    inst.write(f"READ? {channel}")
                    values.append(float(inst.read()))  # the driver's own conversion
                clock.advance(1.0)
            assert inst.query("SYST:ERR?") == '+0,"No error"'
        finally:
            inst.close()
    for values in samples.values():
        assert all(v == pytest.approx(23.0, abs=0.05) for v in values)
    assert len(set(samples[1])) > 1  # new scans, new readings
