"""Issue 10, the input contract of ``metrolab uncertainty``: bad input gives one line on
stderr and exit 2, never a traceback, never an unbounded run.

Each case below reproduces one path the issue lists (or one found while fixing them),
with what it did before: a traceback, a run that never ended, or a silently wrong answer.
"""

from __future__ import annotations

import json

import pytest

from .hostile import contract_broken, run

GOOD = """
[model]
equations = { y = "x * 2" }
[inputs.x]
value = 1.0
u = 0.1
"""

TWO_INPUTS = """
[model]
equations = { y = "x * z" }
[inputs.x]
value = 1.0
u = 0.1
[inputs.z]
value = 2.0
u = 0.1
"""


def _file(tmp_path, text: str | bytes):
    path = tmp_path / "model.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _sum(terms: int) -> str:
    return GOOD.replace('"x * 2"', '"' + " + ".join(["x"] * terms) + '"')


CASES = [
    # (what it did before, file text, options, expected message)
    ("OverflowError", GOOD, ["--method", "mc", "--trials", "inf"], "--trials: expected a whole"),
    ("OverflowError", GOOD, ["--method", "mc", "--trials", "1e400"], "more than the 100,000,000"),
    ("ran for hours", GOOD, ["--method", "mc", "--trials", "1e12"], "more than the 100,000,000"),
    (
        "a '95 %' interval from 2 draws",
        GOOD,
        ["--method", "mc", "--trials", "2"],
        "2 trials cannot give a 95 % coverage interval; give at least 10000 (JCGM 101 7.2.2",
    ),
    ("2.5 trials ran as 2", GOOD, ["--method", "mc", "--trials", "2.5"], "expected a whole"),
    (
        "accepted",
        GOOD,
        ["--method", "mc", "--trials", "20000", "--coverage", "0.9999999"],
        "coverage 0.9999999: a Monte Carlo interval needs at least 10000000",
    ),
    ("ValueError", GOOD, ["--method", "mc", "--seed", "-1"], "--seed -1: give a whole number"),
    ("accepted", GOOD, ["--coverage", "nan"], "--coverage: coverage probability must be"),
    ("UnicodeDecodeError", b"\xff\xfe[model]\n", [], "model.toml:1: not UTF-8 text (byte 0xff"),
    (
        "TokenError",
        GOOD + 'unit = "(V"\n',
        [],
        "model.toml:7: input 'x': unknown unit '(V': unbalanced brackets",
    ),
    ("AssertionError", GOOD + 'unit = "V*"\n', [], "unknown unit 'V*': it is incomplete"),
    (
        "OverflowError",
        GOOD + 'unit = "V**99999999999"\n',
        [],
        "exponent 99999999999 is out of range",
    ),
    ("never returned", GOOD + 'unit = "V**9**9**9"\n', [], "one exponent per unit"),
    (
        "never returned",
        GOOD.replace('"x * 2" }', '"x * 2" }\nunits = { y = "9**9**9*V" }'),
        [],
        "model.toml:4: output 'y': unit '9**9**9*V': only a unit can be raised to a power",
    ),
    ("RecursionError", GOOD.replace('"x * 2"', '"' + "-" * 2000 + 'x"'), ["--json"], None),
    (
        "never returned",
        GOOD.replace('"x * 2"', '"x + 9**9**9"'),
        [],
        "model.toml:3: output 'y': the constant 9**(9**9) overflows double precision",
    ),
    (
        "never returned",
        GOOD.replace('"x * 2"', '"x + 10**10**10"'),
        [],
        "the constant 10**(10**10) overflows",
    ),
    (
        "printed 11.0, exit 0",
        GOOD.replace('"x * 2"', '"x + (-8)**(1/3)"').replace("1.0", "10.0"),
        [],
        "the constant (-8)**(1/3) is not a real number",
    ),
    ("ValueError", GOOD + "[settings]\nseed = -1\n", [], "model.toml:8: settings.seed = -1 is"),
    ("accepted", GOOD + "[settings]\nseed = 99999999999999999999\n", [], "settings.seed = "),
    (
        "error without a line",
        GOOD.replace("value = 1.0", 'value = "1.0"'),
        [],
        "model.toml:5: input 'x': value must be a number, got '1.0'",
    ),
    (
        "TypeError",
        "correlations = 5\n" + GOOD,
        [],
        "model.toml:1: [[correlations]] must be a list of tables",
    ),
    ("NotRenderableError", "title = 5\n" + GOOD, [], "model.toml:1: title must be text"),
    ("MarkupError", 'title = "[/]"\n' + GOOD, [], None),
    (
        "k = 12.7 from dof -5",
        GOOD.replace(
            "value = 1.0\nu = 0.1", "readings = [1.0, 1.1, 0.9]\npooled_sd = 0.1\npooled_dof = -5"
        ),
        [],
        "model.toml:7: input 'x': pooled_dof must be positive, got -5",
    ),
    (
        "accepted as normal",
        GOOD + 'distribution = "t"\n',
        [],
        "input 'x': a t distribution needs its degrees of freedom",
    ),
    (
        "the last one silently won",
        TWO_INPUTS + '[[correlations]]\nbetween = ["x", "z"]\nr = 0.5\n'
        '[[correlations]]\nbetween = ["z", "x"]\nr = -0.5\n',
        [],
        "model.toml:13: correlation #2: the correlation between 'z' and 'x' is already given by "
        "correlation #1",
    ),
    (
        "silently ignored",
        GOOD.replace("value = 1.0\nu = 0.1", "readings = [1.0, 1.1, 0.9]\ndof = 50"),
        [],
        "input 'x': dof does not go with readings",
    ),
    ("silently ignored", GOOD + "k = 2\n", [], "input 'x': k is the coverage factor of expanded"),
    ("silently ignored", GOOD + "beta = 0.5\n", [], "beta applies to a trapezoidal"),
    (
        "OverflowError",
        GOOD.replace("value = 1.0", "value = 1" + "0" * 400),
        [],
        "value = 100000000000000000000000000000000000000000000000000000000... is beyond double",
    ),
    ("accepted inf", GOOD.replace("u = 0.1", "u = inf"), [], "u must be a finite number"),
    (
        "RecursionError",
        "a = " + "[" * 5000 + "]" * 5000 + "\n" + GOOD,
        [],
        "not valid TOML: arrays or tables nested too deeply",
    ),
    (
        "ValueError: cannot convert float NaN",
        GOOD.replace('"x * 2"', '"log(x - 2)"'),
        [],
        "output 'y' = log(x - 2) is NaN (not a number) at x = 1",
    ),
    ("multi-line usage error", GOOD, ["--method", "fast"], "metrolab uncertainty: Invalid value"),
]


@pytest.mark.parametrize(("before", "text", "options", "message"), CASES)
def test_bad_input_is_one_line_and_exit_2(tmp_path, before, text, options, message):
    """Each path of the issue's list: exit 2, one line naming the problem (None: exit 0)."""
    outcome = run(["uncertainty", str(_file(tmp_path, text)), *options])
    assert contract_broken(outcome, limit=30.0) is None, contract_broken(outcome, 30.0)
    if message is None:
        assert outcome.code == 0, outcome.err
    else:
        assert outcome.code == 2
        assert message in outcome.err, outcome.err


def test_a_thousand_term_sum_is_a_legitimate_model(tmp_path):
    """A 1,000-term sum raised RecursionError; it evaluates, by GUM and Monte Carlo."""
    outcome = run(["uncertainty", str(_file(tmp_path, _sum(1000))), "--method", "both",
                   "--trials", "10000", "--seed", "1", "--json"])  # fmt: skip
    assert outcome.code == 0, outcome.err
    y = json.loads(outcome.out)["outputs"]["y"]
    assert y["value"] == pytest.approx(1000.0)
    assert y["u"] == pytest.approx(100.0)
    assert y["mc"]["u"] == pytest.approx(100.0, rel=0.05)


def test_warnings_are_one_line_each_and_absent_from_errors(tmp_path):
    """Readings that drift warn (AutocorrelationWarning) in one line after the result; the
    same file with an error prints the error alone."""
    drifting = GOOD.replace("value = 1.0\nu = 0.1", "readings = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]")
    path = _file(tmp_path, drifting)
    outcome = run(["uncertainty", str(path)])
    assert outcome.code == 0 and outcome.escaped == []
    assert outcome.err.startswith(f"warning: {path}: readings are autocorrelated")
    assert len(outcome.err.strip().splitlines()) == 1
    broken = drifting.replace('"x * 2"', '"log(x - 20)"')
    outcome = run(["uncertainty", str(_file(tmp_path, broken))])
    assert outcome.code == 2 and len(outcome.err.strip().splitlines()) == 1
    assert outcome.err.startswith("error: ")


def test_an_error_quoting_a_line_break_stays_one_line(tmp_path):
    """A key holding a line separator (\\x1c, \\x85, \\u2028 count for Python) is escaped."""
    text = '"bad\\u2028key\\u001c" = 1\n' + GOOD
    outcome = run(["uncertainty", str(_file(tmp_path, text))])
    assert outcome.code == 2
    assert len(outcome.err.strip().splitlines()) == 1
    assert "unknown key(s) 'bad\\u2028key\\x1c'" in outcome.err


def test_a_result_holding_nan_is_refused_not_printed(tmp_path, monkeypatch):
    """u near 1e77 made the Welch-Satterthwaite dof NaN: the table printed "nan" and k =
    1.96 with exit 0, --json failed on NaN. Whatever the engine lets through, the command
    refuses a result holding NaN or infinity (exit 2, naming the field)."""
    from metrolab.uncertainty import cli

    real = cli.report

    def with_nan_dof(*args, **kwargs):
        data = real(*args, **kwargs)
        data["outputs"]["y"]["dof"] = float("nan")
        return data

    monkeypatch.setattr(cli, "report", with_nan_dof)
    for options in ([], ["--json"]):
        outcome = run(["uncertainty", str(_file(tmp_path, GOOD)), *options])
        assert outcome.code == 2, outcome.err
        assert "outputs.y.dof = nan is not a finite number" in outcome.err


def test_large_uncertainties_print_in_e_notation_to_the_third_digit_of_u(tmp_path):
    """u = 2e4: value, U and interval end at u's third digit (10^2) in e-notation, instead
    of 20 digits that no uncertainty supports."""
    text = GOOD.replace("value = 1.0\nu = 0.1", "value = 1e4\nu = 1e4")
    outcome = run(["uncertainty", str(_file(tmp_path, text))])
    assert outcome.code == 0, outcome.err
    assert "2.00e+04" in outcome.out and "3.92e+04" in outcome.out
    assert "[-1.92e+04, 5.92e+04]" in outcome.out
