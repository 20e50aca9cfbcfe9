"""Compound tables of a record: typed columns, each number with its unit, no NaN for
"not given".

A table is one HDF5 compound dataset. A text column is fixed-length UTF-8; a number
column is float64 or int; a flag column is boolean. Every float column says its unit in
the table's attributes: ``<column>_units`` (one unit for every row) or
``<column>_unit_column`` (the text column that holds each row's unit); counts and
indices have no unit. A number that no row has is left out and named in the attribute
``absent``; one that only some rows have gets a boolean ``<column>_mask`` column (True:
not given, the number there means nothing), after NeXus's ``FIELDNAME_mask``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np

#: what is written under a masked number (the mask column says it is not given)
MASKED = 0.0


def number(value: Any) -> float | None:
    """Return ``value`` as a float if it is a finite or infinite real number, else None."""
    if type(value) is float:  # the common case, first
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def quantity(value: Any) -> tuple[float | None, str]:
    """Return (number, unit) of a journalled ``{value, unit}`` mapping (None, "" if none)."""
    if type(value) is not dict and not isinstance(value, Mapping):
        return None, ""
    return number(value.get("value")), str(value.get("unit") or "")


@dataclass(frozen=True, slots=True)
class Spec:
    """One column: ``kind`` is text, float, int or bool. A float column has ``units``
    (the same for every row) or ``unit_column`` (the text column with each row's unit);
    ``absent_reason`` says why a float column no row has is left out."""

    name: str
    kind: str
    units: str | None = None
    unit_column: str | None = None
    absent_reason: str = "no row has it"
    long_name: str = ""


def _numbers(values: list[Any]) -> tuple[np.ndarray, np.ndarray | None]:
    """Return (a float column, None if every row gives a number, else the rows that do)
    for the ``values`` of one column, each read as :func:`number` reads it."""
    kinds = set(map(type, values))
    if kinds <= {float, int}:  # the common case: every row a plain number
        return np.array(values, dtype=np.float64), None
    numbers = [number(v) for v in values]
    given = np.array([n is not None for n in numbers], dtype=bool)
    return np.array([MASKED if n is None else n for n in numbers], dtype=np.float64), given


def _texts(values: list[Any]) -> np.ndarray:
    """Return a text column as fixed-length UTF-8 bytes (None is an empty text)."""
    encoded = [v.encode("utf-8") if type(v) is str else
               str(v if v is not None else "").encode("utf-8") for v in values]
    width = max(map(len, encoded), default=1) or 1
    return np.array(encoded, dtype=f"S{width}")


def build(specs: Sequence[Spec], rows: Sequence[Mapping[str, Any]],
          description: str) -> tuple[np.ndarray, dict[str, Any]]:
    """Return (the table as a compound array, its attributes) for ``rows`` (one mapping
    of column name -> value per row; a missing or None number is "not given").

    A unit column left empty is written ``1`` in every row that gives a number in that
    unit (journalled budgets write a dimensionless unit as an empty text)."""
    numbers = {spec.name: _numbers([row.get(spec.name) for row in rows])
               for spec in specs if spec.kind == "float"}
    fields: list[tuple[str, Any]] = []
    data: dict[str, np.ndarray] = {}
    attrs: dict[str, Any] = {"description": description}
    absent: list[str] = []
    for spec in specs:
        if spec.kind == "text":
            data[spec.name] = texts = _texts(_dimensionless(
                spec.name, specs, [row.get(spec.name) for row in rows], numbers))
            fields.append((spec.name, h5py.string_dtype("utf-8", texts.dtype.itemsize)))
        elif spec.kind in ("int", "bool"):
            kind = np.int64 if spec.kind == "int" else np.bool_
            fields.append((spec.name, kind))
            data[spec.name] = np.array([v if (v := row.get(spec.name)) is not None else 0
                                        for row in rows], kind)
        else:
            values, given = numbers[spec.name]
            if not rows or (given is not None and not given.any()):
                absent.append(f"{spec.name}: {spec.absent_reason}")
                continue
            fields.append((spec.name, np.float64))
            data[spec.name] = values
            if spec.units is not None:
                attrs[f"{spec.name}_units"] = spec.units
            if spec.unit_column is not None:
                attrs[f"{spec.name}_unit_column"] = spec.unit_column
            if given is not None:
                fields.append((f"{spec.name}_mask", np.bool_))
                data[f"{spec.name}_mask"] = ~given
        if spec.long_name:
            attrs[f"{spec.name}_long_name"] = spec.long_name
    if absent:
        attrs["absent"] = absent
    table = np.zeros(len(rows), dtype=np.dtype(fields))
    for name, values in data.items():
        table[name] = values
    return table, attrs


def _dimensionless(name: str, specs: Sequence[Spec], units: list[Any],
                   numbers: Mapping[str, tuple[np.ndarray, np.ndarray | None]]) -> list[Any]:
    """Return the unit column ``name`` with an empty unit written ``1`` in each row where
    a float column measured in it gives a number; other text columns unchanged."""
    users = [spec.name for spec in specs if spec.unit_column == name]
    if not users or all(units):
        return units
    given = np.zeros(len(units), dtype=bool)
    for user in users:
        mask = numbers[user][1]
        given |= True if mask is None else mask
    return [unit if unit or not wanted else "1"
            for unit, wanted in zip(units, given.tolist(), strict=True)]


def column(table: np.ndarray, name: str) -> list[Any]:
    """Return one column of a table read back: texts decoded, numbers as floats with None
    where the mask says not given (or the column is absent), ints and flags as such."""
    names = table.dtype.names or ()
    if name not in names:
        return [None] * table.shape[0]
    values = table[name]
    if values.dtype.kind == "S":
        return [v.decode("utf-8") for v in values.tolist()]
    if values.dtype.kind == "f":
        mask = table[f"{name}_mask"] if f"{name}_mask" in names else np.zeros(values.shape, bool)
        return [None if m else float(v) for v, m in zip(values.tolist(), mask.tolist(),
                                                          strict=True)]
    return values.tolist()

