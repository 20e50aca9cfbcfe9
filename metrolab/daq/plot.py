"""The live plot: the newest rows of an acquisition file, drawn with matplotlib.

:func:`read_tail` reads the newest rows of a file that may still be written (SWMR);
:func:`draw` draws them on a figure, one panel per column (its unit on the y axis)
against time (a log) or the innermost setpoint (a sweep); :func:`png` renders that to PNG
bytes without pyplot (safe in a web server's threads). The window of ``metrolab daq
view`` and the web page both draw with :func:`draw`.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import UTC, datetime

import h5py
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from metrolab.daq.errors import DaqFileError
from metrolab.daq.layout import SCHEMA_NAME, text_value


@dataclass(frozen=True, slots=True)
class Tail:
    """The newest rows of a file: x values (seconds since the epoch, or setpoints), each
    column's values and unit, and the run's title, status and row count."""

    title: str
    status: str
    rows: int
    x_name: str
    x_unit: str
    x: np.ndarray
    columns: dict[str, tuple[str, np.ndarray]]
    is_time: bool


def read_tail(path: str | os.PathLike[str], last: int = 10_000) -> Tail:
    """Return the newest ``last`` rows of the acquisition file at ``path``.

    Raises :class:`DaqFileError` when the file cannot be read (not there yet, not an
    acquisition file).
    """
    try:
        with h5py.File(path, "r", swmr=True) as handle:
            if handle.attrs.get("schema_name") != SCHEMA_NAME:
                raise DaqFileError(f"{path} is not a metrolab.daq file")
            entry = handle["entry"]
            data = entry["data"]
            names = [str(data.attrs["signal"]), *(str(n) for n in
                                                   data.attrs.get("auxiliary_signals", []))]
            axis = str(data.attrs["axes"][0])
            rows = min(data[name].shape[0] for name in ["time", axis, *names])
            start = max(0, rows - last)
            columns = {name: (str(data[name].attrs["units"]),
                              np.asarray(data[name][start:rows])) for name in names}
            return Tail(str(entry.attrs["title"]), text_value(entry["status"]), rows, axis,
                        str(data[axis].attrs["units"]), np.asarray(data[axis][start:rows]),
                        columns, axis == "time")
    except (OSError, KeyError) as exc:
        raise DaqFileError(f"{path} cannot be read yet ({exc})") from exc


def draw(figure: Figure, tail: Tail) -> None:
    """Draw ``tail`` on ``figure`` (cleared first): one panel per column, shared x axis."""
    figure.clear()
    count = max(1, len(tail.columns))
    axes = figure.subplots(count, 1, sharex=True, squeeze=False)[:, 0]
    x: np.ndarray = tail.x
    if tail.is_time:
        x = np.array([datetime.fromtimestamp(t, tz=UTC) for t in tail.x.tolist()])
    for panel, (name, (unit, values)) in zip(axes, tail.columns.items(), strict=False):
        if tail.is_time:
            panel.plot(x, values, ".-", markersize=3, linewidth=0.8, color="C0")
        else:
            panel.plot(x, values, "o", markersize=4, linestyle="none", color="C0")
        panel.set_ylabel(f"{name} ({unit})")
        panel.grid(True, alpha=0.3)
    axes[-1].set_xlabel("time (UTC)" if tail.is_time else f"{tail.x_name} ({tail.x_unit})")
    figure.suptitle(f"{tail.title}: {tail.status}, {tail.rows} rows", fontsize=10)


def figure_of(tail: Tail, *, width_in: float = 9.0, dpi: int = 100) -> Figure:
    """Return a new Agg figure with ``tail`` drawn (no pyplot: any thread may call it)."""
    figure = Figure(figsize=(width_in, 1.0 + 2.2 * max(1, len(tail.columns))), dpi=dpi,
                    layout="constrained")
    FigureCanvasAgg(figure)
    draw(figure, tail)
    return figure


def png_bytes(figure: Figure) -> bytes:
    """Return ``figure`` rendered as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def png(tail: Tail) -> bytes:
    """Return ``tail`` drawn as PNG bytes (what the web page shows)."""
    return png_bytes(figure_of(tail))
