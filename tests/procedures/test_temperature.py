"""Calibration of the bench's PRT against the 1529's reference PRT, with the fitted curve.

The simulated sensor under calibration has the error 0.03 - 4e-4 t + 2e-6 t² °C and the
reference probe reads 1 mK high: the errors found and the curve fitted must say so.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from metrolab.drivers.bench import SimulatedBench
from rich.console import Console

from metrolab.clock import VirtualClock
from metrolab.demo.register import demo_register
from metrolab.runner.config import RunConfig
from metrolab.runner.engine import RunSettings
from metrolab.runner.lifecycle import RunInputs, start_run
from metrolab.runner.operator import Answers, Operator
from metrolab.runner.procedure import Prompt
from metrolab.runner.progress import ProgressReporter
from metrolab.store import open_record, read_journal


def sensor_error(t: float) -> float:
    return 0.03 - 4e-4 * t + 2e-6 * t * t - 0.001


@pytest.mark.slow
@pytest.mark.timeout(400)  # a full run; a loaded CI box needs more than the default 120 s
def test_errors_and_calibration_curve_of_the_simulated_prt(tmp_path: Path) -> None:
    clock = VirtualClock()
    bench = SimulatedBench(seed=2, clock=clock)
    set_points = {f"set-bath-T{t:+04.0f}C": t for t in (0.0, 25.0, 50.0, 75.0, 100.0)}

    def operator_sets_the_bath(prompt: Prompt) -> bool:
        if prompt.key in set_points:
            bench.set_bath_temperature(set_points[prompt.key])
        return True

    operator = Operator(Answers(operator="tester"), interactive=True,
                        ask=operator_sets_the_bath)
    with bench.serve() as resources:
        register = tmp_path / "register.toml"
        today = datetime.fromtimestamp(clock.now(), tz=UTC).date()
        register.write_text(demo_register({"thermometer": {
            "manufacturer": "HART", "model": "1529", "serial": "A2B3C4"}}, today, tmp_path))
        config = RunConfig("temperature-sensor-calibration",
                           {"thermometer": resources["thermometer"],
                            "hygrometer": resources["hygrometer"]},
                           str(tmp_path), str(register), settings=RunSettings(readings=5),
                           virtual_clock=True,
                           item={"manufacturer": "ACME", "model": "Pt100", "serial": "S-9"})
        result = start_run(config, RunInputs(operator, ProgressReporter(Console(quiet=True)),
                                             clock=clock))
    assert result.status.status == "completed"
    record = open_record(result.record)
    assert record.run["item"]["serial"] == "S-9"
    assert len(record.points) == 5
    for point in record.points:
        t = float(point.reference.to("degC").magnitude)
        assert float(point.error.to("K").magnitude) == pytest.approx(sensor_error(t), abs=3e-3)
        assert point.decision["statement"] == "pass"
        assert point.readings.shape == (5,)
    notes: list[dict[str, Any]] = [e.data["data"] for e in read_journal(result.journal)
                                   if e.kind == "event" and "calibration_curve" in e.data["data"]]
    (curve,) = [n["calibration_curve"] for n in notes]
    c0, c1, c2 = curve["coefficients"]
    assert c0 == pytest.approx(0.029, abs=3e-3)
    assert c1 == pytest.approx(-4e-4, abs=1.5e-4)
    assert c2 == pytest.approx(2e-6, abs=1.5e-6)


def test_a_sensor_calibration_needs_the_item(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from metrolab.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["run", "temperature-sensor-calibration", "--item", "ACME,Pt100", "--dry-run"])
    assert exit_info.value.code == 2
    assert "--item 'ACME,Pt100': expected MANUFACTURER,MODEL,SERIAL" in capsys.readouterr().err
