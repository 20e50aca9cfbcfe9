"""The run engine against a small procedure and scripted in-process instruments.

The instruments here are test doubles that fail on cue: they test the runner's
journalling, retries, aborts, suspenders, pauses, dry runs and resumes, not drivers.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from metrolab.clock import VirtualClock
from metrolab.runner.discovery import Procedure, discover
from metrolab.runner.engine import RunContext, Runner, RunSettings
from metrolab.runner.errors import RunAborted, UnansweredPrompt
from metrolab.runner.operator import Operator
from metrolab.runner.progress import ListingReporter, ProgressReporter
from metrolab.store import Journal, read_journal
from metrolab.store.errors import JournalWriteError
from metrolab.testing.faults import DiskFaults

PROCEDURE = '''
"""A three-point procedure for the runner's tests."""
from types import SimpleNamespace

import numpy as np
from metrolab.instrument.errors import InstrumentTimeout
from metrolab.runner.procedure import (Do, InstrumentRole, Metadata, PointOutcome, Prompt, Read,
                                       TestPoint, Wait)
from metrolab.units import Quantity


class FakeInstrument:
    """What the runner needs of an instrument: open by resource, identity, close."""

    MODEL = ""
    SERIAL = ""
    registry = {}  # resource -> instrument, one dict per class

    def __init_subclass__(cls):
        cls.registry = {}

    @classmethod
    def open(cls, resource, timeout_s=None):
        return cls.registry[resource]

    @property
    def identity(self):
        return SimpleNamespace(manufacturer="ACME", model=self.MODEL, serial=self.SERIAL,
                               firmware="1")

    def close(self):
        pass


class Meter(FakeInstrument):
    """Reads the source's value plus an offset; fails on the calls listed in ``fail_on``."""
    MODEL, SERIAL = "M1", "7"

    def __init__(self, source=None):
        self.calls = 0
        self.fail_on = set()
        self.source = source
        self.offset = 0.0

    def reset(self):
        if self.fail_on == {"reset"}:
            raise InstrumentTimeout("no reply", instrument="meter", command="*RST")

    def read_many(self, n):
        self.calls += 1
        if self.calls in self.fail_on:
            raise InstrumentTimeout("no reply", instrument="meter", command="READ?")
        return Quantity(np.full(n, self.source.value + self.offset), "V")


class Source(FakeInstrument):
    MODEL, SERIAL = "S1", "8"

    def __init__(self):
        self.value = 0.0
        self.operating = False
        self.standby_count = 0

    def set(self, value):
        self.value = value
        self.operating = True

    def standby(self):
        self.operating = False
        self.standby_count += 1


class Climate(FakeInstrument):
    MODEL, SERIAL = "E1", "9"

    def __init__(self):
        self.temperature = 23.0

    def read(self):
        reading = type("R", (), {})()
        reading.temperature = Quantity(self.temperature, "degC")
        reading.humidity = Quantity(45.0, "percent")
        reading.pressure = None
        return reading


METADATA = Metadata(
    name="three-points", version="1.0", title="three volts", dut_models=("M1",),
    instruments={"dut": InstrumentRole("dut", "meter", {"M1": Meter}),
                 "source": InstrumentRole("standard", "source", {"S1": Source}),
                 "climate": InstrumentRole("environment", "climate", {"E1": Climate})},
    readings_per_point=4,
)
TEST_POINTS = [TestPoint(f"P{n}", "volts", "DCV", Quantity(float(n), "V"),
                         connection="leads" if n < 3 else "other leads") for n in (1, 2, 3)]


def prepare(ctx):
    yield Do("dut", "reset", lambda m: m.reset())
    yield Wait(600.0, "warm-up")


def measure_point(ctx, point):
    yield Do("source", f"source {point.nominal}", lambda s: s.set(point.nominal.magnitude))
    yield Wait(5.0, "settle")
    readings = yield Read("dut", ctx.settings.readings, "read", lambda m, n: m.read_many(n),
                          point.nominal)
    yield Do("source", "standby", lambda s: s.standby())
    mean = readings.mean()
    error = mean - point.nominal
    limit = Quantity(0.5, "V")
    statement = "pass" if abs(error) <= limit else "fail"
    return PointOutcome(mean, point.nominal, error, (-limit, limit), {"method": "none"},
                        {"statement": statement})


def adjust(ctx):
    yield Prompt("adjust", "Adjust the meter now")


def safe_state(ctx):
    yield Do("source", "standby", lambda s: s.standby())
'''


@pytest.fixture
def procedure(tmp_path: Path) -> Procedure:
    folder = tmp_path / "procs"
    folder.mkdir()
    (folder / "three_points.py").write_text(textwrap.dedent(PROCEDURE))
    return discover(folder)["three-points"]


class Bench:
    """The three test doubles of the procedure, wired together."""

    def __init__(self, procedure: Procedure) -> None:
        module = procedure.module
        self.source = module.Source()
        self.meter = module.Meter(self.source)
        self.climate = module.Climate()
        module.Meter.registry["m"] = self.meter
        module.Source.registry["s"] = self.source
        module.Climate.registry["c"] = self.climate
        self.instruments = {"dut": self.meter, "source": self.source, "climate": self.climate}


def make_runner(procedure: Procedure, journal: Any, bench: Bench | None, clock: VirtualClock,
                operator: Operator | None = None, **settings: Any) -> Runner:
    run_settings = RunSettings(readings=4, **settings)
    context = RunContext("as_found", run_settings, {}, {}, clock, dry_run=journal is None)
    return Runner(procedure, clock=clock, operator=operator or Operator(yes=True,
                                                                         interactive=False),
                  reporter=ProgressReporter(Console(quiet=True)),
                  settings=run_settings, context=context, journal=journal,
                  instruments=bench.instruments if bench else None,
                  environment_role="climate" if bench else None)


def run(procedure: Procedure, tmp_path: Path, bench: Bench, **kw: Any) -> tuple[Any, list[Any]]:
    clock = kw.pop("clock", VirtualClock())
    path = tmp_path / "run.journal"
    with Journal.create(path, "run-1", clock=clock) as journal:
        status = make_runner(procedure, journal, bench, clock, **kw).execute()
    return status, list(read_journal(path))


def kinds(entries: list[Any], kind: str) -> list[dict[str, Any]]:
    return [e.data for e in entries if e.kind == kind]


def events(entries: list[Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in kinds(entries, "event") if e["type"] == kind]


def test_every_reading_is_journalled_before_its_result(procedure: Procedure,
                                                        tmp_path: Path) -> None:
    bench = Bench(procedure)
    bench.meter.offset = 0.1
    status, entries = run(procedure, tmp_path, bench)
    assert status.status == "completed"
    results = kinds(entries, "point_result")
    assert [r["point_id"] for r in results] == ["P1", "P2", "P3"]
    assert [r["error"]["value"] for r in results] == pytest.approx([0.1, 0.1, 0.1])
    order = [(e.kind, e.data.get("point_id")) for e in entries
             if e.kind in ("point_started", "reading", "point_result")]
    assert order[:6] == [("point_started", "P1")] + [("reading", "P1")] * 4 + [
        ("point_result", "P1")]
    assert kinds(entries, "run_ended") == [{"status": "completed", "ended_at": entries[-1].data[
        "ended_at"], "reason": ""}]
    assert len(kinds(entries, "environment")) >= 3
    # two connections, each confirmed once (by --yes) and recorded
    assert [a["data"]["key"] for a in events(entries, "answer")] == ["connect-leads",
                                                                      "connect-other-leads"]
    assert not bench.source.operating


def test_a_fault_is_retried_once_and_the_point_measured_again(procedure: Procedure,
                                                              tmp_path: Path) -> None:
    bench = Bench(procedure)
    bench.meter.fail_on = {2}
    status, entries = run(procedure, tmp_path, bench)
    assert status.status == "completed"
    assert [r["point_id"] for r in kinds(entries, "point_result")] == ["P1", "P2", "P3"]
    assert [e["data"]["point_id"] for e in events(entries, "fault")] == ["P2"]
    assert [e["data"]["cause"] for e in events(entries, "retry")] == ["fault"]
    assert [s["point_id"] for s in kinds(entries, "point_started")] == ["P1", "P2", "P2", "P3"]
    # the faulted attempt journalled no reading; every point holds its readings once
    readings = [r["point_id"] for r in kinds(entries, "reading")]
    assert readings == ["P1"] * 4 + ["P2"] * 4 + ["P3"] * 4


def test_a_persistent_fault_aborts_cleanly_with_outputs_in_standby(procedure: Procedure,
                                                                   tmp_path: Path) -> None:
    bench = Bench(procedure)
    bench.meter.fail_on = {2, 3}
    status, entries = run(procedure, tmp_path, bench)
    assert status.status == "aborted"
    assert "persisted after 1 retry" in status.reason
    assert kinds(entries, "run_ended")[0]["status"] == "aborted"
    assert len(events(entries, "abort")) == 1
    assert [r["point_id"] for r in kinds(entries, "point_result")] == ["P1"]
    assert not bench.source.operating


def test_suspender_pauses_until_the_lab_is_back_in_band(procedure: Procedure,
                                                        tmp_path: Path) -> None:
    bench = Bench(procedure)

    class WarmingLab(VirtualClock):
        """The lab is too warm from 608 s to 800 s after the start: during P2's settling."""

        def sleep(self, seconds: float) -> None:
            super().sleep(seconds)
            elapsed = self.now() - start
            bench.climate.temperature = 26.0 if 608 <= elapsed < 800 else 23.0

    clock = WarmingLab()
    start = clock.now()
    # warm-up 600 s, then P1 settles until 605 s and P2 until 610 s: P2 is suspended mid-point
    status, entries = run(procedure, tmp_path, bench, clock=clock, suspend_poll_s=100.0)
    assert status.status == "completed"
    assert [r["point_id"] for r in kinds(entries, "point_result")] == ["P1", "P2", "P3"]
    assert [e["message"] for e in events(entries, "pause")] == [
        "lab temperature 26.00 °C is outside 21–25 °C: paused until it returns"]
    assert len(events(entries, "resume")) == 1
    assert [e["data"]["cause"] for e in events(entries, "retry")] == ["suspended"]
    assert [s["point_id"] for s in kinds(entries, "point_started")] == ["P1", "P2", "P2", "P3"]
    assert clock.now() - start >= 800
    temperatures = [e["temperature"]["value"] for e in kinds(entries, "environment")]
    assert 26.0 in temperatures and temperatures[-1] == 23.0


def test_suspender_gives_up_after_its_longest_wait(procedure: Procedure, tmp_path: Path) -> None:
    bench = Bench(procedure)
    bench.climate.temperature = 30.0
    status, _ = run(procedure, tmp_path, bench, suspend_poll_s=600.0, suspend_max_s=3600.0)
    assert status.status == "aborted"
    assert "stayed out of band for 3600 s" in status.reason


def test_pause_then_resume_or_abort(procedure: Procedure, tmp_path: Path) -> None:
    for go_on, expected in ((True, "completed"), (False, "aborted")):
        bench = Bench(procedure)
        answers: list[str] = []

        def ask(prompt: Any, go_on: bool = go_on, answers: list[str] = answers) -> bool:
            answers.append(prompt.key)
            return go_on if prompt.key == "resume-after-pause" else True

        clock = VirtualClock()
        path = tmp_path / f"pause-{go_on}.journal"
        with Journal.create(path, "run-1", clock=clock) as journal:
            runner = make_runner(procedure, journal, bench, clock,
                                 Operator(interactive=True, ask=ask))
            runner.request_pause()
            status = runner.execute()
        entries = list(read_journal(path))
        assert status.status == expected
        assert "resume-after-pause" in answers
        assert len(events(entries, "pause")) == 1
        assert len(kinds(entries, "point_result")) == (3 if go_on else 0)


def test_refused_confirmation_aborts(procedure: Procedure, tmp_path: Path) -> None:
    bench = Bench(procedure)
    status, _ = run(procedure, tmp_path, bench,
                    operator=Operator(interactive=True, ask=lambda prompt: False))
    assert status.status == "aborted"
    assert status.reason == "the operator did not confirm: Connect: leads. Confirm when done."


def test_unanswered_prompt_leaves_a_resumable_journal(procedure: Procedure,
                                                      tmp_path: Path) -> None:
    bench = Bench(procedure)
    with pytest.raises(UnansweredPrompt, match="connect-leads"):
        run(procedure, tmp_path, bench, operator=Operator(interactive=False))
    entries = list(read_journal(tmp_path / "run.journal"))
    assert not kinds(entries, "run_ended")
    assert "UnansweredPrompt" in events(entries, "fault")[0]["message"]


def test_as_left_after_adjustment(procedure: Procedure, tmp_path: Path) -> None:
    bench = Bench(procedure)
    status, entries = run(procedure, tmp_path, bench, adjust=True)
    assert status.status == "completed"
    phases = [(r["point_id"], r["phase"]) for r in kinds(entries, "point_result")]
    assert phases == [(p, "as_found") for p in ("P1", "P2", "P3")] + [
        (p, "as_left") for p in ("P1", "P2", "P3")]
    assert "adjust" in [a["data"]["key"] for a in events(entries, "answer")]


def test_done_points_are_skipped(procedure: Procedure, tmp_path: Path) -> None:
    bench = Bench(procedure)
    clock = VirtualClock()
    path = tmp_path / "run.journal"
    with Journal.create(path, "run-1", clock=clock) as journal:
        make_runner(procedure, journal, bench, clock).execute(done={("P1", "as_found")})
    entries = list(read_journal(path))
    assert [r["point_id"] for r in kinds(entries, "point_result")] == ["P2", "P3"]


def test_dry_run_lists_every_point_and_step_without_instruments(procedure: Procedure) -> None:
    console = Console(record=True, width=200)
    clock = VirtualClock()
    settings = RunSettings(readings=4)
    runner = Runner(procedure, clock=clock, operator=Operator(interactive=False),
                    reporter=ListingReporter(console), settings=settings,
                    context=RunContext("as_found", settings, {}, {}, clock, dry_run=True))
    assert runner.execute().status == "completed"
    text = console.export_text()
    assert text.count("point ") == 3
    assert "point 3/3 as_found P3 (volts): DCV 3.0 V" in text
    assert text.count("dut: read (4 readings)") == 3
    assert "wait 600 s: warm-up" in text
    assert clock.now() == VirtualClock().now()


def test_abort_request_in_a_dry_run_is_an_error(procedure: Procedure) -> None:
    clock = VirtualClock()
    runner = make_runner(procedure, None, None, clock)
    runner.request_abort("test")
    with pytest.raises(RunAborted, match="dry run stopped: test"):
        runner.execute()


def test_a_fault_outside_the_points_aborts_cleanly(procedure: Procedure, tmp_path: Path) -> None:
    bench = Bench(procedure)
    bench.meter.fail_on = {"reset"}
    status, entries = run(procedure, tmp_path, bench)
    assert status.status == "aborted"
    assert status.reason.startswith("instrument fault outside a test point: meter: no reply")
    assert not kinds(entries, "point_started")
    assert bench.source.standby_count >= 1




def test_a_journal_that_fails_anywhere_stops_the_run_with_outputs_in_standby(
        procedure: Procedure, tmp_path: Path) -> None:
    # the operator stops the run while the source is on; the journal fails at every one
    # of its writes in turn (a reading, the abort, the end): the error says why, and the
    # source always ends in standby
    def stopped_run(folder: Path, bench: Bench) -> str:
        folder.mkdir()
        clock = VirtualClock()
        with Journal.create(folder / "run.journal", "run-1", clock=clock) as journal:
            runner = make_runner(procedure, journal, bench, clock)
            read = bench.meter.read_many

            def read_then_stop(n: int) -> Any:
                runner.request_abort("the operator pressed stop")
                return read(n)

            bench.meter.read_many = read_then_stop
            return runner.execute().status

    with DiskFaults() as counting:
        assert stopped_run(tmp_path / "clean", Bench(procedure)) == "aborted"
    for k in range(1, len(counting.calls) + 1):
        bench = Bench(procedure)
        with DiskFaults(fail_at=k) as faults, pytest.raises(JournalWriteError) as caught:
            stopped_run(tmp_path / f"k{k}", bench)
        where = f"call {k} ({faults.failed})"
        assert "the disk is full (ENOSPC" in str(caught.value), where
        assert "closed" not in str(caught.value), where
        assert not bench.source.operating, f"{where}: the source was left operating"
