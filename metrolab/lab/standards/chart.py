"""One chart per standard: each point's correction ± U over time, its drift line and band,
its limits and the due date (matplotlib, Agg canvas, SVG or PNG)."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from metrolab.lab.standards.errors import RegisterUpdateError
from metrolab.lab.standards.intervals import predicted
from metrolab.lab.standards.status import StandardStatus
from metrolab.units import Quantity

#: chart file formats
FORMATS = ("svg", "png")


def _plot_point(axes: Axes, status: StandardStatus, n: int) -> None:
    history = status.histories[n]
    unit = f"{Quantity(1.0, history.point.unit).units:~P}"
    for phase, marker, fill in (("as_found", "o", "C0"), ("as_left", "s", "none")):
        rows = [(d, p) for d, p in history.history if p.phase == phase]
        if rows:
            axes.errorbar(mdates.date2num([d for d, _ in rows]), [p.correction for _, p in rows],
                          yerr=[p.U for _, p in rows], fmt=marker, color="C0",
                          markerfacecolor=fill, capsize=3,
                          label=f"{phase.replace('_', ' ')} ± U")
    model = history.drift
    end = max(status.standard.due_date, status.on) + timedelta(days=90)
    if model is not None:
        start = min(model.dates)
        days = np.arange(0, (end - model.reference).days + 1 + (model.reference - start).days)
        mu, sigma = predicted(history, start, days)
        when = mdates.date2num([start + timedelta(days=int(d)) for d in days])
        axes.plot(when, mu, color="C1", label="drift model")
        axes.fill_between(when, mu - 2 * sigma, mu + 2 * sigma, color="C1", alpha=0.2,
                          label="± 2 u (prediction)")
    if history.limit is not None:
        for sign in (1, -1):
            axes.axhline(sign * history.limit, color="C3", linestyle="--",
                         label=f"limit ({history.limit_source})" if sign > 0 else None)
    axes.axvline(float(mdates.date2num(status.standard.due_date)), color="0.4",
                 linestyle=":", label="due date")
    axes.set_title(history.label, fontsize=9)
    axes.set_ylabel(f"correction / {unit}")
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    axes.tick_params(labelsize=7)
    axes.legend(fontsize=6, loc="best")


def write_chart(status: StandardStatus, folder: Path, fmt: str = "svg") -> Path | None:
    """Write the chart of ``status`` as ``folder/<standard id>.<fmt>``; return its path, or
    None when the standard has no calibration points. Raises :class:`RegisterUpdateError`
    when the file cannot be written."""
    if not status.histories:
        return None
    count = len(status.histories)
    columns = min(count, 2)
    rows = math.ceil(count / columns)
    figure = Figure(figsize=(6.5 * columns, 3.2 * rows), layout="constrained")
    for n in range(count):
        _plot_point(figure.add_subplot(rows, columns, n + 1), status, n)
    standard = status.standard
    figure.suptitle(f"{standard.id}: {standard.manufacturer} {standard.model} "
                    f"serial {standard.serial}, as of {status.on.isoformat()}", fontsize=10)
    path = folder / f"{_safe(standard.id)}.{fmt}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format=fmt, metadata=_metadata(fmt))
    except OSError as exc:
        raise RegisterUpdateError(f"cannot write chart {path}: {exc.strerror or exc}") from exc
    return path


def _metadata(fmt: str) -> dict[str, str | None]:
    """Return file metadata without the creation time (charts of one day are identical)."""
    return {"Date": None} if fmt == "svg" else {"Software": "metrolab"}


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)
