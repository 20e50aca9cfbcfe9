"""One chart per function: every range's errors as a percentage of their tolerance, with U.

A 36-point DMM verification gives five charts (DCV, DCI, RES2, RES4, ACV) instead of
one per range. Each point has its own slot on the x axis, grouped by range (shaded
bands, the range named at the top), labelled with its nominal value. The y axis is the
error as a percentage of the tolerance limit on its side (the upper limit for a
positive error, the lower for a negative one), so every range shares the limits at
±100 %; the U bars are scaled the same way. A function whose points lack tolerance
limits is drawn in its error unit instead. As-found and as-left points sit side by side.

Charts are vector graphics: matplotlib draws SVG (Agg is never involved), which the
HTML embeds and the PDF converts into reportlab drawing operations (svglib).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from metrolab.certificates.content import PHASE_TEXT, CertificateContent, ResultPoint
from metrolab.certificates.reported import error_unit, report_point, unit_symbol

_MARKERS = {"as_found": ("o", "tab:red"), "as_left": ("s", "tab:blue")}
_OFFSET = {"as_found": -0.12, "as_left": 0.12}  # as-found and as-left side by side
_GAP = 0.6  # extra space between ranges, in slots


@dataclass(frozen=True, slots=True)
class Plot:
    """A rendered chart: the function it shows, its caption and its SVG bytes."""

    function: str
    caption: str
    svg: bytes


def _functions(content: CertificateContent) -> dict[str, list[ResultPoint]]:
    """Return function -> its result points, functions in order of first appearance and
    points by range, then nominal value (a procedure measures all zeros first)."""
    groups: dict[str, list[ResultPoint]] = {}
    for point in content.results:
        groups.setdefault(point.function, []).append(point)
    return {function: sorted(points, key=_place) for function, points in groups.items()}


def _place(point: ResultPoint) -> tuple[float, float, float]:
    """Return the sort key of a point on its chart: range, frequency, nominal (base units)."""
    def base(quantity: object) -> float:
        return 0.0 if quantity is None else float(
            quantity.to_base_units().magnitude)  # type: ignore[attr-defined]
    return base(point.range), base(point.frequency), base(point.nominal)


def _normalised(value: float, lower: float, upper: float) -> float:
    """Return ``value`` as a percentage of the limit on its side (upper if >= 0)."""
    limit = upper if value >= 0 else -lower
    return 100.0 * value / limit if limit > 0 else float("nan")


def _has_tolerance(point: ResultPoint) -> bool:
    lower, upper = point.tolerance_lower, point.tolerance_upper
    return (lower is not None and upper is not None
            and float(upper.to(point.error.units).magnitude) > 0
            and float(lower.to(point.error.units).magnitude) < 0)


def _slots(points: list[ResultPoint]) -> tuple[dict[tuple[str, str], float],
                                                list[tuple[str, float, float]]]:
    """Return (range text, point id) -> x position, and the (range, start, end) bands."""
    positions: dict[tuple[str, str], float] = {}
    bands: list[tuple[str, float, float]] = []
    x = 0.0
    for point in points:
        rng = report_point(point).range
        key = (rng, point.point_id)
        if key in positions:
            continue
        if bands and bands[-1][0] != rng:
            x += _GAP
        positions[key] = x
        if bands and bands[-1][0] == rng:
            bands[-1] = (rng, bands[-1][1], x)
        else:
            bands.append((rng, x, x))
        x += 1.0
    return positions, bands


def _tick(point: ResultPoint) -> str:
    """Return the x label of a point: its nominal value (a zero without a unit)."""
    row = report_point(point)
    at = f"\n{row.frequency} {row.frequency_unit}" if row.frequency else ""
    return ("0" if float(row.nominal) == 0 else f"{row.nominal} {row.unit}") + at


def _chart(function: str, points: list[ResultPoint]) -> Plot:
    """Return the chart of one function."""
    relative = all(_has_tolerance(p) for p in points)
    largest = max(points, key=lambda p: float(p.U.to(p.error.units).magnitude))
    unit = error_unit(largest.U.to(largest.error.units))
    positions, bands = _slots(points)
    figure = Figure(figsize=(7.0, 2.5))
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    lows: list[float] = []
    highs: list[float] = []
    for phase in ("as_found", "as_left"):
        chosen = [p for p in points if p.phase == phase]
        if not chosen:
            continue
        xs, ys, below, above = [], [], [], []
        for p in chosen:
            error = float(p.error.to(unit).magnitude)
            U = float(p.U.to(unit).magnitude)
            if relative:
                lower = float(p.tolerance_lower.to(unit).magnitude)  # type: ignore[union-attr]
                upper = float(p.tolerance_upper.to(unit).magnitude)  # type: ignore[union-attr]
                y = _normalised(error, lower, upper)
                low, high = _normalised(error - U, lower, upper), _normalised(error + U,
                                                                              lower, upper)
            else:
                y, low, high = error, error - U, error + U
            xs.append(positions[(report_point(p).range, p.point_id)] + _OFFSET[phase])
            ys.append(y)
            below.append(y - low)
            above.append(high - y)
            lows.append(low)
            highs.append(high)
        marker, colour = _MARKERS[phase]
        axes.errorbar(xs, ys, yerr=[below, above], fmt=marker, color=colour, markersize=4,
                      capsize=3, linewidth=1, label=f"{PHASE_TEXT[phase]}: error ± U")
    for index, (rng, start, end) in enumerate(bands):
        if index % 2 == 0:
            axes.axvspan(start - 0.5, end + 0.5, color="0.93", zorder=0)
        if rng != "—":
            axes.text((start + end) / 2, 1.0, rng, transform=axes.get_xaxis_transform(),
                      ha="center", va="bottom", fontsize=7)
    if relative:
        for limit in (100.0, -100.0):
            axes.axhline(limit, color="black", linestyle="--", linewidth=0.9,
                         label="Tolerance limits (±100 %)" if limit > 0 else None)
        top = max([120.0, *highs, *(-v for v in lows)]) * 1.05
        axes.set_ylim(-top, top)
        axes.set_ylabel("Error / % of tolerance", fontsize=7)
    else:
        axes.set_ylabel(f"Error / {unit_symbol(largest.U.to(unit))}", fontsize=7)
    axes.axhline(0.0, color="grey", linewidth=0.5)
    ticks = {positions[(report_point(p).range, p.point_id)]: _tick(p) for p in points}
    axes.set_xticks(list(ticks), list(ticks.values()), fontsize=6.5)
    axes.set_xlim(min(ticks) - 0.6, max(ticks) + 0.6)
    axes.tick_params(axis="y", labelsize=7)
    axes.grid(True, axis="y", linewidth=0.3)
    axes.legend(fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    figure.subplots_adjust(left=0.08, right=0.76, top=0.9, bottom=0.2)  # fixed: no tight_layout
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": f"metrolab-{function}"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    what = ("error of each point as a percentage of its tolerance limit (limits at ±100 %)"
            if relative else f"error of each point in {unit_symbol(largest.U.to(unit))} (no "
            "tolerance limits given)")
    caption = f"{function}: {what}; bars show the expanded uncertainty U; ranges shaded."
    return Plot(function=function, caption=caption, svg=buffer.getvalue())


def error_plots(content: CertificateContent) -> list[Plot]:
    """Return one chart per function of ``content``, in order of first appearance."""
    return [_chart(function, points) for function, points in _functions(content).items()]
