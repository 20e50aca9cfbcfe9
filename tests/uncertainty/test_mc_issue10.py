"""Issue 10, items 1 and 9: Monte Carlo must give no silent wrong answers.

Each test reproduces what the issue reports and fails on the engine before the fix:

- item 1: above ~4e6 values the coverage intervals came from a histogram binned over a
  range fixed by the earliest extremes (y = X1/X2 at 4.1e6 trials: [-9.22, 3.87] where
  numpy gives [0.597, 2.447]; exp(X) at 1e7 trials: lower end 0.0689 instead of 0.0199);
  the adaptive rule ignored the shortest interval; a NaN at 1e7 trials was a traceback;
- item 9: a Type A input of n <= 3 readings gave a meaningless Monte Carlo u without a word.

"Same draws": the model records what it returns on the first pass, and the intervals
are compared with a full sort of those values (JCGM 101 7.7, written here with numpy
alone). They must be equal to the last bit; u and the mean to 1e-9 (summation order).
"""

from __future__ import annotations

import functools
import json
import math
import warnings

import numpy as np
import pytest

from metrolab.cli import main
from metrolab.uncertainty import TypeA, TypeB, evaluate_mc
from metrolab.uncertainty.errors import (
    FewReadingsWarning,
    NonFiniteOutputError,
    NotConvergedWarning,
)
from metrolab.uncertainty.mc_adaptive import tolerance
from metrolab.units import Quantity


def recording(func):
    """Return ``func`` wrapped so it keeps every chunk of values it returns (not the
    scalar calls that find the output units), as ``.recorded``."""
    store: list[np.ndarray] = []

    @functools.wraps(func)
    def model(*args, **kwargs):
        out = func(*args, **kwargs)
        if np.ndim(out) and not isinstance(out, Quantity):
            store.append(np.array(out, dtype=float))
        return out

    model.recorded = store  # type: ignore[attr-defined]
    return model


def first_pass(model, trials: int) -> np.ndarray:
    """Return the values of the first ``trials`` trials the recording model returned
    (later calls are replays of the same trials)."""
    values = np.concatenate([np.ravel(c) for c in model.recorded])
    assert len(values) >= trials
    return values[:trials]


def numpy_intervals(values: np.ndarray, p: float = 0.95):
    """JCGM 101 7.7 by a full sort: ([y_(r), y_(r+q)], first least [y_(s), y_(s+q)])."""
    y = np.sort(values)
    big_m = len(y)
    q = int(p * big_m + 0.5)
    r = int((big_m - q) / 2 + 0.5)
    s = int(np.argmin(y[q:] - y[: big_m - q]))
    return [y[r - 1], y[r - 1 + q]], [y[s], y[s + q]]


def assert_same_as_numpy(result, values: np.ndarray) -> None:
    sym, short = numpy_intervals(values, result.coverage)
    assert list(result.interval_symmetric[0]) == sym
    assert list(result.interval_shortest[0]) == short
    d = values - np.median(values)  # about the median: no digits lost to a large value
    assert float(result.values[0]) == pytest.approx(float(np.median(values) + np.mean(d)), rel=1e-9)
    assert float(result.u[0]) == pytest.approx(float(np.std(d, ddof=1)), rel=1e-9)


def ratio(X1, X2):
    """Issue 10 item 1: y = X1 / X2, X1 ~ N(1, 0.1), X2 ~ N(1, 0.3) (heavy tails)."""
    return X1 / X2


RATIO_INPUTS = {"X1": TypeB(1.0, u=0.1), "X2": TypeB(1.0, u=0.3)}


def exponential(X):
    """Issue 10 item 1: y = exp(X), X ~ N(0, 2) (strongly skewed)."""
    return np.exp(X)


# --- item 1: intervals beyond the kept-sample limit -----------------------------------------


def test_item1_ratio_at_4_1e6_trials_is_the_full_sort_of_its_draws():
    """Issue 10 item 1: 4.1e6 trials gave [-9.22, 3.87]; a full sort gives [0.597, 2.447]."""
    model = recording(ratio)
    r = evaluate_mc(model, RATIO_INPUTS, trials=4_100_000, seed=1)
    assert not r.settings["samples_kept"]  # the large-trial path, not a sort of kept values
    assert_same_as_numpy(r, first_pass(model, 4_100_000))
    assert r.interval_symmetric[0] == pytest.approx([0.597, 2.447], abs=0.005)


def test_item1_exp_of_a_wide_normal_beyond_the_store_limit():
    """Issue 10 item 1: exp(X), X ~ N(0, 2): the lower end is exp(-1.96 x 2) = 0.0198 (the
    binned path gave 0.0689). 10^6 trials with the large-trial path forced at 10^5 values."""
    model = recording(exponential)
    r = evaluate_mc(model, {"X": TypeB(0.0, u=2.0)}, trials=1_000_000, seed=7, store_limit=100_000)
    assert not r.settings["samples_kept"]
    assert_same_as_numpy(r, first_pass(model, 1_000_000))
    assert float(r.interval_symmetric[0, 0]) == pytest.approx(math.exp(-1.959964 * 2), rel=0.02)


@pytest.mark.slow
def test_item1_exp_of_a_wide_normal_at_1e7_trials():
    """Issue 10 item 1 as reported: exp(X), X ~ N(0, 2) at 10^7 trials, default limits."""
    model = recording(exponential)
    r = evaluate_mc(model, {"X": TypeB(0.0, u=2.0)}, trials=10_000_000, seed=10)
    assert not r.settings["samples_kept"]
    assert_same_as_numpy(r, first_pass(model, 10_000_000))
    assert float(r.interval_symmetric[0, 0]) == pytest.approx(0.0199, abs=0.0003)


def test_item1_adaptive_ratio_reports_u_unstable_and_exact_intervals():
    """Issue 10 item 1: '--trials adaptive' stopped at 2.2e7 with converged true and
    [-9.51, 2.88]. X1/X2 with a normal X2 has no finite variance, so u(y) never settles:
    the run must say so (not converged, 'u' unstable) and its intervals must still be the
    full sort of all its draws (large-trial path forced at 5e5 values)."""
    model = recording(ratio)
    with pytest.warns(NotConvergedWarning, match=r"before .*\bu\b"):
        r = evaluate_mc(
            model,
            RATIO_INPUTS,
            trials="adaptive",
            seed=3,
            max_trials=2_000_000,
            store_limit=500_000,
        )
    assert not r.converged and "u" in r.unstable
    assert not r.settings["samples_kept"]
    assert_same_as_numpy(r, first_pass(model, r.trials))
    assert r.interval_symmetric[0] == pytest.approx([0.597, 2.447], abs=0.01)


def test_item1_adaptive_rule_judges_the_shortest_interval_too():
    """JCGM 101 7.9.4 with both intervals reported: the shortest interval of a sum with one
    dominant rectangular input (JCGM 101 9.2.4) slides along a flat minimum, so its ends
    settle far later than y, u and the symmetric ends. With ndig = 3 and a 3e5 cap the
    rule of y, u and the symmetric ends alone would stop; judging every reported quantity
    it must not, and it names the shortest ends."""
    inputs = {f"X{i}": TypeB(0.0, u=1.0, distribution="rectangular") for i in range(1, 4)}
    inputs["X4"] = TypeB(0.0, u=10.0, distribution="rectangular")

    def additive(X1, X2, X3, X4):
        return X1 + X2 + X3 + X4

    with pytest.warns(NotConvergedWarning, match="shortest"):
        r = evaluate_mc(additive, inputs, trials="adaptive", seed=2, ndig=3, max_trials=300_000)
    assert not r.converged
    assert set(r.unstable) == {"shortest low", "shortest high"}
    assert r.to_dict()["converged"] is False


def test_tolerance_is_half_a_unit_in_the_last_digit_of_u():
    """JCGM 101 7.9.2: u = 0.0754 to 2 digits is 75 x 10^-3, so delta = 0.0005;
    u = 10.15 is 10 x 10^0, delta = 0.5; u = 0 has nothing to judge against."""
    assert tolerance(np.array([0.0754, 10.15]), 2) == pytest.approx([0.0005, 0.5])
    assert tolerance(np.array([0.0754]), 3) == pytest.approx([0.00005])
    assert np.isnan(tolerance(np.array([0.0]), 2)[0])


# --- item 1: NaN and infinity at every trial count ------------------------------------------


def root(x):
    return np.sqrt(x)


@pytest.mark.parametrize("trials", [100_000, 10_000_000, "adaptive"])
def test_item1_a_nan_draw_is_a_named_error_at_every_trial_count(trials):
    """Issue 10 item 1: sqrt of a negative draw was a clean error at 1e5 trials and a
    traceback at 1e7. Now the first such trial raises NonFiniteOutputError naming the
    output, the trial and the drawn value, whatever the number of trials."""
    inputs = {"x": TypeB(1.0, u=0.3, unit="V")}
    with pytest.raises(NonFiniteOutputError) as caught:
        evaluate_mc(root, inputs, trials=trials, seed=4)
    err = caught.value
    assert err.output == "y" and err.point is None
    assert err.inputs["x"] < 0  # the square root of that draw is NaN
    assert "output 'y' is nan" in str(err) and f"x = {err.inputs['x']:.9g} V" in str(err)
    assert "\n" not in str(err)
    # the trial number is right: one trial fewer runs clean, that trial fails again
    if trials != "adaptive":
        evaluate_mc(root, inputs, trials=err.trial, seed=4)
        with pytest.raises(NonFiniteOutputError) as again:
            evaluate_mc(root, inputs, trials=err.trial + 1, seed=4)
        assert again.value.inputs == err.inputs


def test_a_non_finite_output_names_the_test_point_and_converts_units():
    """Over several test points the error says which one; input values are given in each
    input's own unit (mV here), not in the engine's base units."""
    inputs = {
        "a": TypeB(np.array([5.0, 0.2, 5.0]), u=0.1, unit="mV"),
        "b": TypeB(1.0, u=0.0, unit="mV"),
    }

    def model(a, b):
        return np.log(a / b)

    with pytest.raises(NonFiniteOutputError) as caught:
        evaluate_mc(model, inputs, trials=1_000_000, seed=1)
    err = caught.value
    assert err.point == (1,)
    assert err.inputs["a"] <= 0.0 and err.inputs["b"] == pytest.approx(1.0)
    assert "at test point (1,)" in str(caught.value) and " mV" in str(caught.value)


def test_a_nan_on_the_command_line_is_one_line_without_traceback(tmp_path, capsys):
    """The command line prints the named error as one line on stderr, no traceback."""
    path = tmp_path / "root.toml"
    path.write_text(
        '[model]\nequations = { y = "sqrt(x)" }\n[inputs.x]\nvalue = 1.0\nu = 0.3\n',
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as exit_info:
        main(["uncertainty", str(path), "--method", "mc", "--trials", "10000000", "--seed", "4"])
    assert exit_info.value.code in (1, 2)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:")
    assert "output 'y'" in err[0] and "x = -" in err[0] and "Traceback" not in err[0]


# --- item 9: Type A with n <= 3 readings ----------------------------------------------------


def test_item9_three_readings_warn_in_monte_carlo():
    """Issue 10 item 9: n = 3 readings give a t with 2 dof (JCGM 101 6.4.9), which has no
    finite variance: the Monte Carlo u is meaningless and must not pass silently."""
    x = TypeA.from_readings([10.01, 10.03, 9.98])
    with pytest.warns(FewReadingsWarning, match=r"'x'.*3 readings.*no finite variance"):
        r = evaluate_mc(lambda x: 2 * x, {"x": x}, trials=50_000, seed=1)
    assert r.converged


def test_item9_two_readings_warn_that_even_the_mean_is_undefined():
    """n = 2: a t with 1 dof (Cauchy) has neither a finite mean nor a finite variance."""
    x = TypeA.from_readings([10.01, 10.03])
    with pytest.warns(FewReadingsWarning, match="neither a finite mean nor a finite variance"):
        evaluate_mc(lambda x: x, {"x": x}, trials=20_000, seed=1)


def test_item9_four_readings_do_not_warn():
    """n = 4: a t with 3 dof has a finite variance; no warning."""
    x = TypeA.from_readings([10.01, 10.03, 9.98, 10.00])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        evaluate_mc(lambda x: x, {"x": x}, trials=20_000, seed=1)


def test_item9_the_command_line_shows_the_warning_as_one_line(tmp_path, capsys):
    """On the command line the warning is one line on stderr and the run completes."""
    path = tmp_path / "few.toml"
    path.write_text(
        '[model]\nequations = { y = "2 * x" }\n[inputs.x]\nreadings = [10.01, 10.03, 9.98]\n',
        encoding="utf-8",
    )
    main(["uncertainty", str(path), "--method", "mc", "--trials", "20000", "--seed", "1", "--json"])
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning:")
    assert "3 readings" in lines[0] and "few.toml" in lines[0]
    assert json.loads(captured.out)["outputs"]["y"]["mc"]["converged"] is True


def test_python_api_refuses_an_unbounded_number_of_trials():
    """Issue 10, input contract from Python: evaluate_mc(trials=10**12) ran without end; it
    is refused at once unless the caller raises max_trials on purpose."""
    from metrolab.uncertainty import TypeB, evaluate_mc
    from metrolab.uncertainty.errors import UncertaintyInputError

    with pytest.raises(UncertaintyInputError, match="more than the 100,000,000"):
        evaluate_mc(lambda x: x, {"x": TypeB(1.0, u=0.1)}, trials=10**12)
