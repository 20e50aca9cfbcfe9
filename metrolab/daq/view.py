"""``metrolab daq view FILE``: watch a run from another process, in a window or a web page.

With a display (an X11 or Wayland session, macOS, Windows) a matplotlib window redraws
the newest rows every ``every_s`` seconds until it is closed; without one (a server over
SSH, a container) the same plot is served as a page on 127.0.0.1 until Ctrl-C. Both read
the file in SWMR mode while the run writes it.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from metrolab.daq.errors import DaqFileError
from metrolab.daq.plot import draw, read_tail
from metrolab.daq.web import serve_view


def has_display() -> bool:
    """Return True when a matplotlib window can be shown (a desktop session)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_window(path: Path, every_s: float, last: int, *, pyplot: Any = None,
               frames: int | None = None) -> int:
    """Redraw ``path`` in a matplotlib window every ``every_s`` s until it is closed (or
    ``frames`` redraws); return how many frames were drawn."""
    if pyplot is None:
        import matplotlib.pyplot as pyplot
    figure = pyplot.figure(num=f"metrolab daq view {path.name}", figsize=(9, 6),
                           layout="constrained")
    drawn = 0
    while pyplot.fignum_exists(figure.number) and (frames is None or drawn < frames):
        try:
            draw(figure, read_tail(path, last))
        except DaqFileError as exc:
            figure.clear()
            figure.suptitle(f"waiting: {exc}", fontsize=9)
        drawn += 1
        pyplot.pause(every_s)
    return drawn


def wait_for_signal() -> None:
    """Block until Ctrl-C (SIGINT) or SIGTERM; the previous handlers come back after."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(0.5):  # polling lets Python run its signal handlers
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def show(path: Path, *, web: bool, port: int, every_s: float, last: int,
         echo: Callable[[str], None], wait: Callable[[], None] = wait_for_signal) -> None:
    """Show ``path`` live: a window when there is a display and ``web`` is False, else a
    page on 127.0.0.1:``port`` until ``wait`` returns (Ctrl-C)."""
    if not web and has_display():
        run_window(path, every_s, last)
        return
    with serve_view(path, port, every_s=every_s, last=last) as server:
        echo(f"live view of {path}: {server.url} (Ctrl-C stops it)")
        wait()
