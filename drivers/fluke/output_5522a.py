"""The 5522A's output as a physical state: what is set, what is on the terminals, and when.

This is the simulator's model, free of any protocol: the command handler in
``sim_5522a`` turns messages into calls on :class:`CalibratorOutput`, and the
multimeter simulator asks it what it sees through :meth:`CalibratorOutput.terminal_value`.

State machine::

    STANDBY --operate()--> OPERATE           (|V| <= 30 V, or the high voltage was confirmed)
    STANDBY --operate()--> STANDBY + pending (|V| > 30 V, first request: the calibrator asks)
    pending --operate()--> OPERATE           (the second request is the confirmation)
    OPERATE --set(|V| > 30 V)--> STANDBY     (a new high voltage is never applied silently)
    any     --standby()/reset()--> STANDBY

After every change the output approaches its new value exponentially (time constant per
function) and counts as *settled* once the remaining step is below a tenth of the 1-year
specification, which is what the ISR SETTLED bit reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np
import pint

from metrolab.errors import MetrolabError
from metrolab.instrument.errors import SpecificationUnavailable
from metrolab.instrument.functions import Function
from metrolab.units import Quantity

from .interlock import HIGH_VOLTAGE_LIMIT_V, HV_CONFIRM_CODE, HV_CONFIRM_TEXT
from .spec_5522a import SPEC

#: ambient temperature (°C) of the simulated calibrator's last adjustment
TCAL_C = 23.0
#: lead resistance (Ω, both leads) a 2-wire measurement sees without 2-wire compensation
LEAD_RESISTANCE_OHM = 0.1


class OutputKind(Enum):
    """What the calibrator is sourcing; the text is the unit keyword of ``OUT?``."""

    DCV = "V"
    ACV = "V~"
    DCI = "A"
    ACI = "A~"
    OHM = "OHM"

    @property
    def unit(self) -> str:
        """Return the unit keyword the 5522A prints for this kind (``V``, ``A``, ``OHM``)."""
        return self.value.rstrip("~")

    @property
    def is_ac(self) -> bool:
        """Return True for the AC kinds (they have a frequency)."""
        return self.value.endswith("~")


#: upper output limit per kind (base unit) and allowed frequency band (Hz) for AC
OUTPUT_LIMITS: dict[OutputKind, float] = {
    OutputKind.DCV: 1020.0, OutputKind.ACV: 1020.0,
    OutputKind.DCI: 20.5, OutputKind.ACI: 20.5, OutputKind.OHM: 1100e6,
}
FREQUENCY_BAND_HZ: dict[OutputKind, tuple[float, float]] = {
    OutputKind.ACV: (10.0, 500e3), OutputKind.ACI: (10.0, 30e3),
}
#: settling time constant per kind, seconds
TIME_CONSTANT_S: dict[OutputKind, float] = {
    OutputKind.DCV: 0.25, OutputKind.ACV: 0.6, OutputKind.DCI: 0.3,
    OutputKind.ACI: 0.6, OutputKind.OHM: 0.15,
}
_SPEC_FUNCTION = {
    OutputKind.DCV: Function.DCV, OutputKind.ACV: Function.ACV, OutputKind.DCI: Function.DCI,
    OutputKind.ACI: Function.ACI, OutputKind.OHM: Function.RES4,
}
_MEASURED_KIND = {
    Function.DCV: OutputKind.DCV, Function.ACV: OutputKind.ACV, Function.DCI: OutputKind.DCI,
    Function.ACI: OutputKind.ACI, Function.RES2: OutputKind.OHM, Function.RES4: OutputKind.OHM,
}


class CommandRejected(MetrolabError):
    """The simulated calibrator refuses a command; ``code``/``text`` go on its error queue."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(f'{code},"{text}"')
        self.code = code
        self.text = text



@dataclass
class _Errors:
    gain_ppm: dict[OutputKind, float]
    offset_fraction: dict[OutputKind, float]
    tempco_sign: dict[OutputKind, float]


class CalibratorOutput:
    """The calibrator's output state and the value its terminals carry at a given time.

    ``rng`` seeds the calibrator's own (in-specification) gain and offset errors and its
    noise; ``now`` arguments are seconds on the simulator's clock.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        # the calibrator's own errors: within a third of its specification (k = 3)
        self._errors = _Errors(
            gain_ppm={kind: float(rng.normal(0.0, 1.0)) for kind in OutputKind},
            offset_fraction={kind: float(rng.normal(0.0, 0.1)) for kind in OutputKind},
            tempco_sign={kind: float(rng.choice([-1.0, 1.0])) for kind in OutputKind},
        )
        #: ambient temperature (°C) at the calibrator's last adjustment, and now
        self.tcal_c = TCAL_C
        self.ambient_c = TCAL_C
        self.kind = OutputKind.DCV
        self.value = 0.0
        self.frequency: float | None = None
        self.operating = False
        self.zcomp = "NONE"
        self.hv_pending = False
        self._hv_confirmed = False
        self._start_value = 0.0
        self._change_time = -math.inf

    # -- settings ----------------------------------------------------------------------
    def reset(self) -> None:
        """Return to the power-on state: standby, 0 V DC, no compensation."""
        self.kind, self.value, self.frequency = OutputKind.DCV, 0.0, None
        self.operating = self.hv_pending = self._hv_confirmed = False
        self.zcomp = "NONE"
        self._start_value, self._change_time = 0.0, -math.inf

    def set(self, kind: OutputKind, value: float, frequency: float | None, now: float) -> None:
        """Select a new output (base unit, Hz); refuses values outside the 5522A's limits.

        A new output above 30 V while operating drops the calibrator to standby.
        """
        limit = OUTPUT_LIMITS[kind]
        if abs(value) > limit or (kind is OutputKind.OHM and value < 0):
            raise CommandRejected(-222, "Data out of range")
        if kind.is_ac:
            if frequency is None:
                frequency = 1e3
            low, high = FREQUENCY_BAND_HZ[kind]
            if not low <= frequency <= high or value < 0:
                raise CommandRejected(-222, "Data out of range")
        elif frequency is not None:
            raise CommandRejected(-221, "Settings conflict")
        present = self.applied_value(now)
        self.kind, self.value, self.frequency = kind, value, frequency
        self.hv_pending = self._hv_confirmed = False
        if self.operating and self.is_high_voltage:
            self.operating = False
        self._start_value = present if math.isfinite(present) else 0.0
        self._change_time = now

    @property
    def is_high_voltage(self) -> bool:
        """Return True when a voltage above 30 V is selected (ISR bit 6 HIVOLT)."""
        voltage = self.kind in (OutputKind.DCV, OutputKind.ACV)
        return voltage and abs(self.value) > HIGH_VOLTAGE_LIMIT_V

    def operate(self, now: float) -> None:
        """Connect the output; above 30 V the first request is refused and asks to confirm."""
        if self.operating:
            return
        if self.is_high_voltage and not self._hv_confirmed:
            if not self.hv_pending:
                self.hv_pending = True
                raise CommandRejected(HV_CONFIRM_CODE, HV_CONFIRM_TEXT)
            self._hv_confirmed = True
        self.hv_pending = False
        self.operating = True
        self._start_value = 0.0
        self._change_time = now

    def standby(self) -> None:
        """Disconnect the output terminals."""
        self.operating = False
        self.hv_pending = False

    # -- physics -----------------------------------------------------------------------
    def _residual_step(self, now: float) -> float:
        elapsed = max(0.0, now - self._change_time)
        return (self._start_value - self.value) * math.exp(-elapsed / TIME_CONSTANT_S[self.kind])

    def _spec_half_width(self) -> float:
        """Half-width (base unit) of the 1-year spec at the set value; 0.1 % where unspecified."""
        magnitude = self.value if self.value != 0 else 1e-12
        try:
            row = SPEC.row(_SPEC_FUNCTION[self.kind], None, self.frequency, value=magnitude)
        except SpecificationUnavailable:
            return 1e-3 * abs(self.value) + 1e-9
        return row.half_width(self.value)

    def settled(self, now: float) -> bool:
        """Return True when operating and within a tenth of the specification (ISR SETTLED)."""
        if not self.operating:
            return False
        return abs(self._residual_step(now)) <= 0.1 * self._spec_half_width()

    def applied_value(self, now: float) -> float:
        """Return the value on the terminals (base unit): NaN in standby, noisy while operating.

        Outside tcal ± 5 °C the error grows by a tenth of the specification per °C
        (the usual Fluke temperature coefficient), in a seeded direction.
        """
        if not self.operating:
            return math.nan
        half_width = self._spec_half_width()
        gain = 1.0 + self._errors.gain_ppm[self.kind] * 1e-6 * _gain_scale(self.kind)
        outside = max(0.0, abs(self.ambient_c - self.tcal_c) - 5.0)
        drift = self._errors.tempco_sign[self.kind] * 0.1 * outside * half_width
        offset = self._errors.offset_fraction[self.kind] * half_width + drift
        noise = float(self._rng.normal(0.0, 0.02 * half_width))
        return (self.value + self._residual_step(now)) * gain + offset + noise

    def terminal_value(self, function: Function, now: float) -> tuple[float, float | None]:
        """Return what a meter set to ``function`` sees: (value in V/A/Ω, frequency in Hz).

        NaN when the output is off or the meter measures another quantity; 0 for the DC
        reading of an AC output and the AC reading of a DC output.
        """
        measured = _MEASURED_KIND[function]
        same_quantity = measured.unit == self.kind.unit
        if not self.operating or not same_quantity:
            return math.nan, None
        if measured.is_ac != self.kind.is_ac:
            return 0.0, None
        value = self.applied_value(now)
        if function is Function.RES2 and self.zcomp != "WIRE2":
            value += LEAD_RESISTANCE_OHM
        return value, self.frequency

    def output_quantity(self) -> pint.Quantity:
        """Return the selected output as a quantity (V, A or Ω)."""
        unit = "ohm" if self.kind is OutputKind.OHM else self.kind.unit
        return Quantity(self.value, unit)


def _gain_scale(kind: OutputKind) -> float:
    """Typical 1-year gain spec (ppm) per kind, so a 1σ gain error is a third of it."""
    return {OutputKind.DCV: 4.0, OutputKind.ACV: 100.0, OutputKind.DCI: 35.0,
            OutputKind.ACI: 300.0, OutputKind.OHM: 10.0}[kind]
