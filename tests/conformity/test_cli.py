"""``metrolab risk``: output, JSON fields, negative values and one-line errors (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from metrolab.testing.cli import run_cli


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run_cli(["risk", *args], capsys)


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code, out, err = run([*args, "--json"], capsys)
    assert code == 0, err
    result: dict[str, object] = json.loads(out)
    return result


@pytest.mark.parametrize(
    "limits",
    [
        ["--lower", "-1", "--upper", "1"],
        ["--lower=-1", "--upper=1"],
        ["--upper", "1", "--lower=-1"],
    ],
)
def test_negative_values_work_in_both_spellings(
    limits: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_json([*limits, "--u", "0.125", "--measured", "-0.9"], capsys)
    assert result["tolerance_limits"] == [-1.0, 1.0]
    assert result["statement"] == "pass"
    assert result["tur"] == pytest.approx(4.0)


def test_negative_measured_and_guard_band_values(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(
        ["--lower", "-2", "--upper", "-1", "--u", "0.05", "--measured", "-1.95",
         "--guardband", "-0.05"],
        capsys,
    )  # fmt: skip
    assert result["acceptance_limits"] == pytest.approx([-2.05, -0.95])
    assert result["rule"] == "guarded"
    assert result["statement"] == "pass"


def test_json_fields_with_prior_and_target(capsys: pytest.CaptureFixture[str]) -> None:
    # TUR 4 and ITP 95 %: PFA 0.858 % (Morehouse: below 1 %); the 2 % target needs no guard band
    result = run_json(
        ["--lower", "-1", "--upper", "1", "--u", "0.125", "--measured", "0.9", "--itp", "0.95",
         "--target-pfa", "0.02"],
        capsys,
    )  # fmt: skip
    for field in ("statement", "probability_of_conformity", "pfa", "pfr", "tur",
                  "acceptance_limits"):  # fmt: skip
        assert field in result
    assert result["pfa"] == pytest.approx(0.00858, abs=1e-5)
    assert result["pfr"] == pytest.approx(0.01554, abs=1e-5)
    assert result["probability_of_conformity"] == pytest.approx(0.7881, abs=1e-4)
    target = result["target_pfa"]
    assert isinstance(target, dict)
    assert target["guard_band"] == [0.0, 0.0]
    assert result["warnings"] == []


def test_json_nulls_where_not_asked(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(["--upper", "2", "--u", "0.1"], capsys)
    assert result["statement"] is None
    assert result["probability_of_conformity"] is None
    assert result["pfa"] is None and result["pfr"] is None
    assert result["tur"] is None  # one-sided: no half-width
    assert result["acceptance_limits"] == [None, 2.0]


def test_target_pfa_finds_the_guard_band(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(
        ["--lower", "-1", "--upper", "1", "--u", "0.25", "--itp", "0.8", "--target-pfa", "0.02"],
        capsys,
    )
    assert result["pfa"] == pytest.approx(0.02, rel=1e-8)
    limits = result["acceptance_limits"]
    assert isinstance(limits, list)
    assert 0.5 < limits[1] < 1.0
    assert limits[0] == pytest.approx(-limits[1])


@pytest.mark.parametrize(
    ("method", "upper"),
    [("rss", 0.866025), ("rp10", 0.75), ("u", 0.5), ("dobbert", 0.859177)],
)
def test_guard_band_methods(method: str, upper: float, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(["--lower", "-1", "--upper", "1", "--u", "0.25", "--guardband", method],
                      capsys)  # fmt: skip
    assert result["acceptance_limits"][1] == pytest.approx(upper, abs=1e-6)  # type: ignore[index]


def test_prior_mean_and_sd_for_a_one_sided_tolerance(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(
        ["--upper", "2", "--u", "0.25", "--prior-mean", "1", "--prior-sd", "0.5",
         "--target-pfa", "0.001"],
        capsys,
    )  # fmt: skip
    assert result["pfa"] == pytest.approx(0.001, rel=1e-8)
    assert result["acceptance_limits"][0] is None  # type: ignore[index]


def test_human_output_lists_every_quantity(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        ["--lower", "-1", "--upper", "1", "--u", "0.25", "--measured", "0.95", "--rule",
         "nonbinary", "--guardband", "u", "--itp", "0.9", "--target-pfa", "0.02"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    lines = dict(line.split(" : ", 1) for line in out.splitlines())
    labels = {label.strip(): value for label, value in lines.items()}
    assert labels["acceptance limits"] == "[-0.5, 0.5]"
    assert labels["TUR"] == "2 : 1"
    assert labels["statement"] == "conditional pass"
    assert labels["probability of conformity"].startswith("57.93 %")
    assert labels["global PFA / PFR"].endswith("%")
    assert labels["guard band for PFA 2 %"].startswith("w = 0.0268")
    assert err == ""


def test_low_tur_without_prior_warns_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--lower", "-1", "--upper", "1", "--u", "0.25"], capsys)
    assert code == 0
    assert err.startswith("warning: TUR 2:1 is below 4:1")
    assert "acceptance limits" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lower", "-1", "--upper", "1"], "--u"),
        (["--lower", "-1", "--upper", "1", "--u", "-0.1"], "positive"),
        (["--lower", "-1", "--upper", "1", "--u", "abc"], "'abc' is not a valid float"),
        (["--lower", "1", "--upper", "-1", "--u", "0.1"], "not below"),
        (["--u", "0.1"], "no tolerance limit"),
        (["--lower", "-1", "--upper", "1", "--u", "0.1", "--rule", "lenient"], "--rule"),
        (["--lower", "-1", "--upper", "1", "--u", "0.1", "--guardband", "wide"], "neither"),
        (["--lower", "-1", "--upper", "1", "--u", "0.1", "--rule", "simple", "--guardband",
          "rss"], "simple acceptance"),
        (["--lower", "-1", "--upper", "1", "--u", "0.1", "--itp", "95"], "fraction"),
        (["--lower", "-1", "--upper", "1", "--u", "0.1", "--itp", "0.9", "--prior-mean", "0"],
         "either --itp"),
        (["--lower", "-1", "--upper", "1", "--u", "0.1", "--prior-mean", "0"], "go together"),
        (["--lower", "-1", "--upper", "1", "--u", "0.1", "--target-pfa", "0.02"], "needs a prior"),
        (["--lower", "-1", "--upper", "1", "--u", "0.1", "--itp", "0.9", "--target-pfa", "2"],
         "fraction"),
        (["--upper", "1", "--u", "0.1", "--itp", "0.9"], "both tolerance limits"),
        (["--upper", "1", "--u", "0.1", "--guardband", "rss"], "two-sided"),
        (["--lower", "-1", "--upper", "1", "--u", "0.1", "--bogus"], "No such option"),
        (["--lower", "-1", "--upper", "1", "--u", "0.1", "--k"], "requires an argument"),
        # issue 10 input contract: accepted with null limits and two numpy warnings
        (["--lower", "inf", "--u", "1e-300"], "--lower inf must be a finite number"),
        (["--lower", "-1", "--upper", "1", "--u", "0.1", "--measured", "nan"],
         "--measured nan must be a finite number"),
        # U = 2e-320 beside limits +/-1: the TUR overflowed and printed as "n/a (one-sided)"
        (["--lower", "-1", "--upper", "1", "--u", "1e-320", "--itp", "0.9"],
         "cannot be evaluated in double precision"),
        # a prior sd of 5e-324: the risk integrals were NaN, printed as null
        (["--lower", "-1", "--upper", "1", "--u", "0.1", "--prior-mean", "0", "--prior-sd",
          "5e-324"], "cannot be evaluated for these values in double precision"),
    ],
)  # fmt: skip
def test_bad_arguments_give_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(args, capsys)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert message in lines[0]


def test_subprocess_negative_lower_limit_and_error_without_traceback() -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "metrolab", "risk", "--lower", "-1", "--upper", "1", "--u",
         "0.125", "--json"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["acceptance_limits"] == [-1.0, 1.0]
    bad = subprocess.run(
        [sys.executable, "-m", "metrolab", "risk", "--lower", "-1", "--upper", "1"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
