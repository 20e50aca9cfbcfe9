"""Model files (``MODEL.toml``): equations, inputs, correlations and settings as text.

The format is documented for technicians in ``docs/uncertainty.md``. Parsing is strict:
every key of every table is checked for its type and range, unknown keys and keys that
do not apply are refused, and each failure is one :class:`ModelFileError` naming the
file, the line (when it can be found in the text) and the key, never a traceback. This
module reads bytes or text it is given; opening the file is the command line's job.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from metrolab.uncertainty.distributions import DISTRIBUTION_NAMES
from metrolab.uncertainty.equation import Equation, parse_equation
from metrolab.uncertainty.errors import ModelFileError, UncertaintyInputError
from metrolab.uncertainty.expressions import model_from_equations
from metrolab.uncertainty.gum import check_coverage
from metrolab.uncertainty.inputs import Input, TypeA, TypeB, observed_together
from metrolab.uncertainty.model import Model
from metrolab.uncertainty.toml_lines import Path, line_of
from metrolab.uncertainty.trials import parse_trials
from metrolab.uncertainty.unit_text import parse_unit

#: largest model file read, in bytes
MAX_FILE_BYTES = 4_000_000
#: most inputs and outputs a model file may declare
MAX_INPUTS = 1000
MAX_OUTPUTS = 1000
#: largest seed accepted (the seeds metrolab draws itself are below 2^63 too)
MAX_SEED = 2**63 - 1

_VALUE_KEYS = {"value", "u", "half_width", "expanded", "k", "dof", "distribution", "beta"}
_READINGS_KEYS = {"readings", "pooled_sd", "pooled_dof"}
_COMMON_KEYS = {"unit", "description"}
_INPUT_KEYS = _VALUE_KEYS | _READINGS_KEYS | _COMMON_KEYS
_SETTINGS_KEYS = {"coverage", "method", "trials", "seed", "second_order", "ndig"}
_TOP_KEYS = {"model", "inputs", "correlations", "observed_together", "settings", "title"}
_METHODS = ("gum", "mc", "both")
_ALIASES = {"uniform", "u-shaped", "gaussian", "student-t", "student_t"}


@dataclass(frozen=True)
class ModelSettings:
    """The ``[settings]`` table: None where the file leaves the choice to the command line."""

    coverage: float | None = None
    method: str | None = None
    trials: int | str | None = None
    seed: int | None = None
    second_order: bool = False
    ndig: int = 2


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model file: the model, its inputs, correlations, output units and settings."""

    model: Model
    inputs: dict[str, Input]
    correlations: dict[tuple[str, str], float]
    output_units: dict[str, str]
    settings: ModelSettings = field(default_factory=ModelSettings)
    title: str | None = None


def parse_model_bytes(data: bytes, source: str = "MODEL.toml") -> ModelSpec:
    """Return the :class:`ModelSpec` in the UTF-8 TOML ``data`` (``source`` names it).

    Raises :class:`ModelFileError` for a file above :data:`MAX_FILE_BYTES`, text that is
    not UTF-8, and everything :func:`parse_model_text` refuses.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ModelFileError(
            f"{source}: {len(data)} bytes; a model file may hold at most {MAX_FILE_BYTES}"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ModelFileError(
            f"{source}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}): save the file as UTF-8"
        ) from None
    return parse_model_text(text, source)


def parse_model_text(text: str, source: str = "MODEL.toml") -> ModelSpec:
    """Return the :class:`ModelSpec` described by TOML ``text`` (``source`` names it in errors).

    Raises :class:`ModelFileError` naming the file, the line where it can be found and
    the key, for invalid TOML and for any value of the wrong type, out of range, unknown
    or not applicable.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ModelFileError(f"{source}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ModelFileError(
            f"{source}: not valid TOML: arrays or tables nested too deeply"
        ) from None
    return _Reader(text, source).build(data)


class _Reader:
    """Validates the parsed tables of one file; every failure names its line and key."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source

    def fail(self, path: Path, message: str) -> NoReturn:
        """Raise :class:`ModelFileError` at the line where ``path`` is written."""
        line = line_of(self.text, path) if path else None
        where = f"{self.source}:{line}" if line is not None else self.source
        raise ModelFileError(f"{where}: {message}")

    # --- plain values -------------------------------------------------------------------

    def table(self, value: Any, path: Path, what: str) -> Mapping[str, Any]:
        """Return ``value`` if it is a table."""
        if not isinstance(value, Mapping):
            self.fail(path, f"{what} must be a table, got {_shown(value)}")
        return value

    def text_value(self, value: Any, path: Path, what: str) -> str:
        """Return ``value`` if it is a string."""
        if not isinstance(value, str):
            self.fail(path, f"{what} must be text (in quotes), got {_shown(value)}")
        return value

    def number(
        self,
        value: Any,
        path: Path,
        what: str,
        *,
        low: float = -math.inf,
        high: float = math.inf,
        open_low: bool = False,
        infinite: bool = False,
    ) -> float:
        """Return ``value`` as a float, checking it is a number within [low, high]
        ((low, high] with ``open_low``); infinity only where ``infinite`` allows it."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(path, f"{what} must be a number, got {_shown(value)}")
        try:
            number = float(value)
        except OverflowError:
            self.fail(path, f"{what} = {_shown(value)} is beyond double precision (1.8e308)")
        if math.isnan(number) or (math.isinf(number) and not infinite):
            self.fail(path, f"{what} must be a finite number, got {number}")
        if number < low or number > high or (open_low and number == low):
            if low == 0.0 and high == math.inf:
                wanted = "positive" if open_low else "zero or positive"
                self.fail(path, f"{what} must be {wanted}, got {number:g}")
            bounds = f"{'(' if open_low else '['}{low:g}, {high:g}]"
            self.fail(path, f"{what} = {number:g} is outside {bounds}")
        return number

    def integer(self, value: Any, path: Path, what: str, low: int, high: int) -> int:
        """Return ``value`` if it is a whole number in [low, high]."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"{what} must be a whole number, got {_shown(value)}")
        if not low <= value <= high:
            self.fail(path, f"{what} = {_shown(value)} is outside [{low}, {high}]")
        return value

    def unknown(self, table: Mapping[str, Any], allowed: set[str], path: Path, where: str) -> None:
        """Refuse keys of ``table`` outside ``allowed``."""
        extra = sorted(set(table) - allowed)
        if extra:
            self.fail(
                [*path, extra[0]],
                f"{where}: unknown key(s) {', '.join(map(repr, extra))} "
                f"(allowed: {', '.join(sorted(allowed))})",
            )

    # --- the file -------------------------------------------------------------------------

    def build(self, data: Mapping[str, Any]) -> ModelSpec:
        """Return the :class:`ModelSpec` of the parsed file ``data``."""
        self.unknown(data, _TOP_KEYS, [], "top level")
        title = data.get("title")
        if title is not None:
            title = self.text_value(title, ["title"], "title")
        model_table = (
            self.table(data.get("model"), ["model"], "[model]") if "model" in data else None
        )
        if model_table is None or "equations" not in model_table:
            self.fail(["model"], '[model] needs equations = { NAME = "expression" }')
        self.unknown(model_table, {"equations", "units"}, ["model"], "[model]")
        raw_inputs = self.table(data.get("inputs", {}), ["inputs"], "[inputs]")
        if not raw_inputs:
            self.fail(["inputs"], "no [inputs.NAME] tables: declare every input of the model")
        if len(raw_inputs) > MAX_INPUTS:
            self.fail(["inputs"], f"{len(raw_inputs)} inputs; at most {MAX_INPUTS}")
        tables = {
            name: self.table(t, ["inputs", name], f"input {name!r}")
            for name, t in raw_inputs.items()
        }
        inputs, correlations = self.observed_together(data.get("observed_together", []), tables)
        for name, table in tables.items():
            if name not in inputs:
                inputs[name] = self.input(name, table)
        inputs = {name: inputs[name] for name in tables}  # in the file's order
        self.correlations(data.get("correlations", []), tables, correlations)
        model = self.model(model_table, list(tables))
        units = self.output_units(model_table.get("units", {}), model)
        settings = self.settings(data.get("settings", {}))
        return ModelSpec(model, inputs, correlations, units, settings, title)

    def model(self, table: Mapping[str, Any], input_names: list[str]) -> Model:
        """Return the model of ``[model] equations``."""
        path = ["model", "equations"]
        equations = self.table(table["equations"], path, "[model] equations")
        if not equations:
            self.fail(path, "the model has no equations: give at least one output")
        if len(equations) > MAX_OUTPUTS:
            self.fail(path, f"{len(equations)} outputs; at most {MAX_OUTPUTS}")
        parsed: list[Equation] = []
        for output, text in equations.items():
            where = [*path, output]
            text = self.text_value(text, where, f"output {output!r}: the equation")
            try:
                parsed.append(parse_equation(output, text, frozenset(input_names)))
            except UncertaintyInputError as exc:
                self.fail(where, str(exc))
        try:
            return model_from_equations(parsed, input_names)
        except UncertaintyInputError as exc:
            self.fail(["inputs"], str(exc))

    def output_units(self, value: Any, model: Model) -> dict[str, str]:
        """Return ``[model] units`` (output -> unit text), each unit checked."""
        path = ["model", "units"]
        units = self.table(value, path, "[model] units")
        outputs = model.output_names or ()
        checked = {}
        for output, unit in units.items():
            if output not in outputs:
                self.fail([*path, output], f"[model] units: {output!r} is not an output "
                          f"(outputs: {', '.join(outputs)})")  # fmt: skip
            checked[output] = self.unit(unit, [*path, output], f"output {output!r}")
        return checked

    def unit(self, value: Any, path: Path, who: str) -> str:
        """Return a unit text once pint can read it safely."""
        text = self.text_value(value, path, f"{who}: unit")
        try:
            parse_unit(text)
        except UncertaintyInputError as exc:
            self.fail(path, f"{who}: {exc}")
        return text

    # --- inputs ----------------------------------------------------------------------

    def input(self, name: str, table: Mapping[str, Any]) -> Input:
        """Return the input a ``[inputs.NAME]`` table describes."""
        path = ["inputs", name]
        who = f"input {name!r}"
        self.unknown(table, _INPUT_KEYS, path, who)
        unit = self.unit(table["unit"], [*path, "unit"], who) if "unit" in table else None
        if "description" in table:
            self.text_value(table["description"], [*path, "description"], f"{who}: description")
        if "readings" in table:
            return self.type_a(name, table, unit)
        misplaced = sorted(set(table) & _READINGS_KEYS)
        if misplaced:
            self.fail([*path, misplaced[0]], f"{who}: {misplaced[0]} goes with readings = [...]")
        if "value" not in table:
            self.fail(path, f"{who}: needs value = ... (or readings = [...])")
        value = self.number(table["value"], [*path, "value"], f"{who}: value")
        given = [k for k in ("u", "half_width", "expanded") if k in table]
        if len(given) != 1:
            self.fail(path, f"{who}: give exactly one of u, half_width or expanded (with k), "
                      f"got {', '.join(given) or 'none'}")  # fmt: skip
        amount = {k: self.number(table[k], [*path, k], f"{who}: {k}", low=0.0) for k in given}
        k = None
        if "k" in table:
            if "expanded" not in table:
                self.fail([*path, "k"], f"{who}: k is the coverage factor of expanded: give both")
            k = self.number(table["k"], [*path, "k"], f"{who}: k", low=0.0, open_low=True)
        elif "expanded" in table:
            self.fail([*path, "expanded"], f"{who}: expanded needs its coverage factor k")
        dof = None
        if "dof" in table:
            dof = self.number(table["dof"], [*path, "dof"], f"{who}: dof", low=0.0,
                              open_low=True, infinite=True)  # fmt: skip
        default = "rectangular" if "half_width" in table else "normal"
        distribution = self.text_value(
            table.get("distribution", default), [*path, "distribution"], f"{who}: distribution"
        )
        key = distribution.strip().lower()
        if key not in DISTRIBUTION_NAMES and key not in _ALIASES:
            self.fail([*path, "distribution"], f"{who}: unknown distribution {distribution!r}: "
                      f"use one of {', '.join(DISTRIBUTION_NAMES)}")  # fmt: skip
        if key in ("t", "student-t", "student_t") and (dof is None or math.isinf(dof)):
            self.fail(
                path, f"{who}: a t distribution needs its degrees of freedom: dof = ... (> 2)"
            )
        beta = None
        if "beta" in table:
            if key != "trapezoidal":
                self.fail(
                    [*path, "beta"], f"{who}: beta applies to a trapezoidal distribution only"
                )
            beta = self.number(table["beta"], [*path, "beta"], f"{who}: beta", low=0.0, high=1.0)
        try:
            return TypeB(
                value,
                u=amount.get("u"),
                half_width=amount.get("half_width"),
                distribution=distribution,
                dof=dof,
                unit=unit,
                beta=beta,
                expanded=amount.get("expanded"),
                k=k,
            )
        except UncertaintyInputError as exc:
            self.fail(path, f"{who}: {exc}")

    def readings(self, name: str, table: Mapping[str, Any]) -> list[float]:
        """Return the ``readings`` list of input ``name``: finite numbers."""
        path = ["inputs", name, "readings"]
        values = table["readings"]
        if not isinstance(values, list) or not values:
            self.fail(path, f"input {name!r}: readings must be a list of numbers, got "
                      f"{_shown(values)}")  # fmt: skip
        return [
            self.number(v, path, f"input {name!r}: reading #{i + 1}") for i, v in enumerate(values)
        ]

    def type_a(self, name: str, table: Mapping[str, Any], unit: str | None) -> Input:
        """Return the Type A input of a table with ``readings``."""
        path = ["inputs", name]
        who = f"input {name!r}"
        misplaced = sorted(set(table) & _VALUE_KEYS)
        if misplaced:
            reason = (
                "the degrees of freedom of readings are n - 1 (give pooled_sd and pooled_dof "
                "for a pooled estimate)"
                if misplaced[0] == "dof"
                else "readings give the value and u"
            )
            self.fail(
                [*path, misplaced[0]], f"{who}: {misplaced[0]} does not go with readings: {reason}"
            )
        readings = self.readings(name, table)
        pooled_sd = pooled_dof = None
        if "pooled_sd" in table:
            pooled_sd = self.number(table["pooled_sd"], [*path, "pooled_sd"], f"{who}: pooled_sd",
                                    low=0.0)  # fmt: skip
        if "pooled_dof" in table:
            if pooled_sd is None:
                self.fail([*path, "pooled_dof"], f"{who}: pooled_dof goes with pooled_sd")
            pooled_dof = self.number(table["pooled_dof"], [*path, "pooled_dof"],
                                     f"{who}: pooled_dof", low=0.0, open_low=True,
                                     infinite=True)  # fmt: skip
        try:
            return TypeA.from_readings(readings, unit, pooled_sd=pooled_sd, pooled_dof=pooled_dof)
        except UncertaintyInputError as exc:
            self.fail(path, f"{who}: {exc}")

    def observed_together(
        self, groups: Any, tables: Mapping[str, Mapping[str, Any]]
    ) -> tuple[dict[str, Input], dict[tuple[str, str], float]]:
        """Return the inputs and correlations of the ``[[observed_together]]`` groups."""
        if not isinstance(groups, list):
            self.fail(["observed_together"], "[[observed_together]] must be a list of tables")
        inputs: dict[str, Input] = {}
        correlations: dict[tuple[str, str], float] = {}
        for i, group in enumerate(groups):
            path: list[str | int] = ["observed_together", i]
            who = f"observed_together #{i + 1}"
            group = self.table(group, path, who)
            self.unknown(group, {"inputs"}, path, who)
            names = group.get("inputs")
            if not isinstance(names, list) or len(names) < 2:
                self.fail(path, f'{who}: give inputs = ["A", "B", ...] (two or more)')
            readings: dict[str, list[float]] = {}
            units: dict[str, str] = {}
            for name in names:
                if not isinstance(name, str) or name not in tables:
                    self.fail([*path, "inputs"], f"{who}: {_shown(name)} is not an input")
                if name in inputs or name in readings:
                    self.fail([*path, "inputs"], f"{who}: input {name!r} is named twice "
                              "(an input belongs to one group)")  # fmt: skip
                table = tables[name]
                extra = sorted(set(table) - {"readings", "unit", "description"})
                if "readings" not in table or extra:
                    self.fail(["inputs", name], f"{who}: input {name!r} needs readings = [...] "
                              "and nothing but unit and description beside them")  # fmt: skip
                readings[name] = self.readings(name, table)
                if "unit" in table:
                    units[name] = self.unit(
                        table["unit"], ["inputs", name, "unit"], f"input {name!r}"
                    )
            try:
                group_inputs, group_corr = observed_together(readings, units)
            except UncertaintyInputError as exc:
                self.fail(path, f"{who}: {exc}")
            inputs.update(group_inputs)
            correlations.update(group_corr)
        return inputs, correlations

    def correlations(
        self,
        items: Any,
        tables: Mapping[str, Any],
        correlations: dict[tuple[str, str], float],
    ) -> None:
        """Add the ``[[correlations]]`` to ``correlations`` (which holds those estimated
        from readings), refusing a pair given twice."""
        if not isinstance(items, list):
            self.fail(["correlations"], '[[correlations]] must be a list of tables, each with '
                      'between = ["A", "B"] and r')  # fmt: skip
        origin = {frozenset(pair): "estimated from the readings observed together"
                  for pair in correlations}  # fmt: skip
        for i, item in enumerate(items):
            path: list[str | int] = ["correlations", i]
            who = f"correlation #{i + 1}"
            item = self.table(item, path, who)
            if "between" not in item or "r" not in item:
                self.fail(path, f'{who}: give between = ["A", "B"] and r')
            self.unknown(item, {"between", "r"}, path, who)
            pair = item["between"]
            if (
                not isinstance(pair, list)
                or len(pair) != 2
                or not all(isinstance(n, str) for n in pair)
            ):
                self.fail([*path, "between"], f"{who}: between must name two inputs, got "
                          f"{_shown(pair)}")  # fmt: skip
            a, b = pair
            for n in pair:
                if n not in tables:
                    self.fail([*path, "between"], f"{who}: no input called {n!r}")
            if a == b:
                self.fail([*path, "between"], f"{who}: {a!r} with itself: name two inputs")
            r = self.number(item["r"], [*path, "r"], f"{who}: r", low=-1.0, high=1.0)
            key = frozenset(pair)
            if key in origin:
                self.fail(path, f"{who}: the correlation between {a!r} and {b!r} is already "
                          f"{origin[key]}: give each pair once")  # fmt: skip
            origin[key] = f"given by correlation #{i + 1}"
            correlations[(a, b)] = r

    # --- settings ----------------------------------------------------------------------

    def settings(self, value: Any) -> ModelSettings:
        """Return the ``[settings]`` table, each value checked."""
        path = ["settings"]
        table = self.table(value, path, "[settings]")
        self.unknown(table, _SETTINGS_KEYS, path, "[settings]")
        coverage = method = trials = seed = None
        if "coverage" in table:
            coverage = self.number(table["coverage"], [*path, "coverage"], "settings.coverage")
            try:
                check_coverage(coverage)
            except UncertaintyInputError as exc:
                self.fail([*path, "coverage"], f"settings.coverage: {exc}")
        if "method" in table:
            method = self.text_value(table["method"], [*path, "method"], "settings.method")
            if method not in _METHODS:
                self.fail(
                    [*path, "method"], f"settings.method must be gum, mc or both, got {method!r}"
                )
        if "trials" in table:
            try:
                trials = parse_trials(table["trials"], "settings.trials")
            except UncertaintyInputError as exc:
                self.fail([*path, "trials"], str(exc))
        if "seed" in table:
            seed = self.integer(table["seed"], [*path, "seed"], "settings.seed", 0, MAX_SEED)
        second_order = table.get("second_order", False)
        if not isinstance(second_order, bool):
            self.fail([*path, "second_order"], "settings.second_order must be true or false, "
                      f"got {_shown(second_order)}")  # fmt: skip
        ndig = self.integer(table.get("ndig", 2), [*path, "ndig"], "settings.ndig", 1, 4)
        return ModelSettings(coverage, method, trials, seed, second_order, ndig)


def _shown(value: Any) -> str:
    """Return a value for a message, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
