"""``metrolab uncertainty MODEL.toml``: JSON shape, tables, and one-line errors with exit 2."""

from __future__ import annotations

import json
import re

import pytest

from metrolab.cli import main

EXAMPLE = """
[model]
equations = { P = "V**2 / R" }
units = { P = "W" }
[inputs.V]
value = 10.0
u = 0.002
dof = 9
distribution = "normal"
unit = "V"
[inputs.R]
value = 100.0
half_width = 0.05
dof = 9
distribution = "rectangular"
unit = "ohm"
[[correlations]]
between = ["V", "R"]
r = 0.2
[settings]
coverage = 0.95
"""

H2 = """
title = "GUM H.2: resistance, reactance and impedance"
[model]
equations = { R = "V / I * cos(phi)", X = "V / I * sin(phi)", Z = "V / I" }
units = { R = "ohm", X = "ohm", Z = "ohm" }
[inputs.V]
readings = [5.007, 4.994, 5.005, 4.990, 4.999]
unit = "V"
[inputs.I]
readings = [19.663, 19.639, 19.640, 19.685, 19.678]
unit = "mA"
[inputs.phi]
readings = [1.0456, 1.0438, 1.0468, 1.0428, 1.0433]
unit = "rad"
[[observed_together]]
inputs = ["V", "I", "phi"]
"""


def run(tmp_path, text, *args):
    """Write ``text`` as a model file and run the command; return the exit code."""
    path = tmp_path / "model.toml"
    path.write_text(text, encoding="utf-8")
    try:
        main(["uncertainty", str(path), *args])
    except SystemExit as exc:
        return exc.code
    return 0


def test_json_has_the_documented_shape_with_both_methods(tmp_path, capsys):
    """--method both: GUM value and interval at the top, Monte Carlo under "mc", seed recorded."""
    code = run(tmp_path, EXAMPLE, "--method", "both", "--trials", "200000", "--seed", "3", "--json")
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    p = data["outputs"]["P"]
    assert set(p) >= {"value", "u", "dof", "k", "U", "coverage", "interval", "mc"}
    assert p["unit"] == "W" and p["value"] == pytest.approx(1.0)
    # u^2 = (0.2 x 0.002)^2 + (0.01 x 0.0289)^2 + 2 x 0.2 x (0.2 x 0.002)(-0.01 x 0.0289)
    c_v, c_r = 2 * 10 / 100, -(10**2) / 100**2
    u_v, u_r = 0.002, 0.05 / 3**0.5
    expected = ((c_v * u_v) ** 2 + (c_r * u_r) ** 2 + 2 * 0.2 * c_v * u_v * c_r * u_r) ** 0.5
    assert p["u"] == pytest.approx(expected, rel=1e-9)
    assert p["interval"] == pytest.approx([p["value"] - p["U"], p["value"] + p["U"]])
    assert set(p["mc"]) >= {"value", "u", "interval_symmetric", "interval_shortest", "trials"}
    assert p["mc"]["trials"] == 200_000 and p["mc"]["seed"] == 3
    assert p["mc"]["u"] == pytest.approx(p["u"], rel=0.02)
    assert [b["input"] for b in data["budget"]] == ["V", "R"]
    assert "correlation" not in data  # one output only


def test_several_outputs_report_their_correlation(tmp_path, capsys):
    """GUM H.2 from a model file: readings observed together, output correlation matrix."""
    assert run(tmp_path, H2, "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["correlation"]["names"] == ["R", "X", "Z"]
    assert data["correlation"]["matrix"][0][1] == pytest.approx(-0.588, abs=0.0005)
    assert data["outputs"]["R"]["value"] == pytest.approx(127.732, abs=0.0005)
    assert data["outputs"]["R"]["dof"] == pytest.approx(4)
    assert "mc" not in data["outputs"]["R"]


def test_monte_carlo_only_and_adaptive(tmp_path, capsys):
    """--method mc --trials adaptive: top level from Monte Carlo, null dof, trials reported."""
    assert (
        run(tmp_path, EXAMPLE, "--method", "mc", "--trials", "adaptive", "--seed", "1", "--json")
        == 0
    )
    p = json.loads(capsys.readouterr().out)["outputs"]["P"]
    assert p["dof"] is None and p["mc"]["trials"] % 10_000 == 0
    assert p["interval"] == p["mc"]["interval_symmetric"]


def test_table_output(tmp_path, capsys):
    """Without --json a result table and a budget table are printed."""
    assert run(tmp_path, EXAMPLE, "--coverage", "0.99") == 0
    out = capsys.readouterr().out
    assert "Uncertainty budget" in out and "rectangular" in out and "P" in out


def test_table_gives_value_u_and_interval_to_one_decimal_place(tmp_path, capsys):
    """u = 0.000444 W: value, U and interval end at the place of u's third digit (1e-6)."""
    assert run(tmp_path, EXAMPLE) == 0
    out = capsys.readouterr().out
    assert "1.000000" in out and "0.001004" in out and "[0.998996, 1.001004]" in out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('distribution = "normal"', 'distribution = "gaussian-ish"'),
            "input 'V': unknown distribution",
        ),
        (("u = 0.002", "u = -0.002"), "input 'V': u must be zero or positive, got -0.002"),
        (("r = 0.2", "r = 1.2"), r"outside \[-1, 1\]"),
        (('unit = "ohm"', 'unit = "s"'), "output 'P': its unit V²/s cannot be expressed in 'W'"),
        (('"V**2 / R"', '"V**2 + R"'), "units do not combine"),
        (('"V**2 / R"', '"V**2 / Rx"'), "'Rx' is not an input"),
        (('"V**2 / R"', "\"__import__('os').getcwd()\""), "is not allowed"),
        (('"V**2 / R"', '"V.real / R"'), "attributes and modules are not allowed"),
        (("dof = 9", "dof = 9\nuu = 3"), "unknown key"),
        (("value = 100.0", 'value = "hundred"'), "must be a number"),
        (("[settings]", "[settings]\nmethod = 'guess'"), "settings.method"),
        (("[[correlations]]", "[[correlations]\n"), "not valid TOML"),
    ],
)
def test_bad_model_files_fail_with_one_line_and_exit_2(tmp_path, capsys, change, message):
    """Each bad file gives exit code 2 and one line naming the input/output and the problem."""
    old, new = change
    assert old in EXAMPLE
    assert run(tmp_path, EXAMPLE.replace(old, new, 1), "--json") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("error: ") and "model.toml" in err
    assert re.search(message, err), err


def test_not_positive_semidefinite_correlations(tmp_path, capsys):
    """Three pairwise correlations that cannot hold together are refused (exit 2)."""
    text = """
[model]
equations = { y = "a + b + c" }
[inputs.a]
value = 1.0
u = 0.1
[inputs.b]
value = 1.0
u = 0.1
[inputs.c]
value = 1.0
u = 0.1
[[correlations]]
between = ["a", "b"]
r = 0.9
[[correlations]]
between = ["a", "c"]
r = 0.9
[[correlations]]
between = ["b", "c"]
r = -0.9
"""
    assert run(tmp_path, text) == 2
    assert "not positive semi-definite" in capsys.readouterr().err


def test_missing_file_and_bad_trials(tmp_path, capsys):
    """A missing file and an unreadable --trials are input errors (exit 2)."""
    with pytest.raises(SystemExit) as info:
        main(["uncertainty", str(tmp_path / "absent.toml")])
    assert info.value.code == 2
    assert "cannot read the model file" in capsys.readouterr().err
    assert run(tmp_path, EXAMPLE, "--method", "mc", "--trials", "lots") == 2
    assert "--trials" in capsys.readouterr().err


DMM_ERROR = """
[model]
equations = { E = "reading - cal" }
units = { E = "uV" }
[inputs.reading]
value = 10.00002
u = 0.000005
dof = 9
unit = "V"
[inputs.cal]
value = 10.0
half_width = 0.00005
distribution = "rectangular"
unit = "V"
"""


def test_budget_shows_u_and_contribution_in_one_unit_with_unit_sensitivities(tmp_path, capsys):
    run(tmp_path, DMM_ERROR)
    out = capsys.readouterr().out
    reading = next(line for line in out.splitlines() if "reading" in line)
    cells = [c.strip() for c in reading.split("│") if c.strip()]
    # u(x), sensitivity, c·u: 5 µV beside 5 µV, sensitivity 1 (µV/µV), not 5e-06 and 1e+06
    assert cells[3] == "5 µV" and cells[6] == "1" and cells[7] == "5 µV"
    cal = next(line for line in out.splitlines() if "│ cal" in line)
    assert "28.9 µV" in cal and "-1 " in cal and "∞" in cal
    # ν_eff ≈ 10609: more than 10⁴ degrees of freedom print as ∞, never as 10609.0
    result = next(line for line in out.splitlines() if line.startswith("│ E "))
    assert "∞" in result and "10609" not in result


def test_budget_sensitivity_with_dimensions_keeps_its_unit(tmp_path, capsys):
    from metrolab.uncertainty.cli import budget_cells

    u, sensitivity, contribution, value = budget_cells(
        {"value": 10.0, "u": 0.002, "unit": "V", "sensitivity": 0.2, "contribution": 4e-4},
        "W")
    assert (u, sensitivity, contribution, value) == ("2 mV", "0.2 W/V", "400 µW", "10 V")
