"""Signals during a run: Ctrl-C pauses (interactive) or aborts (unattended), SIGTERM aborts."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Protocol


class Interruptible(Protocol):
    """What a run must offer to be paused or aborted by a signal (the procedure runner,
    the acquisition engine)."""

    prompting: bool

    @property
    def pause_pending(self) -> bool:
        """Return True when a pause was asked for and has not been taken yet."""
        ...

    def request_pause(self) -> None:
        """Ask for a pause at the next boundary."""

    def request_abort(self, reason: str) -> None:
        """Ask for a clean abort at the next boundary, for ``reason``."""


@contextmanager
def handling_signals(runner: Interruptible, interactive: bool,
                     notify: Callable[[str], None]) -> Iterator[None]:
    """Route SIGINT and SIGTERM to ``runner`` for the duration of the block.

    Interactive: the first Ctrl-C asks for a pause before the next point, the second
    aborts (at a prompt it breaks the prompt off at once). Unattended: Ctrl-C aborts.
    SIGTERM aborts. ``notify`` shows the operator what the key press did. The previous
    handlers come back on exit. Outside the main thread nothing is installed (signals
    reach only the main thread).
    """

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        if not interactive:
            runner.request_abort("interrupted (Ctrl-C) during an unattended run")
            notify("Ctrl-C: the unattended run is aborted at the next step; its record "
                   "is sealed as aborted")
            return
        if not runner.pause_pending:
            runner.request_pause()
            notify("Ctrl-C: the run pauses before the next point"
                   + (" (answer this prompt first)" if runner.prompting else "")
                   + "; press Ctrl-C again to abort it")
            return
        runner.request_abort("aborted by the operator (Ctrl-C twice)")
        notify("Ctrl-C again: aborting the run; its record is sealed as aborted")
        if runner.prompting:
            raise KeyboardInterrupt  # breaks the prompt off: the runner aborts cleanly

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
