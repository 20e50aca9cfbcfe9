"""Hostile inputs for the command-line fuzz tests, and a way to run a command in-process.

``run`` calls :func:`metrolab.cli.main` with stdout and stderr captured, so each case
costs milliseconds; the strategies generate model files three ways (random bytes, random
TOML structures, and model files that are nearly right with random expressions, units,
numbers and settings) and random ``metrolab risk`` arguments.
"""

from __future__ import annotations

import contextlib
import io
import time
import warnings
from dataclasses import dataclass
from typing import Any

import tomli_w
from hypothesis import strategies as st

from metrolab.cli import main


@dataclass(frozen=True)
class Outcome:
    """What one in-process run of the command line gave."""

    code: Any
    out: str
    err: str
    seconds: float
    escaped: list[str]  # Python warnings that got out of the command
    crash: str | None  # an exception that got out of main(): a traceback in a terminal


def run(argv: list[str]) -> Outcome:
    """Run ``metrolab ARGV`` in-process and return its :class:`Outcome`."""
    out, err = io.StringIO(), io.StringIO()
    code: Any = 0
    crash = None
    start = time.perf_counter()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code
        except BaseException as exc:  # the contract says this never happens
            crash = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    escaped = [f"{w.category.__name__}: {w.message}" for w in caught]
    return Outcome(code, out.getvalue(), err.getvalue(), seconds, escaped, crash)


def contract_broken(outcome: Outcome, limit: float) -> str | None:
    """Return how ``outcome`` breaks the input contract, or None when it keeps it.

    The contract: exit 0 or 2; on 2 exactly one stderr line, "error: ..."; on 0 only
    "warning: ..." lines on stderr, none of them a numpy floating-point warning; never an
    exception out of main() nor a traceback; no Python warning escaping; at most
    ``limit`` seconds.
    """
    if outcome.crash is not None:
        return f"exception out of main(): {outcome.crash}"
    if "Traceback" in outcome.err:
        return f"traceback on stderr: {outcome.err[-500:]}"
    if outcome.code not in (0, 2):
        return f"exit code {outcome.code!r}: {outcome.err[-300:]}"
    lines = outcome.err.strip().splitlines()
    if outcome.code == 2 and (len(lines) != 1 or not lines[0].startswith("error: ")):
        return f"exit 2 with {len(lines)} stderr lines: {outcome.err[-500:]!r}"
    if outcome.code == 0 and not all(line.startswith("warning: ") for line in lines):
        return f"exit 0 with stray stderr: {outcome.err[-500:]!r}"
    if any("encountered in" in line for line in lines):  # numpy's floating-point warnings
        return f"a numpy warning leaked: {outcome.err[-500:]!r}"
    if outcome.escaped:
        return f"Python warnings escaped: {outcome.escaped[:3]}"
    if outcome.seconds > limit:
        return f"took {outcome.seconds:.1f} s (limit {limit} s)"
    return None


# --- pieces of model files ----------------------------------------------------------------

HOSTILE_FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324, 1e-300, 1e12, 1e77, -1.0, 0.5, 1.0]),
)
HOSTILE_INTS = st.one_of(
    st.integers(-(10**30), 10**30), st.sampled_from([0, 1, 2, -1, 2**63, 2**64, 10**400])
)
NUMBERS = st.one_of(HOSTILE_FLOATS, HOSTILE_INTS)
NUMBER_TEXTS = st.sampled_from(
    [
        "0",
        "1",
        "2",
        "9",
        "10",
        "0.5",
        ".5",
        "1e308",
        "1e400",
        "1e-400",
        "1_000",
        "0x10",
        "1j",
        "-8",
        "3.0",
        "1e12",
        "1e77",
        "2.5e-7",
    ]
)
FUNCTION_NAMES = st.sampled_from(
    [
        "sqrt",
        "exp",
        "log",
        "log10",
        "sin",
        "tan",
        "arcsin",
        "arccos",
        "tanh",
        "abs",
        "hypot",
        "arctan2",
        "square",
        "open",
        "eval",
        "np.sqrt",
        "x",
    ]
)
JUNK = st.sampled_from(
    [
        "[",
        "]",
        "'",
        '"',
        ".",
        "lambda",
        "if",
        "//",
        "%",
        "@",
        "^",
        "=",
        ">",
        ";",
        "#",
        "\\",
        "\n",
        "\x00",
        "{",
        "}",
        "(",
        ")",
        ",",
        "**",
        "*",
        "-",
        "+",
        "/",
    ]
)


def expressions(names: list[str]) -> st.SearchStrategy[str]:
    """Return random equation texts over ``names``: valid, nearly valid and hostile."""
    leaves = st.one_of(st.sampled_from([*names, "pi", "e", "W"]), NUMBER_TEXTS)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.tuples(st.sampled_from(["-", "+"]), inner).map("".join),
            st.tuples(FUNCTION_NAMES, inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(FUNCTION_NAMES, inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
            st.tuples(inner, JUNK, inner).map("".join),
        )

    return st.one_of(
        st.recursive(leaves, extend, max_leaves=12),
        st.tuples(st.sampled_from(names or ["x"]), st.integers(1, 1500)).map(
            lambda t: " + ".join([t[0]] * t[1])
        ),
        st.tuples(st.integers(1, 2500), st.sampled_from(names or ["x"])).map(
            lambda t: "-" * t[0] + t[1]
        ),
        st.sampled_from(
            [
                "9**9**9",
                "10**10**10",
                "(-8)**(1/3)",
                "x**1e308",
                "exp(x*1e6)",
                "1/(x-x)",
                "sqrt(-x*x)",
                "x + (-8)**(1/3)",
            ]
        ),
        st.text(max_size=20),
    )


UNITS = st.one_of(
    st.lists(
        st.sampled_from(
            [
                "V",
                "mV",
                "kV",
                "ohm",
                "kg",
                "m",
                "s",
                "K",
                "degC",
                "delta_degC",
                "%",
                "ppm",
                "1",
                "9",
                "2",
                "99999999999",
                "0.5",
                "*",
                "/",
                "**",
                "^",
                "(",
                ")",
                " ",
                "-",
                "²",
                "⁹",
                "µ",
                "Ω",
                ".",
                "e",
                "'",
                "volts",
            ]
        ),
        max_size=8,
    ).map("".join),
    st.text(max_size=12),
)

SCALARS = st.one_of(NUMBERS, st.text(max_size=8), st.booleans(), st.datetimes())
DISTRIBUTIONS = st.sampled_from(
    ["normal", "rectangular", "triangular", "arcsine", "trapezoidal", "t", "uniform", "gauss", ""]
)


GOOD_UNITS = st.sampled_from(["V", "mV", "ohm", "kg", "m", "s", "K", "delta_degC", "%", "ppm"])
GOOD_NUMBERS = st.floats(-100, 100, allow_nan=False).filter(lambda v: v != 0)


@st.composite
def good_input(draw: st.DrawFn) -> dict[str, Any]:
    """Return a valid ``[inputs.NAME]`` table of one of the documented kinds."""
    value = draw(GOOD_NUMBERS)
    spread = abs(value) * draw(st.floats(1e-4, 0.2)) + 1e-9
    kind = draw(st.integers(0, 5))
    table: dict[str, Any]
    if kind == 0:
        table = {"value": value, "u": spread}
    elif kind == 1:
        table = {
            "value": value,
            "half_width": spread,
            "distribution": draw(st.sampled_from(["rectangular", "triangular", "arcsine"])),
        }
    elif kind == 2:
        table = {"value": value, "half_width": spread, "distribution": "trapezoidal", "beta": 0.5}
    elif kind == 3:
        table = {"value": value, "expanded": 2 * spread, "k": 2}
    elif kind == 4:
        table = {"value": value, "u": spread, "distribution": "t", "dof": draw(st.integers(3, 30))}
    else:
        n = draw(st.integers(2, 10))
        table = {"readings": [value + spread * draw(st.floats(-1, 1)) for _ in range(n)]}
    return table


def good_expressions(names: list[str]) -> st.SearchStrategy[str]:
    """Return equations over ``names`` that parse (they may still be NaN somewhere)."""
    leaves = st.one_of(st.sampled_from(names), st.sampled_from(["2", "0.5", "pi", "10"]))

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.tuples(st.sampled_from(["sqrt", "exp", "log", "sin", "abs", "tanh"]), inner).map(
                lambda t: f"{t[0]}({t[1]})"
            ),
            inner.map(lambda t: f"{t}**2"),
        )

    used = " + ".join(names)  # every input appears
    return st.recursive(leaves, extend, max_leaves=6).map(lambda t: f"{t} + 0*({used})")


def hostile_input(draw: st.DrawFn, table: dict[str, Any]) -> dict[str, Any]:
    """Return ``table`` with one hostile change: a bad value, a misplaced or unknown key."""
    table = dict(table)
    key = draw(st.sampled_from(sorted(INPUT_VALUES)))
    table[key] = draw(INPUT_VALUES[key])
    if draw(st.integers(0, 4)) == 0 and table:
        del table[draw(st.sampled_from(sorted(table)))]
    return table


INPUT_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "value": st.one_of(NUMBERS, st.text(max_size=3)),
    "u": st.one_of(NUMBERS, st.text(max_size=3)),
    "half_width": NUMBERS,
    "expanded": NUMBERS,
    "k": NUMBERS,
    "dof": NUMBERS,
    "distribution": st.one_of(DISTRIBUTIONS, NUMBERS),
    "unit": st.one_of(UNITS, NUMBERS),
    "beta": NUMBERS,
    "description": st.one_of(st.text(max_size=5), NUMBERS),
    "readings": st.one_of(
        st.lists(st.one_of(st.floats(0.9, 1.1), NUMBERS), max_size=12),
        st.sampled_from([5, "1,2", [[1.0]], [True, False], []]),
    ),
    "pooled_sd": NUMBERS,
    "pooled_dof": NUMBERS,
    "colour": st.text(max_size=3),
}


@st.composite
def model_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Return a model file as a dict: a valid one with zero to three hostile changes
    (a quarter of them are valid, so the evaluation paths are fuzzed too)."""
    names = draw(
        st.lists(st.sampled_from(["x", "y", "V", "R", "θ"]), min_size=1, max_size=3, unique=True)
    )
    outputs = draw(
        st.lists(st.sampled_from(["y", "P", "z", "[/]"]), min_size=1, max_size=2, unique=True)
    )
    doc: dict[str, Any] = {
        "title": draw(st.text(max_size=10)),
        "model": {"equations": {o: draw(good_expressions(names)) for o in outputs}},
        "inputs": {n: draw(good_input()) for n in names},
        "settings": {
            "method": draw(st.sampled_from(["gum", "mc", "both"])),
            "trials": 10_000,
            "seed": draw(st.integers(0, 2**32)),
        },
    }
    unit = draw(st.one_of(st.none(), GOOD_UNITS))  # one unit for all: the sums combine
    if unit is not None:
        for table in doc["inputs"].values():
            table["unit"] = unit
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))):
        change = draw(st.sampled_from(range(10)))
        if change == 0:
            doc["model"]["equations"][draw(st.sampled_from(outputs))] = draw(expressions(names))
        elif change in (1, 2):
            name = draw(st.sampled_from(names))
            doc["inputs"][name] = hostile_input(draw, doc["inputs"][name])
        elif change == 3:
            doc["model"]["units"] = {o: draw(UNITS) for o in outputs}
        elif change == 4:
            doc["title"] = draw(st.one_of(st.text(max_size=10), NUMBERS))
        elif change == 5:
            doc["correlations"] = draw(
                st.one_of(
                    st.lists(
                        st.fixed_dictionaries(
                            {
                                "between": st.lists(st.sampled_from([*names, "q"]), max_size=3),
                                "r": st.one_of(st.floats(-1, 1), NUMBERS),
                            }
                        ),
                        max_size=3,
                    ),
                    NUMBERS,
                )
            )
        elif change == 6:
            doc["observed_together"] = draw(
                st.one_of(
                    st.lists(st.fixed_dictionaries({"inputs": st.just(names)}), max_size=2),
                    st.just({"inputs": names}),
                )
            )
        elif change == 7:
            key = draw(st.sampled_from(sorted(SETTINGS_VALUES)))
            doc["settings"][key] = draw(SETTINGS_VALUES[key])
        elif change == 8:
            doc["extra"] = draw(SCALARS)
        else:
            doc["inputs"][draw(st.sampled_from(["", "a b", "pi", "sqrt", "q"]))] = draw(
                good_input()
            )
    if draw(st.integers(0, 20)) == 0:  # a table where a value belongs, or the reverse
        doc[draw(st.sampled_from(["inputs", "model", "settings"]))] = draw(SCALARS)
    return doc


SETTINGS_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "coverage": st.one_of(st.just(0.99), NUMBERS),
    "method": st.sampled_from(["gum", "mc", "both", "fast", ""]),
    "trials": st.one_of(st.sampled_from([20_000, 2, -5, 10**30, "lots", 1.5]), HOSTILE_FLOATS),
    "seed": st.one_of(st.integers(-5, 5), HOSTILE_INTS, st.text(max_size=2)),
    "second_order": st.one_of(st.booleans(), NUMBERS),
    "ndig": st.one_of(st.integers(-2, 8), NUMBERS),
    "speed": st.booleans(),
}


def toml_text(doc: dict[str, Any]) -> bytes:
    """Return ``doc`` as TOML bytes (tomli-w), or bytes that are not TOML when it cannot
    be written (a value TOML has no form for)."""
    try:
        return tomli_w.dumps(doc).encode("utf-8", "surrogatepass")
    except (TypeError, ValueError):
        return repr(doc).encode("utf-8", "surrogatepass")


RANDOM_TOML = st.recursive(
    st.dictionaries(
        st.sampled_from(
            [
                "model",
                "inputs",
                "x",
                "equations",
                "settings",
                "value",
                "u",
                "title",
                "correlations",
                "between",
                "r",
            ]
        ),
        SCALARS,
        max_size=4,
    ),
    lambda inner: st.dictionaries(
        st.one_of(
            st.sampled_from(
                [
                    "model",
                    "inputs",
                    "equations",
                    "units",
                    "x",
                    "y",
                    "settings",
                    "observed_together",
                    "correlations",
                ]
            ),
            st.text(max_size=4),
        ),
        st.one_of(SCALARS, inner, st.lists(st.one_of(SCALARS, inner), max_size=3)),
        max_size=4,
    ),
    max_leaves=12,
)

MODEL_FILES = st.one_of(
    st.binary(max_size=200),
    RANDOM_TOML.map(toml_text),
    model_documents().map(toml_text),
    model_documents().map(toml_text),
)

OPTIONS = st.one_of(
    st.just([]),
    st.lists(
        st.one_of(
            st.tuples(st.just("--method"), st.sampled_from(["gum", "mc", "both", "x"])),
            st.tuples(
                st.just("--trials"),
                st.sampled_from(
                    [
                        "10000",
                        "20000",
                        "2",
                        "0",
                        "-1",
                        "inf",
                        "nan",
                        "1e400",
                        "1e12",
                        "abc",
                        "1.5",
                        "1e4",
                        "",
                    ]
                ),
            ),
            st.tuples(
                st.just("--seed"), st.sampled_from(["1", "-1", "99999999999999999999999", "x"])
            ),
            st.tuples(
                st.just("--coverage"),
                st.sampled_from(
                    ["0.95", "0", "1", "nan", "2", "0.99", "0.999999999", "-0.5", "inf"]
                ),
            ),
            st.tuples(st.just("--json")),
        ),
        max_size=4,
    ).map(lambda pairs: [part for pair in pairs for part in pair]),
)

RISK_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        [
            "0",
            "-0",
            "1e308",
            "-1e308",
            "1e-308",
            "5e-324",
            "nan",
            "inf",
            "abc",
            "",
            "1e12",
            "0.95",
            "2",
            "0.5",
            "1",
            "-1",
            "0.02",
            "1e-12",
        ]
    ),
    st.integers(-(10**30), 10**30).map(str),
)
RISK_OPTIONS = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(
                [
                    "--lower",
                    "--upper",
                    "--u",
                    "--k",
                    "--measured",
                    "--itp",
                    "--prior-mean",
                    "--prior-sd",
                    "--target-pfa",
                    "--guardband",
                ]
            ),
            RISK_VALUES,
        ),
        st.tuples(st.just("--rule"), st.sampled_from(["simple", "guarded", "nonbinary", "x"])),
        st.tuples(st.just("--guardband"), st.sampled_from(["rss", "rp10", "u", "dobbert", "x"])),
        st.tuples(st.just("--json")),
    ),
    max_size=9,
).map(lambda pairs: ["risk", *[part for pair in pairs for part in pair]])

#: a typical bench case, so that the random ones often get past the first check
RISK_BASE = ["--lower", "-1", "--upper", "1", "--u", "0.2", "--itp", "0.9"]
