"""Plots of error against tolerance, one per function and range (and AC frequency).

Each plot shows the error of every point (as found and as left) with its expanded
uncertainty as an error bar, and the tolerance limits of the error as dashed steps.
Figures are drawn on an Agg canvas directly (no pyplot state, no display needed).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from metrolab.certificates.content import PHASE_TEXT, CertificateContent, ResultPoint
from metrolab.certificates.reported import error_unit, report_point, unit_symbol

_MARKERS = {"as_found": ("o", "tab:red"), "as_left": ("s", "tab:blue")}


@dataclass(frozen=True, slots=True)
class Plot:
    """A rendered plot: its title and PNG bytes."""

    title: str
    png: bytes


def _groups(content: CertificateContent) -> dict[str, list[ResultPoint]]:
    groups: dict[str, list[ResultPoint]] = {}
    for point in content.results:
        groups.setdefault(report_point(point).group, []).append(point)
    return groups


def error_plots(content: CertificateContent, *, dpi: int = 120) -> list[Plot]:
    """Return one error-versus-tolerance plot per (function, range), in recorded order.

    The x axis is the nominal value in the prefixed unit of the range (mA for 10 mA), the
    y axis the error in the error unit of the point with the largest U (µV, mΩ, ...).
    """
    plots: list[Plot] = []
    for title, points in _groups(content).items():
        largest = max(points, key=lambda p: float(p.U.to(p.error.units).magnitude))
        unit = error_unit(largest.U.to(largest.error.units))
        scale = points[0].range if points[0].range is not None else points[0].nominal
        x_unit = error_unit(scale)  # the range's own prefix: mA for 10 mA
        figure = Figure(figsize=(6.4, 2.7), dpi=dpi)
        canvas = FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        for phase in ("as_found", "as_left"):
            chosen = [p for p in points if p.phase == phase]
            if not chosen:
                continue
            marker, colour = _MARKERS[phase]
            axes.errorbar(
                [float(p.nominal.to(x_unit).magnitude) for p in chosen],
                [float(p.error.to(unit).magnitude) for p in chosen],
                yerr=[float(p.U.to(unit).magnitude) for p in chosen],
                fmt=marker,
                color=colour,
                capsize=3,
                label=f"{PHASE_TEXT[phase]} error ± U",
            )
        ordered = sorted(points, key=lambda p: float(p.nominal.to(x_unit).magnitude))
        x = [float(p.nominal.to(x_unit).magnitude) for p in ordered]
        for attribute, label in (("tolerance_upper", "Tolerance"), ("tolerance_lower", None)):
            limits = [getattr(p, attribute) for p in ordered]
            if all(limit is not None for limit in limits):
                y = [float(limit.to(unit).magnitude) for limit in limits]
                axes.plot(x, y, "k--", marker="_", markersize=14, linewidth=1, label=label)
        axes.axhline(0.0, color="grey", linewidth=0.5)
        axes.set_xlabel(f"Nominal value / {unit_symbol(scale.to(x_unit))}")
        axes.set_ylabel(f"Error / {unit_symbol(largest.U.to(unit))}")
        axes.set_title(title)
        axes.legend(fontsize="small")
        axes.grid(True, linewidth=0.3)
        figure.subplots_adjust(left=0.13, right=0.97, top=0.88, bottom=0.19)  # fixed: fast
        buffer = io.BytesIO()
        canvas.print_png(buffer)
        plots.append(Plot(title=title, png=buffer.getvalue()))
    return plots

