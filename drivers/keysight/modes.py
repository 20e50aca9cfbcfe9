"""Every measurement function of the 344xx meters, as their command sets name them.

:class:`Mode` is what a simulated meter measures (``CONFigure:<mode>``); the six
that a calibrator can drive map onto :class:`~metrolab.instrument.functions.Function`.
:class:`ModeTable` holds, per model, which modes exist, their ranges and integration
settings (34401A User's Guide ch. 4 command summary; Truevolt Operating and Service
Guide command quick reference).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from metrolab.drivers.keysight.models import KEYSIGHT_34401A, KEYSIGHT_34465A, DmmModel

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

#: modes whose integration time is set in power-line cycles, per model
_NPLC_34401A = frozenset({Mode.DCV, Mode.RATIO, Mode.DCI, Mode.RES2, Mode.RES4})
_NPLC_34465A = _NPLC_34401A | {Mode.TEMP}
#: the frequency counter's gate times in seconds (34401A: 10 ms, 100 ms, 1 s [P];
#: Truevolt adds 1 ms)
_GATES_34401A = (0.01, 0.1, 1.0)
_GATES_34465A = (0.001, 0.01, 0.1, 1.0)
_CAP_RANGES = (1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4)


@dataclass(frozen=True)
class ModeTable:
    """What one model measures: ranges per mode, NPLC modes, gate times, options."""

    model: DmmModel
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

    def range_limit(self, mode: Mode) -> tuple[float, float]:
        """Return the lowest and highest range of ``mode``."""
        ranges = self.ranges[mode]
        return min(ranges), max(ranges)


def _table(model: DmmModel, *, truevolt: bool) -> ModeTable:
    r = model.ranges
    volts_ac = r[Function.ACV]
    ranges: dict[Mode, tuple[float, ...]] = {
        Mode.DCV: r[Function.DCV],
        Mode.RATIO: r[Function.DCV],
        Mode.ACV: volts_ac,
        Mode.DCI: r[Function.DCI],
        Mode.ACI: r[Function.ACI],
        Mode.RES2: r[Function.RES2],
        Mode.RES4: r[Function.RES4],
        Mode.FREQ: volts_ac,
        Mode.PER: volts_ac,
        # continuity: the 1 kΩ range at 1 mA; diode: 1 mA into the junction, 1 V range on
        # the 34401A [P], 10 V on Truevolt meters [U]
        Mode.CONT: (1e3,),
        Mode.DIODE: (10.0,) if truevolt else (1.0,),
    }
    if truevolt:
        ranges[Mode.CAP] = _CAP_RANGES
        ranges[Mode.TEMP] = (1.0,)  # no range: one nominal entry so settings are uniform
    return ModeTable(
        model=model,
        ranges=ranges,
        nplc_modes=_NPLC_34465A if truevolt else _NPLC_34401A,
        gate_times=_GATES_34465A if truevolt else _GATES_34401A,
        truevolt=truevolt,
        memory=50_000 if truevolt else 512,
        max_trigger_count=1_000_000 if truevolt else 50_000,
        display_chars=40 if truevolt else 12,
    )


TABLE_34401A = _table(KEYSIGHT_34401A, truevolt=False)
TABLE_34465A = _table(KEYSIGHT_34465A, truevolt=True)
