"""Signals during a run: Ctrl-C pauses (interactive) or aborts (unattended), SIGTERM aborts."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from metrolab.runner.engine import Runner


@contextmanager
def handling_signals(runner: Runner, interactive: bool) -> Iterator[None]:
    """Route SIGINT and SIGTERM to ``runner`` for the duration of the block.

    Ctrl-C asks for a pause at the next point boundary (interactive) or an abort
    (unattended); SIGTERM asks for an abort. The previous handlers come back on exit.
    Outside the main thread nothing is installed (signals reach only the main thread).
    """

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        if interactive:
            runner.request_pause()
        else:
            runner.request_abort("interrupted (Ctrl-C) during an unattended run")

    def on_terminate(signum: int, frame: FrameType | None) -> None:
        runner.request_abort("terminated (SIGTERM)")

    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach only the main thread; the caller pauses or aborts the runner
        return
    previous = {signal.SIGINT: signal.signal(signal.SIGINT, on_interrupt),
                signal.SIGTERM: signal.signal(signal.SIGTERM, on_terminate)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
