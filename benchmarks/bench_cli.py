"""Start-up time of ``metrolab --help`` against ``python -c "import pyvisa"``.

The help lists every command from the table in ``metrolab.cli`` without importing any
command module; target: at most twice the time of importing pyvisa (issue 13). Run by
hand::

    .venv/bin/python benchmarks/bench_cli.py [--repeat 10]

Prints the median wall time of each (fresh interpreter per run) and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def _median_seconds(argv: list[str], repeat: int) -> float:
    """Return the median wall time (s) of running ``argv`` ``repeat`` times."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Measure both, print them and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    repeat = parser.parse_args().repeat
    baseline = _median_seconds([sys.executable, "-c", "import pyvisa"], repeat)
    helped = _median_seconds([sys.executable, "-m", "metrolab", "--help"], repeat)
    print(f"import pyvisa (baseline): {baseline * 1e3:8.1f} ms")
    print(f"metrolab --help:          {helped * 1e3:8.1f} ms")
    print(f"ratio: {helped / baseline:.2f} (target <= 2)")


if __name__ == "__main__":
    main()
