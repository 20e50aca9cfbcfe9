"""``metrolab demo --dut PROFILE --calibrator PROFILE`` verifies DMMs of three makers against
two calibrators and certifies them (issue 15: a 34461A, a DMM6500 and an 8846A against a
5520A and a 5522A), for every seed of a sample.

In-process (the same drivers, no sockets) except the command-line run, which serves the
bench over TCP on 127.0.0.1 as ``metrolab demo`` does.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from metrolab.drivers.dmm.registry import dmm_profile
from metrolab.drivers.fluke.cal_profile import calibrator_profile
from metrolab.procedures.dmm_points import point_table
from rich.console import Console

from metrolab.cli import main
from metrolab.demo.run import DemoOptions, run_demo
from metrolab.runner.summary import point_results
from metrolab.store import open_record

DUTS = ("keysight-34461a", "keithley-dmm6500", "fluke-8846a")
CALIBRATORS = ("fluke-5520a", "fluke-5522a")
PAIRS = [(d, c) for d in DUTS for c in CALIBRATORS]


@pytest.fixture
def out_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder in memory where there is one (/dev/shm): the runs, not the disk, are tested."""
    if not Path("/dev/shm").is_dir():
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(dir="/dev/shm", prefix="metrolab-demo-") as folder:
        yield Path(folder)


def check_completed(result: object, dut: str, calibrator: str) -> None:
    run = result.run  # type: ignore[attr-defined]
    assert run.status.status == "completed", run.status.reason
    planned = point_table(dmm_profile(dut), calibrator_profile(calibrator)).points
    results = {r["point_id"]: r for r in point_results(run.journal)}
    assert list(results) == [p.point_id for p in planned]
    assert run.planned == len(planned)
    assert all(r["decision"]["statement"] in ("pass", "fail", "conditional pass",
                                              "conditional fail") for r in results.values())


def test_the_demo_command_verifies_a_34461a_against_a_5520a(tmp_path: Path) -> None:
    main(["demo", "--dut", "keysight-34461a", "--calibrator", "fluke-5520a", "--out",
          str(tmp_path)])
    (record,) = tmp_path.glob("dmm-verification-*.h5")
    opened = open_record(record)
    assert opened.run["procedure"]["name"] == "dmm-verification"
    assert opened.run["simulation"]["dut_profile"] == "keysight-34461a"
    models = {i["name"]: i["identity"]["model"] for i in opened.instruments}
    assert (models["dut"], models["calibrator"]) == ("34461A", "5520A")
    for suffix in (".pdf", ".html", ".dcc.xml"):
        assert record.with_name(record.name.removesuffix(".h5") + suffix).stat().st_size > 0
    statements = [p.result["decision"]["statement"] for p in opened.points]
    assert len(statements) == 20 and set(statements) == {"pass"}


@pytest.mark.slow
@pytest.mark.parametrize(("dut", "calibrator"), PAIRS)
def test_the_demo_certifies_each_pair(dut: str, calibrator: str, out_dir: Path) -> None:
    result = run_demo(out_dir, DemoOptions("dmm-verification", 0, (), wire=False,
                                           dut_profile=dut, calibrator_profile=calibrator),
                      Console(quiet=True))
    check_completed(result, dut, calibrator)
    assert set(result.files) == {"pdf", "html", "dcc"}
    assert all(path.stat().st_size > 0 for path in result.files.values())


@pytest.mark.slow
@pytest.mark.parametrize(("dut", "calibrator"), PAIRS)
def test_the_demo_completes_for_every_seed_of_a_sample(dut: str, calibrator: str,
                                                      out_dir: Path) -> None:
    for seed in range(1, 6):
        folder = out_dir / f"seed-{seed}"
        result = run_demo(folder, DemoOptions("dmm-verification", seed, (), wire=False,
                                              certificate=False, dut_profile=dut,
                                              calibrator_profile=calibrator),
                          Console(quiet=True))
        check_completed(result, dut, calibrator)
