"""Wall time of ``metrolab demo`` on the virtual clock, and where it goes.

Runs the demo (the whole 34401A verification against the simulated bench over TCP
and pseudo-terminals) under cProfile and splits the main thread's wall time into
instrument I/O (time inside the transports' read/write/query, which includes the
simulators answering) and everything else (runner, uncertainty and conformity
engines, journal fsyncs, sealing, certificate). Run by hand::

    .venv/bin/python benchmarks/bench_demo.py [--repeat 3]

Prints the wall time per run, the I/O time as the baseline measured in the same run,
and the ratios total/I-O and outside-I/O share.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

from rich.console import Console

from metrolab.demo.run import DemoOptions, run_demo

#: files whose functions count as instrument I/O
_TRANSPORT_FILES = ("metrolab/instrument/visa.py", "metrolab/instrument/serial_port.py")
_IO_FUNCTIONS = ("write", "read", "query", "read_raw", "clear")


def _io_seconds(profile: cProfile.Profile) -> float:
    """Return the cumulative seconds spent in the transports' I/O methods (outermost calls)."""
    stats = pstats.Stats(profile)
    total = 0.0
    for (filename, _, name), row in stats.stats.items():  # type: ignore[attr-defined]
        if filename.endswith(_TRANSPORT_FILES) and name in _IO_FUNCTIONS:
            _, _, _, cumulative, callers = row
            # count only calls not made from another I/O method (query calls write and read)
            if not any(c[0].endswith(_TRANSPORT_FILES) and c[2] in _IO_FUNCTIONS for c in callers):
                total += cumulative
    return total


#: (label, file suffix, function) whose cumulative time is shown as the breakdown
_PARTS = (
    ("runner (all points)", "metrolab/runner/engine.py", "execute"),
    ("  journal appends", "metrolab/store/journal.py", "append_many"),
    ("  GUM evaluations", "metrolab/uncertainty/gum.py", "evaluate_gum"),
    ("  decisions", "metrolab/conformity/decision.py", "decide"),
    ("sealing the record", "metrolab/store/sealing.py", "seal"),
    ("certificate (PDF, HTML, DCC)", "metrolab/certificates/issue.py", "render_all"),
)


def _breakdown(profile: cProfile.Profile) -> list[tuple[str, float]]:
    """Return (label, cumulative seconds) of the main parts of a demo run."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    parts = []
    for label, suffix, function in _PARTS:
        seconds = sum(row[3] for (filename, _, name), row in stats.items()
                      if filename.endswith(suffix) and name == function)
        parts.append((label, seconds))
    return parts


def main() -> None:
    """Run the demo ``--repeat`` times and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    quiet = Console(quiet=True)
    print(
        f"{'run':>4} {'wall s':>8} {'I/O s':>8} {'other s':>8} {'wall/IO':>8} {'outside I/O':>12}"
    )
    for run in range(1, args.repeat + 1):
        with tempfile.TemporaryDirectory() as out:
            profile = cProfile.Profile()
            start = time.perf_counter()
            profile.enable()
            run_demo(Path(out), DemoOptions(seed=run), quiet)
            profile.disable()
            wall = time.perf_counter() - start
        io = _io_seconds(profile)
        other = wall - io
        print(
            f"{run:>4} {wall:>8.2f} {io:>8.2f} {other:>8.2f} {wall / io:>8.2f} "
            f"{other / wall:>11.0%}"
        )
        for label, seconds in _breakdown(profile):
            print(f"       {label:<30} {seconds:>8.2f} s  {seconds / wall:>5.0%} of wall")


if __name__ == "__main__":
    main()
