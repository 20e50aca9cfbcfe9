"""What one multimeter model is, as data: a :class:`DmmProfile` read from a TOML file.

A profile holds the model's identity (the ``*IDN?`` reply it gives), its functions with
their ranges and over-range, its integration table (NPLC, digits, resolution, typical
noise, reading rate), its trigger model and memory, its interfaces, the command set
(``dialect``) its SCPI follows and the quirks where it differs from that command set,
and the name of its specification table. Drivers, simulators and procedures all ask the
profile; nothing about a model is written in code.

A profile file::

    name = "keithley-dmm6500"          # registry name, also the simulator's
    maker = "Keithley"
    model = "DMM6500"
    dialect = "keithley-dmm6500"       # see DIALECTS
    digits = 6.5
    spec = "dmm6500_1year.toml"        # beside the profile, in ../specs/
    line_frequency = 50.0

    [identity]
    idn = "KEITHLEY INSTRUMENTS,MODEL DMM6500,04493036,1.7.3c"
    manufacturers = ["KEITHLEY INSTRUMENTS"]   # first *IDN? field(s) this model gives
    model_field = "MODEL DMM6500"              # second *IDN? field
    source = "[S] pyvisa-py issue #301"

    [functions.DCV]
    ranges = [0.1, 1, 10, 100, 1000]
    over_range = 0.2                    # or one number per range
    source = "[P] datasheet ..."

    [[integration]]                     # one row per integration time
    nplc = 10
    digits = 6.5
    resolution_ppm = 1.0                # of range
    noise_ppm = 1.0                     # typical rms noise, of range (simulator)
    readings_per_s = 5
    source = "[U] ..."

    [trigger]  ...   [interfaces]  ...   [quirks]  ...

Errors name the file, the table and the line where the table starts.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from metrolab.errors import UserInputError
from metrolab.instrument.functions import Function
from metrolab.instrument.specs import AccuracySpec

#: the command sets a profile may name, and what they are
DIALECTS = {
    "keysight-34401a": "34401A SCPI (HP/Agilent 34401A User's Guide ch. 4)",
    "keysight-truevolt": "34410A/11A and Truevolt 3446xA/34470A SCPI",
    "fluke-8846a": "Fluke 8845A/8846A SCPI (34401A-compatible command forms)",
    "keithley-2000": "Keithley 2000/2010 SCPI (SENSe:FUNCtion 'VOLT:DC', TRACe buffer)",
    "keithley-dmm6500": "Keithley DMM6500/DMM7510 SCPI command set (*LANG SCPI, not TSP)",
}
#: modes beyond the six calibrator functions a profile may list
EXTRA_MODES = ("RATIO", "FREQ", "PER", "CONT", "DIODE", "TEMP", "CAP")
#: buffer models: 344xx reading memory (INIT/FETCh?), Keithley 2000 TRACe, DMM6500 named
BUFFERS = ("memory", "trace", "named")
#: pyserial settings a profile's [interfaces.serial] table may give
_SERIAL_KEYS = frozenset({"baudrate", "bytesize", "parity", "stopbits", "xonxoff", "rtscts",
                          "dsrdtr"})


class ProfileError(UserInputError):
    """A profile file cannot be used; the message names the file, key and line."""


@dataclass(frozen=True, slots=True)
class Identity:
    """How the model answers ``*IDN?``: an example reply and the fields that identify it."""

    idn: str
    manufacturers: tuple[str, ...]
    model_field: str
    source: str

    def matches(self, manufacturer: str, model: str) -> bool:
        """Return True when ``*IDN?`` fields ``manufacturer`` and ``model`` are this model's
        (case and surrounding spaces ignored)."""
        return (model.strip().upper() == self.model_field.upper()
                and manufacturer.strip().upper() in (m.upper() for m in self.manufacturers))


@dataclass(frozen=True, slots=True)
class FunctionRanges:
    """One function's ranges (base unit: V, A, ohm) and how far above each it still reads."""

    function: Function
    ranges: tuple[float, ...]
    #: fraction of each range above full scale that still reads (0.2 = 120 % of range)
    over_range: tuple[float, ...]
    source: str

    def limit(self, range_value: float) -> float:
        """Return the largest magnitude in the base unit that reads on ``range_value``."""
        for candidate, over in zip(self.ranges, self.over_range, strict=True):
            if math.isclose(candidate, range_value, rel_tol=1e-9):
                return candidate * (1.0 + over)
        raise UserInputError(f"{self.function.name}: {range_value:g} {self.function.unit} is "
                             f"not a range (ranges: {_listed(self.ranges)})")

    def range_for(self, value: float) -> float | None:
        """Return the smallest range holding ``value`` at full scale, or None when none does."""
        return next((r for r in self.ranges if abs(value) <= r * (1 + 1e-9)), None)


@dataclass(frozen=True, slots=True)
class IntegrationSetting:
    """One row of the integration table: integration time and what it gives."""

    nplc: float
    digits: float
    #: reading resolution, ppm of range
    resolution_ppm: float
    #: typical rms noise of one reading, ppm of range (what the simulator draws)
    noise_ppm: float
    #: readings per second at this setting (None: not published)
    readings_per_s: float | None
    source: str


@dataclass(frozen=True, slots=True)
class TriggerModel:
    """Trigger sources, counts and the reading buffer."""

    sources: tuple[str, ...]
    max_samples: int
    max_triggers: int
    #: readings the buffer holds
    memory: int
    #: "memory" (344xx INIT/FETCh?), "trace" (Keithley 2000 TRACe), "named" (DMM6500)
    buffer: str
    #: gate times of the frequency counter in seconds
    gate_times: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Interfaces:
    """How the model is reached: raw-socket port, RS-232 settings and habits."""

    #: raw SCPI socket port (None: no LAN)
    lan_port: int | None
    #: pyserial settings of the RS-232 port (empty: no RS-232)
    serial: dict[str, Any]
    #: SYSTem:REMote must come first over RS-232
    remote_over_serial: bool
    #: what ends a reply on RS-232
    serial_reply_terminator: str


@dataclass(frozen=True, slots=True)
class Quirks:
    """Where the model differs from its dialect; the simulator does each, the driver copes."""

    #: continuous initiation is on at power-on (Keithley 2000/2010): READ? gives -213
    #: until ``:INITiate:CONTinuous OFF``
    init_continuous_at_power_on: bool = False
    #: ``READ?`` answers only the last reading of a multi-sample burst (DMM6500/7510);
    #: the burst is read from the buffer with ``TRACe:DATA?``
    read_returns_last_only: bool = False
    #: readings move as REAL,64 binary blocks with this byte order ("" = ASCII only)
    binary_byte_order: str = ""
    #: IEEE 488.2 common commands the model lacks
    absent_common_commands: tuple[str, ...] = ()
    #: characters DISPlay:TEXT shows
    display_chars: int = 12
    #: the remote command language must be selected on the instrument first
    #: (DMM6500/7510: ``*LANG SCPI``; "" = only one language)
    command_language: str = ""
    #: every difference as a sentence with its source
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DmmProfile:
    """One DMM model as data; see the module docstring for the file it is read from."""

    name: str
    maker: str
    model: str
    dialect: str
    digits: float
    identity: Identity
    functions: dict[Function, FunctionRanges]
    #: ranges of the modes beyond the six functions (``CAP``), in their base units
    extra_modes: dict[str, tuple[float, ...]]
    integration: tuple[IntegrationSetting, ...]
    #: NPLC is set continuously between the table's extremes (Keithley) rather than
    #: chosen from its rows (Keysight, Fluke)
    nplc_continuous: bool
    ac_resolution_ppm: float
    trigger: TriggerModel
    interfaces: Interfaces
    quirks: Quirks
    spec_file: Path
    line_frequency: float
    path: Path = field(compare=False)

    # ------------------------------------------------------------ loading
    @classmethod
    def load(cls, path: Path) -> DmmProfile:
        """Return the profile in TOML file ``path``; ProfileError names the file, the key
        and its line when the file is not a valid profile."""
        return _ProfileReader(path).profile()

    # ------------------------------------------------------- what procedures ask
    @property
    def idn(self) -> str:
        """Return the ``*IDN?`` reply the model gives (a simulator's default)."""
        return self.identity.idn

    @property
    def ranges(self) -> dict[Function, tuple[float, ...]]:
        """Return the ranges of every function the model measures, base units, ascending."""
        return {function: held.ranges for function, held in self.functions.items()}

    def ranges_of(self, function: Function) -> tuple[float, ...]:
        """Return the ranges of ``function`` (base unit, ascending); UserInputError when the
        model does not measure it."""
        return self._function(function).ranges

    def over_range_limit(self, function: Function, range_value: float) -> float:
        """Return the largest magnitude (base unit) that reads on ``range_value`` of
        ``function`` before the meter reports overload; UserInputError when it is not one
        of the model's ranges."""
        try:
            return self._function(function).limit(range_value)
        except UserInputError as exc:
            raise UserInputError(f"the {self.maker} {self.model}: {exc}") from None

    def range_for(self, function: Function, value: float) -> float | None:
        """Return the smallest range of ``function`` holding ``value`` (base unit), or None."""
        return self._function(function).range_for(value)

    @cached_property
    def spec(self) -> AccuracySpec:
        """Return the model's specification table (loaded once from ``spec_file``)."""
        return AccuracySpec.load(self.spec_file)

    def specification(self, interval: str = "1-year") -> AccuracySpec:
        """Return the specification of ``interval`` (``1-year``; ``1 year`` is the same):
        what procedures judge the model against (as a calibrator profile's method of the
        same name). Raises UserInputError naming the interval held when it is another."""
        held = self.spec.interval
        if interval.strip().lower().replace(" ", "-") != held.strip().lower().replace(" ", "-"):
            raise UserInputError(f"the {self.maker} {self.model} profile holds no {interval} "
                                 f"specification (held: {held}, {self.spec_file.name})")
        return self.spec

    @property
    def nplc_choices(self) -> tuple[float, ...]:
        """Return the integration times of the table in power-line cycles, ascending."""
        return tuple(row.nplc for row in self.integration)

    @property
    def resolution_factor(self) -> dict[float, float]:
        """Return the resolution as a fraction of range for each NPLC of the table."""
        return {row.nplc: row.resolution_ppm * 1e-6 for row in self.integration}

    @property
    def ac_resolution_factor(self) -> float:
        """Return the resolution of AC readings as a fraction of range."""
        return self.ac_resolution_ppm * 1e-6

    def accepts_nplc(self, nplc: float) -> bool:
        """Return True when the model can integrate ``nplc`` power-line cycles."""
        choices = self.nplc_choices
        if self.nplc_continuous:
            return min(choices) * (1 - 1e-9) <= nplc <= max(choices) * (1 + 1e-9)
        return any(math.isclose(nplc, c) for c in choices)

    def integration_at(self, nplc: float) -> IntegrationSetting:
        """Return the table row that applies at ``nplc``: the longest integration time
        not above it (the shortest row for anything shorter)."""
        below = [row for row in self.integration if row.nplc <= nplc * (1 + 1e-9)]
        return below[-1] if below else self.integration[0]

    def resolution(self, function: Function, range_value: float, nplc: float = 10.0) -> float:
        """Return the reading resolution in the base unit on ``range_value`` at ``nplc``."""
        self._function(function)
        if function.is_ac:
            return self.ac_resolution_factor * range_value
        return self.integration_at(nplc).resolution_ppm * 1e-6 * range_value

    @property
    def binary(self) -> bool:
        """Return True when readings can move as REAL,64 binary blocks."""
        return bool(self.quirks.binary_byte_order)

    @property
    def max_samples(self) -> int:
        """Return the most readings one trigger may take."""
        return self.trigger.max_samples

    @property
    def serial_settings(self) -> dict[str, Any]:
        """Return the pyserial settings of the RS-232 port (empty without one)."""
        return dict(self.interfaces.serial)

    @property
    def remote_over_serial(self) -> bool:
        """Return True when SYSTem:REMote must come first over RS-232."""
        return self.interfaces.remote_over_serial

    def _function(self, function: Function) -> FunctionRanges:
        held = self.functions.get(function)
        if held is None:
            names = ", ".join(f.name for f in self.functions)
            raise UserInputError(f"the {self.maker} {self.model} does not measure "
                                 f"{function.name} (it measures {names})")
        return held

    def __str__(self) -> str:
        return f"{self.maker} {self.model} ({self.name})"


def _listed(values: tuple[float, ...]) -> str:
    return ", ".join(f"{v:g}" for v in values)


class _ProfileReader:
    """Turns one profile TOML file into a :class:`DmmProfile`, naming lines on errors."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.text = path.read_text(encoding="utf-8")
            self.data = tomllib.loads(self.text)
        except OSError as exc:
            raise ProfileError(f"DMM profile {path}: cannot read it ({exc})") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ProfileError(f"DMM profile {path}: not valid TOML ({exc})") from exc

    def fail(self, table: str, message: str) -> ProfileError:
        """Return the error for ``table`` (a dotted TOML path) with its line number."""
        return ProfileError(f"DMM profile {self.path} line {self._line(table)}: "
                            f"[{table}] {message}" if table else
                            f"DMM profile {self.path}: {message}")

    def _line(self, table: str) -> int:
        """Return the line where ``table`` starts (its header, or its first key)."""
        head = table.split(".")[0]
        patterns = [rf"^\s*\[+\s*{re.escape(table)}\s*\]+", rf"^\s*\[+\s*{re.escape(head)}\b",
                    rf"^\s*{re.escape(table.split('.')[-1])}\s*="]
        lines = self.text.splitlines()
        for pattern in patterns:
            for number, line in enumerate(lines, start=1):
                if re.match(pattern, line):
                    return number
        return 1

    def get(self, table: dict[str, Any], key: str, where: str, kind: type | tuple[type, ...],
            default: Any = ...) -> Any:
        """Return ``table[key]`` checked to be of ``kind``; ``default`` when absent."""
        if key not in table:
            if default is ...:
                raise self.fail(where, f"needs the key {key!r}")
            return default
        value = table[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(where, f"{key} = {value!r} has the wrong type")
        if not isinstance(value, kind):
            raise self.fail(where, f"{key} = {value!r} has the wrong type")
        return value

    def table(self, data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
        """Return the sub-table ``key`` (empty when absent)."""
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(where, f"{key} must be a table")
        return value

    def profile(self) -> DmmProfile:
        """Return the profile of the file; ProfileError on the first thing wrong."""
        data = self.data
        known = {"name", "maker", "model", "dialect", "digits", "spec", "line_frequency",
                 "identity", "functions", "extra_modes", "integration", "nplc_continuous",
                 "ac_resolution_ppm", "trigger", "interfaces", "quirks"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise self.fail("", f"unknown keys {unknown}; allowed: {sorted(known)}")
        dialect = self.get(data, "dialect", "", str)
        if dialect not in DIALECTS:
            raise self.fail("", f"dialect {dialect!r} is not one of {sorted(DIALECTS)}")
        spec_name = self.get(data, "spec", "", str)
        spec_file = self.path.parent.parent / "specs" / spec_name
        if not spec_file.is_file():
            raise self.fail("", f"spec {spec_name!r}: no such file {spec_file}")
        return DmmProfile(
            name=self.get(data, "name", "", str),
            maker=self.get(data, "maker", "", str),
            model=self.get(data, "model", "", str),
            dialect=dialect,
            digits=float(self.get(data, "digits", "", (int, float))),
            identity=self._identity(),
            functions=self._functions(),
            extra_modes=self._extra_modes(),
            integration=self._integration(),
            nplc_continuous=self.get(data, "nplc_continuous", "", bool, False),
            ac_resolution_ppm=float(self.get(data, "ac_resolution_ppm", "", (int, float), 1.0)),
            trigger=self._trigger(),
            interfaces=self._interfaces(),
            quirks=self._quirks(),
            spec_file=spec_file,
            line_frequency=float(self.get(data, "line_frequency", "", (int, float), 50.0)),
            path=self.path,
        )

    def _identity(self) -> Identity:
        table = self.table(self.data, "identity", "identity")
        idn = self.get(table, "idn", "identity", str)
        fields = [f.strip() for f in idn.split(",")]
        if len(fields) != 4:
            raise self.fail("identity", f"idn {idn!r} is not MAKER,MODEL,SERIAL,FIRMWARE")
        makers = self.get(table, "manufacturers", "identity", list, [fields[0]])
        return Identity(idn=idn, manufacturers=tuple(str(m) for m in makers),
                        model_field=self.get(table, "model_field", "identity", str, fields[1]),
                        source=self.get(table, "source", "identity", str, ""))

    def _functions(self) -> dict[Function, FunctionRanges]:
        tables = self.table(self.data, "functions", "functions")
        if not tables:
            raise self.fail("functions", "needs at least one function")
        found: dict[Function, FunctionRanges] = {}
        for name, table in tables.items():
            where = f"functions.{name}"
            try:
                function = Function.parse(name)
            except UserInputError as exc:
                raise self.fail(where, str(exc)) from None
            if not isinstance(table, dict):
                raise self.fail(where, "must be a table")
            ranges = self._positive_list(table, "ranges", where)
            over = self.get(table, "over_range", where, (int, float, list), 0.2)
            overs = tuple(float(o) for o in over) if isinstance(over, list) else \
                (float(over),) * len(ranges)
            if len(overs) != len(ranges) or any(o < 0 for o in overs):
                raise self.fail(where, "over_range must be one fraction >= 0 or one per range")
            found[function] = FunctionRanges(function, ranges, overs,
                                             self.get(table, "source", where, str, ""))
        return found

    def _positive_list(self, table: dict[str, Any], key: str, where: str) -> tuple[float, ...]:
        values = self.get(table, key, where, list)
        if not values or not all(isinstance(v, int | float) and not isinstance(v, bool)
                                 and v > 0 for v in values):
            raise self.fail(where, f"{key} must be a list of positive numbers")
        numbers = tuple(float(v) for v in values)
        if list(numbers) != sorted(set(numbers)):
            raise self.fail(where, f"{key} must be ascending without repeats")
        return numbers

    def _extra_modes(self) -> dict[str, tuple[float, ...]]:
        table = self.table(self.data, "extra_modes", "extra_modes")
        found = {}
        for name, ranges in table.items():
            if name not in EXTRA_MODES:
                raise self.fail("extra_modes", f"{name!r} is not one of {list(EXTRA_MODES)}")
            found[name] = self._positive_list({name: ranges}, name, "extra_modes")
        return found

    def _integration(self) -> tuple[IntegrationSetting, ...]:
        rows = self.get(self.data, "integration", "integration", list)
        settings = []
        for row in rows:
            where = "integration"
            settings.append(IntegrationSetting(
                nplc=float(self.get(row, "nplc", where, (int, float))),
                digits=float(self.get(row, "digits", where, (int, float))),
                resolution_ppm=float(self.get(row, "resolution_ppm", where, (int, float))),
                noise_ppm=float(self.get(row, "noise_ppm", where, (int, float))),
                readings_per_s=_optional(self.get(row, "readings_per_s", where, (int, float),
                                                  None)),
                source=self.get(row, "source", where, str, ""),
            ))
        nplcs = [s.nplc for s in settings]
        if not nplcs or nplcs != sorted(set(nplcs)) or min(nplcs) <= 0:
            raise self.fail("integration", "rows must have positive NPLCs, ascending")
        return tuple(settings)

    def _trigger(self) -> TriggerModel:
        table = self.table(self.data, "trigger", "trigger")
        buffer = self.get(table, "buffer", "trigger", str)
        if buffer not in BUFFERS:
            raise self.fail("trigger", f"buffer {buffer!r} is not one of {list(BUFFERS)}")
        return TriggerModel(
            sources=tuple(str(s) for s in self.get(table, "sources", "trigger", list)),
            max_samples=self.get(table, "max_samples", "trigger", int),
            max_triggers=self.get(table, "max_triggers", "trigger", int),
            memory=self.get(table, "memory", "trigger", int),
            buffer=buffer,
            gate_times=tuple(float(g) for g in self.get(table, "gate_times", "trigger", list,
                                                        [0.01, 0.1, 1.0])),
        )

    def _interfaces(self) -> Interfaces:
        table = self.table(self.data, "interfaces", "interfaces")
        serial = self.table(table, "serial", "interfaces.serial")
        unknown = sorted(set(serial) - _SERIAL_KEYS)
        if unknown:
            raise self.fail("interfaces.serial", f"unknown pyserial settings {unknown}")
        return Interfaces(
            lan_port=self.get(table, "lan_port", "interfaces", int, None),
            serial=dict(serial),
            remote_over_serial=self.get(table, "remote_over_serial", "interfaces", bool, False),
            serial_reply_terminator=self.get(table, "serial_reply_terminator", "interfaces",
                                             str, "\r\n"),
        )

    def _quirks(self) -> Quirks:
        table = self.table(self.data, "quirks", "quirks")
        allowed = {f for f in Quirks.__dataclass_fields__}
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise self.fail("quirks", f"unknown quirks {unknown}; allowed: {sorted(allowed)}")
        order = self.get(table, "binary_byte_order", "quirks", str, "")
        if order not in ("", "NORM", "SWAP"):
            raise self.fail("quirks", f"binary_byte_order {order!r} is not NORM, SWAP or ''")
        return Quirks(
            init_continuous_at_power_on=self.get(table, "init_continuous_at_power_on", "quirks",
                                                 bool, False),
            read_returns_last_only=self.get(table, "read_returns_last_only", "quirks", bool,
                                            False),
            binary_byte_order=order,
            absent_common_commands=tuple(self.get(table, "absent_common_commands", "quirks",
                                                  list, [])),
            display_chars=self.get(table, "display_chars", "quirks", int, 12),
            command_language=self.get(table, "command_language", "quirks", str, ""),
            notes=tuple(self.get(table, "notes", "quirks", list, [])),
        )


def _optional(value: Any) -> float | None:
    return None if value is None else float(value)
