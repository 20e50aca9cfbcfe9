"""Plain-data helpers shared by the GUM and Monte Carlo results."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pint

from metrolab.units import ureg

if TYPE_CHECKING:
    from metrolab.uncertainty.inputs import Input

#: the documented fields of a GUM budget row (``GumResult.to_dict()["budget"]``), in the
#: order the command line prints them as columns
BUDGET_FIELDS = (
    "output",
    "input",
    "value",
    "u",
    "unit",
    "distribution",
    "dof",
    "sensitivity",
    "contribution",
    "share",
)


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


def input_correlations(names: tuple[str, ...], matrix: np.ndarray | None) -> list[dict[str, Any]]:
    """Return the non-zero input correlations as ``[{"between": [a, b], "r": r}]``."""
    if matrix is None:
        return []
    return [
        {"between": [a, b], "r": float(matrix[i, j])}
        for i, a in enumerate(names)
        for j, b in enumerate(names)
        if i < j and matrix[i, j] != 0.0
    ]


@dataclass(kw_only=True)
class EvaluationRecord:
    """What GUM and Monte Carlo results share, and the plain-data record they give.

    Arrays are in each output's unit (``units``), outputs first and test points trailing;
    ``inputs``, ``input_correlation``, the model's source or equations and ``settings``
    are what is needed to redo the evaluation.
    """

    output_names: tuple[str, ...]
    units: tuple[pint.Unit, ...]
    values: np.ndarray
    u: np.ndarray
    covariance: np.ndarray
    coverage: float
    input_names: tuple[str, ...]
    inputs: tuple[Input, ...]
    input_correlation: np.ndarray | None
    model_source: str | None
    equations: dict[str, str] | None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def correlation(self) -> np.ndarray:
        """Return the output correlation matrix (outputs, outputs, *points), dimensionless."""
        with np.errstate(divide="ignore", invalid="ignore"):
            outer = self.u[:, None] * self.u[None, :]
            return np.where(outer > 0, self.covariance / np.where(outer > 0, outer, 1.0), 0.0)

    def record(
        self,
        method: str,
        outputs: dict[str, Any],
        details: dict[str, Any],
        region_k: Any,
    ) -> dict[str, Any]:
        """Return the JSON-safe record: method, model, coverage, outputs, ``details``, inputs.

        With several outputs it adds ``output_correlation`` and ``coverage_region`` (an
        ellipsoid with factor ``region_k``, None when unknown).
        """
        data: dict[str, Any] = {
            "method": method,
            "model": {"source": self.model_source, "equations": self.equations},
            "coverage": self.coverage,
            "outputs": outputs,
            **details,
            "correlations": input_correlations(self.input_names, self.input_correlation),
            "settings": self.settings,
            "inputs": {
                n: inp.describe() for n, inp in zip(self.input_names, self.inputs, strict=True)
            },
        }
        if len(self.output_names) > 1:
            data["output_correlation"] = {
                "names": list(self.output_names),
                "matrix": plain(self.correlation),
            }
            data["coverage_region"] = {
                "shape": "ellipsoid",
                "k": None if region_k is None else plain(region_k),
            }
        return data
