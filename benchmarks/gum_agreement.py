"""Agreement of metrolab's GUM engine with GTC and ``uncertainties`` on random models.

Run by hand: ``python benchmarks/gum_agreement.py [N]`` (N random models, default 1000;
needs the ``oracles`` extra). Prints n tried, n agreeing within 1e-9 and the largest
relative difference for value, u, dof, k, U and the output covariance against GTC, and u
against ``uncertainties``. The models and the comparison are those of the test
``tests/uncertainty/test_gum_oracles.py`` (which runs 150 of them in CI), drawn here with
a fixed hypothesis seed so the table can be repeated.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

TEST = Path(__file__).resolve().parent.parent / "tests" / "uncertainty" / "test_gum_oracles.py"


def main() -> None:
    """Print the agreement table for the number of models given on the command line."""
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    spec = importlib.util.spec_from_file_location("test_gum_oracles", TEST)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    start = time.perf_counter()
    result = module.agreement(examples, derandomize=True)
    print(
        f"{examples} random models against GTC {module.GTC.version} and uncertainties "
        f"{module.uncertainties.__version__} ({time.perf_counter() - start:.0f} s):"
    )
    print(result.table())
    if not result.all_agree:
        print(result.failures())
        raise SystemExit(1)


if __name__ == "__main__":
    main()
