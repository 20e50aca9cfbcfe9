"""Point suspenders (Watch), manual settings on prompts, and Ctrl-C during a run.

A toy procedure watches a bath while it reads: when the bath leaves its band the runner
pauses on the injected clock until it is back and measures the point again, so no
reading taken out of band is kept. A prompt's manual setting reaches the simulation.
"""

from __future__ import annotations

import os
import signal
import textwrap
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from metrolab.clock import VirtualClock
from metrolab.runner.discovery import Procedure, discover
from metrolab.runner.engine import RunContext, Runner, RunSettings
from metrolab.runner.operator import Operator
from metrolab.runner.procedure import ManualSetting
from metrolab.runner.progress import ProgressReporter
from metrolab.runner.signals import handling_signals
from metrolab.store import Journal, read_journal

PROCEDURE = '''
"""One point read while the bath is watched."""
from types import SimpleNamespace

import numpy as np
from metrolab.runner.procedure import (InstrumentRole, ManualSetting, Metadata, PointOutcome,
                                       Prompt, Read, TestPoint, Wait, Watch)
from metrolab.units import Quantity


class Bath:
    """Reads ``schedule(now)`` °C; counts its readings."""

    registry = {}

    def __init__(self, clock, schedule):
        self.clock, self.schedule, self.reads = clock, schedule, 0

    @classmethod
    def open(cls, resource, timeout_s=None):
        return cls.registry[resource]

    @property
    def identity(self):
        return SimpleNamespace(manufacturer="ACME", model="B1", serial="1", firmware="1")

    def temperature(self):
        self.reads += 1
        return Quantity(self.schedule(self.clock.now()), "degC")

    def close(self):
        pass


METADATA = Metadata(name="watched", version="1.0", title="watched bath", dut_models=("B1",),
                    instruments={"dut": InstrumentRole("dut", "bath", {"B1": Bath})},
                    temperature_band_c=None)
TEST_POINTS = [TestPoint("T50", "bath", "TEMP", Quantity(50.0, "degC"))]


def measure_point(ctx, point):
    yield Prompt("set-bath", "Set the bath to 50 °C",
                 setting=ManualSetting("bath set point", point.nominal))
    yield Watch("bath", "dut", lambda b: b.temperature(), Quantity(49.5, "degC"),
                Quantity(50.5, "degC"), poll_s=10.0, max_wait_s=600.0)
    values = []
    for _ in range(4):
        yield Wait(3.0, "next reading")
        reading = yield Read("dut", 1, "bath", lambda b, n: Quantity(
            np.array([b.temperature().magnitude]), "degC"), point.nominal)
        values.append(float(reading.magnitude[0]))
    mean = Quantity(float(np.mean(values)), "degC")
    error = Quantity(float(np.mean(values)) - 50.0, "K")
    limit = Quantity(1.0, "K")
    return PointOutcome(mean, point.nominal, error, (-limit, limit), {"method": "none"},
                        {"statement": "pass"})
'''


@pytest.fixture
def procedure(tmp_path: Path) -> Procedure:
    folder = tmp_path / "procs"
    folder.mkdir()
    (folder / "watched.py").write_text(textwrap.dedent(PROCEDURE))
    return discover(folder)["watched"]


def run(procedure: Procedure, tmp_path: Path, schedule: Any,
        manual: Any = None) -> tuple[Any, list[Any]]:
    clock = VirtualClock()
    bath = procedure.module.Bath(clock, schedule)
    settings = RunSettings(readings=4)
    context = RunContext("as_found", settings, {}, {}, clock)
    path = tmp_path / "run.journal"
    with Journal.create(path, "run-1", clock=clock) as journal:
        runner = Runner(procedure, clock=clock, operator=Operator(yes=True, interactive=False),
                        reporter=ProgressReporter(Console(quiet=True)), settings=settings,
                        context=context, journal=journal, instruments={"dut": bath},
                        manual=manual)
        status = runner.execute()
    return status, list(read_journal(path))


def events(entries: list[Any], kind: str) -> list[dict[str, Any]]:
    return [e.data for e in entries if e.kind == "event" and e.data["type"] == kind]


def test_a_bath_leaving_its_band_pauses_the_point_and_has_it_measured_again(
        procedure: Procedure, tmp_path: Path) -> None:
    start = VirtualClock().now()
    # in band, out of band (55 °C) from 5 s to 40 s after the start, in band again
    status, entries = run(procedure, tmp_path,
                          lambda now: 55.0 if 5.0 <= now - start < 40.0 else 50.1)
    assert status.status == "completed"
    (pause,) = events(entries, "pause")
    assert pause["data"]["condition"] == "bath" and pause["data"]["value"]["value"] == 55.0
    assert [e["data"]["cause"] for e in events(entries, "retry")] == ["suspended"]
    # the point started twice; only the second attempt's readings, all in band, are kept
    started = [e for e in entries if e.kind == "point_started"]
    assert len(started) == 2
    after = [e.data for e in entries[entries.index(started[1]):] if e.kind == "reading"]
    assert len(after) == 4 and all(r["value"] == 50.1 for r in after)
    (result,) = [e.data for e in entries if e.kind == "point_result"]
    assert result["value"]["value"] == pytest.approx(50.1)


def test_a_bath_that_never_comes_back_aborts_after_the_longest_wait(
        procedure: Procedure, tmp_path: Path) -> None:
    status, entries = run(procedure, tmp_path, lambda now: 22.9)
    assert status.status == "aborted"
    assert "bath stayed out of band for 600 s" in status.reason
    assert not [e for e in entries if e.kind == "point_result"]


def test_a_confirmed_prompt_applies_its_manual_setting_to_the_simulation(
        procedure: Procedure, tmp_path: Path) -> None:
    applied: list[ManualSetting] = []

    def manual(setting: ManualSetting) -> str:
        applied.append(setting)
        return f"set to {setting.value:~P}"

    status, entries = run(procedure, tmp_path, lambda now: 50.0, manual=manual)
    assert status.status == "completed"
    assert [(s.name, s.value.magnitude) for s in applied] == [("bath set point", 50.0)]
    notes = [e["message"] for e in events(entries, "note")]
    assert "simulation: set to 50.0 °C" in notes


class _Runner:
    """What the signal handler needs of a runner."""

    def __init__(self, prompting: bool) -> None:
        self.pause_pending = False
        self.prompting = prompting
        self.aborted = ""

    def request_pause(self) -> None:
        self.pause_pending = True

    def request_abort(self, reason: str) -> None:
        self.aborted = reason


def test_ctrl_c_says_what_it_did_and_a_second_one_breaks_a_prompt_off() -> None:
    said: list[str] = []
    runner = _Runner(prompting=True)
    with handling_signals(runner, True, said.append):  # type: ignore[arg-type]
        os.kill(os.getpid(), signal.SIGINT)
        assert runner.pause_pending and not runner.aborted
        assert "pauses before the next point (answer this prompt first)" in said[-1]
        assert "Ctrl-C again to abort" in said[-1]
        with pytest.raises(KeyboardInterrupt):  # click.confirm turns it into an abort
            os.kill(os.getpid(), signal.SIGINT)
    assert runner.aborted == "aborted by the operator (Ctrl-C twice)"
    assert "aborting the run" in said[-1]


def test_ctrl_c_in_an_unattended_run_aborts_and_says_so() -> None:
    said: list[str] = []
    runner = _Runner(prompting=False)
    with handling_signals(runner, False, said.append):  # type: ignore[arg-type]
        os.kill(os.getpid(), signal.SIGINT)
    assert runner.aborted.startswith("interrupted (Ctrl-C)")
    assert said and "aborted at the next step" in said[0]


def test_breaking_a_prompt_off_aborts_the_run_cleanly(procedure: Procedure,
                                                      tmp_path: Path) -> None:
    from metrolab.runner.errors import OperatorAborted

    def broken_off(prompt: Any) -> bool:
        raise OperatorAborted(f"prompt {prompt.key!r} was broken off")

    clock = VirtualClock()
    bath = procedure.module.Bath(clock, lambda now: 50.0)
    settings = RunSettings(readings=4)
    path = tmp_path / "run.journal"
    with Journal.create(path, "run-1", clock=clock) as journal:
        status = Runner(procedure, clock=clock,
                        operator=Operator(interactive=True, ask=broken_off),
                        reporter=ProgressReporter(Console(quiet=True)), settings=settings,
                        context=RunContext("as_found", settings, {}, {}, clock),
                        journal=journal, instruments={"dut": bath}).execute()
    assert status.status == "aborted"
    assert status.reason == "aborted by the operator at the prompt 'set-bath'"
    assert [e.data["status"] for e in read_journal(path) if e.kind == "run_ended"] == ["aborted"]


def test_the_progress_bar_stands_still_while_a_prompt_is_open() -> None:
    import io

    from metrolab.runner.procedure import Prompt, TestPoint, Wait
    from metrolab.units import Quantity

    reporter = ProgressReporter(Console(file=io.StringIO(), force_terminal=True))
    live = reporter._progress.live
    reporter.start(2, 0)
    point = TestPoint("P1", "volts", "DCV", Quantity(1.0, "V"))
    reporter.point(1, 2, point, "as_found")
    assert live.is_started
    reporter.message(Prompt("connect-volts", "Connect the leads"))
    assert not live.is_started  # nothing redraws the bar over the typed answer
    reporter.message(Wait(2.0, "settle"))
    assert live.is_started
    reporter.stop()
    assert not live.is_started
