"""Logs and sweeps from Python on the simulated bench (34465A, 5522A, 1529, HMT330)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from metrolab import daq
from metrolab.daq.engine import DaqEngine
from metrolab.instrument import Function
from metrolab.store import read_journal
from metrolab.units import ureg

VOLTS = np.linspace(0.0, 10.0, 6) * ureg.V


def _events(result: daq.DaqResult) -> list[tuple[str, str]]:
    return [(e.data["type"], e.data["message"]) for e in read_journal(result.journal)
            if e.kind == "event"]


def test_log_every_second_for_a_minute(bench: Any, tmp_path: Path) -> None:
    r = bench.resources
    result = daq.log({"dmm": r["dut"], "env": r["hygrometer"], "thermometer": r["thermometer"]},
                     every="1 s", duration="1 min", out=tmp_path / "log.h5", clock=bench.clock)
    assert (result.status, result.rows) == ("completed", 60)
    with daq.load(result.path) as data:
        assert list(data.data_vars) == ["dmm", "env_temperature", "env_humidity",
                                        "thermometer"]
        seconds = np.diff(data.time.values).astype("timedelta64[ns]").astype(float) / 1e9
        np.testing.assert_allclose(seconds, 1.0)  # on the tick, the virtual clock's second
        assert abs(float(data.dmm.mean())) < 1e-4  # nothing applied to the DMM's input
        assert 15 < float(data.env_temperature.mean()) < 30
        assert data.thermometer.attrs["units"] == "degC"
        assert data.env_humidity.attrs["units"] == "percent"
        assert data.attrs["status"] == "completed"
    assert result.stats["env_temperature"].count == 60
    import json

    import h5py

    with h5py.File(result.path, "r") as handle:  # the instruments as they were set up
        dmm = handle["entry/instrument/dmm"]
        snapshot = json.loads(dmm["snapshot_json"][()])
        assert (dmm.attrs["model"], snapshot["function"], snapshot["nplc"]) == (
            "34465A", "DCV", 10.0)
        assert snapshot["CONF?"].startswith('"VOLT')


def test_sweep_reads_the_calibrators_output_on_the_dmm(bench: Any, tmp_path: Path) -> None:
    r = bench.resources
    result = daq.sweep({"calibrator": r["calibrator"], "dmm": r["dut"]},
                       daq.Axis("calibrator", VOLTS, settle="2 s"), readings=4,
                       out=tmp_path / "sweep.h5", clock=bench.clock)
    assert (result.status, result.rows) == ("completed", 24)
    with daq.load(result.path) as data:
        assert data.dmm.dims == ("calibrator", "reading")
        np.testing.assert_allclose(data.calibrator.values, VOLTS.magnitude)
        np.testing.assert_allclose(data.dmm.mean("reading").values, VOLTS.magnitude,
                                   rtol=1e-4, atol=1e-5)
        assert data.calibrator.attrs["units"] == "V"
    assert not bench.bench.calibrator.output.operating  # left in standby (its safe state)


def test_nested_sweep_outer_axis_first(bench: Any, tmp_path: Path) -> None:
    r = bench.resources
    ranges = np.array([10.0, 100.0]) * ureg.V
    seen: list[float] = []

    def set_range(dmm: Any, value: Any) -> None:
        seen.append(float(value.to("V").magnitude))
        dmm.configure(Function.DCV, value, nplc=1)

    result = daq.sweep({"calibrator": r["calibrator"], "dmm": r["dut"]},
                       [daq.Axis("dmm", ranges, name="range", set=set_range),
                        daq.Axis("calibrator", VOLTS[:3], settle="1 s")],
                       read=[daq.Readable("dmm", read=lambda d, n: d.read_many(n), unit="V")],
                       readings=2, out=tmp_path / "nested.h5", clock=bench.clock)
    assert result.completed
    assert seen == [10.0, 100.0]  # the outer axis is set once per value
    with daq.load(result.path) as data:
        assert data.dmm.dims == ("range", "calibrator", "reading")
        assert data.dmm.shape == (2, 3, 2)
        np.testing.assert_allclose(data.dmm.mean("reading").values,
                                   np.tile(VOLTS[:3].magnitude, (2, 1)), atol=1e-3)


class Sensor:
    """Somebody's own instrument class, not in the catalogue."""

    def __init__(self) -> None:
        self.calls = 0

    def temperature(self) -> float:
        self.calls += 1
        return 20.0 + 0.01 * self.calls


def test_own_instrument_object_with_own_read_function(tmp_path: Path) -> None:
    from metrolab.clock import VirtualClock

    sensor = Sensor()
    result = daq.log({"probe": sensor}, every="10 s", duration="1 min",
                     read=[daq.Readable("probe", name="t", unit="degC",
                                        read=lambda s, n: [s.temperature() for _ in range(n)])],
                     out=tmp_path / "own.h5", clock=VirtualClock())
    assert result.rows == 6 and sensor.calls == 6
    with daq.load(result.path) as data:
        np.testing.assert_allclose(data.t.values, 20.0 + 0.01 * np.arange(1, 7))
        assert "Sensor" in data.attrs["instruments"]


def test_readings_in_another_unit_are_converted(bench: Any, tmp_path: Path) -> None:
    r = bench.resources
    result = daq.sweep({"calibrator": r["calibrator"], "dmm": r["dut"]},
                       daq.Axis("calibrator", np.array([1.0]) * ureg.V),
                       read=[daq.Readable("dmm", "DCV 10V nplc=1", unit="mV")],
                       out=tmp_path / "mv.h5", clock=bench.clock)
    with daq.load(result.path) as data:
        assert data.dmm.attrs["units"] == "mV"
        assert data.dmm.item() == pytest.approx(1000.0, rel=1e-4)


def test_watch_holds_the_sweep_and_takes_the_step_again(bench: Any, tmp_path: Path) -> None:
    r = bench.resources
    lab = iter([22.0] * 15 + [26.5, 26.5, 22.5] + [22.0] * 100)  # trips in step 2
    result = daq.sweep(
        {"calibrator": r["calibrator"], "dmm": r["dut"], "env": r["hygrometer"]},
        daq.Axis("calibrator", VOLTS, settle="5 s"), read=["dmm"],
        watch=[daq.Watch("env", ureg.Quantity(21, "degC"), ureg.Quantity(25, "degC"),
                         name="lab temperature", poll="1 min",
                         read=lambda e, n: ureg.Quantity(next(lab), "degC"))],
        out=tmp_path / "watched.h5", clock=bench.clock)
    assert (result.status, result.rows) == ("completed", 6)
    events = _events(result)
    pauses = [m for t, m in events if t == "pause"]
    assert len(pauses) == 1 and "lab temperature 26.50 °C is outside 21–25 °C" in pauses[0]
    assert any(t == "resume" and "back in band" in m for t, m in events)
    with daq.load(result.path) as data:
        times = data.time.values.astype("datetime64[ns]").astype(float) / 1e9
        # the held step was taken after two polls of a minute, settled again
        assert np.diff(times).max() >= 120.0


def test_watch_out_of_band_too_long_aborts_cleanly(bench: Any, tmp_path: Path) -> None:
    r = bench.resources
    bench.bench.environment.set_temperature(30.0)
    result = daq.log({"dmm": r["dut"], "env": r["hygrometer"]}, every="1 s",
                     duration="1 h", read=["dmm"],
                     watch=[daq.Watch("env", ureg.Quantity(21, "degC"),
                                      ureg.Quantity(25, "degC"), call="temperature",
                                      poll="10 min", max_wait="1 h")],
                     out=tmp_path / "hot.h5", clock=bench.clock)
    assert result.status == "aborted"
    assert "stayed out of band for 3600 s" in result.reason
    with daq.load(result.path) as data:
        assert data.attrs["status"] == "aborted"
        assert data.sizes["time"] == 0


def _at_step(step: int, action: Any) -> Any:
    """Return a read function that calls ``action()`` when step ``step`` is read."""
    calls = {"n": 0}

    def read(dmm: Any, count: int) -> Any:
        if calls["n"] == step:
            action()
        calls["n"] += 1
        return dmm.read_many(count) if count > 1 else dmm.read()

    return read


def test_abort_request_ends_cleanly_with_the_rows_taken(bench: Any, tmp_path: Path) -> None:
    r = bench.resources
    engines: list[DaqEngine] = []
    result = daq.sweep(
        {"calibrator": r["calibrator"], "dmm": r["dut"]}, daq.Axis("calibrator", VOLTS),
        read=[daq.Readable("dmm", read=_at_step(2, lambda: engines[0].request_abort(
            "enough")), unit="V", setup=lambda d: d.configure(Function.DCV, None, nplc=1))],
        out=tmp_path / "abort.h5", clock=bench.clock, on_engine=engines.append)
    assert (result.status, result.reason, result.rows) == ("aborted", "enough", 3)
    assert ("abort", "enough") in _events(result)
    assert not bench.bench.calibrator.output.operating
    with daq.load(result.path) as data:
        assert data.attrs["status"] == "aborted"
        assert np.isnan(data.dmm.values[3:]).all()  # the steps never taken are NaN
        np.testing.assert_allclose(data.dmm.values[:3], VOLTS[:3].magnitude, atol=1e-4)


def test_pause_and_resume_from_another_thread(bench: Any, tmp_path: Path) -> None:
    r = bench.resources
    engines: list[DaqEngine] = []

    def pause_and_let_go() -> None:
        engines[0].request_pause()
        engines[0].request_resume()  # the pause is taken before the next step, then let go

    result = daq.log({"dmm": r["dut"]}, every="1 s", duration="10 s",
                     read=[daq.Readable("dmm", read=_at_step(4, pause_and_let_go), unit="V",
                                        setup=lambda d: d.configure(Function.DCV, None))],
                     out=tmp_path / "pause.h5", clock=bench.clock, on_engine=engines.append)
    assert result.completed and result.rows == 10
    kinds = [t for t, _ in _events(result)]
    assert kinds == ["pause", "resume"]


def test_a_fault_is_retried_once(bench: Any, tmp_path: Path) -> None:
    r = bench.resources
    result = daq.log({"dmm": r["dut"]}, every="1 s", duration="5 s", out=tmp_path / "f.h5",
                     read=[daq.Readable("dmm", read=_at_step(2, lambda: bench.bench.inject_fault(
                         "dut", "garble")), unit="V",
                         setup=lambda d: d.configure(Function.DCV, None))],
                     clock=bench.clock)
    assert (result.status, result.rows) == ("completed", 5)
    kinds = [t for t, _ in _events(result)]
    assert kinds == ["fault", "retry"]


def test_a_fault_that_persists_aborts(bench: Any, tmp_path: Path) -> None:
    r = bench.resources
    result = daq.log({"dmm": r["dut"]}, every="1 s", duration="5 s", out=tmp_path / "f.h5",
                     read=[daq.Readable("dmm", read=_at_step(1, lambda: bench.bench.inject_fault(
                         "dut", "garble", count=10)), unit="V",
                         setup=lambda d: d.configure(Function.DCV, None))],
                     clock=bench.clock)
    assert result.status == "aborted" and "persisted after 1 retry" in result.reason
    assert result.rows == 1


def test_an_overload_is_nan_with_a_note(bench: Any, tmp_path: Path) -> None:
    r = bench.resources
    result = daq.sweep({"calibrator": r["calibrator"], "dmm": r["dut"]},
                       daq.Axis("calibrator", np.array([0.5, 5.0]) * ureg.V),
                       read=[daq.Readable("dmm", "DCV 1V nplc=1")], out=tmp_path / "o.h5",
                       clock=bench.clock)
    assert result.completed
    with daq.load(result.path) as data:
        assert data.dmm[0].item() == pytest.approx(0.5, rel=1e-4)
        assert np.isnan(data.dmm[1].item())
    assert any(t == "note" and "overload at step 1" in m for t, m in _events(result))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"read": [daq.Readable("dmm", "XYZ")]}, "unknown function 'XYZ'"),
    ({"read": [daq.Readable("nobody")]}, "no instrument has that role"),
    ({"read": [daq.Readable("env", "ch9")]}, "use temperature, humidity, pressure"),
    ({"read": ["dmm", daq.Readable("env", name="dmm")]}, "used twice"),
    ({"every": "soon"}, "expected a time"),
])
def test_bad_declarations_are_refused_before_anything_is_written(
        bench: Any, tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    r = bench.resources
    options: dict[str, Any] = {"every": "1 s", "duration": "5 s", **kwargs}
    with pytest.raises(daq.DaqInputError, match=message):
        daq.log({"dmm": r["dut"], "env": r["hygrometer"]}, out=tmp_path / "bad.h5",
                clock=bench.clock, **options)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_refused(bench: Any, tmp_path: Path) -> None:
    (tmp_path / "x.h5").write_bytes(b"")
    with pytest.raises(daq.DaqInputError, match="exists"):
        daq.log({"dmm": bench.resources["dut"]}, every=1, duration=5, out=tmp_path / "x.h5",
                clock=bench.clock)


def test_sweeping_a_meter_with_no_setting_is_refused(bench: Any, tmp_path: Path) -> None:
    with pytest.raises(daq.DaqInputError, match="no setting to sweep"):
        daq.sweep({"dmm": bench.resources["dut"]}, daq.Axis("dmm", VOLTS),
                  out=tmp_path / "x.h5", clock=bench.clock)
