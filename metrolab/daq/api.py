"""The five-line Python API: :func:`log` and :func:`sweep` build a run and start it.

::

    from metrolab import daq
    bench = {"dmm": "TCPIP0::192.168.1.20::inst0::INSTR", "thermometer": "ASRL/dev/ttyUSB0::INSTR"}
    daq.log(bench, every="1 s", duration="48 h", out="weekend.h5")
    data = daq.load("weekend.h5")          # xarray.Dataset: dmm (V), thermometer (degC)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pint

from metrolab.clock import Clock
from metrolab.daq.config import DaqConfig
from metrolab.daq.engine import DaqEngine
from metrolab.daq.parsing import seconds
from metrolab.daq.report import DaqReporter
from metrolab.daq.run import DaqResult, Session, start
from metrolab.daq.spec import Axis, Readable, Watch

Duration = float | str | pint.Quantity


def _readables(read: Iterable[Readable | str] | None) -> tuple[Readable, ...] | None:
    """Return the readables; a bare role name stands for that role's default reading."""
    if read is None:
        return None
    return tuple(item if isinstance(item, Readable) else Readable(item) for item in read)


def log(instruments: Mapping[str, Any], *, every: Duration, out: str | Path,
        duration: Duration | None = None, count: int | None = None,
        read: Iterable[Readable | str] | None = None, readings: int = 1,
        watch: Iterable[Watch] = (), models: Mapping[str, str] | None = None,
        flush: Duration = 1.0, timeout: Duration = 5.0, virtual_clock: bool = False,
        title: str = "", clock: Clock | None = None, reporter: DaqReporter | None = None,
        on_engine: Callable[[DaqEngine], None] | None = None) -> DaqResult:
    """Record ``read`` (default: every reading each instrument offers) every ``every`` for
    ``duration`` and/or ``count`` ticks (whichever ends first) into ``out`` (HDF5); return
    how the run ended.

    ``instruments`` maps role -> VISA resource (or a driver object you opened);
    ``readings`` rows are taken at each tick; ``watch`` pauses the log while a condition
    is out of band. Durations are seconds or text (``"1 s"``, ``"48 h"``).
    """
    config = DaqConfig(
        "log", dict(instruments), Path(out), _readables(read), (),
        seconds(every, "every"),
        None if duration is None else seconds(duration, "duration", allow_zero=False),
        readings, tuple(watch), dict(models or {}), seconds(flush, "flush"),
        seconds(timeout, "timeout", allow_zero=False), virtual_clock, title, steps=count)
    return start(config, Session(clock, reporter, None, on_engine))


def sweep(instruments: Mapping[str, Any], axes: Axis | Iterable[Axis], *, out: str | Path,
          read: Iterable[Readable | str] | None = None, readings: int = 1,
          watch: Iterable[Watch] = (), models: Mapping[str, str] | None = None,
          flush: Duration = 1.0, timeout: Duration = 5.0, virtual_clock: bool = False,
          title: str = "", clock: Clock | None = None, reporter: DaqReporter | None = None,
          on_engine: Callable[[DaqEngine], None] | None = None) -> DaqResult:
    """Sweep ``axes`` (nested, the first outermost) and record ``readings`` rows of ``read``
    (default: every instrument not swept) at each setpoint into ``out``; return how the
    run ended.
    """
    config = DaqConfig(
        "sweep", dict(instruments), Path(out), _readables(read),
        (axes,) if isinstance(axes, Axis) else tuple(axes), 0.0, None, readings,
        tuple(watch), dict(models or {}), seconds(flush, "flush"),
        seconds(timeout, "timeout", allow_zero=False), virtual_clock, title)
    return start(config, Session(clock, reporter, None, on_engine))
