"""Profiles of the thermometer readouts: Hart/Fluke 1529, 1524, 1560 and 1594A/1595A.

One driver (:mod:`.hart1529`) and one simulator (:mod:`.sim_1529`) serve every model;
a model is a TOML file in ``readout_profiles/`` read into a frozen
:class:`ReadoutProfile`: its identity, its channels and the input types each takes
(PRT, thermistor, thermocouple), its command dialect and its specification tables.
Two dialects are modelled:

* ``1529`` (the 1529; the 1524 and 1560 are taken to speak it [U]): ``FETC? n`` answers
  ``9.91E+37`` for a channel without a reading; ``STAT:MEAS?`` tells new readings;
* ``super`` (the 1594A/1595A Super-Thermometers): ``FETC? n`` without a measurement
  answers nothing and queues -230 "Data corrupt or stale"; ``STAT:OPER?`` answers 16
  once a new measurement arrived and is cleared by ``FETC?``; mnemonics are recognised
  by their first three or four characters (1594A/1595A User's Guide §8.7 [P]).

A procedure asks a profile for ``channels`` (numbers), ``inputs_of(n)`` and ``spec`` (a
:class:`~.spec_1529.ReadoutSpecification`, per input type) without an instrument.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from metrolab.errors import UserInputError
from metrolab.instrument import spec_sources

from .spec_1529 import SPEC_DIR, ReadoutSpecification, SensorType

PROFILE_DIR = Path(__file__).parent / "readout_profiles"


class ReadoutProfileError(UserInputError):
    """A readout profile file is malformed: the message names the file and the key."""


class ReadoutDialect(Enum):
    """The command dialects of the readouts."""

    HART_1529 = "1529"
    SUPER_THERMOMETER = "super"


@dataclass(frozen=True, slots=True)
class ReadoutChannel:
    """One input channel: its number and the input types it takes."""

    number: int
    inputs: tuple[SensorType, ...]
    source: str


@dataclass(frozen=True)
class ReadoutProfile:
    """One readout model, as its profile file describes it."""

    name: str
    manufacturer: str
    model: str
    serial_number: str
    firmware: str
    identity_source: str
    dialect: ReadoutDialect
    channel_list: tuple[ReadoutChannel, ...]
    baudrate: int
    spec_files: dict[SensorType, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    path: Path = field(default=PROFILE_DIR, compare=False)

    @property
    def idn(self) -> str:
        """Return the ``*IDN?`` reply of this model (the simulator's)."""
        return f"{self.manufacturer},{self.model},{self.serial_number},{self.firmware}"

    @property
    def channels(self) -> tuple[int, ...]:
        """Return the channel numbers, ascending."""
        return tuple(c.number for c in self.channel_list)

    def inputs_of(self, channel: int) -> tuple[SensorType, ...]:
        """Return the input types channel ``channel`` takes.

        Raises UserInputError naming the model's channels when there is no such channel.
        """
        for entry in self.channel_list:
            if entry.number == channel:
                return entry.inputs
        raise UserInputError(f"the {self.model} has no channel {channel} (channels: "
                             f"{', '.join(map(str, self.channels))})")

    @property
    def spec(self) -> ReadoutSpecification:
        """Return the readout specification: one table per input type held (an input type
        without a table raises SpecificationUnavailable when asked); a laboratory's own
        file for the same model and interval replaces a packaged table while a run has it
        active (:mod:`metrolab.instrument.spec_sources`)."""
        return ReadoutSpecification(
            {sensor: spec_sources.resolve(SPEC_DIR / file)
             for sensor, file in self.spec_files.items()},
            model=self.model)

    def provenance(self) -> tuple[int, int]:
        """Return (rows confirmed against a manufacturer's document, rows) over all the
        profile's tables."""
        rows = [row for table in self.spec.tables.values() for row in table.rows]
        return sum(row.verified for row in rows), len(rows)

    @classmethod
    def load(cls, path: Path) -> ReadoutProfile:
        """Return the profile in TOML file ``path``.

        Raises ReadoutProfileError naming the file and the key that is missing or wrong.
        """
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
            identity = data["identity"]
            channels = tuple(
                ReadoutChannel(int(entry["number"]),
                               tuple(SensorType(i) for i in entry["inputs"]),
                               str(entry["source"]))
                for entry in data["channel"])
            if not channels or [c.number for c in channels] != sorted(
                    {c.number for c in channels}):
                raise ValueError("channel numbers must be unique and ascending")
            return cls(
                name=str(data["name"]), manufacturer=str(identity["manufacturer"]),
                model=str(identity["model"]), serial_number=str(identity["serial_number"]),
                firmware=str(identity["firmware"]), identity_source=str(identity["source"]),
                dialect=ReadoutDialect(data["dialect"]), channel_list=channels,
                baudrate=int(data["serial"]["baudrate"]),
                spec_files={SensorType(k): str(v) for k, v in data.get("specs", {}).items()},
                notes=tuple(str(n) for n in data.get("notes", ())), path=path,
            )
        except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ReadoutProfileError(f"readout profile {path}: {exc!r}") from exc


@cache
def readout_profile(name: str) -> ReadoutProfile:
    """Return the packaged profile ``name`` (``hart-1529``, ``fluke-1594a``, ``1524``).

    Raises UserInputError naming the profiles held when there is none of that name.
    """
    key = name.strip().lower().removeprefix("hart-").removeprefix("fluke-")
    path = PROFILE_DIR / f"{key}.toml"
    if not path.is_file():
        raise UserInputError(f"no readout profile {name!r}: use one of "
                             f"{', '.join(readout_profile_names())}")
    return ReadoutProfile.load(path)


def readout_profile_names() -> list[str]:
    """Return the names of the packaged readout profiles, sorted."""
    return sorted(ReadoutProfile.load(p).name for p in PROFILE_DIR.glob("*.toml"))
