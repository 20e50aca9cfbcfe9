"""Running the ``metrolab`` command in a test's own process.

:func:`run_cli` runs ``metrolab ARGS`` as the console script would, catching its exit, and
returns the exit code with what it printed (captured by pytest's ``capsys``): what a lab's
own CI needs to check, say, ``metrolab procedures --check`` on its TOML procedures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def run_cli(args: Sequence[str], capsys: Any) -> tuple[int, str, str]:
    """Run ``metrolab ARGS`` in this process; return (exit code, stdout, stderr), the output
    as read from ``capsys`` (pytest's ``CaptureFixture``). A ``sys.exit`` with a message
    counts as exit code 1, as the interpreter would report it."""
    from metrolab.cli import main

    try:
        returned = main(list(args))
    except SystemExit as exc:
        code = exc.code
        status = code if isinstance(code, int) else (0 if code is None else 1)
    else:
        status = int(returned or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err
