"""Benchmark: global PFA/PFR for 10,000 test points at once against a loop of single points.

Run by hand: ``.venv/bin/python benchmarks/bench_conformity.py [--points N]``. Both ways go
through ``metrolab.conformity.decide`` with a normal prior from an in-tolerance
probability and a guarded rule (Dobbert's managed guard band); the loop calls it once per
point. Prints both times, the speed-up ratio and the largest difference between the two
sets of results (they must agree to rounding).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from metrolab.conformity import LowTURWarning, Prior, decide


def main() -> None:
    """Time the vectorised and the looped evaluation and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000, help="test points (10000)")
    args = parser.parse_args()
    rng = np.random.default_rng(2024)
    n = args.points
    lower = -rng.uniform(0.5, 2.0, n)
    upper = rng.uniform(0.5, 2.0, n)
    expanded = (upper - lower) / 2.0 / rng.uniform(1.0, 10.0, n)  # TUR from 1 to 10
    itp = rng.uniform(0.6, 0.999, n)
    warnings.simplefilter("ignore", LowTURWarning)

    start = time.perf_counter()
    many = decide(None, expanded, lower=lower, upper=upper, rule="guarded", guard="dobbert",
                  prior=Prior.from_itp(itp, lower, upper))  # fmt: skip
    vectorised = time.perf_counter() - start

    pfa = np.empty(n)
    pfr = np.empty(n)
    start = time.perf_counter()
    for i in range(n):
        one = decide(None, expanded[i], lower=lower[i], upper=upper[i], rule="guarded",
                     guard="dobbert", prior=float(itp[i]))  # fmt: skip
        assert one.pfa is not None and one.pfr is not None
        pfa[i], pfr[i] = one.pfa[0], one.pfr[0]
    looped = time.perf_counter() - start

    assert many.pfa is not None and many.pfr is not None
    difference = max(np.max(np.abs(many.pfa - pfa)), np.max(np.abs(many.pfr - pfr)))
    print(f"test points                    : {n}")
    print(f"vectorised (one decide call)   : {vectorised:.3f} s")
    print(f"loop of single decide calls    : {looped:.3f} s")
    print(f"ratio loop / vectorised        : {looped / vectorised:.1f}")
    print(f"largest |difference| PFA/PFR   : {difference:.2e}")
    print(f"mean PFA / PFR                 : {many.pfa.mean():.4%} / {many.pfr.mean():.4%}")


if __name__ == "__main__":
    main()
