"""The schema of a procedure written as data (TOML; format in ``docs/procedures.md``).

One pydantic model per table: ``[procedure]`` (who it is), ``[roles.NAME]`` (the
instruments and the protocol each plays), ``[measurement]`` (what is read as the
indication, what as the reference, which calibrator sources the nominal),
``[[uncertainty]]`` (the further contributions of every point's budget), ``[[prompt]]``
(asked before the first point), ``[[point]]`` (the test points) and ``[hooks]`` (Python
only where logic is needed: ``module:function``). Quantities are text with a unit
(``"0 degC"``, ``"5 mK"``), read with pint. :func:`check_text` answers with the checked
procedure or every problem with its line.
"""

from __future__ import annotations

import re
from typing import Literal

import pint
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from metrolab.units import ureg

_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)
_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")
_HOOK = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")

#: the protocol an instrument of a role satisfies (:mod:`metrolab.instrument.roles`)
RoleProtocol = Literal["multimeter", "calibrator", "thermometer readout", "environment monitor"]


def quantity(text: str) -> pint.Quantity:
    """Return ``text`` (a number and a unit, e.g. ``"0 degC"``) as a Quantity.

    Raises ValueError saying what was expected for anything else (no number, unknown unit).
    """
    found = _QUANTITY.match(text)
    if found is None:
        raise ValueError(f"{text!r} is not a number with a unit (e.g. \"10 V\", \"0 degC\")")
    try:
        value: pint.Quantity = ureg.Quantity(float(found.group(1)), found.group(2) or "")
        return value
    except Exception as exc:  # pint raises several kinds for unknown or malformed units
        raise ValueError(f"{text!r}: unit {found.group(2)!r} is not known ({exc})") from None


class _QuantityText(BaseModel):
    """Checks fields holding quantities as text."""

    @staticmethod
    def _check(text: str | None) -> str | None:
        if text is not None:
            quantity(text)
        return text


class Info(BaseModel):
    """``[procedure]``: name, version, title, method reference, DUT models, readings."""

    model_config = _STRICT

    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    title: str = Field(min_length=1)
    method: str = ""
    dut_models: list[str] = Field(default_factory=lambda: ["as named by --item"])
    readings: int = Field(default=10, ge=2, le=10000)
    temperature_band_c: list[float] | None = Field(default=None, min_length=2, max_length=2)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"{value!r}: use lower-case letters, digits and hyphens")
        return value


class Role(BaseModel):
    """``[roles.NAME]``: the protocol, how the run uses it, the models it accepts."""

    model_config = _STRICT

    kind: RoleProtocol
    use: Literal["dut", "standard", "environment"] | None = None
    models: list[str] = Field(default_factory=list)
    description: str = ""
    required: bool = True


class Channel(BaseModel):
    """Where a value is read: a role and, for a readout, its channel."""

    model_config = _STRICT

    role: str
    channel: int | None = Field(default=None, ge=1)


class Measurement(BaseModel):
    """``[measurement]``: the indication (journalled), the reference, the source."""

    model_config = _STRICT

    indication: Channel
    reference: Channel | None = None
    source: Channel | None = None
    interval_s: float = Field(default=0.0, ge=0)


class Contribution(_QuantityText):
    """``[[uncertainty]]``: one more input of every point's budget (zero estimate)."""

    model_config = _STRICT

    name: str = Field(pattern=r"^[A-Za-z_]\w*$")
    half_width: str | None = None
    expanded: str | None = None
    k: float = Field(default=2.0, gt=0)
    distribution: Literal["rectangular", "normal", "triangular"] = "rectangular"

    _quantities = field_validator("half_width", "expanded")(_QuantityText._check)

    @model_validator(mode="after")
    def _one(self) -> Contribution:
        if (self.half_width is None) == (self.expanded is None):
            raise ValueError("give half_width (rectangular, triangular) or expanded with k")
        return self


class PromptEntry(BaseModel):
    """``[[prompt]]``: a confirmation asked before the first point."""

    model_config = _STRICT

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    text: str = Field(min_length=1)


class SpecLimit(BaseModel):
    """A limit taken from a specification table: ``{spec = MODEL, interval = ...}``."""

    model_config = _STRICT

    spec: str = Field(min_length=1)
    interval: str = Field(min_length=1)


class Point(_QuantityText):
    """``[[point]]``: one test point."""

    model_config = _STRICT

    id: str = Field(min_length=1)
    function: str = Field(min_length=1)
    nominal: str
    range: str | None = None
    frequency: str | None = None
    settle_s: float = Field(default=0.0, ge=0)
    readings: int | None = Field(default=None, ge=2, le=10000)
    limit: str | SpecLimit
    prompt: str | None = None
    setting: str | None = None
    connection: str = ""
    step: str = ""

    _quantities = field_validator("nominal", "range", "frequency")(_QuantityText._check)

    @field_validator("limit")
    @classmethod
    def _limit(cls, value: str | SpecLimit) -> str | SpecLimit:
        if isinstance(value, str) and quantity(value).magnitude <= 0:
            raise ValueError(f"{value!r}: a limit is a positive half-width")
        return value


class Hooks(BaseModel):
    """``[hooks]``: Python where logic is needed, as ``module:function``."""

    model_config = _STRICT

    prepare: str | None = Field(default=None, pattern=_HOOK.pattern)
    evaluate: str | None = Field(default=None, pattern=_HOOK.pattern)
    conclude: str | None = Field(default=None, pattern=_HOOK.pattern)


class ProcedureFile(BaseModel):
    """A whole TOML procedure."""

    model_config = _STRICT

    procedure: Info
    roles: dict[str, Role] = Field(min_length=1)
    measurement: Measurement
    uncertainty: list[Contribution] = Field(default_factory=list)
    prompt: list[PromptEntry] = Field(default_factory=list)
    point: list[Point] = Field(min_length=1)
    hooks: Hooks = Field(default_factory=Hooks)
