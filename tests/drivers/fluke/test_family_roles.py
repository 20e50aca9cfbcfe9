"""mypy proves every named calibrator and readout driver of the families fits its role
Protocol (``Calibrator``, ``ThermometerReadout``), with a control that must fail."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import metrolab.drivers
import pytest

import metrolab

CONFORMANCE = textwrap.dedent("""
    from metrolab.drivers.fluke import (
        Fluke5500A, Fluke5502A, Fluke5520A, Fluke5522A, Fluke5720A, Fluke5730A)
    from metrolab.drivers.hart import Fluke1594A, Fluke1595A, Hart1524, Hart1529, Hart1560
    from metrolab.instrument.roles import Calibrator, ThermometerReadout

    def calibrators(a: Fluke5500A, b: Fluke5502A, c: Fluke5520A, d: Fluke5522A,
                    e: Fluke5720A, f: Fluke5730A) -> list[Calibrator]:
        return [a, b, c, d, e, f]

    def readouts(a: Fluke1594A, b: Fluke1595A, c: Hart1524, d: Hart1529,
                 e: Hart1560) -> list[ThermometerReadout]:
        return [a, b, c, d, e]
""")
CONTROL = textwrap.dedent("""
    from metrolab.drivers.fluke import Fluke5720A
    from metrolab.instrument.roles import ThermometerReadout

    def wrong(a: Fluke5720A) -> ThermometerReadout:
        return a
""")


def shadow_package(root: Path) -> Path:
    """Return a folder where ``metrolab`` holds the core and ``drivers`` together (installed
    editable they live apart; mypy needs them under one package)."""
    package = root / "metrolab"
    package.mkdir()
    for entry in Path(metrolab.__path__[0]).iterdir():
        if entry.name not in ("drivers", "procedures", "__pycache__"):
            (package / entry.name).symlink_to(entry)
    (package / "drivers").symlink_to(Path(metrolab.drivers.__path__[0]))
    return root


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_mypy_proves_the_family_drivers_fit_their_roles(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    root = shadow_package(tmp_path)
    (root / "conformance.py").write_text(CONFORMANCE)
    (root / "control.py").write_text(CONTROL)
    config = Path(__file__).parents[3] / "pyproject.toml"
    options = ["--config-file", str(config)] if config.exists() else []
    done = subprocess.run(
        [sys.executable, "-m", "mypy", *options, "--cache-dir", str(root / ".cache"),
         "conformance.py", "control.py"], cwd=root, capture_output=True, text=True,
        timeout=280, env={**os.environ, "MYPYPATH": ""})
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, done.stdout + done.stderr
    assert errors[0].startswith("control.py") and "ThermometerReadout" in errors[0]
