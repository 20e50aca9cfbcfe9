"""Each driver satisfies the role protocol it is used in (metrolab.instrument.roles).

At run time ``isinstance`` checks the members; mypy checks the signatures and return
types, over the drivers and the procedures together (they type their actions with
``Do[Calibrator]`` etc.), with a control that a wrong assignment is caught.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import metrolab.drivers
import metrolab.procedures
import pytest
from metrolab.drivers.dmm.driver import ScpiDmm
from metrolab.drivers.fluke import Fluke5522A
from metrolab.drivers.fluke.fluke8846a import Fluke8846A
from metrolab.drivers.hart import Hart1529
from metrolab.drivers.keysight import Keysight34401A, Keysight34465A
from metrolab.drivers.vaisala import VaisalaHMT330

import metrolab
from metrolab.instrument.roles import (
    Calibrator,
    EnvironmentMonitor,
    Instrument,
    Multimeter,
    ThermometerReadout,
)
from metrolab.testing.replay import ReplayTransport

ROLE_OF = {
    Keysight34401A: Multimeter, Keysight34465A: Multimeter, Fluke5522A: Calibrator,
    Hart1529: ThermometerReadout, VaisalaHMT330: EnvironmentMonitor, Fluke8846A: Multimeter,
    ScpiDmm.for_profile("keithley-dmm6500"): Multimeter,
}


@pytest.mark.parametrize("driver", list(ROLE_OF), ids=lambda d: d.__name__)
def test_each_driver_is_an_instance_of_its_role(driver: type) -> None:
    """(Checking costs no I/O: the replay transport has no step to answer.)"""
    with ReplayTransport([]) as transport:
        instance = driver(transport)
        assert isinstance(instance, ROLE_OF[driver])
        assert isinstance(instance, Instrument)


def test_a_driver_without_a_roles_methods_is_not_of_that_role() -> None:
    """``isinstance`` sees names only: a readout has no ``configure`` or ``set_output``
    (a multimeter's ``read`` does pass for an environment monitor's: mypy tells them
    apart by the return type, below)."""
    with ReplayTransport([]) as transport:
        readout = Hart1529(transport)
        assert not isinstance(readout, Multimeter)
        assert not isinstance(readout, Calibrator)
        assert not isinstance(Fluke5522A(transport), ThermometerReadout)


CONFORMANCE = textwrap.dedent("""
    from metrolab.drivers.dmm.driver import ScpiDmm
    from metrolab.drivers.fluke import Fluke5522A
    from metrolab.drivers.fluke.fluke8846a import Fluke8846A
    from metrolab.drivers.hart import Hart1529
    from metrolab.drivers.keysight import Keysight34401A, Keysight34465A
    from metrolab.drivers.vaisala import VaisalaHMT330
    from metrolab.instrument.roles import (
        Calibrator, EnvironmentMonitor, Multimeter, ThermometerReadout)

    def roles(a: Keysight34401A, b: Keysight34465A, c: Fluke5522A, d: Hart1529,
              e: VaisalaHMT330, f: ScpiDmm, g: Fluke8846A
              ) -> tuple[Multimeter, Multimeter, Calibrator, ThermometerReadout,
                         EnvironmentMonitor, Multimeter, Multimeter]:
        return a, b, c, d, e, f, g
""")
WRONG = textwrap.dedent("""
    from metrolab.drivers.hart import Hart1529
    from metrolab.instrument.roles import Multimeter

    def wrong(d: Hart1529) -> Multimeter:
        return d
""")


def shadow_package(root: Path) -> Path:
    """Return a folder where ``metrolab`` holds the core, ``drivers`` and ``procedures``
    (installed editable they live apart; mypy needs them under one package)."""
    package = root / "metrolab"
    package.mkdir()
    for entry in Path(metrolab.__path__[0]).iterdir():
        if entry.name not in ("drivers", "procedures", "__pycache__"):
            (package / entry.name).symlink_to(entry)
    (package / "drivers").symlink_to(Path(metrolab.drivers.__path__[0]))
    (package / "procedures").symlink_to(Path(metrolab.procedures.__path__[0]))
    return root


def mypy(root: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    config = Path(__file__).parents[2] / "pyproject.toml"
    options = ["--config-file", str(config)] if config.exists() else []
    return subprocess.run(
        [sys.executable, "-m", "mypy", *options, "--cache-dir", str(root / ".cache"),
         *targets], cwd=root, capture_output=True, text=True, timeout=280,
        env={**os.environ, "MYPYPATH": ""})


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_mypy_checks_drivers_procedures_and_role_conformance(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    root = shadow_package(tmp_path)
    (root / "conformance.py").write_text(CONFORMANCE)
    (root / "wrong.py").write_text(WRONG)
    done = mypy(root, "metrolab/drivers", "metrolab/procedures", "conformance.py", "wrong.py")
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    # the control: a readout is not a multimeter, and mypy says so
    assert len(errors) == 1, done.stdout + done.stderr
    assert errors[0].startswith("wrong.py:") and '"Hart1529"' in errors[0]
    assert "Multimeter" in errors[0]
