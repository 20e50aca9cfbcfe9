"""The Fluke 8845A and 8846A precision multimeters: the DMM family's driver and simulator
on their profiles (``profiles/8845a.toml``, ``profiles/8846a.toml``).

Their SCPI follows the 34401A's command forms, with the 8846A's extra ranges (10 Ω,
1 GΩ, 100 µA and 1 mA AC), a raw-socket LAN port of 3490 and an RS-232 port that wants
``SYSTem:REMote`` first and ends replies with CR LF (profile quirks).
"""

from __future__ import annotations

from typing import Any, ClassVar

from metrolab.drivers.dmm.driver import ScpiDmm
from metrolab.drivers.dmm.modes import ModeTable
from metrolab.drivers.dmm.registry import dmm_profile
from metrolab.drivers.dmm.simulator import DmmSimulator

_8845A = dmm_profile("fluke-8845a")
_8846A = dmm_profile("fluke-8846a")


class Fluke8845A(ScpiDmm):
    """Fluke 8845A 6½-digit precision multimeter (LAN port 3490, RS-232, GPIB)."""

    MODEL = _8845A
    SERIAL_SETTINGS: ClassVar[dict[str, Any]] = _8845A.serial_settings
    SERIAL_READ_TERMINATION: ClassVar[str | None] = _8845A.interfaces.serial_reply_terminator


class Fluke8846A(ScpiDmm):
    """Fluke 8846A 6½-digit precision multimeter (LAN port 3490, RS-232, GPIB)."""

    MODEL = _8846A
    SERIAL_SETTINGS: ClassVar[dict[str, Any]] = _8846A.serial_settings
    SERIAL_READ_TERMINATION: ClassVar[str | None] = _8846A.interfaces.serial_reply_terminator


class Fluke8846ASimulator(DmmSimulator):
    """A simulated 8846A on its LAN port (34401A-compatible command set, its own ranges)."""

    MODEL = _8846A
    TABLE = ModeTable.of(_8846A)
    IDN = _8846A.idn
