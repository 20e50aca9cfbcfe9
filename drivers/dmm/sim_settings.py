"""The settings a simulated 344xx meter holds: one set per measurement mode, the trigger
and sample model, and the temperature transducer; all return to their ``*RST`` values
together and are copied whole by ``*SAV``."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from metrolab.drivers.dmm.modes import Mode, ModeTable

#: power-on integration time of the DC modes, in power-line cycles
DEFAULT_NPLC = 10.0
#: power-on AC filter: the lowest frequency expected, in Hz (3, 20 or 200)
DEFAULT_BANDWIDTH_HZ = 20.0
#: power-on gate time of the frequency counter, in seconds
DEFAULT_GATE_S = 0.1
#: AC "resolution" selects the digits shown: 4½, 5½ or 6½ (factor x range)
AC_RESOLUTIONS = (1e-4, 1e-5, 1e-6)


@dataclass
class ModeSettings:
    """One measurement mode's settings; fields a mode does not use are carried unused."""

    range: float
    autorange: bool = True
    nplc: float = DEFAULT_NPLC
    #: Truevolt aperture in seconds, used instead of ``nplc`` when ``aperture_enabled``
    aperture_s: float = 0.1
    aperture_enabled: bool = False
    #: AC digits (a factor of range, one of AC_RESOLUTIONS)
    ac_resolution: float = 1e-6
    autozero: bool = True
    bandwidth_hz: float = DEFAULT_BANDWIDTH_HZ
    gate_s: float = DEFAULT_GATE_S
    #: input resistance > 10 GΩ on the 0.1-10 V ranges (DC volts) when True
    impedance_auto: bool = False
    #: Truevolt current switching mode (CURRent:SWITch:MODE): FAST or CONTINUOUS
    current_switch: str = "CONTINUOUS"
    #: Truevolt counter timeout (FREQuency:TIMeout:AUTO): wait 1 s, not 20 s, for a cycle
    timeout_auto: bool = False
    null_enabled: bool = False
    null_value: float = 0.0
    #: the next reading becomes ``null_value`` (set by enabling null with auto on)
    null_auto: bool = True
    #: Truevolt low-frequency limit of the counter in Hz (FREQ:RANG:LOW)
    low_frequency_hz: float = 20.0
    offset_compensated: bool = False
    power_limited: bool = False
    #: Truevolt current terminals (3 A or 10 A)
    terminals_a: int = 3


@dataclass
class TemperatureSettings:
    """The temperature probe a Truevolt meter converts (FRTD, RTD, FTH, THER or TC)."""

    transducer: str = "FRTD"
    rtd_reference_ohm: float = 100.0
    unit: str = "C"
    #: thermocouple type (E, J, K, N, R, T) and its reference junction: INTERNAL (the
    #: input terminals' temperature) or FIXED at ``junction_c``, plus an offset, in °C
    tc_type: str = "J"
    tc_check: bool = False
    junction_type: str = "INTERNAL"
    junction_c: float = 0.0
    junction_offset_c: float = 0.0
    rtd_ocomp: bool = False
    rtd_power_limit: bool = False
    thermistor_power_limit: bool = False


@dataclass
class TriggerSettings:
    """Trigger and sample model (TRIGger and SAMPle subsystems)."""

    source: str = "IMMEDIATE"
    #: triggers accepted before returning to idle; math.inf for INFinite
    count: float = 1.0
    delay_s: float = 0.0
    delay_auto: bool = True
    slope: str = "NEGATIVE"
    output_slope: str = "NEGATIVE"
    sample_count: int = 1
    sample_source: str = "IMMEDIATE"
    sample_timer_s: float = 1.0


@dataclass
class MeterSettings:
    """Everything ``*RST`` sets, in one object (``*SAV`` keeps a deep copy)."""

    mode: Mode
    modes: dict[Mode, ModeSettings]
    trigger: TriggerSettings = field(default_factory=TriggerSettings)
    temperature: TemperatureSettings = field(default_factory=TemperatureSettings)

    @classmethod
    def power_on(cls, table: ModeTable) -> MeterSettings:
        """Return the ``*RST`` state of ``table``'s model: DC volts, autorange on every
        mode (top range selected), 10 PLC, autozero on, 20 Hz AC filter, 100 ms gate."""
        modes = {mode: ModeSettings(range=max(ranges)) for mode, ranges in table.ranges.items()}
        return cls(mode=Mode.DCV, modes=modes)

    @property
    def current(self) -> ModeSettings:
        """Return the settings of the selected mode."""
        return self.modes[self.mode]

    def copy(self) -> MeterSettings:
        """Return an independent copy (``*SAV``)."""
        return copy.deepcopy(self)

