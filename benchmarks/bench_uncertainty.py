"""Benchmarks of the uncertainty engine (run by hand: ``python benchmarks/bench_uncertainty.py``).

Each figure is a ratio against a baseline measured in the same run:

1. GUM propagation of one model over 10,000 test points
   - floor: hand-written numpy with analytic derivatives, value and u (target: metrolab
     <= 3x floor); also the floor plus Welch-Satterthwaite dof and k, for comparison
   - GTC and ``uncertainties`` looping over the points (target: metrolab >= 300x faster than GTC)
2. Monte Carlo, 10^6 trials of the JCGM 101 9.3 mass-calibration model
   - plain numpy drawing everything at once (target: metrolab <= 1.2x)
   - suncal ``Model.monte_carlo`` (target: metrolab faster)
3. Peak memory (tracemalloc) of 10^6 and 10^7 trials: bounded, not proportional to trials.
4. The large-trial path (issue 10 item 1), same model:
   - 10^7 trials against plain numpy drawing everything at once (fits: ~0.5 GB)
   - 10^8 trials: time, traced peak and growth of the process's resident memory (target:
     under 200 MB), against plain numpy drawing the *same* trials in the same chunks,
     keeping all 10^8 values (0.8 GB) and sorting them; the intervals must be identical.
   - 10^8 trials of a flat-topped output, the worst case (replays): time and memory.
   ``python benchmarks/bench_uncertainty.py large`` runs only this part.

GTC, uncertainties and suncal come from the ``bench`` extra; a missing one is reported and skipped.
"""

from __future__ import annotations

import json
import math
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from metrolab.uncertainty import TypeB, evaluate_gum, evaluate_mc

N_POINTS = 10_000


def best_time(func: Callable[[], Any], repeat: int = 5) -> float:
    """Return the median wall time of ``repeat`` calls of ``func``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_times(funcs: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Return the median wall time of each function, in seconds, the functions taking turns.

    Taking turns exposes every candidate to the same state of the allocator and the CPU
    (on a small VM, returning freed pages to the system and faulting them back in costs as
    much as the arithmetic), so the ratios compare like with like.
    """
    times: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(repeat):
        for name, func in funcs.items():
            start = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


# --- 1. GUM over 10,000 test points -------------------------------------------------------


def power_model(V, R, alpha, dT):
    """Dissipated power with a temperature coefficient: P = V^2 / R (1 + alpha dT)."""
    return V**2 / R * (1 + alpha * dT)


def gum_data() -> dict[str, np.ndarray]:
    """Return the inputs over N_POINTS test points as plain arrays (values, u, dof)."""
    V = np.linspace(1.0, 10.0, N_POINTS)
    return {
        "V": V,
        "uV": 1e-5 * V + 2e-6,
        "nuV": np.full(N_POINTS, 9.0),
        "R": np.full(N_POINTS, 100.0),
        "uR": np.full(N_POINTS, 0.01 / math.sqrt(3)),
        "alpha": np.full(N_POINTS, 4e-3),
        "ualpha": np.full(N_POINTS, 1e-4),
        "dT": np.full(N_POINTS, 0.5),
        "udT": np.full(N_POINTS, 0.2),
    }


def gum_bare_floor(d: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The issue's floor: numpy with analytic derivatives, value and u only (no dof, no k)."""
    V, R, a, dT = d["V"], d["R"], d["alpha"], d["dT"]
    g = 1 + a * dT
    c_v, c_r = 2 * V / R * g, -(V**2) / R**2 * g
    c_a, c_t = V**2 / R * dT, V**2 / R * a
    u = np.sqrt(
        (c_v * d["uV"]) ** 2
        + (c_r * d["uR"]) ** 2
        + (c_a * d["ualpha"]) ** 2
        + (c_t * d["udT"]) ** 2
    )
    return V**2 / R * g, u


def gum_floor(d: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bare floor plus Welch-Satterthwaite dof and k: value, u, k.

    k = t_0.975(floor(nu)) by scipy's stdtrit over the distinct integer dof (what a careful
    hand-written version does; stdtrit on each of the 10,000 points takes milliseconds).
    """
    from scipy.special import stdtrit

    y, u = gum_bare_floor(d)
    V, R, a, dT = d["V"], d["R"], d["alpha"], d["dT"]
    c_v_u = 2 * V / R * (1 + a * dT) * d["uV"]
    nu = np.floor(u**4 / (c_v_u**4 / d["nuV"]))
    distinct, where = np.unique(nu, return_inverse=True)
    k = np.asarray(stdtrit(distinct, 0.975))[where]
    return y, u, k


def gum_inputs(d: dict[str, np.ndarray]) -> dict[str, Any]:
    """Return metrolab inputs (TypeB with units) over the same arrays."""
    return {
        "V": TypeB(d["V"], u=d["uV"], dof=9, unit="V"),
        "R": TypeB(d["R"], u=d["uR"], unit="ohm"),
        "alpha": TypeB(d["alpha"], u=d["ualpha"], unit="1/K"),
        "dT": TypeB(d["dT"], u=d["udT"], unit="K"),
    }


def gum_evaluate(inputs: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """metrolab's evaluate_gum on ready inputs: value, u, k."""
    r = evaluate_gum(power_model, inputs, output_units={"y": "W"})
    return r.values[0], r.u[0], r.k[0]


def gum_metrolab(d: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """metrolab from plain arrays: build the inputs, then evaluate_gum: value, u, k."""
    return gum_evaluate(gum_inputs(d))


def gum_gtc(d: dict[str, np.ndarray]) -> list[float]:
    """GTC, one point at a time (its natural use)."""
    from GTC import rp, ureal

    out = []
    for i in range(N_POINTS):
        y = power_model(
            ureal(d["V"][i], d["uV"][i], 9),
            ureal(d["R"][i], d["uR"][i]),
            ureal(d["alpha"][i], d["ualpha"][i]),
            ureal(d["dT"][i], d["udT"][i]),
        )
        out.append(rp.k_factor(y.df, 0.95) * y.u)
    return out


def gum_uncertainties(d: dict[str, np.ndarray]) -> list[float]:
    """The ``uncertainties`` package, one point at a time (no dof, no k)."""
    from uncertainties import ufloat

    return [
        power_model(
            ufloat(d["V"][i], d["uV"][i]),
            ufloat(d["R"][i], d["uR"][i]),
            ufloat(d["alpha"][i], d["ualpha"][i]),
            ufloat(d["dT"][i], d["udT"][i]),
        ).std_dev
        for i in range(N_POINTS)
    ]


def bench_gum() -> None:
    """Print the GUM ratios against the floors measured in this run."""
    d = gum_data()
    y0, u0, k0 = gum_floor(d)
    y1, u1, k1 = gum_metrolab(d)
    assert (
        np.allclose(y0, y1, rtol=1e-12) and np.allclose(u0, u1, rtol=1e-9) and np.allclose(k0, k1)
    )
    ready = gum_inputs(d)
    # each comparison takes turns with its own baseline only, so that one candidate's
    # allocations do not change the state of the allocator the other one sees
    pair = interleaved_times(
        {"bare": lambda: gum_bare_floor(d), "eval": lambda: gum_evaluate(ready)}, repeat=301
    )
    t_bare, t_eval = pair["bare"], pair["eval"]
    built = interleaved_times(
        {"bare": lambda: gum_bare_floor(d), "ours": lambda: gum_metrolab(d)}, repeat=101
    )
    with_dof = interleaved_times(
        {"floor": lambda: gum_floor(d), "eval": lambda: gum_evaluate(ready)}, repeat=51
    )
    print(f"GUM, {N_POINTS} points (medians, each pair taking turns):")
    print(f"  floor (issue 3): numpy, analytic derivatives, value and u: {t_bare * 1e3:.3f} ms")
    print(
        f"  metrolab evaluate_gum on ready inputs (value, u, dof, k, budget, units): "
        f"{t_eval * 1e3:.3f} ms -> {t_eval / t_bare:.2f}x the floor (target <= 3x)"
    )
    print(
        f"  metrolab, the four TypeB inputs built from the arrays, then evaluated: "
        f"{built['ours'] * 1e3:.3f} ms -> {built['ours'] / built['bare']:.2f}x the floor"
    )
    print(
        f"  floor with Welch-Satterthwaite dof and k by scipy: {with_dof['floor'] * 1e3:.3f} ms"
        f" -> metrolab evaluate_gum is {with_dof['eval'] / with_dof['floor']:.2f}x that"
    )
    t_ours = built["ours"]
    for name, func in (("GTC", gum_gtc), ("uncertainties", gum_uncertainties)):
        try:
            t_other = best_time(lambda func=func: func(d), repeat=3)
        except ImportError:
            print(f"  {name}: not installed (pip install -e '.[bench]'), skipped")
            continue
        print(
            f"  {name} looping over points: {t_other:.2f} s -> metrolab is "
            f"{t_other / t_ours:.0f}x faster" + (" (target >= 300x)" if name == "GTC" else "")
        )


# --- 2. Monte Carlo, JCGM 101 9.3 -----------------------------------------------------------


def mass_difference(m_rc, dm_rc, rho_a, rho_w, rho_r):
    """JCGM 101 9.3: conventional-mass deviation (mg)."""
    return (m_rc + dm_rc) * (1 + (rho_a - 1.2) * (1 / rho_w - 1 / rho_r)) - 100_000


MASS = {
    "m_rc": TypeB(100_000.000, u=0.050),
    "dm_rc": TypeB(1.234, u=0.020),
    "rho_a": TypeB(1.20, half_width=0.10, distribution="rectangular"),
    "rho_w": TypeB(8e3, half_width=1e3, distribution="rectangular"),
    "rho_r": TypeB(8.00e3, half_width=0.05e3, distribution="rectangular"),
}


def mc_plain(trials: int, seed: int = 1) -> tuple[float, float, float, float]:
    """Plain numpy: draw everything, evaluate, mean, std and the shortest 95 % interval."""
    rng = np.random.default_rng(seed)
    y = mass_difference(
        rng.normal(100_000.0, 0.05, trials),
        rng.normal(1.234, 0.02, trials),
        rng.uniform(1.1, 1.3, trials),
        rng.uniform(7e3, 9e3, trials),
        rng.uniform(7.95e3, 8.05e3, trials),
    )
    y.sort()
    q = int(0.95 * trials + 0.5)
    i = int(np.argmin(y[q:] - y[:-q]))
    return float(y.mean()), float(y.std(ddof=1)), float(y[i]), float(y[i + q])


def mc_metrolab(trials: int, seed: int = 1) -> Any:
    """metrolab's evaluate_mc with a seed."""
    return evaluate_mc(mass_difference, MASS, trials=trials, seed=seed)


def mc_suncal(trials: int) -> float:
    """suncal's Model.monte_carlo on the same model."""
    from suncal import Model

    m = Model("dm = (mrc + dmrc)*(1 + (rhoa - 1.2)*(1/rhow - 1/rhor)) - 100000")
    m.var("mrc").measure(100_000.0).typeb(std=0.05)
    m.var("dmrc").measure(1.234).typeb(std=0.02)
    m.var("rhoa").measure(1.2).typeb(dist="uniform", a=0.1)
    m.var("rhow").measure(8000.0).typeb(dist="uniform", a=1000.0)
    m.var("rhor").measure(8000.0).typeb(dist="uniform", a=50.0)
    return float(m.monte_carlo(samples=trials).uncertainty["dm"])


def bench_mc() -> None:
    """Print the Monte Carlo ratios."""
    trials = 1_000_000
    t_plain = best_time(lambda: mc_plain(trials), repeat=3)
    t_ours = best_time(lambda: mc_metrolab(trials), repeat=3)
    print(
        f"Monte Carlo, 10^6 trials (JCGM 101 9.3): plain numpy {t_plain:.3f} s, metrolab "
        f"{t_ours:.3f} s -> {t_ours / t_plain:.2f}x plain numpy (target <= 1.2x)"
    )
    try:
        t_suncal = best_time(lambda: mc_suncal(trials), repeat=3)
    except ImportError:
        print("  suncal: not installed (pip install -e '.[bench]'), skipped")
        return
    print(f"  suncal {t_suncal:.3f} s -> metrolab is {t_suncal / t_ours:.2f}x faster (target > 1x)")


# --- 3. Peak memory --------------------------------------------------------------------------


def peak_mb(func: Callable[[], Any]) -> float:
    """Return the traced peak memory of ``func()`` in MB (numpy reports to tracemalloc)."""
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def bench_memory() -> None:
    """Print peak memory of 10^6 and 10^7 trials against plain numpy at 10^6."""
    plain = peak_mb(lambda: mc_plain(1_000_000))
    ours_6 = peak_mb(lambda: mc_metrolab(1_000_000))
    ours_7 = peak_mb(lambda: mc_metrolab(10_000_000))
    print(
        f"Peak memory: plain numpy 10^6 trials {plain:.0f} MB "
        f"(10^7 would be ~{10 * plain:.0f} MB); "
        f"metrolab 10^6 {ours_6:.0f} MB, 10^7 {ours_7:.0f} MB "
        f"-> 10x the trials costs {ours_7 / ours_6:.2f}x the memory"
    )


# --- 4. The large-trial path ------------------------------------------------------------


def jcgm101_intervals(ordered: np.ndarray, p: float = 0.95) -> tuple[list[float], list[float]]:
    """JCGM 101 7.7 on sorted values: symmetric and shortest intervals."""
    big_m = len(ordered)
    q = int(p * big_m + 0.5)
    r = int((big_m - q) / 2 + 0.5)
    s = int(np.argmin(ordered[q:] - ordered[: big_m - q]))
    return [ordered[r - 1], ordered[r - 1 + q]], [ordered[s], ordered[s + q]]


def mc_same_draws_numpy(trials: int, seed: int, chunk: int) -> tuple[float, list, list]:
    """Plain numpy drawing the trials evaluate_mc draws (same generator calls, same chunks),
    keeping every value and sorting: returns (mean, symmetric, shortest)."""
    rng = np.random.default_rng(seed)
    y = np.empty(trials)
    half = {name: math.sqrt(3.0) * float(inp.u) for name, inp in MASS.items()}
    done = 0
    while done < trials:
        n = min(chunk, trials - done)
        y[done : done + n] = mass_difference(
            rng.normal(100_000.0, float(MASS["m_rc"].u), n),
            rng.normal(1.234, float(MASS["dm_rc"].u), n),
            rng.uniform(1.2 - half["rho_a"], 1.2 + half["rho_a"], n),
            rng.uniform(8e3 - half["rho_w"], 8e3 + half["rho_w"], n),
            rng.uniform(8e3 - half["rho_r"], 8e3 + half["rho_r"], n),
        )
        done += n
    mean = float(y.mean())
    y.sort()
    sym, short = jcgm101_intervals(y)
    return mean, sym, short


def resident_peak_mb() -> float:
    """Return the peak resident memory of this process in MB (Linux VmHWM, which a new
    process starts afresh; ru_maxrss elsewhere, which may include the parent's)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1e3
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def flat_top(x):
    """A flat-topped output (one rectangular input): its shortest interval may lie anywhere
    in the tails, the worst case of the large-trial path (it needs replays)."""
    return x + 0.0


def large_run(trials: int, flat: bool = False) -> dict[str, Any]:
    """Run evaluate_mc for ``trials`` in this (fresh) process; return time and memory.

    ``flat``: the flat-topped model instead of the JCGM 101 9.3 mass model.
    """
    rect = {"x": TypeB(0.0, half_width=1.0, distribution="rectangular")}

    def run(n: int, seed: int = 1) -> Any:
        return evaluate_mc(flat_top, rect, trials=n, seed=seed) if flat else mc_metrolab(n, seed)

    run(20_000)  # imports, unit cache and allocator warmed up
    rss_before = resident_peak_mb()
    tracemalloc.start()
    start = time.perf_counter()
    r = run(trials, seed=2008)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return {
        "seconds": seconds,
        "traced_mb": peak,
        "rss_before_mb": rss_before,
        "rss_peak_mb": resident_peak_mb(),
        "replays": r.settings["replays"],
        "chunk": r.settings["chunk"],
        "symmetric": [float(v) for v in r.interval_symmetric[0]],
        "shortest": [float(v) for v in r.interval_shortest[0]],
    }


def in_fresh_process(trials: int, flat: bool = False) -> dict[str, Any]:
    """Return :func:`large_run` measured in a new Python process (clean memory figures)."""
    code = (
        "import json, sys; sys.path.insert(0, 'benchmarks'); import bench_uncertainty as b; "
        f"print(json.dumps(b.large_run({trials}, flat={flat})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def bench_large() -> None:
    """Print the large-trial path at 10^7 and 10^8 trials against plain numpy."""
    t_plain = best_time(lambda: mc_plain(10_000_000), repeat=3)
    t_ours = best_time(lambda: mc_metrolab(10_000_000), repeat=3)
    print(
        f"Monte Carlo, 10^7 trials: plain numpy (all at once, sort) {t_plain:.2f} s, "
        f"metrolab {t_ours:.2f} s -> {t_ours / t_plain:.2f}x plain numpy"
    )
    ours = in_fresh_process(100_000_000)
    start = time.perf_counter()
    _, sym, short = mc_same_draws_numpy(100_000_000, 2008, ours["chunk"])
    t_numpy = time.perf_counter() - start
    same = sym == ours["symmetric"] and short == ours["shortest"]
    print(
        f"Monte Carlo, 10^8 trials: metrolab {ours['seconds']:.1f} s, traced peak "
        f"{ours['traced_mb']:.0f} MB, process peak {ours['rss_peak_mb']:.0f} MB of which "
        f"{ours['rss_peak_mb'] - ours['rss_before_mb']:.0f} MB for the run (target < 200 MB), "
        f"{ours['replays']} replays"
    )
    print(
        f"  plain numpy, same draws kept (800 MB) and sorted: {t_numpy:.1f} s -> metrolab is "
        f"{ours['seconds'] / t_numpy:.2f}x its time; intervals identical: {same}"
    )
    flat = in_fresh_process(100_000_000, flat=True)
    print(
        f"  worst case, a flat-topped output (y = x, x rectangular): {flat['seconds']:.1f} s, "
        f"{flat['replays']} replays, traced peak {flat['traced_mb']:.0f} MB, process peak "
        f"{flat['rss_peak_mb']:.0f} MB ({flat['rss_peak_mb'] - flat['rss_before_mb']:.0f} MB "
        "for the run)"
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["large"]:
        bench_large()
    else:
        bench_gum()
        bench_mc()
        bench_memory()
        bench_large()
