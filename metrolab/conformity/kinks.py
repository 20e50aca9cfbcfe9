"""Where a frozen ``scipy.stats`` distribution is not smooth, and how to move its origin.

Quadrature is accurate on panels where the integrand is smooth; a risk integrand inherits
every corner of the prior's density and of the measurement error's distribution function:
the ends of a bounded support (uniform, arcsine, triangular...), the mode of a triangle,
the shoulders of a trapezoid, the peak of a Laplace density. :func:`kinks` lists them so
that the risk integrals can break their panels there.

:func:`shifted` re-expresses a distribution about a new origin through its public
``loc`` parameter, so that values near 10^12 can be integrated as small offsets instead
of losing digits in ``x - loc``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _parameters(frozen: Any) -> tuple[dict[str, Any], Any, Any] | None:
    """Return (shape parameters by name, loc, scale) of a frozen scipy distribution.

    Follows the public calling convention of ``rv_continuous``: shapes first (named in
    ``dist.shapes``), then ``loc`` and ``scale``, positionally or by keyword. None when
    the object does not follow it.
    """
    dist = getattr(frozen, "dist", None)
    args = getattr(frozen, "args", None)
    kwds = getattr(frozen, "kwds", None)
    if dist is None or args is None or kwds is None:
        return None
    names = [s.strip() for s in (getattr(dist, "shapes", None) or "").split(",") if s.strip()]
    values = list(args)
    if len(values) > len(names) + 2:
        return None
    shapes = dict(zip(names, values, strict=False))
    rest = values[len(names) :]
    keywords = dict(kwds)
    loc = keywords.pop("loc", rest[0] if rest else 0.0)
    scale = keywords.pop("scale", rest[1] if len(rest) > 1 else 1.0)
    shapes.update({k: v for k, v in keywords.items() if k in names})
    if set(keywords) - set(names) or len(shapes) != len(names):
        return None
    return shapes, loc, scale


def kinks(frozen: Any, n: int) -> FloatArray:
    """Return the points where ``frozen``'s density or distribution function has a corner.

    An (n, k) array in the distribution's unit for n flattened points (parameters that are
    (n, 1) arrays give one row each): the finite ends of its support and, for ``triang``,
    ``trapezoid`` and ``laplace``, the interior corners. k is 0 for a smooth distribution
    with unbounded support (normal, t, ...).
    """
    try:
        lo, hi = (np.asarray(v, dtype=float) for v in frozen.support())
    except (AttributeError, TypeError, ValueError):
        return np.empty((n, 0))
    points = [v for v in (lo, hi) if np.all(np.isfinite(v))]
    params = _parameters(frozen)
    name = getattr(getattr(frozen, "dist", None), "name", "")
    if params is not None and len(points) == 2:
        fractions = {"triang": ("c",), "trapezoid": ("c", "d"), "trapz": ("c", "d")}.get(name, ())
        points += [lo + float(params[0][f]) * (hi - lo) for f in fractions if f in params[0]]
    if name in ("laplace", "laplace_asymmetric") and params is not None:
        points.append(np.asarray(params[1], dtype=float))
    if not points:
        return np.empty((n, 0))
    rows = [np.broadcast_to(np.asarray(p, dtype=float).reshape(-1), (n,)) for p in points]
    return np.stack(rows, axis=1)


def shifted(frozen: Any, origin: FloatArray) -> Any:
    """Return ``frozen`` expressed about ``origin``: X - origin, with origin's shape.

    The new distribution has ``loc - origin`` and the same shapes and scale, so its
    density at a small offset d is the old one's at origin + d without the rounding of
    origin + d. None when the distribution does not take ``loc`` in the public way.
    """
    params = _parameters(frozen)
    if params is None:
        return None
    shapes, loc, scale = params
    try:
        return frozen.dist(**shapes, loc=np.asarray(loc, dtype=float) - origin, scale=scale)
    except (TypeError, ValueError):
        return None
