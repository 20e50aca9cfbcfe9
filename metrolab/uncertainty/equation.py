"""One measurement equation from text: parsed without recursion, constants folded, evaluated
on whatever numbers the engine hands it (numpy arrays, pint Quantities, dual numbers).

The grammar is Python's arithmetic and nothing more: input names, numbers, ``+ - * /
**``, unary signs, brackets and calls of the numpy functions in :data:`FUNCTIONS`. The
text is parsed by lark's LALR parser (a table-driven loop with an explicit stack, so a
sum of thousands of terms or thousands of nested signs is no deeper for Python than one
term) into a postfix program that a loop runs with a stack. Python's own ``ast`` and
``compile`` are not used: both recurse once per nested operator and fail near a
thousand.

Constant parts are folded once, in double precision with every floating-point fault
raised: ``9**9**9`` overflows at once instead of building a 370-million-digit integer,
and ``(-8)**(1/3)`` is refused as not real instead of becoming a complex number. At
evaluation an output that is complex, NaN or infinite while its inputs are real and
finite is refused with the input values that caused it.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from lark import Lark, Transformer_NonRecursive
from lark.exceptions import UnexpectedInput, VisitError

from metrolab.uncertainty.errors import UncertaintyComputationError, UncertaintyInputError
from metrolab.uncertainty.forward import Dual

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
#: functions of two arguments (all others take one)
_TWO_ARGUMENTS = frozenset({"arctan2", "atan2", "hypot"})
#: named constants an equation may use
CONSTANTS: dict[str, float] = {"pi": float(np.pi), "e": float(np.e)}
#: longest equation accepted, in characters (parsing and evaluation are linear in it)
MAX_EQUATION_LENGTH = 100_000

_GRAMMAR = r"""
?start: sum
?sum: product
    | sum "+" product -> add
    | sum "-" product -> sub
?product: factor
    | product "*" factor -> mul
    | product "/" factor -> div
?factor: power
    | "-" factor -> neg
    | "+" factor -> pos
?power: atom
    | atom "**" factor -> pow
?atom: NUMBER -> number
    | NAME -> name
    | NAME "(" arguments ")" -> call
    | "(" sum ")"
arguments: sum ("," sum)*
NUMBER: /(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?/
NAME: /[^\W\d]\w*/
%ignore /\s+/
"""

_BINARY: dict[str, tuple[str, Callable[[Any, Any], Any]]] = {
    "add": ("+", operator.add),
    "sub": ("-", operator.sub),
    "mul": ("*", operator.mul),
    "div": ("/", operator.truediv),
    "pow": ("**", operator.pow),
}
_UNARY: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "neg": ("-", operator.neg),
    "pos": ("+", operator.pos),
}
# instruction codes of the postfix program
_CONST, _INPUT, _UNARY_OP, _BINARY_OP, _CALL = range(5)
Instruction = tuple[int, Any]

#: what to say about a character or word an equation may not hold
_HINTS: tuple[tuple[str, str], ...] = (
    ("//", "floor division is not allowed (use / )"),
    ("'", "text is not allowed"),
    ('"', "text is not allowed"),
    (".", "attributes and modules are not allowed (write sqrt(x), not np.sqrt(x))"),
    ("[", "indexing is not allowed"),
    ("=", "keywords and comparisons are not allowed"),
    ("<", "comparisons are not allowed"),
    (">", "comparisons are not allowed"),
    ("!", "comparisons are not allowed"),
    ("%", "operator % is not allowed (use + - * / **)"),
    ("@", "operator @ is not allowed (use + - * / **)"),
    ("^", "use ** for powers, not ^"),
    ("&", "logical operators are not allowed"),
    ("|", "logical operators are not allowed"),
    ("~", "operator ~ is not allowed"),
    (":", "lambdas and slices are not allowed"),
)


#: Python keywords, refused with their own message
_KEYWORDS = frozenset(
    {"if", "else", "lambda", "for", "in", "and", "or", "not", "is", "while", "import", "def"}
)


@dataclass(frozen=True)
class _Const:
    """A folded constant during compilation: its value and its text for messages."""

    value: float
    text: str
    atomic: bool


@dataclass(frozen=True)
class _Dynamic:
    """A part of the equation that depends on inputs: its text for messages."""

    text: str
    atomic: bool


_Part = _Const | _Dynamic


def _wrapped(part: _Part) -> str:
    """Return the text of ``part``, bracketed unless it is a name, number or call."""
    return part.text if part.atomic else f"({part.text})"


@dataclass(frozen=True)
class Equation:
    """One output's equation: its text, the inputs it uses and its postfix program."""

    output: str
    text: str
    inputs: frozenset[str]
    program: tuple[Instruction, ...]

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """Return the output for ``values`` (input name -> array, Quantity or dual number).

        Raises :class:`UncertaintyComputationError` naming the output and the input values
        when the result is complex, NaN or infinite for real, finite inputs, or when an
        arithmetic error (a Python float divided by zero, an overflow) stops it. numpy
        warnings are silenced: the result is checked instead.
        """
        stack: list[Any] = []
        try:
            with np.errstate(all="ignore"):
                for code, arg in self.program:
                    if code == _CONST:
                        stack.append(arg)
                    elif code == _INPUT:
                        stack.append(values[arg])
                    elif code == _UNARY_OP:
                        stack[-1] = arg(stack[-1])
                    elif code == _BINARY_OP:
                        right = stack.pop()
                        stack[-1] = arg(stack[-1], right)
                    else:
                        count, func = arg
                        args = stack[-count:]
                        del stack[-count:]
                        stack.append(func(*args))
        except ArithmeticError as exc:
            raise UncertaintyComputationError(
                f"output {self.output!r} = {self.text}: {exc} {self._at(values, None)}"
            ) from exc
        result = stack[-1]
        self._check(result, values)
        return result

    def _check(self, result: Any, values: Mapping[str, Any]) -> None:
        """Raise :class:`UncertaintyComputationError` for a complex or non-finite result
        from real, finite inputs (the inputs are looked at only when the result is bad)."""
        plain = _plain(result)
        if not isinstance(plain, np.ndarray | float | int | np.generic | complex):
            return  # an object numpy cannot judge: the engine checks its own results
        complex_result = np.iscomplexobj(plain)
        finite = np.isfinite(plain)
        if not complex_result and np.all(finite):
            return
        inputs = [_plain(values[name]) for name in self.inputs]
        if complex_result:
            if any(np.iscomplexobj(v) for v in inputs):
                if np.all(finite):
                    return  # complex-step differentiation: complex in, complex out
            else:
                raise UncertaintyComputationError(
                    f"output {self.output!r} = {self.text} is a complex number "
                    f"{self._at(values, np.iscomplex(plain))}: metrolab refuses complex "
                    "intermediates (a fractional power of a negative number?)"
                )
        if not all(np.all(np.isfinite(v)) for v in inputs):
            return  # non-finite in, non-finite out: not this equation's doing
        what = "NaN (not a number)" if np.any(np.isnan(plain)) else "infinite"
        raise UncertaintyComputationError(
            f"output {self.output!r} = {self.text} is {what} {self._at(values, ~finite)} "
            "(a log or sqrt of a negative, a division by zero, an overflow?)"
        )

    def _at(self, values: Mapping[str, Any], where: Any) -> str:
        """Return "at x = 1.5, y = -2" for the first point where ``where`` holds."""
        index: tuple[int, ...] | None = None
        if where is not None and np.ndim(where):
            first = int(np.flatnonzero(where)[0])
            index = tuple(int(i) for i in np.unravel_index(first, np.shape(where)))
        parts = []
        for name in sorted(self.inputs):
            shown = _shown(values[name], index, np.shape(where) if index is not None else None)
            parts.append(f"{name} = {shown}")
        return "at " + ", ".join(parts) if parts else "(it uses no inputs)"


def _plain(value: Any) -> Any:
    """Return the plain number or array inside a dual number or a pint Quantity."""
    if isinstance(value, Dual):
        value = value.value
    magnitude = getattr(value, "magnitude", None)
    if magnitude is not None and not isinstance(value, np.ndarray | np.generic):
        return magnitude
    return value


def _shown(value: Any, index: tuple[int, ...] | None, shape: tuple[int, ...] | None) -> str:
    """Return one input value for a message (the element at ``index`` of an array)."""
    units = getattr(value, "units", None)
    plain = _plain(value)
    if index is not None and shape is not None and np.ndim(plain):
        try:
            plain = np.broadcast_to(plain, shape)[index]
        except ValueError:
            plain = np.asarray(plain).flat[0]
    elif np.ndim(plain):
        plain = np.asarray(plain).flat[0]
    text = f"{plain:.6g}" if np.isrealobj(plain) else str(plain)
    return f"{text} {units:~P}" if units is not None else text


def parse_equation(output: str, text: str, inputs: frozenset[str] | set[str]) -> Equation:
    """Return the :class:`Equation` for ``output`` given by ``text`` over ``inputs``.

    Raises :class:`UncertaintyInputError` naming the output, the column and the problem
    for a syntax error, a construct outside the grammar, an unknown name or function, a
    wrong number of arguments, or a constant part that is not a finite real number
    (``9**9**9``, ``(-8)**(1/3)``, ``1/0``).
    """
    if not isinstance(text, str):
        raise UncertaintyInputError(f"output {output!r}: the equation must be text, got {text!r}")
    source = text.strip()
    if not source:
        raise UncertaintyInputError(f"output {output!r}: the equation is empty")
    if len(source) > MAX_EQUATION_LENGTH:
        raise UncertaintyInputError(
            f"output {output!r}: the equation has {len(source)} characters; at most "
            f"{MAX_EQUATION_LENGTH} are accepted"
        )
    _check_calls(output, source)
    try:
        tree = _parser().parse(source)
    except UnexpectedInput as exc:
        raise UncertaintyInputError(_syntax_message(output, source, exc)) from None
    builder = _Builder(output, frozenset(inputs))
    try:
        builder.transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, UncertaintyInputError):
            raise exc.orig_exc from None
        raise
    return Equation(output, source, frozenset(builder.used), tuple(builder.program))


def _check_calls(output: str, source: str) -> None:
    """Refuse any call of a name that is not in :data:`FUNCTIONS`, before parsing."""
    for match in re.finditer(r"([^\W\d][\w.]*)\s*\(", source):
        name = match.group(1)
        if name not in FUNCTIONS:
            raise UncertaintyInputError(
                f"output {output!r}: calling {name!r} is not allowed "
                f"(allowed: {', '.join(sorted(FUNCTIONS))})"
            )


@cache
def _parser() -> Lark:
    """Return the LALR parser of the equation grammar (built once)."""
    return Lark(_GRAMMAR, parser="lalr", maybe_placeholders=False)


def _syntax_message(output: str, source: str, exc: Any) -> str:
    """Return a one-line message for a lark syntax error in ``source``."""
    pos = getattr(exc, "pos_in_stream", None)
    token = getattr(exc, "token", None)
    if token is not None and getattr(token, "type", "") == "$END":
        return f"output {output!r}: syntax error in {source!r}: the equation ends too early"
    if pos is None and token is not None:
        pos = getattr(token, "start_pos", None)
    column = (pos or 0) + 1
    rest = source[pos or 0 :]
    for start, hint in _HINTS:
        if rest.startswith(start) or (pos and source[pos - 1 :].startswith(start)):
            return f"output {output!r}: column {column}: {start!r} here: {hint}"
    word = re.match(r"[^\W\d]\w*", rest)
    if word and word.group() in _KEYWORDS:
        return (
            f"output {output!r}: column {column}: {word.group()!r} is a Python keyword: "
            "conditions, loops, lambdas and logic are not allowed in an equation"
        )
    if word and word.group() == "j" and source[: pos or 0].rstrip()[-1:].isdigit():
        return f"output {output!r}: column {column}: complex numbers are not supported"
    shown = word.group() if word else rest[:1]
    return (
        f"output {output!r}: syntax error in {source!r} at column {column}: unexpected "
        f"{shown!r} (an operator missing, or one too many?)"
    )


class _Builder(Transformer_NonRecursive):
    """Builds the postfix program bottom-up (lark's non-recursive transformer visits the
    tree in postfix order), folding operations whose operands are all constants."""

    def __init__(self, output: str, inputs: frozenset[str]) -> None:
        super().__init__()
        self.output = output
        self.inputs = inputs
        self.used: set[str] = set()
        self.program: list[Instruction] = []

    # leaves
    def number(self, children: list[Any]) -> _Part:
        """A number: a constant (refused if it is beyond double precision)."""
        token = children[0]
        value = float(str(token))
        if not math.isfinite(value):
            raise UncertaintyInputError(
                f"output {self.output!r}: column {token.column}: the number {str(token)!r} "
                "is beyond double precision (1.8e308)"
            )
        self.program.append((_CONST, value))
        return _Const(value, str(token), True)

    def name(self, children: list[Any]) -> _Part:
        """An input or a named constant."""
        token = children[0]
        name = str(token)
        if name in self.inputs:
            self.used.add(name)
            self.program.append((_INPUT, name))
            return _Dynamic(name, True)
        if name in CONSTANTS:
            self.program.append((_CONST, CONSTANTS[name]))
            return _Const(CONSTANTS[name], name, True)
        raise UncertaintyInputError(
            f"output {self.output!r}: column {token.column}: {name!r} is not an input "
            f"(inputs: {', '.join(sorted(self.inputs)) or 'none'})"
        )

    # operations
    def _binary(self, kind: str, children: list[Any]) -> _Part:
        symbol, func = _BINARY[kind]
        left, right = children
        text = f"{_wrapped(left)}{symbol}{_wrapped(right)}"
        if isinstance(left, _Const) and isinstance(right, _Const):
            return self._fold(func, (left, right), text)
        self.program.append((_BINARY_OP, func))
        return _Dynamic(text, False)

    def add(self, children: list[Any]) -> _Part:
        """a + b."""
        return self._binary("add", children)

    def sub(self, children: list[Any]) -> _Part:
        """a - b."""
        return self._binary("sub", children)

    def mul(self, children: list[Any]) -> _Part:
        """a * b."""
        return self._binary("mul", children)

    def div(self, children: list[Any]) -> _Part:
        """a / b."""
        return self._binary("div", children)

    def pow(self, children: list[Any]) -> _Part:
        """a ** b."""
        return self._binary("pow", children)

    def _unary(self, kind: str, children: list[Any]) -> _Part:
        symbol, func = _UNARY[kind]
        (operand,) = children
        text = f"{symbol}{_wrapped(operand)}"
        if isinstance(operand, _Const):
            return self._fold(func, (operand,), text)
        self.program.append((_UNARY_OP, func))
        return _Dynamic(text, False)

    def neg(self, children: list[Any]) -> _Part:
        """-a."""
        return self._unary("neg", children)

    def pos(self, children: list[Any]) -> _Part:
        """+a."""
        return self._unary("pos", children)

    def arguments(self, children: list[Any]) -> list[_Part]:
        """The arguments of a call, in order."""
        return list(children)

    def call(self, children: list[Any]) -> _Part:
        """f(a, ...): a whitelisted numpy function with the right number of arguments."""
        token, args = children
        name = str(token)
        func = FUNCTIONS[name]  # _check_calls refused every other name
        wanted = 2 if name in _TWO_ARGUMENTS else 1
        if len(args) != wanted:
            raise UncertaintyInputError(
                f"output {self.output!r}: column {token.column}: {name}() takes {wanted} "
                f"argument{'s' if wanted > 1 else ''}, got {len(args)}"
            )
        text = f"{name}({', '.join(a.text for a in args)})"
        if all(isinstance(a, _Const) for a in args):
            return self._fold(func, tuple(args), text, atomic=True)
        self.program.append((_CALL, (len(args), func)))
        return _Dynamic(text, True)

    def _fold(
        self, func: Callable[..., Any], args: tuple[_Const, ...], text: str, atomic: bool = False
    ) -> _Const:
        """Replace the constants just emitted for ``args`` by their folded value."""
        del self.program[-len(args) :]
        try:
            with np.errstate(all="raise", under="ignore"):
                value = func(*(np.float64(a.value) for a in args))
        except FloatingPointError as exc:
            raise UncertaintyInputError(
                f"output {self.output!r}: the constant {text} {_fault(str(exc))}"
            ) from None
        if isinstance(value, complex) or np.iscomplexobj(value) or not np.isfinite(value):
            raise UncertaintyInputError(
                f"output {self.output!r}: the constant {text} is not a finite real number"
            )
        folded = float(value)
        self.program.append((_CONST, folded))
        return _Const(folded, text, atomic)


def _fault(message: str) -> str:
    """Return what a numpy floating-point fault means, for a constant."""
    if "overflow" in message:
        return "overflows double precision (beyond 1.8e308)"
    if "divide" in message:
        return "divides by zero"
    return (
        "is not a real number (metrolab refuses complex intermediates such as a "
        "fractional power of a negative number)"
    )
