"""Rehearsing procedures on simulators: ``metrolab run --simulate`` for every installed
procedure, ``metrolab demo --procedure``, a demo that does not complete, and a temperature
calibration whose bath is never set (issue 13)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from rich.console import Console

from metrolab.certificates.issue import render_all
from metrolab.demo.simulation import SimulationOptions, simulate
from metrolab.runner.config import RunConfig
from metrolab.runner.discovery import discover, find_procedure
from metrolab.runner.engine import RunContext, RunSettings
from metrolab.runner.lifecycle import RunInputs, start_run
from metrolab.runner.operator import Answers, Operator
from metrolab.runner.procedure import Prompt, StopRun
from metrolab.runner.progress import ProgressReporter
from metrolab.store import open_record, read_journal
from metrolab.testing.cli import run_cli as cli

TEMPERATURE = "temperature-sensor-calibration"
SENSOR = "ACME,Pt100,S-9"


def pdf_text(path: Path) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(path).pages))


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", sorted(discover()))
def test_every_installed_procedure_can_be_rehearsed_on_simulators(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    needs_item = "dut" not in find_procedure(name).metadata.instruments
    code, out, err = cli(["run", name, "--simulate", "--seed", "5", "--yes", "--out",
                          str(tmp_path), *(["--item", SENSOR] if needs_item else [])], capsys)
    assert code == 0, err
    assert "SIMULATED" in err and out.rstrip().splitlines()[-1].startswith("completed: all ")
    (record_path,) = tmp_path.glob("*.h5")
    record = open_record(record_path)
    assert record.run["simulation"]["simulated"] is True
    assert record.run["clock"]["kind"] == "virtual"
    assert record.run["status"] == "completed"
    # a rehearsal's standards come from a register of simulated standards, never the lab's
    assert all(i["traceability"]["issuer"].startswith("metrolab demo (simulated")
               for i in record.instruments if i["role"] == "standard")
    (tmp_path / "draft").mkdir()
    text = pdf_text(render_all(record_path, tmp_path / "draft", draft=True)["pdf"])
    assert text.count("SIMULATED") >= 2 and "virtual clock" in text


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_demo_certifies_the_temperature_calibration_end_to_end(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(["demo", "--out", str(tmp_path), "--procedure", TEMPERATURE], capsys)
    assert code == 0, err
    assert out.rstrip().splitlines()[-1] == "completed: all 5 points passed"
    (pdf,) = tmp_path.glob("*.pdf")
    text = pdf_text(pdf)
    for fragment in ("SIMULATED", "Corrections", "Calibration curve", "E(t) = c0 + c1·t",
                     "Asset number", "virtual clock"):
        assert fragment in text, fragment
    assert "273.15" not in text
    assert len(list(tmp_path.glob("*.dcc.xml"))) == 1


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_demo_that_does_not_complete_says_so_last_and_issues_no_certificate(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from metrolab.drivers.dmm.profile import DmmProfile

    def overloading(profile: Any, function: Any, range_value: float) -> float:
        """The old behaviour, made certain: the 1000 V range overloads below 1000 V."""
        return 900.0 if range_value == 1000.0 else 1.2 * range_value

    monkeypatch.setattr(DmmProfile, "over_range_limit", overloading)
    code, out, err = cli(["demo", "--out", str(tmp_path)], capsys)
    assert code == 1
    assert err.strip().splitlines()[-1].startswith("error: the demo run did not complete (")
    assert "overload" in err
    assert "points passed" not in out
    last = out.rstrip().splitlines()[-1]
    assert last.startswith("INCOMPLETE: the run was aborted") and "not measured" in last
    assert re.search(r"36 points planned: \d+ measured .*, \d+ not measured", out)
    assert not list(tmp_path.glob("*.pdf")) and not list(tmp_path.glob("*.html"))
    (record,) = tmp_path.glob("*.h5")
    assert open_record(record).run["status"] == "aborted"


def run_temperature(tmp_path: Path, operator: Operator, manual: bool) -> Any:
    procedure = find_procedure(TEMPERATURE)
    with simulate(procedure, SimulationOptions(seed=2)) as simulation:
        register = simulation.write_register(tmp_path, ["thermometer"])
        config = RunConfig(TEMPERATURE, simulation.resources, str(tmp_path), str(register),
                           settings=RunSettings(readings=5), virtual_clock=True,
                           simulation=simulation.record())
        inputs = RunInputs(operator, ProgressReporter(Console(quiet=True)),
                           clock=simulation.clock,
                           manual=simulation.apply if manual else None)
        return start_run(config, inputs)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_bath_never_set_stops_the_run_at_its_first_point(tmp_path: Path) -> None:
    sensor = Answers(item={"manufacturer": "ACME", "model": "Pt100", "serial": "S-9"})
    result = run_temperature(tmp_path, Operator(sensor, yes=True, interactive=False),
                             manual=False)  # nobody sets the bath: it stays at lab air
    assert result.status.status == "aborted"
    assert "the bath did not settle at 0 °C within 120 min" in result.status.reason
    assert "check that the bath is set" in result.status.reason
    assert not [e for e in read_journal(result.journal) if e.kind == "point_result"]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_an_interactive_rehearsal_asks_every_prompt_and_the_item(tmp_path: Path) -> None:
    prompts: list[str] = []
    questions: list[str] = []

    def ask(prompt: Prompt) -> bool:
        prompts.append(prompt.key)
        return True

    def ask_text(question: str, default: str) -> str:
        questions.append(question)
        return {"Manufacturer": "ACME", "Model": "Pt100", "Serial": "S-77"}.get(
            question.split()[0], "ASSET-9")

    result = run_temperature(tmp_path, Operator(interactive=True, ask=ask, ask_text=ask_text),
                             manual=True)
    assert result.status.status == "completed"
    assert prompts == ["connect-bath"] + [f"set-bath-T{t:+04.0f}C"
                                          for t in (0, 25, 50, 75, 100)]
    assert len(questions) == 4
    record = open_record(result.record)
    assert (record.run["item"]["serial"], record.run["item"]["asset"]) == ("S-77", "ASSET-9")
    notes = [e["message"] for e in record.events if e["type"] == "note"]
    assert "simulation: the simulated bath was set to 100 °C" in notes


def test_a_curve_the_points_cannot_determine_stops_the_run_by_name() -> None:
    from metrolab.clock import VirtualClock

    module = find_procedure(TEMPERATURE).module
    ctx = RunContext("as_found", RunSettings(), {}, {}, VirtualClock())
    for n, t in enumerate((22.90, 22.91, 22.89, 22.90, 22.92)):  # a bath never set
        ctx.results.append({"phase": "as_found", "reference": {"value": t},
                            "error": {"value": 0.1 * n},
                            "budget": {"outputs": {"error": {"u": 0.01}}}})
    with pytest.raises(StopRun, match=r"no calibration curve: 5 points at x = 22\.89 to "
                                      r"22\.92 .*design matrix is singular"):
        list(module.conclude(ctx))
