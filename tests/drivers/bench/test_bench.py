"""The coupled simulated bench: the calibrator drives the DMM, errors and faults can be injected."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from metrolab.drivers.bench import BenchConfig, SimulatedBench
from metrolab.drivers.fluke import Fluke5522A
from metrolab.drivers.hart import Hart1529
from metrolab.drivers.keysight import Keysight34401A
from metrolab.drivers.vaisala import VaisalaHMT330

from metrolab.clock import VirtualClock
from metrolab.errors import UserInputError
from metrolab.instrument.errors import (
    InstrumentConnectionError,
    InstrumentReplyError,
    InstrumentTimeout,
    SCPIError,
)
from metrolab.instrument.functions import Function
from metrolab.instrument.simulation import create_simulator
from metrolab.units import Quantity

START = 1_767_225_600.0


class Served:
    def __init__(self, bench: SimulatedBench, clock: VirtualClock, dmm: Keysight34401A,
                 cal: Fluke5522A, resources: dict[str, str]) -> None:
        self.bench, self.clock, self.dmm, self.cal, self.resources = (
            bench, clock, dmm, cal, resources)

    def source_and_read(self, volts: float) -> Quantity:
        self.cal.set_output(Quantity(volts, "V"))
        self.cal.operate()
        self.cal.wait_settled()
        return self.dmm.read()


@pytest.fixture
def served() -> Iterator[Served]:
    clock = VirtualClock(start=START)
    bench = SimulatedBench(seed=0, clock=clock)
    with bench.serve() as resources, Keysight34401A.open(
        resources["dut"], timeout_s=1.0
    ) as dmm, Fluke5522A.open(resources["calibrator"], clock=clock, timeout_s=1.0) as cal:
        yield Served(bench, clock, dmm, cal, resources)


def test_serve_gives_tcp_for_the_meters_and_ptys_for_the_serial_instruments(
    served: Served,
) -> None:
    resources = served.resources
    assert list(resources) == ["dut", "calibrator", "thermometer", "hygrometer"]
    assert resources["dut"].startswith("TCPIP0::127.0.0.1::")
    assert resources["calibrator"].endswith("::SOCKET")
    assert resources["thermometer"].startswith("ASRL/dev/")
    assert resources["hygrometer"].endswith("::INSTR")


def test_10_v_from_the_calibrator_reads_10_v_and_a_60_ppm_gain_error_moves_only_that_range(
    served: Served,
) -> None:
    served.dmm.configure(Function.DCV, Quantity(10, "V"), nplc=10)
    before = served.source_and_read(10.0)
    assert before.to("V").magnitude == pytest.approx(10.0, abs=150e-6)
    served.dmm.configure(Function.DCV, Quantity(1, "V"), nplc=10)
    one_volt_before = served.source_and_read(1.0)

    served.bench.inject_dut_error("DCV 10V gain=+60ppm")
    served.dmm.configure(Function.DCV, Quantity(10, "V"), nplc=10)
    after = served.source_and_read(10.0)
    assert (after - before).to("uV").magnitude == pytest.approx(600.0, abs=30.0)
    served.dmm.configure(Function.DCV, Quantity(1, "V"), nplc=10)
    one_volt_after = served.source_and_read(1.0)
    assert (one_volt_after - one_volt_before).to("uV").magnitude == pytest.approx(0.0, abs=15.0)


def test_the_dmm_sees_nothing_while_the_calibrator_is_in_standby(served: Served) -> None:
    served.dmm.configure(Function.DCV, Quantity(10, "V"), nplc=1)
    served.source_and_read(5.0)
    served.cal.standby()
    served.clock.advance(5.0)
    assert abs(served.dmm.read().to("V").magnitude) < 1e-3


def test_serial_instruments_read_the_shared_laboratory(served: Served) -> None:
    served.bench.environment.set_temperature(24.0)
    with Hart1529.open(served.resources["thermometer"], timeout_s=1.0) as thermometer, \
            VaisalaHMT330.open(served.resources["hygrometer"], timeout_s=1.0) as hygrometer:
        assert thermometer.read_temperature(3).magnitude == pytest.approx(24.0, abs=0.01)
        assert hygrometer.read().temperature.magnitude == pytest.approx(24.0, abs=0.2)
        served.bench.set_bath_temperature(60.0)
        served.clock.advance(3600.0)
        assert thermometer.read_temperature(1).magnitude == pytest.approx(60.0, abs=0.005)


def test_faults_are_typed_errors_and_the_bench_recovers(served: Served) -> None:
    served.dmm.configure(Function.DCV, Quantity(10, "V"), nplc=1)
    served.bench.inject_fault("dut", "garble")
    with pytest.raises(InstrumentReplyError):
        served.dmm.read()
    served.bench.inject_fault("calibrator", "delay")
    with pytest.raises(InstrumentTimeout):
        served.cal.is_operating()
    assert served.cal.is_operating() is False
    served.bench.inject_fault("calibrator", "flood")
    with pytest.raises(SCPIError):
        served.cal.set_output(Quantity(1, "V"))
    assert served.cal.drain_errors() == []


def test_bad_roles_kinds_and_dut_errors_are_user_errors() -> None:
    bench = SimulatedBench(seed=0, clock=VirtualClock(start=START))
    with pytest.raises(UserInputError, match="roles are dut"):
        bench.inject_fault("scope", "drop")
    with pytest.raises(UserInputError, match="unknown fault"):
        bench.inject_fault("dut", "explode")
    with pytest.raises(UserInputError, match="no 7 V range"):
        bench.inject_dut_error("DCV 7V gain=+60ppm")
    with pytest.raises(UserInputError):
        bench.inject_dut_error("DCV 10V gain=lots")


def test_config_file_builds_the_bench(tmp_path: Path) -> None:
    path = tmp_path / "bench.toml"
    path.write_text(
        'seed = 3\ndut_model = "34465a"\ndut_errors = ["DCV 10V gain=+60ppm"]\n'
        "barometer = true\ntemperature_c = 21.5\nbath_c = 40\n"
        "dut_sensor_error = [0.1, 0.001]\n",
        encoding="utf-8",
    )
    clock = VirtualClock(start=START)
    bench = SimulatedBench.from_config_file(path, clock)
    assert bench.config.seed == 3
    assert bench.dut.MODEL.model == "34465A"
    assert bench.hygrometer.barometer is True
    assert bench.environment.temperature() == 21.5
    assert bench.thermometer.bath.set_point_c == 40.0
    assert bench.thermometer.channels[2] is not None
    assert bench.thermometer.channels[2].error_polynomial == (0.1, 0.001)


@pytest.mark.parametrize(
    ("text", "message"),
    [("colour = 1", "unknown keys"), ("seed = 'x'", "wrong type"),
     ('dut_model = "3458a"', "dut_model"), ("dut_port = 70000", "not a TCP port"),
     ("dut_errors = [1]", "list of texts"), ("seed = ", "not valid TOML")],
)
def test_config_file_problems_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bench.toml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(UserInputError, match=message):
        BenchConfig.from_toml(path)


def test_a_dropped_connection_is_a_connection_error_on_every_instrument() -> None:
    clock = VirtualClock(start=START)
    bench = SimulatedBench(seed=0, clock=clock)
    with bench.serve() as resources, \
            Fluke5522A.open(resources["calibrator"], clock=clock, timeout_s=0.5) as cal, \
            Hart1529.open(resources["thermometer"], timeout_s=0.5) as thermometer, \
            VaisalaHMT330.open(resources["hygrometer"], timeout_s=0.5) as hygrometer:
        thermometer.read_temperature(1)
        hygrometer.read()
        bench.inject_fault("calibrator", "drop")
        with pytest.raises(InstrumentTimeout):
            cal.is_operating()  # a closed socket looks like silence to pyvisa-py ...
        with pytest.raises(InstrumentConnectionError):
            cal.is_operating()  # ... until the re-synchronisation finds nobody there
        bench.inject_fault("thermometer", "drop")
        with pytest.raises(InstrumentConnectionError):
            thermometer.read_temperature(1)
        bench.inject_fault("hygrometer", "drop")
        with pytest.raises(InstrumentConnectionError):
            hygrometer.read()


def test_the_three_simulators_are_registered_under_their_names() -> None:
    clock = VirtualClock(start=START)
    for name, model in (("fluke-5522a", "5522A"), ("hart-1529", "1529"),
                        ("vaisala-hmt330", "HMT330")):
        simulator = create_simulator(name, seed=1, clock=clock)
        assert simulator.clock is clock
        assert model in simulator.IDN


@pytest.mark.parametrize("model", ["keithley-dmm6500", "fluke-8846a", "keysight-34461a"])
def test_any_dmm_profile_can_be_the_dut_and_the_calibrator_drives_it(model: str) -> None:
    from metrolab.drivers.dmm.driver import ScpiDmm

    from metrolab.instrument import Function, InProcessTransport
    from metrolab.units import ureg

    bench = SimulatedBench(0, VirtualClock(start=START), config=BenchConfig(dut_model=model))
    assert bench.dut.MODEL.name == model
    bench.inject_dut_error("DCV 10V gain=+100ppm")
    bench.calibrator.handle("OUT 10 V; OPER")
    bench.clock.sleep(5.0)
    dmm = ScpiDmm.for_profile(model)(InProcessTransport(bench.dut))
    dmm.configure(Function.DCV, 10 * ureg.V, 10)
    # the injected +100 ppm shows, within the meter's own (seeded, sub-spec) errors
    assert dmm.read().to("V").magnitude == pytest.approx(10.001, abs=4e-4)
