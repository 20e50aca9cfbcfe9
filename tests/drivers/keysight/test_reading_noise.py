"""Readings of a steady calibrator are white noise; slow physics still shows in the mean.

A Type A evaluation (s/sqrt(n)) is honest only when successive readings are
uncorrelated: these tests take bursts from the simulated bench (5522A driving the DMM,
in-process transport, virtual clock) and check the lag-1 autocorrelation, the scatter,
and that burst means scatter as s/sqrt(n) predicts; then that a lab temperature step
still moves the mean by the meter's temperature coefficient.
"""

from dataclasses import dataclass

import numpy as np
import pytest
from metrolab.drivers.bench import BenchConfig, SimulatedBench
from metrolab.drivers.fluke import Fluke5522A
from metrolab.drivers.keysight import Keysight34401A, Keysight34465A, KeysightDMM

from metrolab.clock import VirtualClock
from metrolab.instrument import Function, InProcessTransport
from metrolab.units import Quantity, ureg

START = 1_767_225_600.0
VOLTS = 10.0


@dataclass
class BenchRig:
    bench: SimulatedBench
    clock: VirtualClock
    dmm: KeysightDMM
    cal: Fluke5522A


def settled_bench(model: str, seed: int, nplc: float) -> BenchRig:
    """Return a bench whose 5522A sources a settled 10 V into the DMM set to 10 V DC."""
    clock = VirtualClock(start=START)
    config = BenchConfig(seed=seed, dut_model=model, temperature_c=23.0)
    bench = SimulatedBench(seed, clock, config=config)
    driver = Keysight34401A if model == "34401a" else Keysight34465A
    dmm = driver(InProcessTransport(bench.dut))
    cal = Fluke5522A(InProcessTransport(bench.calibrator), clock=clock)
    cal.set_output(Quantity(VOLTS, "V"))
    cal.operate()
    cal.wait_settled()
    dmm.configure(Function.DCV, VOLTS * ureg.V, nplc)
    return BenchRig(bench, clock, dmm, cal)


def lag1(values: np.ndarray) -> float:
    """Return the lag-1 sample autocorrelation of ``values``."""
    centred = values - values.mean()
    return float(np.sum(centred[1:] * centred[:-1]) / np.sum(centred**2))


@pytest.mark.parametrize(("model", "nplc"), [("34401a", 10), ("34401a", 100), ("34465a", 10)])
def test_steady_calibrator_readings_are_uncorrelated_and_flicker(model: str, nplc: float) -> None:
    rig = settled_bench(model, seed=3, nplc=nplc)
    readings = rig.dmm.read_many(200).to("V").magnitude
    assert abs(lag1(readings)) < 2 / np.sqrt(readings.size)
    # the last digit flickers: noise is not buried under the digitisation step
    noise = rig.bench.dut.noise_rms(Function.DCV, VOLTS)
    assert np.unique(readings).size >= 5
    assert readings.std(ddof=1) >= 0.8 * noise
    assert abs(readings.mean() - VOLTS) < 1e-4


def test_burst_means_scatter_as_s_over_root_n() -> None:
    # every reading draws its own meter and calibrator noise: nothing is shared by a burst,
    # so the scatter of burst means is the within-burst scatter over sqrt(n)
    rig = settled_bench("34465a", seed=5, nplc=10)
    n, bursts = 25, 40
    data = np.array([rig.dmm.read_many(n).to("V").magnitude for _ in range(bursts)])
    within = float(np.sqrt(np.mean(data.var(axis=1, ddof=1))))
    between = float(data.mean(axis=1).std(ddof=1))
    assert between / (within / np.sqrt(n)) == pytest.approx(1.0, abs=0.35)


def test_lab_temperature_step_moves_the_mean_by_the_temperature_coefficient() -> None:
    rig = settled_bench("34401a", seed=2, nplc=100)
    own = rig.bench.dut.intrinsic(Function.DCV, VOLTS)
    step_c = 4.0  # stays inside the calibrator's tcal +- 5 degC: only the DMM moves
    expected = (own.gain_tempco * VOLTS + own.offset_tempco) * step_c
    noise_of_mean = rig.bench.dut.noise_rms(Function.DCV, VOLTS) / np.sqrt(20)
    assert abs(expected) > 20 * noise_of_mean  # the seed gives a step worth looking for

    before = np.mean([rig.dmm.read_many(20).to("V").magnitude.mean() for _ in range(3)])
    rig.bench.environment.set_temperature(23.0 + step_c)
    means = []
    for _ in range(6):  # an hour at the new temperature, a burst every ten minutes
        rig.clock.advance(600.0)
        burst = rig.dmm.read_many(20).to("V").magnitude
        assert abs(lag1(burst)) < 0.8  # still white within a burst
        means.append(burst.mean())
    shifts = np.array(means) - before
    assert shifts.mean() == pytest.approx(expected, abs=4 * noise_of_mean)
    assert np.all(np.sign(shifts) == np.sign(expected))
