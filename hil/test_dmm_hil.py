"""Hardware-in-the-loop checks of a digital multimeter (any model of the DMM family).

With ``METROLAB_HIL_DMM`` set, the checks run against that instrument; otherwise
against the simulators served over real transports (TCP through pyvisa-py), so CI
exercises the same code path. See hil/README.md for every variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import pytest
from metrolab.drivers.dmm import profile_for_identity
from metrolab.drivers.dmm.driver import ScpiDmm, open_dmm

from metrolab.clock import Clock, VirtualClock, WallClock
from metrolab.errors import UserInputError
from metrolab.instrument import Function
from metrolab.instrument.errors import SCPIError
from metrolab.units import Quantity, ureg

KNOWN_DCV = 10 * ureg.V


@dataclass
class Setup:
    """A DMM under test and, when one is available, a way to apply a known DC voltage."""

    dmm: ScpiDmm
    apply_known: Callable[[], Quantity] | None


def driver_for(resource: str) -> ScpiDmm:
    """Open ``resource`` with the family driver on the profile its ``*IDN?`` names (the
    profile's name in ``METROLAB_HIL_DMM_PROFILE`` for a serial meter that wants
    ``SYST:REM`` first)."""
    try:
        return open_dmm(resource, os.environ.get("METROLAB_HIL_DMM_PROFILE") or None)
    except UserInputError as exc:
        pytest.fail(f"METROLAB_HIL_DMM: {exc}")


def calibrator_source(stack: ExitStack, resource: str, clock: Clock) -> Callable[[], Quantity]:
    """Return a function that makes the 5522A at ``resource`` output the known voltage."""
    from metrolab.drivers.fluke import Fluke5522A

    calibrator = stack.enter_context(Fluke5522A.open(resource, clock=clock))
    stack.callback(calibrator.standby)

    def apply() -> Quantity:
        calibrator.set_output(KNOWN_DCV)
        calibrator.operate()
        calibrator.wait_settled(60.0)
        return KNOWN_DCV

    return apply


@pytest.fixture
def setup() -> Iterator[Setup]:
    with ExitStack() as stack:
        resource = os.environ.get("METROLAB_HIL_DMM")
        if resource:
            dmm = stack.enter_context(driver_for(resource))
            apply: Callable[[], Quantity] | None = None
            if os.environ.get("METROLAB_HIL_CALIBRATOR"):
                apply = calibrator_source(stack, os.environ["METROLAB_HIL_CALIBRATOR"], WallClock())
            elif os.environ.get("METROLAB_HIL_KNOWN_DCV"):
                known = ureg.Quantity(os.environ["METROLAB_HIL_KNOWN_DCV"]).to("V")
                apply = lambda: known  # noqa: E731
            yield Setup(dmm, apply)
            return
        yield stack.enter_context(simulated_setup())


@contextmanager
def simulated_setup() -> Iterator[Setup]:
    """Yield the coupled simulated bench (5522A wired to a 34401A) served over real transports."""
    from metrolab.drivers.bench import SimulatedBench

    clock = VirtualClock()
    with ExitStack() as stack:
        resources = stack.enter_context(SimulatedBench(seed=0, clock=clock).serve())
        dmm = stack.enter_context(driver_for(resources["dut"]))
        yield Setup(dmm, calibrator_source(stack, resources["calibrator"], clock))


def test_identity_names_a_supported_model(setup: Setup) -> None:
    identity = setup.dmm.identity
    assert profile_for_identity(identity.manufacturer, identity.model) is setup.dmm.profile
    assert identity.manufacturer and identity.firmware


def test_error_queue_reports_a_bad_command_and_then_empties(setup: Setup) -> None:
    setup.dmm.clear_status()
    with pytest.raises(SCPIError) as caught:
        setup.dmm.configure_with("NO:SUCH:COMMAND")
    assert caught.value.code == -113
    assert setup.dmm.drain_errors() == []


def test_reading_of_a_known_source_is_within_one_year_spec(setup: Setup) -> None:
    if setup.apply_known is None:
        pytest.skip("no known source: set METROLAB_HIL_CALIBRATOR or METROLAB_HIL_KNOWN_DCV")
    applied = setup.apply_known()
    setup.dmm.configure(Function.DCV, applied, 10)
    reading = setup.dmm.read()
    tolerance = setup.dmm.spec.tolerance(Function.DCV, applied, reading)
    assert abs(reading - applied) <= tolerance, f"{reading} vs {applied} ± {tolerance}"
