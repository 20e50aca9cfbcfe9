"""``metrolab log``, ``metrolab sweep`` and ``metrolab daq``: runs on the simulated bench, and
bad input as one line on stderr with exit code 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from metrolab import daq
from metrolab.store import read_journal
from metrolab.testing.cli import run_cli as run


def test_log_on_the_simulated_bench(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "weekend.h5"
    code, stdout, err = run(["log", "dmm=34465A", "env=HMT330", "--every", "1s", "--for",
                             "2min", "--read", "dmm=DCV 10V nplc=1", "--read", "env=humidity",
                             "--simulate", "--out", str(out)], capsys)
    assert code == 0, err
    assert f"completed: 120 rows in {out}" in stdout
    assert "SIMULATED" in err and "env" in err  # the live table's last state, on stderr
    with daq.load(out) as data:
        assert list(data.data_vars) == ["dmm", "env"]
        assert data.env.attrs["units"] == "percent"
        assert data.dmm.attrs["call"] == "DCV 10V nplc=1"
        assert '"simulated": true' in data.attrs["simulated"]
    assert (tmp_path / "weekend.daqjournal").is_file()


def test_sweep_on_the_simulated_bench(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "linearity.h5"
    code, _, err = run(["sweep", "cal=5522A", "dmm=34465A", "--set", "cal=-10V:10V:5",
                             "--settle", "2s", "--readings", "3", "--simulate", "--out",
                             str(out)], capsys)
    assert code == 0, err
    with daq.load(out) as data:
        np.testing.assert_allclose(data.cal.values, [-10, -5, 0, 5, 10])
        np.testing.assert_allclose(data.dmm.mean("reading").values, [-10, -5, 0, 5, 10],
                                   atol=1e-3)


def test_a_run_that_cannot_finish_exits_1_with_its_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cold.h5"
    code, _, err = run(["log", "dmm=34465A", "env=HMT330", "--every", "1s", "--for", "1h",
                        "--watch", "env.temperature=0degC:1degC", "--simulate", "--out",
                        str(out)], capsys)
    assert code == 1
    assert "did not complete" in err and "stayed out of band" in err
    assert "Traceback" not in err
    with daq.load(out) as data:
        assert data.attrs["status"] == "aborted"


@pytest.mark.parametrize(("args", "message"), [
    (["log", "dmm=34465A", "--every", "1s", "--simulate"], "give --for"),
    (["log", "--every", "1s", "--for", "1h", "--simulate"], "name the instruments"),
    (["log", "dmm=34465A", "--every", "soon", "--for", "1h", "--simulate"], "expected a time"),
    (["log", "dmm=3458A", "--every", "1s", "--for", "1h", "--simulate"], "ROLE=MODEL"),
    (["log", "dmm", "--every", "1s", "--for", "1h", "--simulate"], "expected NAME=VALUE"),
    (["log", "a=34465A", "b=34401A", "--every", "1s", "--for", "1h", "--simulate"],
     "both be the bench's dut"),
    (["log", "dmm=34465A", "--every", "1s", "--for", "1h", "--simulate", "--read",
      "dmm=DCV 10 parsecs"], "neither a V range"),
    (["log", "dmm=34465A", "--every", "1s", "--for", "1h", "--simulate", "--watch",
      "dmm=1V"], "ROLE[.CALL]=LOW:HIGH"),
    (["log", "dmm=34465A", "--every", "1s", "--for", "1h", "--simulate", "--port", "8000"],
     "--port only applies to --view"),
    (["sweep", "cal=5522A", "dmm=34465A", "--simulate"], "say what to set"),
    (["sweep", "cal=5522A", "dmm=34465A", "--set", "cal=0V:1V:x", "--simulate"],
     "whole number"),
    (["sweep", "cal=5522A", "dmm=34465A", "--set", "dmm=0V:1V:3", "--simulate"],
     "no setting to sweep"),
    (["log", "dmm=TCPIP0::127.0.0.1::1::SOCKET", "--every", "1s", "--for", "1h",
      "--timeout", "1s"], "cannot be opened"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          args: list[str], message: str) -> None:
    code, _, err = run([*args, "--out", str(tmp_path / "x.h5")], capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1 and message in lines[0], err
    assert not (tmp_path / "x.h5").exists()


def test_an_existing_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.h5").write_bytes(b"keep")
    code, _, err = run(["log", "dmm=34465A", "--every", "1s", "--for", "1min", "--simulate",
                        "--out", str(tmp_path / "x.h5")], capsys)
    assert code == 2 and "exists" in err
    assert (tmp_path / "x.h5").read_bytes() == b"keep"


def test_help_lists_the_acquisition_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = run(["--help"], capsys)
    assert code == 0
    for command in ("log", "sweep", "daq"):
        assert f"  {command} " in stdout


def test_resume_refuses_a_simulated_run(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "s.h5"
    assert run(["log", "dmm=34465A", "--every", "1s", "--for", "5s", "--simulate", "--out",
                str(out)], capsys)[0] == 0
    journal = tmp_path / "s.daqjournal"
    code, _, err = run(["daq", "resume", str(journal)], capsys)
    assert code == 2 and "already ended" in err
    assert [e.kind for e in read_journal(journal)][-1] == "run_ended"


def test_view_serves_the_live_page_during_the_run(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["log", "dmm=34465A", "--every", "1s", "--for", "10s", "--simulate",
                        "--view", "--out", str(tmp_path / "v.h5")], capsys)
    assert code == 0, err
    assert "live view: http://127.0.0.1:" in err
