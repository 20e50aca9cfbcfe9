"""The Keysight/Agilent DMM drivers: the family driver on the Keysight profiles.

``Keysight34401A`` and ``Keysight34465A`` are the family driver
(:class:`~metrolab.drivers.dmm.driver.ScpiDmm`) on those models' profiles; every other
Keysight model is ``ScpiDmm.for_profile("keysight-34461a")`` and so on.
"""

from __future__ import annotations

from typing import Any, ClassVar

from metrolab.drivers.dmm.driver import ScpiDmm
from metrolab.drivers.dmm.registry import dmm_profile

_34401A = dmm_profile("keysight-34401a")
_34465A = dmm_profile("keysight-34465a")


class KeysightDMM(ScpiDmm):
    """A Keysight/Agilent 344xx DMM (the family driver; the model's profile is ``MODEL``)."""


class Keysight34401A(KeysightDMM):
    """Keysight/Agilent 34401A 6½-digit DMM (ASCII readings; RS-232 or GPIB/LAN adapters)."""

    MODEL = _34401A
    SERIAL_SETTINGS: ClassVar[dict[str, Any]] = _34401A.serial_settings
    SERIAL_READ_TERMINATION: ClassVar[str | None] = _34401A.interfaces.serial_reply_terminator


class Keysight34465A(KeysightDMM):
    """Keysight 34465A Truevolt 6½-digit DMM: buffers move as REAL,64 binary blocks."""

    MODEL = _34465A
