"""The Python example in the README runs as printed, against a simulated 34401A over TCP."""

import re
from pathlib import Path

from metrolab.drivers.keysight.simulator import Keysight34401ASimulator

from metrolab.clock import VirtualClock
from metrolab.instrument import Function
from metrolab.instrument.simulation.environment import ManualSource
from metrolab.instrument.simulation.server import serve_tcp
from metrolab.units import ureg

README = Path(__file__).resolve().parents[2] / "README.md"
PRINTED_RESOURCE = "TCPIP0::127.0.0.1::5025::SOCKET"


def _python_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    # the instrument example, then the data-acquisition one (tests/daq/test_readme_daq.py)
    assert len(blocks) == 2, "the README holds two Python examples"
    return blocks[0]


def test_readme_example_measures_decides_and_passes() -> None:
    source = ManualSource()
    source.apply(Function.DCV, 10.0)
    simulator = Keysight34401ASimulator(seed=3, clock=VirtualClock(), source=source)
    with serve_tcp(simulator) as server:
        code = _python_example()
        assert PRINTED_RESOURCE in code
        namespace: dict[str, object] = {}
        exec(code.replace(PRINTED_RESOURCE, server.resource), namespace)
    readings = namespace["readings"]
    assert readings.shape == (10,)  # type: ignore[attr-defined]
    assert readings.units == ureg.volt  # type: ignore[attr-defined]
    decision = namespace["decision"].to_dict()  # type: ignore[attr-defined]
    assert decision["statement"] == "pass"
    assert decision["rule"] == "simple"
