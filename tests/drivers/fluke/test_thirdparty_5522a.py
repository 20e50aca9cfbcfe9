"""Other people's 5500A/5520A scripts, replayed against the simulated 5500A (the model
they were written for) and 5522A over TCP.

The command sequences of juliancabaleiro/pyvisa-examples
``examples/Fluke_5500-Calibrator/F5500_DC.py`` and ``F5500_AC.py`` (plain pyvisa): identify,
reset, zero the DC offset, set the user limits, then for each point ``OUT``, ``*CLS``,
``OPER``, and finally ``STBY`` and ``OUT 0 V, 0 Hz``. Every step must leave no error and
the calibrator in the state the script meant.
"""

import pytest
from metrolab.drivers.fluke.sim_calibrator import create

from metrolab.clock import VirtualClock
from metrolab.instrument.simulation import serve_tcp
from metrolab.instrument.visa import resource_manager


@pytest.mark.parametrize(
    ("points", "limit"),
    [([f"OUT {v} V" for v in (-1000, -800, -500, -200, 0, 200, 500, 800, 1000)], None),
     ([f"OUT 500 V, {f} Hz" for f in (50, 60, 100, 500, 1000, 2000, 5000, 6000, 8000, 10000)],
      "LIMIT 750 V, -750 V")],
    ids=["F5500_DC", "F5500_AC"],
)
@pytest.mark.parametrize("model", ["5500A", "5522A"])
def test_pyvisa_examples_sweep_runs_without_an_error(points: list[str], limit: str | None,
                                                     model: str) -> None:
    sim = create(f"fluke-{model.lower()}", clock=VirtualClock())
    with serve_tcp(sim) as server:
        cal = resource_manager("@py").open_resource(
            server.resource, read_termination="\n", write_termination="\n", timeout=2000)
        try:
            assert cal.query("*IDN?").startswith(f"FLUKE,{model},")
            cal.write("*RST")
            cal.write("DC_OFFSET 0 V")
            if limit:
                cal.write(limit)
            for point in points:
                cal.write(point)
                cal.write("*CLS")
                cal.write("OPER")
                value, _, _, _, frequency = cal.query("OUT?").split(",")
                expected = point.removeprefix("OUT ").split(",")
                assert float(value) == float(expected[0].split()[0]), point
                if len(expected) == 2:
                    assert float(frequency) == float(expected[1].split()[0])
                assert cal.query("OPER?") == "1"
                assert cal.query("ERR?") == '0,"No Error"', point
            cal.write("STBY")
            cal.write("OUT 0 V, 0 Hz")
            assert cal.query("OUT?;OPER?;FUNC?") == "0.0000000E+00,V,0E+00,0,0.00E+00;0;DCV"
            assert cal.query("ERR?") == '0,"No Error"'
        finally:
            cal.close()
