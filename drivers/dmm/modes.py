"""Every measurement function of the family's meters, as their command sets name them.

:class:`Mode` is what a simulated meter measures (``CONFigure:<mode>``); the six
that a calibrator can drive map onto :class:`~metrolab.instrument.functions.Function`.
:class:`ModeTable` holds, per model, which modes exist, their ranges and integration
settings, built from the model's :class:`~metrolab.drivers.dmm.profile.DmmProfile`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from metrolab.drivers.dmm.profile import DmmProfile

from metrolab.instrument.functions import Function


class Mode(Enum):
    """A measurement function; the value is the name ``FUNCtion?`` and ``CONFigure?`` give."""

    DCV = "VOLT"
    RATIO = "VOLT:RAT"
    ACV = "VOLT:AC"
    DCI = "CURR"
    ACI = "CURR:AC"
    RES2 = "RES"
    RES4 = "FRES"
    FREQ = "FREQ"
    PER = "PER"
    CONT = "CONT"
    DIODE = "DIOD"
    TEMP = "TEMP"
    CAP = "CAP"

    @property
    def header(self) -> str:
        """Return the SCPI node of this mode under CONFigure, MEASure and SENSe."""
        return _HEADERS[self]

    @property
    def function(self) -> Function | None:
        """Return the calibrator function this mode reads (None: the source cannot drive
        it; temperature and capacitance come from the meter's own probe and capacitor)."""
        return _FUNCTIONS[self]

    @property
    def unit(self) -> str:
        """Return the unit of this mode's readings: V, A, ohm, Hz, s, F, degC or '' (ratio)."""
        return _UNITS[self]

    @property
    def last_unit(self) -> str:
        """Return the unit word ``DATA:LAST?`` appends (``VDC``, ``OHM``...)."""
        return _LAST_UNITS[self]

    @property
    def is_ac(self) -> bool:
        """Return True for the RMS-reading modes (AC volts and amps)."""
        return self in (Mode.ACV, Mode.ACI)

    @property
    def counts_signal(self) -> bool:
        """Return True for frequency and period (ranges are of the signal's voltage)."""
        return self in (Mode.FREQ, Mode.PER)

    @classmethod
    def of(cls, function: Function) -> Mode:
        """Return the mode that measures ``function`` (DCV, ACV, DCI, ACI, RES2, RES4)."""
        return cls[function.name]


_HEADERS = {
    Mode.DCV: "VOLTage[:DC]",
    Mode.RATIO: "VOLTage[:DC]:RATio",
    Mode.ACV: "VOLTage:AC",
    Mode.DCI: "CURRent[:DC]",
    Mode.ACI: "CURRent:AC",
    Mode.RES2: "RESistance",
    Mode.RES4: "FRESistance",
    Mode.FREQ: "FREQuency",
    Mode.PER: "PERiod",
    Mode.CONT: "CONTinuity",
    Mode.DIODE: "DIODe",
    Mode.TEMP: "TEMPerature",
    Mode.CAP: "CAPacitance",
}
_FUNCTIONS: dict[Mode, Function | None] = {
    Mode.DCV: Function.DCV,
    Mode.RATIO: Function.DCV,
    Mode.ACV: Function.ACV,
    Mode.DCI: Function.DCI,
    Mode.ACI: Function.ACI,
    Mode.RES2: Function.RES2,
    Mode.RES4: Function.RES4,
    Mode.FREQ: Function.ACV,
    Mode.PER: Function.ACV,
    Mode.CONT: Function.RES2,
    Mode.DIODE: Function.RES2,
    Mode.TEMP: None,
    Mode.CAP: None,
}
_UNITS = {
    Mode.DCV: "V", Mode.RATIO: "", Mode.ACV: "V", Mode.DCI: "A", Mode.ACI: "A",
    Mode.RES2: "ohm", Mode.RES4: "ohm", Mode.FREQ: "Hz", Mode.PER: "s", Mode.CONT: "ohm",
    Mode.DIODE: "V", Mode.TEMP: "degC", Mode.CAP: "F",
}
_LAST_UNITS = {
    Mode.DCV: "VDC", Mode.RATIO: "", Mode.ACV: "VAC", Mode.DCI: "ADC", Mode.ACI: "AAC",
    Mode.RES2: "OHM", Mode.RES4: "OHM", Mode.FREQ: "HZ", Mode.PER: "SEC", Mode.CONT: "OHM",
    Mode.DIODE: "VDC", Mode.TEMP: "C", Mode.CAP: "F",
}

#: modes whose integration time is set in power-line cycles (TEMP too where it exists)
_NPLC_MODES = frozenset({Mode.DCV, Mode.RATIO, Mode.DCI, Mode.RES2, Mode.RES4})
#: AC filter settling the automatic trigger delay waits for, by filter (lowest frequency
#: in Hz): 34401A User's Guide ch. 7, 7 s / 1 s / 0.1 s [V] (also the 34401A-compatible
#: Fluke 884xA [U]); Truevolt Operating and Service Guide (CURRent:AC:BANDwidth),
#: 1.66 s / 0.25 s / 0.025 s [V] (also the Keithley meters [U])
_AC_DELAY_S = {
    "34401a": {3.0: 7.0, 20.0: 1.0, 200.0: 0.1},
    "truevolt": {3.0: 1.66, 20.0: 0.25, 200.0: 0.025},
}


@dataclass(frozen=True)
class ModeTable:
    """What one model measures: ranges per mode, NPLC modes, gate times, options."""

    model: DmmProfile
    ranges: dict[Mode, tuple[float, ...]]
    nplc_modes: frozenset[Mode]
    gate_times: tuple[float, ...]
    #: the newer Truevolt command set (apertures, per-function null and autozero,
    #: scaling, R?, DATA:REM?, ABORt, *OPT?); False: the 34401A's own
    truevolt: bool
    #: readings the reading memory holds (34401A: 512; 34465A without MEM: 50 000)
    memory: int
    max_trigger_count: int
    #: longest DISPlay:TEXT the meter shows
    display_chars: int
    #: automatic trigger delay of each AC filter (lowest frequency in Hz), seconds
    ac_delay_s: dict[float, float]

    def range_limit(self, mode: Mode) -> tuple[float, float]:
        """Return the lowest and highest range of ``mode``."""
        ranges = self.ranges[mode]
        return min(ranges), max(ranges)

    @classmethod
    def of(cls, profile: DmmProfile) -> ModeTable:
        """Return the table of ``profile``'s model: its six functions and extra modes."""
        ranges: dict[Mode, tuple[float, ...]] = {
            Mode[function.name]: held.ranges for function, held in profile.functions.items()
        }
        for name, extra in profile.extra_modes.items():
            ranges[Mode[name]] = extra
        truevolt = profile.dialect == "keysight-truevolt"
        nplc_modes = _NPLC_MODES | ({Mode.TEMP} if truevolt else set())
        return cls(
            model=profile,
            ranges=ranges,
            nplc_modes=frozenset(m for m in nplc_modes if m in ranges),
            gate_times=profile.trigger.gate_times,
            truevolt=truevolt,
            memory=profile.trigger.memory,
            max_trigger_count=profile.trigger.max_triggers,
            display_chars=profile.quirks.display_chars,
            ac_delay_s=_AC_DELAY_S["34401a" if profile.dialect in ("keysight-34401a",
                                                                   "fluke-8846a")
                                   else "truevolt"],
        )
