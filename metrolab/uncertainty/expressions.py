"""Safe measurement equations from text: ``{"P": "V**2 / R"}`` becomes a :class:`Model`.

Each equation is parsed by :func:`metrolab.uncertainty.equation.parse_equation`: only
names of inputs, numbers, ``+ - * / **``, unary signs, brackets and calls of the numpy
maths functions in :data:`~metrolab.uncertainty.equation.FUNCTIONS` get through; anything
else is refused with an :class:`UncertaintyInputError` naming the output, the column and
the construct. Nothing is passed to ``eval``: the equations are run by a small stack
machine, so they cannot reach Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from metrolab.uncertainty.equation import CONSTANTS, FUNCTIONS, Equation, parse_equation
from metrolab.uncertainty.errors import UncertaintyInputError
from metrolab.uncertainty.model import Model

__all__ = ["CONSTANTS", "FUNCTIONS", "compile_equations", "model_from_equations"]


def compile_equations(equations: Mapping[str, str], input_names: Sequence[str]) -> Model:
    """Return a :class:`Model` computing each output from its checked equation text.

    Outputs are computed in the order given; an equation may use only the inputs (outputs
    do not feed each other). Raises :class:`UncertaintyInputError` for a syntax error,
    any construct outside the grammar, a constant part that is not a finite real number,
    or an input that no equation uses.
    """
    if not equations:
        raise UncertaintyInputError("the model has no equations: give at least one output")
    allowed = frozenset(input_names)
    parsed = [parse_equation(str(output), text, allowed) for output, text in equations.items()]
    return model_from_equations(parsed, input_names)


def model_from_equations(parsed: Sequence[Equation], input_names: Sequence[str]) -> Model:
    """Return the :class:`Model` computing each of the ``parsed`` equations, in order.

    Raises :class:`UncertaintyInputError` for an input that no equation uses.
    """
    used = set().union(*(e.inputs for e in parsed))
    unused = [n for n in input_names if n not in used]
    if unused:
        raise UncertaintyInputError(f"input(s) {', '.join(unused)} appear in no equation")
    equations = tuple(parsed)

    def evaluate(**values: Any) -> dict[str, Any]:
        """Return each output's value (same unit arithmetic as the inputs)."""
        return {e.output: e.evaluate(values) for e in equations}

    source = "\n".join(f"{e.output} = {e.text}" for e in equations)
    return Model(
        evaluate,
        tuple(input_names),
        tuple(e.output for e in equations),
        source,
        {e.output: e.text for e in equations},
    )
