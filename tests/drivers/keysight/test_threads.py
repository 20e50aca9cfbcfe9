"""Threads sharing one DMM driver: every reading carries the unit it was measured in.

Two threads share one 34401A driver over the in-process transport, on a VirtualClock
(integration time passes on the injected clock, nothing sleeps). One thread configures
DC volts and reads, the other DC amps and reads. The source applies 10 V to a volt
measurement and 2 mA to a current measurement, so a reading labelled in the wrong unit
shows at once (10 "A" or 0.002 "V"). A thread may read in the other thread's function
(the instrument is shared), but the label must say what the instrument measured.
"""

from concurrent.futures import ThreadPoolExecutor

import pint
from metrolab.drivers.keysight import Keysight34401A
from metrolab.drivers.keysight.simulator import Keysight34401ASimulator

from metrolab.clock import VirtualClock
from metrolab.instrument import Function, InProcessTransport
from metrolab.instrument.simulation import Stimulus
from metrolab.units import Quantity

VOLTS = 10.0
AMPS = 0.002


class VoltsAndAmps:
    """Applies 10 V to a DC-volt measurement and 2 mA to a DC-current one."""

    def stimulus(self, function: Function, now: float) -> Stimulus:
        """Return the stimulus a meter measuring ``function`` sees."""
        return Stimulus(VOLTS if function is Function.DCV else AMPS, None)


def mislabelled(reading: pint.Quantity) -> bool:
    """Return True when the reading's value belongs to the other function's unit."""
    if reading.is_compatible_with("V"):
        return abs(reading.to("V").magnitude - VOLTS) > 0.01
    return abs(reading.to("A").magnitude - AMPS) > 1e-5


def test_two_threads_configuring_dcv_and_dci_never_mislabel_a_reading() -> None:
    clock = VirtualClock()
    sim = Keysight34401ASimulator(seed=3, clock=clock, source=VoltsAndAmps())
    dmm = Keysight34401A(InProcessTransport(sim))

    def worker(function: Function) -> list[pint.Quantity]:
        readings = []
        span = Quantity(10, "V") if function is Function.DCV else Quantity(0.01, "A")
        for _ in range(100):
            dmm.configure(function, span, nplc=0.2)
            readings.append(dmm.read())
        return readings

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(worker, [Function.DCV, Function.DCI]))
    readings = [r for result in results for r in result]
    assert len(readings) == 200
    assert [r for r in readings if mislabelled(r)] == []
    # both functions really were measured (the test is not vacuous)
    assert any(r.is_compatible_with("V") for r in readings)
    assert any(r.is_compatible_with("A") for r in readings)
    assert clock.now() > VirtualClock().now()  # the integration time passed on the clock
