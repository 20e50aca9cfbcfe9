"""The schema of a specification table file (format in :mod:`metrolab.instrument.specs`).

One pydantic model per level (the file, a ``[[spec]]`` row) says what each key holds;
:func:`read_table` reads a file, checks it and answers with the checked table or a
:class:`SpecFileError` listing every problem with its line. The same check serves the
tables packaged with metrolab and a laboratory's own files (``--specs DIR``).
"""

from __future__ import annotations

import math
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from metrolab.errors import UserInputError
from metrolab.toml_check import Problem, TomlFileError, parse, problem_at, read_text, validate

_NUMBERS = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class SpecFileError(TomlFileError):
    """A specification table file cannot be used: every problem with its line."""


class SpecRowModel(BaseModel):
    """One ``[[spec]]`` row: functions, range and the terms of the tolerance."""

    model_config = _NUMBERS

    functions: list[str] = Field(min_length=1)
    range: float = Field(gt=0)
    reading_pct: float | None = Field(default=None, ge=0)
    reading_ppm: float | None = Field(default=None, ge=0)
    range_pct: float = Field(default=0.0, ge=0)
    floor: float = Field(default=0.0, ge=0)
    frequency_min: float | None = Field(default=None, ge=0)
    frequency_max: float | None = Field(default=None, gt=0)
    range_min: float | None = None
    reference: float = 0.0
    source: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SpecRowModel:
        if (self.reading_pct is None) == (self.reading_ppm is None):
            raise ValueError("give the reading term once: reading_pct or reading_ppm")
        if (self.frequency_min is None) != (self.frequency_max is None):
            raise ValueError("an AC band needs both frequency_min and frequency_max (Hz)")
        if (self.frequency_min is not None and self.frequency_max is not None
                and self.frequency_min > self.frequency_max):
            raise ValueError(f"frequency_min {self.frequency_min:g} Hz is above "
                             f"frequency_max {self.frequency_max:g} Hz")
        if self.range_min is not None and self.range_min >= self.range:
            raise ValueError(f"range_min {self.range_min:g} is not below range {self.range:g}")
        return self

    @property
    def reading_term_pct(self) -> float:
        """Return the reading term in % of reading (``reading_ppm`` / 10⁴)."""
        if self.reading_pct is not None:
            return self.reading_pct
        assert self.reading_ppm is not None  # checked by _consistent
        return self.reading_ppm / 1e4


class SpecTableModel(BaseModel):
    """A whole specification file: model, interval, conditions, source and rows."""

    model_config = _NUMBERS

    model: str = Field(min_length=1)
    interval: str = Field(min_length=1)
    conditions: str = ""
    source: str = ""
    provisional: bool = False
    full_scale: bool = False
    spec: list[SpecRowModel] = Field(min_length=1)

    def functions_of(self, functions: type[Enum]) -> list[list[Any]]:
        """Return the members of ``functions`` each row names (checked by :func:`read_table`)."""
        return [[functions.parse(name) for name in row.functions]  # type: ignore[attr-defined]
                for row in self.spec]


def read_table(path: Path, functions: type[Enum]) -> SpecTableModel:
    """Return the checked table of specification file ``path``, its functions parsed as
    members of ``functions``; raise :class:`SpecFileError` with every problem and line."""
    text = read_text(path, "specification file", SpecFileError)
    table, problems = check_text(text, functions)
    if table is None:
        raise SpecFileError("specification file", path, problems)
    return table


def check_text(text: str, functions: type[Enum]) -> tuple[SpecTableModel | None, list[Problem]]:
    """Return (the checked table, []) of specification ``text``, or (None, its problems)."""
    data, problems = parse(text)
    if data is None:
        return None, problems
    table, problems = validate(SpecTableModel, data, text)
    if table is None:
        return None, problems
    for number, row in enumerate(table.spec):
        for index, name in enumerate(row.functions):
            try:
                functions.parse(name)  # type: ignore[attr-defined]
            except UserInputError as exc:
                problems.append(problem_at(text, ("spec", number, "functions"),
                                           f"{exc} (entry {index + 1})"))
    problems += _tolerance_problems(table, text)
    return (None, problems) if problems else (table, [])


def _tolerance_problems(table: SpecTableModel, text: str) -> list[Problem]:
    """Return a problem for every row whose tolerance at its range is not a finite
    positive number (all terms 0, or terms so large they overflow)."""
    found = []
    for number, row in enumerate(table.spec):
        half = row.range * (row.reading_term_pct + row.range_pct) / 100.0 + row.floor
        if not math.isfinite(half) or half <= 0:
            found.append(problem_at(text, ("spec", number),
                                    f"the tolerance at full range is {half:g}: a row needs a "
                                    "positive, finite reading, range or floor term"))
    return found
