"""dmm-verification: points, limits and TURs from the profiles' data, flagged before the run.

The expected values are computed here from the TOML files themselves (spec tables and
profiles read with tomllib, the tolerance formula of the datasheets written out), not
through the code under test.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from metrolab.drivers.dmm.registry import dmm_profile
from metrolab.drivers.fluke.cal_profile import calibrator_profile
from metrolab.procedures import dmm_34401a_verification as dmm34401a
from metrolab.procedures import dmm_verification as generic
from metrolab.procedures.dmm_points import point_table

from metrolab.clock import VirtualClock
from metrolab.runner.engine import RunContext, RunSettings
from metrolab.testing.cli import run_cli

DRIVERS = Path(dmm_profile("keysight-34401a").path).parents[2]


def load(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def spec_rows(path: Path) -> list[dict[str, Any]]:
    """Return one row per function of every [[spec]] table of ``path``."""
    rows = []
    for row in load(path)["spec"]:
        for function in row["functions"]:
            rows.append({**row, "function": function})
    return rows


def half_width(row: dict[str, Any], value: float) -> float:
    """± (reading term + range term + floor), the datasheets' formula."""
    reading = row["reading_ppm"] / 1e4 if "reading_ppm" in row else row.get("reading_pct", 0.0)
    return (abs(value) * reading / 100 + row["range"] * row.get("range_pct", 0.0) / 100
            + row.get("floor", 0.0))


def dut_half_width(rows: list[dict[str, Any]], function: str, span: float, value: float) -> float:
    (row,) = [r for r in rows if r["function"] == function and math.isclose(r["range"], span)
              and r.get("frequency_min") is None]
    return half_width(row, value)


def calibrator_half_width(rows: list[dict[str, Any]], function: str, value: float) -> float:
    """The calibrator's spec at ``value``: the smallest full-scale range holding it."""
    held = sorted((r for r in rows if r["function"] == function and r.get("frequency_min") is None
                   and abs(value) <= r["range"]), key=lambda r: r["range"])
    return half_width(held[0], value)


def resolution(profile: dict[str, Any], span: float, nplc: float = 10.0) -> float:
    rows = [r for r in profile["integration"] if r["nplc"] <= nplc]
    return rows[-1]["resolution_ppm"] * 1e-6 * span


def expected_tur(dut: str, calibrator: str, function: str, value: float, span: float) -> float:
    """TUR = T / U, U = 2 u of the calibrator's, half the resolution's and (DC volts) the
    1 µV thermal EMF's rectangular terms."""
    profile = load(DRIVERS / dut.split("-")[0] / "profiles" / f"{dut.split('-')[1]}.toml")
    dut_rows = spec_rows(DRIVERS / dut.split("-")[0] / "specs" / profile["spec"])
    cal_profile = load(DRIVERS / "fluke" / "cal_profiles" / f"{calibrator.split('-')[1]}.toml")
    cal_rows = spec_rows(DRIVERS / "fluke" / "specs" / cal_profile["specs"]["1-year"])
    tolerance = dut_half_width(dut_rows, function, span, value) + \
        (0.2 if function == "RES2" else 0.0)
    halves = [calibrator_half_width(cal_rows, function, value), resolution(profile, span) / 2]
    if function == "DCV":
        halves.append(1e-6)
    return tolerance / (2 * math.sqrt(sum(h * h for h in halves) / 3))


#: the 34461A's verification against a 5520A, as its specification table gives it: DC
#: voltage only (the only function read from the datasheet), zero on each range, 10 % and
#: ±100 % of range; the 1000 V range reads nothing above full scale, so ±90 % there
POINTS_34461A = [
    ("ZERO-DCV-100mV", 0.0, 0.1), ("ZERO-DCV-1V", 0.0, 1.0), ("ZERO-DCV-10V", 0.0, 10.0),
    ("ZERO-DCV-100V", 0.0, 100.0), ("ZERO-DCV-1000V", 0.0, 1000.0),
    ("DCV-10mV-on-100mV", 0.01, 0.1), ("DCV-100mV", 0.1, 0.1), ("DCV--100mV", -0.1, 0.1),
    ("DCV-100mV-on-1V", 0.1, 1.0), ("DCV-1V", 1.0, 1.0), ("DCV--1V", -1.0, 1.0),
    ("DCV-1V-on-10V", 1.0, 10.0), ("DCV-10V", 10.0, 10.0), ("DCV--10V", -10.0, 10.0),
    ("DCV-10V-on-100V", 10.0, 100.0), ("DCV-100V", 100.0, 100.0), ("DCV--100V", -100.0, 100.0),
    ("DCV-100V-on-1000V", 100.0, 1000.0), ("DCV-900V-on-1000V", 900.0, 1000.0),
    ("DCV--900V-on-1000V", -900.0, 1000.0),
]


def test_points_and_turs_of_a_34461a_against_a_5520a() -> None:
    table = point_table(dmm_profile("keysight-34461a"), calibrator_profile("fluke-5520a"))
    assert [(p.point.point_id, p.point.nominal.to("V").magnitude,
             p.point.range.to("V").magnitude) for p in table.planned] == \
        [(i, pytest.approx(v), pytest.approx(r)) for i, v, r in POINTS_34461A]
    assert table.left_out == ()
    for planned, (_, value, span) in zip(table.planned, POINTS_34461A, strict=True):
        assert planned.limits.tur == pytest.approx(
            expected_tur("keysight-34461a", "fluke-5520a", "DCV", value, span), rel=1e-9)
    # the 10 V point: T = 35 ppm of 10 V + 5 ppm of 10 V = 400 µV (5991-1983EN)
    assert table.planned_point("DCV-10V").limits.tolerance.to("uV").magnitude == \
        pytest.approx(400.0)


def test_points_and_turs_of_a_dmm6500_against_a_5522a() -> None:
    dut, calibrator = "keithley-dmm6500", "fluke-5522a"
    table = point_table(dmm_profile(dut), calibrator_profile(calibrator))
    profile = load(DRIVERS / "keithley" / "profiles" / "dmm6500.toml")
    rows = spec_rows(DRIVERS / "keithley" / "specs" / profile["spec"])
    dc = [r for r in rows if r["function"] in ("DCV", "DCI", "RES2", "RES4")]
    measured = {(p.point.function, p.point.range.magnitude) for p in table.planned}
    left = {(p.point.function, p.point.range.magnitude) for p in table.left_out}
    # every DC range of the spec table is verified (or left out with a reason)
    assert {(r["function"], r["range"]) for r in dc} <= measured | left
    for planned in table.planned:
        point = planned.point
        if point.frequency is not None:
            continue
        assert planned.limits.tur == pytest.approx(expected_tur(
            dut, calibrator, point.function, point.nominal.magnitude, point.range.magnitude),
            rel=1e-9), point.point_id
    reasons = {p.point.point_id: p.reason for p in table.left_out}
    # 1 ohm + the 2-wire leads reaches the top of the 1 ohm range
    assert "would overload the 1ohm range" in reasons["RES2-1ohm"]


def test_a_calibrator_that_cannot_source_a_point_leaves_it_out_with_the_reason() -> None:
    table = point_table(dmm_profile("keithley-2000"), calibrator_profile("fluke-5720a"))
    reasons = {p.point.point_id: p.reason for p in table.left_out}
    assert table.planned == ()
    assert reasons["DCI-2.7A-on-3A"] == "the 5720A cannot source it: its DCI output reaches " \
                                        "2.1999A"
    assert "the 5720A profile holds no 1-year specification" in reasons["DCV-10V"]


def flags(out: str) -> dict[str, tuple[float, str]]:
    """Return point id -> (TUR, rule text) of the low-TUR notes before the first point."""
    head = out.split("point 1/")[0].replace("\n", " ")
    head = re.sub(r"\s+", " ", head)
    return {m.group(2): (float(m.group(1)), m.group(3)) for m in re.finditer(
        r"low TUR (\d+\.\d\d) < 4 at (\S+): (.+?) \((?:measured, flagged|refused: not "
        r"measured)\)", head)}


def test_the_dry_run_flags_every_point_below_the_minimum_tur(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["run", "dmm-verification", "--dry-run", "--dut", "keysight-34461a",
                            "--standard", "calibrator=fluke-5520a"], capsys)
    assert code == 0
    expected = {i: expected_tur("keysight-34461a", "fluke-5520a", "DCV", v, r)
                for i, v, r in POINTS_34461A}
    low = {i for i, tur in expected.items() if tur < 4}
    assert low and low != set(expected)
    found = flags(out)
    assert set(found) == low
    for point_id, (tur, rule) in found.items():
        assert tur == pytest.approx(expected[point_id], abs=0.005)
        assert rule.startswith("simple acceptance (ILAC-G8), pass within ±T = ±")
    assert f"dry run: {len(POINTS_34461A)} points" in out


def test_a_guarded_rule_is_shown_with_its_acceptance_limit(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["run", "dmm-verification", "--dry-run", "--dut", "keysight-34461a",
                            "--standard", "calibrator=fluke-5520a", "--rule", "guarded",
                            "--guard", "u"], capsys)
    assert code == 0
    _, rule = flags(out)["DCV-10V"]
    # A = T - U: T = 400 µV, U = T / TUR
    tur = expected_tur("keysight-34461a", "fluke-5520a", "DCV", 10.0, 10.0)
    accept = re.search(r"pass within ±(\d+(?:\.\d+)?) µV of ±400 µV", rule)
    assert accept is not None, rule
    assert float(accept.group(1)) == pytest.approx(400.0 - 400.0 / tur, rel=5e-3)


def test_a_run_can_refuse_the_low_tur_points(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["run", "dmm-verification", "--dry-run", "--dut", "keysight-34461a",
                            "--standard", "calibrator=fluke-5520a", "--low-tur", "refuse"],
                           capsys)
    assert code == 0
    kept = [i for i, v, r in POINTS_34461A
            if expected_tur("keysight-34461a", "fluke-5520a", "DCV", v, r) >= 4]
    assert f"dry run: {len(kept)} points" in out
    listed = re.findall(r"point \d+/\d+\[?/?b?o?l?d?\]? as_found (\S+)", out)
    assert listed == kept
    assert "(refused: not measured)" in out


def test_a_lower_minimum_flags_fewer_points() -> None:
    settings = RunSettings(min_tur=2.0)
    ctx = RunContext("as_found", settings, {}, {"dut": "34461A", "calibrator": "5520A"},
                     VirtualClock(), dry_run=True)
    notes = [n.text for n in generic.VERIFICATION.announce(ctx)]
    expected = {i for i, v, r in POINTS_34461A
                if expected_tur("keysight-34461a", "fluke-5520a", "DCV", v, r) < 2}
    assert {re.search(r"at (\S+):", n).group(1) for n in notes} == expected  # type: ignore[union-attr]


@pytest.mark.parametrize(("args", "fragment"), [
    (["--dut", "keithley-dmm9999"], "unknown DMM profile 'keithley-dmm9999': known profiles "
                                    "are fluke-8845a, fluke-8846a"),
    (["--dut", "keysight-34461a", "--calibrator", "fluke-9999"],
     "--calibrator 'fluke-9999': unknown calibrator profile; valid: fluke-5500a"),
])
def test_an_unknown_demo_profile_is_one_line_and_exit_2(
        args: list[str], fragment: str, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    code, _, err = run_cli(["demo", "--out", str(tmp_path / "out"), *args], capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and fragment in lines[0], err
    assert not (tmp_path / "out").exists()


def test_the_dry_run_names_a_model_it_does_not_know(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["run", "dmm-verification", "--dry-run", "--dut", "keysight-9999"],
                           capsys)
    assert code == 2 and "dut 'keysight-9999' is neither a resource nor one of its models" in err


def test_the_34401a_procedure_is_the_generic_one_on_its_pair() -> None:
    """Same points (the service guide's table, held as data) and same plans: the generic
    procedure on a 34401A and a 5522A measures exactly what dmm-34401a-verification does."""
    ctx = RunContext("as_found", RunSettings(), {}, {"dut": "34401A", "calibrator": "5522A"},
                     VirtualClock())
    assert generic.points_for(ctx) == dmm34401a.TEST_POINTS
    assert [p.point_id for p in dmm34401a.TEST_POINTS][:5] == [
        "ZERO-DCV-100mV", "ZERO-DCV-1V", "ZERO-DCV-10V", "ZERO-DCV-100V", "ZERO-DCV-1000V"]
    assert len(dmm34401a.TEST_POINTS) == 36
    assert {p.point_id for p in dmm34401a.TEST_POINTS} >= {"DCV--10V", "DCI-2A",
                                                         "ACV-100V-1kHz", "RES4-10Mohm"}
    meta = dmm34401a.METADATA
    assert (meta.name, meta.version, meta.dut_models) == ("dmm-34401a-verification", "1.0",
                                                          ("34401A",))
    assert {r: list(s.drivers) for r, s in meta.instruments.items()} == {
        "dut": ["34401A"], "calibrator": ["5522A"], "hygrometer": ["HMT330"]}
