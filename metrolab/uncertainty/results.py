"""Plain-data helpers shared by the GUM and Monte Carlo results."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pint

from metrolab.units import ureg


def plain(a: Any) -> Any:
    """Return a number or array as a float or nested list of floats (JSON-safe)."""
    arr = np.asarray(a, dtype=float)
    return arr.tolist() if arr.ndim else float(arr)


def plain_dof(a: Any) -> Any:
    """Return degrees of freedom as plain data, with None for infinity."""
    arr = np.asarray(a, dtype=float)
    if arr.ndim == 0:
        return None if math.isinf(float(arr)) else float(arr)
    return (
        [None if math.isinf(v) else v for v in arr.ravel().tolist()]
        if arr.ndim == 1
        else [plain_dof(row) for row in arr]
    )


def unit_text(unit: pint.Unit) -> str:
    """Return a unit as compact text pint parses back ('' for dimensionless)."""
    return "" if unit == ureg.dimensionless else f"{unit:~C}"
