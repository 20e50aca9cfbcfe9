"""The README's data-acquisition example runs as printed, against simulators served over a
TCP socket (34465A) and a pseudo-terminal (1529), the wait on a virtual clock."""

from __future__ import annotations

import re
from pathlib import Path

from metrolab.clock import VirtualClock
from metrolab.instrument.simulation.server import serve_pty, serve_tcp

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_acquisition_example(tmp_path: Path) -> None:
    from metrolab.drivers.hart.sim_1529 import Hart1529Simulator
    from metrolab.drivers.keysight.simulator import Keysight34465ASimulator

    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    code = next(block for block in blocks if "daq.log(" in block)
    clock = VirtualClock()
    with serve_tcp(Keysight34465ASimulator(seed=1, clock=clock)) as dmm, \
            serve_pty(Hart1529Simulator(seed=1, clock=clock)) as readout:
        for printed, served in (("TCPIP0::192.168.1.20::inst0::INSTR", dmm.resource),
                                ("ASRL/dev/ttyUSB0::INSTR", readout.resource),
                                ('duration="48 h"', 'duration="20 s"'),
                                ('"weekend.h5"', f'"{tmp_path / "weekend.h5"}"')):
            assert printed in code
            code = code.replace(printed, served)
        code = code.replace('out="', 'virtual_clock=True, out="', 1)
        namespace: dict[str, object] = {}
        exec(code, namespace)
    data = namespace["data"]
    assert list(data.data_vars) == ["dmm", "thermometer"]  # type: ignore[attr-defined]
    assert data.sizes["time"] == 20  # type: ignore[attr-defined]
    assert data.thermometer.attrs["units"] == "degC"  # type: ignore[attr-defined]
    data.close()  # type: ignore[attr-defined]
