"""Fuzz test of ``metrolab uncertainty`` (issue 10): hostile model files and options.

hypothesis generates model files three ways (random bytes; random TOML structures; valid
model files with up to three hostile changes: random expressions, units, numbers with
inf, nan and 10^400, misplaced keys, bad settings) and random command-line options. Every
case must keep the input contract: exit 0 or 2, exactly one "error: ..." line on stderr
with 2, no traceback, no Python warning escaping, within the time bound. The command runs
in-process (``metrolab.cli.main``), a few milliseconds a case; the example count is fixed
so the test takes well under a minute.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings

from .hostile import MODEL_FILES, OPTIONS, contract_broken, run

#: seconds one case may take (a Monte Carlo run of 10^4 trials takes well under one)
TIME_BOUND = 20.0


@settings(
    max_examples=200,
    deadline=timedelta(seconds=TIME_BOUND),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)  # fmt: skip
@given(data=MODEL_FILES, options=OPTIONS)
def test_every_model_file_keeps_the_input_contract(tmp_path, data: bytes, options: list[str]):
    """Exit 0 or 2; one stderr line on 2; no traceback; bounded time."""
    path = tmp_path / "model.toml"
    path.write_bytes(data)
    outcome = run(["uncertainty", str(path), *options])
    broken = contract_broken(outcome, TIME_BOUND)
    assert broken is None, f"{broken}\noptions: {options}\nfile: {data[:800]!r}"
