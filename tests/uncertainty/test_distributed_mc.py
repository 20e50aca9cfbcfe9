"""Monte Carlo split into streams (``--scheduler``): merged exactly, and as one machine.

The exactness test sorts the concatenated values of the very streams the distributed run
used (same spawned seeds) and takes the JCGM 101 7.7.1 order statistics: the merged
interval ends must be those values, bit for bit. The agreement test compares a run on a
two-worker ``distributed.LocalCluster`` (127.0.0.1) with ``evaluate_mc`` in one process.
"""

from __future__ import annotations

import json
import math
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from metrolab.cluster import run_map
from metrolab.testing.cli import run_cli
from metrolab.uncertainty import distributed as dmc
from metrolab.uncertainty.modelfile import parse_model_text
from metrolab.uncertainty.montecarlo import evaluate_mc

MODEL = """
title = "Power in a resistor"
[model]
equations = { P = "V**2 / R", I = "V / R" }
units = { P = "mW", I = "mA" }
[inputs.V]
value = 10.0
u = 0.002
unit = "V"
[inputs.R]
value = 100.0
half_width = 0.05
distribution = "rectangular"
unit = "ohm"
[[correlations]]
between = ["V", "R"]
r = 0.3
"""
LOOP = partial(run_map, scheduler="loop")


def reference(trials: int, chunk: int, seed: int) -> np.ndarray:
    """Return the values (outputs x trials, base units) of the run's streams, in order."""
    spec = parse_model_text(MODEL)
    sizes = [chunk] * (trials // chunk) + ([trials % chunk] if trials % chunk else [])
    seeds = dmc.stream_seeds(seed, len(sizes))
    values = [dmc._observed(spec, n, s, 0.95) for n, s in zip(sizes, seeds, strict=False)]
    return np.concatenate(values, axis=1)


@pytest.mark.parametrize("sigmas", [dmc.WINDOW_SIGMAS, 0.0])
def test_merged_streams_are_the_exact_order_statistics(sigmas: float,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dmc, "WINDOW_SIGMAS", sigmas)  # 0: windows too narrow, replayed
    trials, chunk, seed = 30_000, 7_000, 11
    result = dmc.evaluate_mc_distributed(MODEL, "power.toml", trials=trials, seed=seed,
                                         coverage=0.95, mapper=LOOP, chunk=chunk)
    values = reference(trials, chunk, seed)
    ordered = np.sort(values, axis=1)
    q, r = dmc.coverage_ranks(trials, 0.95)
    scale = np.array([1e3, 1e3])  # W -> mW, A -> mA
    assert result.output_names == ("P", "I")
    assert result.settings["streams"] == 5
    if sigmas == 0.0:
        assert result.settings["window_attempts"] > 1
    np.testing.assert_array_equal(result.interval_symmetric,
                                  np.stack([ordered[:, r - 1], ordered[:, r - 1 + q]], 1)
                                  * scale[:, None])
    np.testing.assert_allclose(result.values, ordered.mean(axis=1) * scale, rtol=1e-13)
    np.testing.assert_allclose(result.u, ordered.std(axis=1, ddof=1) * scale, rtol=1e-9)
    np.testing.assert_allclose(result.correlation, np.corrcoef(values), rtol=1e-9)
    # the shortest interval is found on the merged histogram: as short as the exact one to
    # within two cells, and holding at least q + 1 of the trials
    shortest = (ordered[:, q:] - ordered[:, : trials - q]).min(axis=1) * scale
    resolution = np.asarray(result.settings["shortest_resolution"])
    found = result.interval_shortest
    assert np.all(found[:, 1] - found[:, 0] <= shortest + 2 * resolution)
    for a in range(2):
        inside = np.count_nonzero((ordered[a] * scale[a] >= found[a, 0] - 1e-9 * scale[a])
                                  & (ordered[a] * scale[a] <= found[a, 1] + 1e-9 * scale[a]))
        assert inside >= q + 1


def test_a_two_worker_cluster_agrees_with_one_process() -> None:
    distributed = pytest.importorskip("distributed")
    trials = 200_000
    spec = parse_model_text(MODEL)
    local = evaluate_mc(spec.model, spec.inputs, correlations=spec.correlations, trials=trials,
                        seed=5, output_units=spec.output_units)
    with distributed.LocalCluster(n_workers=2, processes=False, threads_per_worker=1,
                                  protocol="tcp://", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        split = dmc.evaluate_mc_distributed(
            MODEL, "power.toml", trials=trials, seed=5, coverage=0.95, chunk=50_000,
            mapper=partial(run_map, scheduler=cluster.scheduler_address))
    assert split.trials == trials and split.settings["streams"] == 4
    for i in range(2):
        u = float(local.u[i])
        assert abs(split.values[i] - local.values[i]) < 5 * u / math.sqrt(trials)
        assert split.u[i] == pytest.approx(u, rel=0.01)
        # JCGM 101 7.9: stable to two significant digits of u means within ~u/20
        assert np.all(np.abs(split.interval_symmetric[i] - local.interval_symmetric[i]) < u / 20)
        assert np.all(np.abs(split.interval_shortest[i] - local.interval_shortest[i]) < u / 10)


def test_uncertainty_command_with_a_scheduler(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "power.toml"
    model.write_text(MODEL, encoding="utf-8")
    code, out, err = run_cli(["uncertainty", str(model), "--method", "both", "--trials",
                              "20000", "--seed", "2", "--scheduler", "loop", "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["outputs"]["P"]["mc"]["trials"] == 20000
    assert data["mc_settings"]["scheduler"] == "loop" and data["mc_settings"]["seed"] == 2
    assert data["outputs"]["P"]["value"] == pytest.approx(1000.0, rel=1e-6)  # GUM on top
    for args, fragment in ((["--method", "gum"], "give --method mc or both"),
                           (["--method", "mc", "--trials", "adaptive"], "not 'adaptive'"),
                           (["--method", "mc", "--scheduler", "tcp://nohost"], "--scheduler")):
        scheduler = [] if "--scheduler" in args else ["--scheduler", "loop"]
        code, _, err = run_cli(["uncertainty", str(model), *args, *scheduler], capsys)
        lines = [line for line in err.splitlines() if line.strip()]
        assert code == 2 and len(lines) == 1 and fragment in lines[0], err
