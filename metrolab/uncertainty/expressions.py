"""Safe measurement equations from text: ``{"P": "V**2 / R"}`` becomes a :class:`Model`.

Text is parsed with :mod:`ast` and only a whitelist survives: names of inputs, numbers,
``+ - * / **``, unary signs and calls of the numpy maths functions in :data:`FUNCTIONS`.
Anything else (attributes, subscripts, comparisons, lambdas, keywords, strings) is
refused with an :class:`UncertaintyInputError` naming the output and the construct.
Nothing is ever passed to ``eval`` before it has been checked.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from metrolab.uncertainty.errors import UncertaintyInputError
from metrolab.uncertainty.model import Model

#: functions an equation may call (numpy maths only)
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sqrt": np.sqrt,
    "exp": np.exp,
    "log": np.log,
    "log10": np.log10,
    "log2": np.log2,
    "log1p": np.log1p,
    "expm1": np.expm1,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "arcsin": np.arcsin,
    "arccos": np.arccos,
    "arctan": np.arctan,
    "arctan2": np.arctan2,
    "asin": np.arcsin,
    "acos": np.arccos,
    "atan": np.arctan,
    "atan2": np.arctan2,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tanh": np.tanh,
    "hypot": np.hypot,
    "abs": np.abs,
    "square": np.square,
    "deg2rad": lambda x: x * (np.pi / 180.0),  # as numbers: pint's np.deg2rad would treat
    "rad2deg": lambda x: x * (180.0 / np.pi),  # a plain number as radians already
}
#: named constants an equation may use
CONSTANTS: dict[str, float] = {"pi": float(np.pi), "e": float(np.e)}

_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)


def _check(node: ast.AST, output: str, inputs: set[str]) -> None:
    """Raise :class:`UncertaintyInputError` if ``node`` holds anything not whitelisted."""
    if isinstance(node, ast.Expression):
        _check(node.body, output, inputs)
    elif isinstance(node, ast.BinOp):
        if not isinstance(node.op, _OPERATORS):
            raise UncertaintyInputError(
                f"output {output!r}: operator {type(node.op).__name__} is not allowed "
                "(use + - * / **)"
            )
        _check(node.left, output, inputs)
        _check(node.right, output, inputs)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.UAdd | ast.USub):
            raise UncertaintyInputError(
                f"output {output!r}: {type(node.op).__name__} is not allowed"
            )
        _check(node.operand, output, inputs)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise UncertaintyInputError(f"output {output!r}: {node.value!r} is not a number")
    elif isinstance(node, ast.Name):
        if node.id not in inputs and node.id not in CONSTANTS:
            raise UncertaintyInputError(
                f"output {output!r}: {node.id!r} is not an input "
                f"(inputs: {', '.join(sorted(inputs)) or 'none'})"
            )
    elif isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            shown = name or ast.unparse(node.func)
            raise UncertaintyInputError(
                f"output {output!r}: calling {shown!r} is not allowed "
                f"(allowed: {', '.join(sorted(FUNCTIONS))})"
            )
        if node.keywords:
            raise UncertaintyInputError(f"output {output!r}: {name}() takes no keyword arguments")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise UncertaintyInputError(f"output {output!r}: *arguments are not allowed")
            _check(arg, output, inputs)
    else:
        raise UncertaintyInputError(
            f"output {output!r}: {type(node).__name__} ({ast.unparse(node)!r}) is not allowed "
            "in an equation"
        )


def compile_equations(equations: Mapping[str, str], input_names: Sequence[str]) -> Model:
    """Return a :class:`Model` computing each output from its checked equation text.

    Outputs are computed in the order given; an equation may use only the inputs (outputs
    do not feed each other). Raises :class:`UncertaintyInputError` for a syntax error or
    any construct outside the whitelist.
    """
    if not equations:
        raise UncertaintyInputError("the model has no equations: give at least one output")
    allowed = set(input_names)
    codes = {}
    for output, text in equations.items():
        if not isinstance(text, str):
            raise UncertaintyInputError(
                f"output {output!r}: the equation must be text, got {text!r}"
            )
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise UncertaintyInputError(
                f"output {output!r}: syntax error in {text!r}: {exc.msg}"
            ) from exc
        _check(tree, output, allowed)
        codes[output] = compile(tree, f"<equation {output}>", "eval")
    used = {
        n.id
        for text in equations.values()
        for n in ast.walk(ast.parse(text.strip(), mode="eval"))
        if isinstance(n, ast.Name)
    }
    unused = [n for n in input_names if n not in used]
    if unused:
        raise UncertaintyInputError(f"input(s) {', '.join(unused)} appear in no equation")
    names = tuple(input_names)
    namespace: dict[str, Any] = {"__builtins__": {}, **FUNCTIONS, **CONSTANTS}

    def evaluate(**values: Any) -> dict[str, Any]:
        """Return each output's value (same unit arithmetic as the inputs)."""
        scope = {**namespace, **values}
        return {out: eval(code, scope) for out, code in codes.items()}  # checked above

    source = "\n".join(f"{out} = {text.strip()}" for out, text in equations.items())
    return Model(evaluate, names, tuple(equations), source, dict(equations))
