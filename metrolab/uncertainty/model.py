"""The measurement model: a plain function of named numpy arrays, one or several outputs."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pint

from metrolab.uncertainty.errors import UncertaintyComputationError, UncertaintyInputError


@dataclass
class Model:
    """A measurement model ``Y = f(X1, ..., Xn)`` with named inputs and outputs.

    ``func`` takes the inputs as keyword arguments (numpy arrays, possibly complex during
    differentiation) and returns an array (one output), a tuple, or a dict of outputs.
    ``source`` is the text kept with results; ``equations`` is set for models compiled
    from text (:func:`metrolab.uncertainty.expressions.compile_equations`) and allows a
    stored result to be recomputed.
    """

    func: Callable[..., Any]
    input_names: tuple[str, ...]
    output_names: tuple[str, ...] | None = None
    source: str | None = None
    equations: dict[str, str] | None = field(default=None)

    def __call__(self, *args: Any) -> tuple[Any, ...]:
        """Return the outputs, in :attr:`output_names` order, for inputs given in order."""
        kwargs = dict(zip(self.input_names, args, strict=True))
        try:
            raw = self.func(**kwargs)
        except pint.errors.PintError:
            raise  # a units problem: the caller names it
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise UncertaintyComputationError(
                f"model evaluation failed: {type(exc).__name__}: {exc}"
            ) from exc
        return self._normalise(raw)

    def _normalise(self, raw: Any) -> tuple[np.ndarray, ...]:
        if isinstance(raw, Mapping):
            names = tuple(str(k) for k in raw)
            values = tuple(raw.values())
        elif isinstance(raw, tuple | list):
            values = tuple(raw)
            names = (
                self.output_names
                if self.output_names and len(self.output_names) == len(values)
                else tuple(f"y{i + 1}" for i in range(len(values)))
            )
        else:
            values = (raw,)
            names = (
                self.output_names if self.output_names and len(self.output_names) == 1 else ("y",)
            )
        if self.output_names is None:
            self.output_names = names
        elif names != self.output_names:
            raise UncertaintyComputationError(
                f"model returned outputs {names} after {self.output_names}: keep them fixed"
            )
        return tuple(values)


def as_model(model: Model | Callable[..., Any], outputs: Sequence[str] | None = None) -> Model:
    """Return ``model`` as a :class:`Model`, reading input names from its signature."""
    if isinstance(model, Model):
        return model
    if not callable(model):
        raise UncertaintyInputError(f"the model must be a function of named inputs, got {model!r}")
    return Model(model, _input_names(model), tuple(outputs) if outputs else None, _source_of(model))


@lru_cache(maxsize=256)
def _input_names(func: Callable[..., Any]) -> tuple[str, ...]:
    """Return the parameter names of ``func``, which must all be ordinary parameters."""
    params = inspect.signature(func).parameters.values()
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY) for p in params):
        raise UncertaintyInputError("the model must name each input as an ordinary parameter")
    return tuple(p.name for p in params)


@lru_cache(maxsize=256)
def _source_of(func: Callable[..., Any]) -> str | None:
    """Return the source text of ``func`` (its qualified name when there is none), cached."""
    try:
        return inspect.getsource(func)
    except (OSError, TypeError):
        return getattr(func, "__qualname__", None)
