"""Profiles of the Fluke multi-product calibrators: what differs between models, as data.

One family driver (:mod:`.calibrator`) and one simulator (:mod:`.sim_calibrator`) serve
every model; a model is a TOML file in ``cal_profiles/`` read into a frozen
:class:`CalibratorProfile`: its identity, its command family, its output functions
with their ranges, frequency bands and limits, its options, its RS-232 defaults and its
specification tables (``specs/``). Two command families exist:

* ``5500``: the 5500A, 5520A, 5522A and 5502A (``OUT``, ``ZCOMP``, ``TC_TYPE``, dual
  outputs, capacitance and simulated temperature sensors; ISR bit 6 HIVOLT);
* ``5700``: the 5720A and 5730A (``OUT`` with fixed resistance standards, ``RCOMP``,
  ``EXTSENSE``, ``EXTGUARD``; ISR bits 1 EXGARD, 2 EXSENS, 4 RCOMP; no capacitance,
  temperature or dual outputs).

A procedure asks a profile what it needs without touching an instrument:
``profile.functions`` (the :class:`~metrolab.instrument.functions.Function` a meter can
be verified in against it), ``profile.ranges_of(Function.DCV)`` (full scales in V),
``profile.spec`` (the 1-year :class:`~metrolab.instrument.specs.AccuracySpec`) and
``profile.provenance()`` (how many of its rows a manufacturer's document confirms).

Every fact carries a source tag of the shared research note (``[P]`` read in the
manufacturer's document, ``[S]`` secondary, ``[D]`` derived, ``[U]`` unverified).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from metrolab.errors import UserInputError
from metrolab.instrument import spec_sources
from metrolab.instrument.functions import Function
from metrolab.instrument.spec_provenance import SpecProvenance, count_provenance
from metrolab.instrument.specs import AccuracySpec

if TYPE_CHECKING:
    import pint

PROFILE_DIR = Path(__file__).parent / "cal_profiles"
SPEC_DIR = Path(__file__).parent / "specs"


class ProfileError(UserInputError):
    """A calibrator profile file is malformed: the message names the file and the key."""


class CommandFamily(Enum):
    """The two command sets of the Fluke calibrators."""

    FLUKE_5500 = "5500"
    FLUKE_5700 = "5700"


class OutputKind(Enum):
    """What the calibrator is sourcing; the text is the unit keyword of ``OUT?``."""

    DCV = "V"
    ACV = "V~"
    DCI = "A"
    ACI = "A~"
    OHM = "OHM"
    CAP = "F"
    TEMP = "CEL"

    @property
    def unit(self) -> str:
        """Return the unit keyword the calibrator prints for this kind (``V``, ``A``...)."""
        return self.value.rstrip("~")

    @property
    def is_ac(self) -> bool:
        """Return True for the AC kinds (they have a frequency)."""
        return self.value.endswith("~")

    def with_frequency(self, ac: bool) -> OutputKind:
        """Return the DC or AC kind of this quantity (volts and amps only)."""
        if self.unit == "V":
            return OutputKind.ACV if ac else OutputKind.DCV
        if self.unit == "A":
            return OutputKind.ACI if ac else OutputKind.DCI
        return self

    @classmethod
    def parse(cls, text: str) -> OutputKind:
        """Return the kind named ``text`` (``DCV``, ``OHM``...); raise KeyError otherwise."""
        return cls[text.strip().upper()]


#: the meter function verified against each output kind
_FUNCTIONS: dict[OutputKind, tuple[Function, ...]] = {
    OutputKind.DCV: (Function.DCV,), OutputKind.ACV: (Function.ACV,),
    OutputKind.DCI: (Function.DCI,), OutputKind.ACI: (Function.ACI,),
    OutputKind.OHM: (Function.RES2, Function.RES4),
}
_KIND_OF = {f: kind for kind, functions in _FUNCTIONS.items() for f in functions}


@dataclass(frozen=True, slots=True)
class OutputFunction:
    """One output function of a model: its ranges (full scales, base unit V, A, Ω, F,
    °C), the band of frequencies for AC (Hz), the smallest magnitude it sources, and
    whether only the listed values exist (the 5700A-family resistance standards)."""

    kind: OutputKind
    ranges: tuple[float, ...]
    minimum: float = 0.0
    frequency_min: float | None = None
    frequency_max: float | None = None
    fixed_values: bool = False
    source: str = ""

    @property
    def maximum(self) -> float:
        """Return the largest magnitude the function sources (its top range), base unit."""
        return self.ranges[-1]

    def range_for(self, value: float) -> float:
        """Return the full scale of the smallest range holding ``|value|`` (the top range
        when none does)."""
        magnitude = abs(value)
        return next((r for r in self.ranges if magnitude <= r * (1 + 1e-9)), self.ranges[-1])

    def nearest_value(self, value: float) -> float:
        """Return the fixed value nearest ``value`` (fixed-value functions), else ``value``."""
        if not self.fixed_values:
            return value
        return min(self.ranges, key=lambda r: abs(r - value))


@dataclass(frozen=True, slots=True)
class SerialDefaults:
    """The factory settings of the RS-232 host port (``SP_SET`` as the manual prints them)
    and the baud rates ``SP_SET`` takes."""

    sp_set: str
    baud_rates: tuple[int, ...]
    parities: tuple[str, ...]
    source: str

    @property
    def pyserial(self) -> dict[str, Any]:
        """Return the defaults as pyserial settings (baudrate, bytesize, parity, stopbits,
        xonxoff, rtscts)."""
        baud, _mode, flow, data, stop, parity, _eol = self.sp_set.split(",")
        return {
            "baudrate": int(baud), "bytesize": int(data.removeprefix("DBIT")),
            "parity": {"PNONE": "N", "PODD": "O", "PEVEN": "E", "PIGNORE": "N"}[parity],
            "stopbits": int(stop.removeprefix("SBIT")),
            "xonxoff": flow == "XON", "rtscts": flow == "RTS",
        }


@dataclass(frozen=True)
class CalibratorProfile:
    """One calibrator model, as its profile file describes it."""

    name: str
    manufacturer: str
    model: str
    serial_number: str
    firmware: str
    identity_source: str
    family: CommandFamily
    outputs: tuple[OutputFunction, ...]
    options: tuple[str, ...]
    available_options: tuple[str, ...]
    serial: SerialDefaults
    #: Instrument Status Register bit numbers by name (OPER, SETTLED, REMOTE, HIVOLT ...)
    isr_bits: dict[str, int]
    #: ISR HIVOLT threshold (V; None where the ISR has no such bit)
    hivolt_v: float | None
    #: the 4-wire and 2-wire resistance commands (``ZCOMP WIRE4``/``RCOMP OFF`` ...)
    four_wire_command: str
    two_wire_command: str
    spec_files: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    path: Path = field(default=PROFILE_DIR, compare=False)

    # -- identity ------------------------------------------------------------------------
    @property
    def idn(self) -> str:
        """Return the ``*IDN?`` reply of this model (the simulator's)."""
        return f"{self.manufacturer},{self.model},{self.serial_number},{self.firmware}"

    def isr_mask(self, name: str) -> int:
        """Return the mask of ISR bit ``name`` (``SETTLED`` ...), 0 when the model lacks it."""
        bit = self.isr_bits.get(name)
        return 0 if bit is None else 1 << bit

    # -- outputs ---------------------------------------------------------------------------
    def output(self, kind: OutputKind) -> OutputFunction | None:
        """Return the output function of ``kind``, None when the model lacks it."""
        return next((o for o in self.outputs if o.kind is kind), None)

    @property
    def functions(self) -> tuple[Function, ...]:
        """Return the meter functions this calibrator can verify (DCV ... RES4)."""
        return tuple(f for o in self.outputs for f in _FUNCTIONS.get(o.kind, ()))

    def ranges_of(self, function: Function) -> tuple[float, ...]:
        """Return the output ranges (full scales, base unit V, A or Ω) for ``function``.

        Raises UserInputError naming the model when it has no such output.
        """
        out = self.output(_KIND_OF[function])
        if out is None:
            raise UserInputError(f"the {self.model} has no {function.name} output "
                                 f"(it has {', '.join(f.name for f in self.functions)})")
        return out.ranges

    def ranges(self, function: Function) -> tuple[pint.Quantity, ...]:
        """Return the output ranges for ``function`` as quantities (V, A or Ω)."""
        from metrolab.units import Quantity

        return tuple(Quantity(r, function.unit) for r in self.ranges_of(function))

    def frequency_band(self, function: Function) -> tuple[float, float] | None:
        """Return the (lowest, highest) frequency in Hz of an AC function, None for DC."""
        out = self.output(_KIND_OF[function])
        if out is None or out.frequency_min is None or out.frequency_max is None:
            return None
        return out.frequency_min, out.frequency_max

    # -- specifications ----------------------------------------------------------------
    @property
    def spec(self) -> AccuracySpec:
        """Return the 1-year specification (what procedures use for the standard)."""
        return self.specification("1-year")

    def specification(self, interval: str) -> AccuracySpec:
        """Return the specification of ``interval`` (``1-year``, ``90-day``...).

        The packaged table, or the laboratory's own file for the same model and interval
        while a run has one active (:mod:`metrolab.instrument.spec_sources`), which may
        also add an interval. Raises UserInputError naming the intervals held when there
        is none.
        """
        file = self.spec_files.get(interval)
        if file is not None:
            return spec_sources.resolve(SPEC_DIR / file)
        found = spec_sources.lookup(self.model, interval)
        if found is None:
            held = ", ".join(self.spec_files) or "none was read in a manufacturer's document"
            raise UserInputError(f"the {self.model} profile holds no {interval} "
                                 f"specification (held: {held}; a laboratory adds one with a "
                                 "specification file in its --specs folder)")
        return found

    def provenance(self, interval: str = "1-year") -> SpecProvenance:
        """Return how many rows of the ``interval`` table rest on which kind of source
        (all counts 0 when the profile holds no such table)."""
        if interval not in self.spec_files:
            return count_provenance(self.name, ())
        return count_provenance(self.name,
                                (row.source for row in self.specification(interval).rows))

    # -- loading -----------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> CalibratorProfile:
        """Return the profile in TOML file ``path``.

        Raises ProfileError naming the file and the key that is missing or malformed.
        """
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ProfileError(f"calibrator profile {path}: cannot read it ({exc})") from exc
        reader = _Reader(path, data)
        identity = reader.table("identity")
        serial = reader.table("serial")
        resistance = reader.table("resistance")
        isr = reader.table("isr")
        return cls(
            name=reader.text(data, "name"),
            manufacturer=reader.text(identity, "manufacturer"),
            model=reader.text(identity, "model"),
            serial_number=reader.text(identity, "serial_number"),
            firmware=reader.text(identity, "firmware"),
            identity_source=reader.text(identity, "source"),
            family=reader.enum(data, "family", CommandFamily),
            outputs=tuple(reader.output(entry) for entry in reader.tables("output")),
            options=tuple(reader.strings(data, "options")),
            available_options=tuple(reader.strings(data, "available_options")),
            serial=SerialDefaults(
                sp_set=reader.text(serial, "sp_set"),
                baud_rates=tuple(int(b) for b in reader.sequence(serial, "baud_rates")),
                parities=tuple(reader.strings(serial, "parities")),
                source=reader.text(serial, "source"),
            ),
            isr_bits={k: int(v) for k, v in isr.items() if k != "source"},
            hivolt_v=reader.optional_float(data, "hivolt_v"),
            four_wire_command=reader.text(resistance, "four_wire"),
            two_wire_command=reader.text(resistance, "two_wire"),
            spec_files={str(k): str(v) for k, v in reader.table("specs").items()},
            notes=tuple(reader.strings(data, "notes")),
            path=path,
        )


class _Reader:
    """Typed access to a profile's TOML with errors that name the file and the key."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data

    def fail(self, key: str, problem: str) -> ProfileError:
        return ProfileError(f"calibrator profile {self.path}: {key} {problem}")

    def table(self, key: str) -> dict[str, Any]:
        value = self.data.get(key)
        if not isinstance(value, dict):
            raise self.fail(f"[{key}]", "is missing (a table is needed)")
        return value

    def tables(self, key: str) -> list[dict[str, Any]]:
        value = self.data.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, dict)
                                                             for v in value):
            raise self.fail(f"[[{key}]]", "is missing (one table per output function)")
        return value

    def text(self, table: dict[str, Any], key: str) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value:
            raise self.fail(key, f"must be a non-empty string, not {value!r}")
        return value

    def sequence(self, table: dict[str, Any], key: str) -> list[Any]:
        value = table.get(key, [])
        if not isinstance(value, list):
            raise self.fail(key, f"must be a list, not {value!r}")
        return value

    def strings(self, table: dict[str, Any], key: str) -> list[str]:
        values = self.sequence(table, key)
        if not all(isinstance(v, str) for v in values):
            raise self.fail(key, "must be a list of strings")
        return values

    def number(self, table: dict[str, Any], key: str) -> float:
        value = table.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, not {value!r}")
        return float(value)

    def optional_float(self, table: dict[str, Any], key: str) -> float | None:
        return None if key not in table else self.number(table, key)

    def enum(self, table: dict[str, Any], key: str, kind: type[CommandFamily]) -> CommandFamily:
        text = self.text(table, key)
        try:
            return kind(text)
        except ValueError:
            raise self.fail(key, f"{text!r} is not one of "
                                 f"{', '.join(m.value for m in kind)}") from None

    def output(self, entry: dict[str, Any]) -> OutputFunction:
        try:
            kind = OutputKind.parse(self.text(entry, "kind"))
        except KeyError:
            raise self.fail("output.kind", f"{entry.get('kind')!r} is not one of "
                                           f"{', '.join(k.name for k in OutputKind)}") from None
        ranges = tuple(float(r) for r in self.sequence(entry, "ranges"))
        if not ranges or list(ranges) != sorted(ranges) or ranges[0] <= 0:
            raise self.fail(f"output {kind.name} ranges", "must be positive and ascending")
        band = (self.optional_float(entry, "frequency_min"),
                self.optional_float(entry, "frequency_max"))
        if kind.is_ac and None in band:
            raise self.fail(f"output {kind.name}", "needs frequency_min and frequency_max")
        return OutputFunction(
            kind=kind, ranges=ranges, minimum=self.optional_float(entry, "minimum") or 0.0,
            frequency_min=band[0], frequency_max=band[1],
            fixed_values=bool(entry.get("fixed_values", False)),
            source=self.text(entry, "source"),
        )


@cache
def calibrator_profile(name: str) -> CalibratorProfile:
    """Return the packaged profile ``name`` (``fluke-5520a``, ``5520a`` or ``5520A``).

    Raises UserInputError naming the profiles held when there is none of that name.
    """
    key = name.strip().lower().removeprefix("fluke-")
    path = PROFILE_DIR / f"{key}.toml"
    if not path.is_file():
        raise UserInputError(f"no calibrator profile {name!r}: use one of "
                             f"{', '.join(calibrator_profile_names())}")
    return CalibratorProfile.load(path)


def calibrator_profile_names() -> list[str]:
    """Return the names of the packaged calibrator profiles (``fluke-5500a`` ...), sorted."""
    return sorted(f"fluke-{path.stem}" for path in PROFILE_DIR.glob("*.toml"))


def profile_for_model(model: str) -> CalibratorProfile:
    """Return the packaged profile whose ``*IDN?`` model field is ``model`` (``5520A``).

    Raises UserInputError when no profile has that model.
    """
    for name in calibrator_profile_names():
        profile = calibrator_profile(name)
        if profile.model.upper() == model.strip().upper():
            return profile
    held = ", ".join(calibrator_profile(n).model for n in calibrator_profile_names())
    raise UserInputError(f"no calibrator profile for model {model!r}: held are {held}")
