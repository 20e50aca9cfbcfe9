"""A calibrator's output as a physical state: what is set, what is on the terminals, and when.

This is the simulator's model, free of any protocol: the command handler in
:mod:`.sim_calibrator` turns messages into calls on :class:`CalibratorOutput`, and the
multimeter simulator asks it what it sees through :meth:`CalibratorOutput.terminal_value`.
What the model can source (functions, ranges, limits, frequency bands, fixed resistance
standards) comes from its :class:`~.cal_profile.CalibratorProfile`.

State machine::

    STANDBY --operate()--> OPERATE     (any output; ISR HIVOLT reports one above 33 V)
    OPERATE --standby()/reset()--> STANDBY

The calibrator applies what it is told: the real calibrators ask for no confirmation over the
remote interface, so neither does this model (the driver keeps its own >30 V interlock).
After every change the output approaches its new value exponentially (time constant per
function) and counts as *settled* once the remaining step is below a tenth of the 1-year
specification: that is the ISR SETTLED bit, and what ``*OPC?`` and ``*WAI`` wait for.

Outputs: one value (DC/AC volts or amps, resistance, capacitance, a simulated temperature
sensor: each where the profile has it) or, on the 5500 family, two at once (volts on
NORMAL with amps on AUX: power; or volts on both: dual voltage), the second with its own
value and, for AC, a phase. A 5700-family resistance output is one of its fixed standards:
the nearest one is selected and carries its own calibrated value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pint

from metrolab.errors import MetrolabError
from metrolab.instrument.errors import SpecificationUnavailable
from metrolab.instrument.functions import Function
from metrolab.instrument.specs import AccuracySpec
from metrolab.units import Quantity

from .cal_errors import (
    BAD_PARAMETER_UNIT,
    BAD_PARAMETER_VALUE,
    CANNOT_SOURCE_THREE,
    OUTSIDE_LOCKED_RANGE,
    OUTSIDE_USER_LIMITS,
)
from .cal_profile import CalibratorProfile, CommandFamily, OutputFunction, OutputKind

#: ambient temperature (°C) of the simulated calibrator's last adjustment
TCAL_C = 23.0
#: lead resistance (Ω, both leads) a 2-wire measurement sees without 2-wire compensation
LEAD_RESISTANCE_OHM = 0.1
#: resistance standards of a 5700-family calibrator differ from nominal by up to this
#: fraction (seeded per standard): OUT? reports the calibrated value [U]
STANDARD_DEVIATION_FRACTION = 20e-6


#: settling time constant per kind, seconds
TIME_CONSTANT_S: dict[OutputKind, float] = {
    OutputKind.DCV: 0.25, OutputKind.ACV: 0.6, OutputKind.DCI: 0.3,
    OutputKind.ACI: 0.6, OutputKind.OHM: 0.15, OutputKind.CAP: 0.4, OutputKind.TEMP: 0.5,
}
#: the span a simulated sensor covers, °C, per sensor type (TC type K; RTD Pt385)
TEMPERATURE_SPAN_C = {"TC": (-200.0, 1372.0), "RTD": (-200.0, 850.0)}

_SPEC_FUNCTION = {
    OutputKind.DCV: Function.DCV, OutputKind.ACV: Function.ACV, OutputKind.DCI: Function.DCI,
    OutputKind.ACI: Function.ACI, OutputKind.OHM: Function.RES4,
}
_MEASURED_KIND = {
    Function.DCV: OutputKind.DCV, Function.ACV: OutputKind.ACV, Function.DCI: OutputKind.DCI,
    Function.ACI: OutputKind.ACI, Function.RES2: OutputKind.OHM, Function.RES4: OutputKind.OHM,
}


class CommandRejected(MetrolabError):
    """The simulated calibrator refuses a setting; ``code`` goes on its error queue."""

    def __init__(self, code: int) -> None:
        super().__init__(f"calibrator error {code}")
        self.code = code


@dataclass
class _Errors:
    gain_ppm: dict[OutputKind, float]
    offset_fraction: dict[OutputKind, float]
    tempco_sign: dict[OutputKind, float]


@dataclass(frozen=True)
class Secondary:
    """The second output of a dual output (on the AUX terminals): its kind and value."""

    kind: OutputKind
    value: float


class CalibratorOutput:
    """The calibrator's output state and the value its terminals carry at a given time.

    ``profile`` says what the model sources; ``rng`` seeds the calibrator's own
    (in-specification) gain and offset errors, its resistance standards and its noise;
    ``now`` arguments are seconds on the simulator's clock.
    """

    kind: OutputKind
    value: float
    frequency: float | None
    secondary: Secondary | None
    operating: bool
    zcomp: str
    sensor: str
    waves: tuple[str, str]
    phase_deg: float
    dc_offset: float
    locked_range: float | None

    def __init__(self, rng: np.random.Generator, profile: CalibratorProfile) -> None:
        self._rng = rng
        self.profile = profile
        self._spec: AccuracySpec | None = None
        if "1-year" in profile.spec_files:
            self._spec = profile.spec
        # the calibrator's own errors: within a third of its specification (k = 3)
        self._errors = _Errors(
            gain_ppm={kind: float(rng.normal(0.0, 1.0)) for kind in OutputKind},
            offset_fraction={kind: float(rng.normal(0.0, 0.1)) for kind in OutputKind},
            tempco_sign={kind: float(rng.choice([-1.0, 1.0])) for kind in OutputKind},
        )
        #: ambient temperature (°C) at the calibrator's last adjustment, and now
        self.tcal_c = TCAL_C
        self.ambient_c = TCAL_C
        #: user limits (LIMIT): (upper, lower) volts and amps
        volts, amps = self.maximum(OutputKind.DCV), self.maximum(OutputKind.DCI)
        self.voltage_limits = (volts, -volts)
        self.current_limits = (amps, -amps)
        ohms = profile.output(OutputKind.OHM)
        #: the calibrated values of fixed resistance standards (nominal -> actual, Ω)
        self.standards: dict[float, float] = {}
        if ohms is not None and ohms.fixed_values:
            deviations = rng.uniform(-1.0, 1.0, len(ohms.ranges)) * STANDARD_DEVIATION_FRACTION
            self.standards = {r: r * (1.0 + float(d)) for r, d in zip(ohms.ranges, deviations,
                                                                      strict=True)}
        self.reset()

    def function(self, kind: OutputKind) -> OutputFunction:
        """Return the profile's output function of ``kind``.

        Raises CommandRejected 1305 (bad unit) when the model has no such output.
        """
        out = self.profile.output(kind)
        if out is None:
            raise CommandRejected(BAD_PARAMETER_UNIT)
        return out

    def maximum(self, kind: OutputKind) -> float:
        """Return the largest magnitude of ``kind`` the model sources (0 when it has none)."""
        out = self.profile.output(kind)
        return 0.0 if out is None else out.maximum

    # -- settings ----------------------------------------------------------------------
    def reset(self) -> None:
        """Return to the power-on output: standby, 0 V DC, no compensation, range unlocked."""
        self.kind, self.value, self.frequency = OutputKind.DCV, 0.0, None
        self.secondary = None
        self.operating = False
        self.zcomp = "NONE"
        self.sensor = "TC"
        self.waves = ("SINE", "SINE")
        self.phase_deg = 0.0
        self.dc_offset = 0.0
        self.locked_range: float | None = None
        self._start_value = 0.0
        self._change_time = -math.inf

    def set(self, kind: OutputKind, value: float, frequency: float | None, now: float,
            secondary: Secondary | None = None) -> None:
        """Select a new output (base unit, Hz; ``secondary`` for a dual output).

        Raises CommandRejected for an output the model lacks (1305), a value it cannot
        source (1306), beyond the user limits (509), outside a locked range (518), or an
        impossible pair (521). A fixed-value output selects the standard nearest
        ``value`` and takes its calibrated value.
        """
        self._check(kind, value, frequency)
        if self.function(kind).fixed_values:
            value = self.standards[self.function(kind).nearest_value(value)]
        if secondary is not None:
            self._check_pair(kind, secondary)
        if kind.is_ac and frequency is None:
            frequency = self.frequency or 1e3
        if self.locked_range is not None and (
            kind is not self.kind or abs(value) > self.locked_range * (1 + 1e-9)
        ):
            raise CommandRejected(OUTSIDE_LOCKED_RANGE)
        present = self.applied_value(now)
        self.kind, self.value, self.frequency = kind, value, frequency
        self.secondary = secondary
        self._start_value = present if math.isfinite(present) else 0.0
        self._change_time = now

    def _check(self, kind: OutputKind, value: float, frequency: float | None) -> None:
        out = self.function(kind)
        if kind is not OutputKind.TEMP and abs(value) > out.maximum * (1 + 1e-9):
            raise CommandRejected(BAD_PARAMETER_VALUE)
        if kind is OutputKind.OHM and value < 0:
            raise CommandRejected(BAD_PARAMETER_VALUE)
        if kind is OutputKind.CAP and value < out.minimum:
            raise CommandRejected(BAD_PARAMETER_VALUE)
        if kind is OutputKind.TEMP:
            low, high = TEMPERATURE_SPAN_C[self.sensor]
            if not low <= value <= high:
                raise CommandRejected(BAD_PARAMETER_VALUE)
        if kind.is_ac:
            low, high = out.frequency_min or 0.0, out.frequency_max or 0.0
            if value < 0 or (frequency is not None and not low <= frequency <= high):
                raise CommandRejected(BAD_PARAMETER_VALUE)
        elif frequency is not None:
            raise CommandRejected(BAD_PARAMETER_VALUE)
        upper, lower = {"V": self.voltage_limits, "A": self.current_limits}.get(
            kind.unit, (math.inf, -math.inf))
        if not lower <= value <= upper:
            raise CommandRejected(OUTSIDE_USER_LIMITS)

    def _check_pair(self, kind: OutputKind, secondary: Secondary) -> None:
        """A dual output (5500 family only) is volts on NORMAL with amps or volts on AUX,
        both DC or both AC."""
        family = self.profile.family
        if family is not CommandFamily.FLUKE_5500 or kind.unit != "V" or (
            secondary.kind.unit not in ("V", "A") or secondary.kind.is_ac != kind.is_ac
        ):
            raise CommandRejected(CANNOT_SOURCE_THREE)
        self._check(secondary.kind, secondary.value, None)

    def set_limits(self, unit: str, upper: float, lower: float) -> None:
        """Set the user limits (LIMIT) for ``unit`` "V" or "A": the output must stay within
        ``lower`` ... ``upper``. Raises CommandRejected 1306 for limits the calibrator cannot
        reach or that are the wrong way round."""
        top = self.maximum(OutputKind.DCV if unit == "V" else OutputKind.DCI)
        if not -top <= lower <= 0 <= upper <= top:
            raise CommandRejected(BAD_PARAMETER_VALUE)
        if unit == "V":
            self.voltage_limits = (upper, lower)
        else:
            self.current_limits = (upper, lower)

    def lock_range(self, locked: bool) -> None:
        """Lock the present range (RANGELCK ON): later outputs must fit it, or unlock it."""
        self.locked_range = self.range_of(self.kind, self.value) if locked else None

    def operate(self, now: float) -> None:
        """Connect the output terminals (OPER); the output then settles from zero."""
        if self.operating:
            return
        self.operating = True
        self._start_value = 0.0
        self._change_time = now

    def standby(self) -> None:
        """Disconnect the output terminals (STBY)."""
        self.operating = False

    # -- ranges ------------------------------------------------------------------------
    def range_of(self, kind: OutputKind, value: float) -> float:
        """Return the full scale (base unit) of the range that sources ``value`` of ``kind``
        (the temperature outputs have one range: the sensor's span)."""
        if kind is OutputKind.TEMP:
            return TEMPERATURE_SPAN_C[self.sensor][1]
        out = self.function(kind)
        if out.fixed_values:
            return out.nearest_value(value)
        return out.range_for(value)

    @property
    def is_high_voltage(self) -> bool:
        """Return True when a voltage above the profile's HIVOLT threshold is selected."""
        threshold = self.profile.hivolt_v
        if threshold is None:
            return False
        voltages = [self.value] if self.kind.unit == "V" else []
        if self.secondary is not None and self.secondary.kind.unit == "V":
            voltages.append(self.secondary.value)
        return any(abs(v) > threshold for v in voltages)

    # -- physics -----------------------------------------------------------------------
    def _residual_step(self, now: float) -> float:
        elapsed = max(0.0, now - self._change_time)
        return (self._start_value - self.value) * math.exp(-elapsed / TIME_CONSTANT_S[self.kind])

    def _spec_half_width(self) -> float:
        """Half-width (base unit) of the 1-year spec at the set value; 0.1 % where unspecified."""
        function = _SPEC_FUNCTION.get(self.kind)
        if function is not None and self._spec is not None:
            magnitude = self.value if self.value != 0 else 1e-12
            try:
                row = self._spec.row(function, None, self.frequency, value=magnitude)
            except SpecificationUnavailable:
                pass
            else:
                return row.half_width(self.value)
        return 1e-3 * abs(self.value) + 1e-9

    def settled(self, now: float) -> bool:
        """Return True when operating and within a tenth of the specification (ISR SETTLED)."""
        if not self.operating:
            return False
        return abs(self._residual_step(now)) <= 0.1 * self._spec_half_width()

    def settle_time(self, now: float) -> float:
        """Return the seconds from ``now`` until the output is settled: 0 when it is, or
        when it is in standby (nothing is pending then)."""
        if not self.operating or self.settled(now):
            return 0.0
        step = abs(self._residual_step(now))
        tolerance = 0.1 * self._spec_half_width()
        # the residual decays as exp(-t/tau); the small margin lands just inside it
        return TIME_CONSTANT_S[self.kind] * math.log(step / tolerance) * (1 + 1e-9) + 1e-9

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
        reading of an AC output and the AC reading of a DC output. A current meter reads
        the AUX current of a power output.
        """
        measured = _MEASURED_KIND[function]
        if not self.operating:
            return math.nan, None
        secondary = self.secondary
        if secondary is not None and secondary.kind.unit == "A" == measured.unit:
            if measured.is_ac != secondary.kind.is_ac:
                return 0.0, None
            return secondary.value * (1 + self._errors.gain_ppm[secondary.kind] * 1e-6
                                      * _gain_scale(secondary.kind)), self.frequency
        if measured.unit != self.kind.unit:
            return math.nan, None
        if measured.is_ac != self.kind.is_ac:
            return 0.0, None
        value = self.applied_value(now)
        if function is Function.RES2 and self.zcomp != "WIRE2":
            value += LEAD_RESISTANCE_OHM
        return value, self.frequency

    def output_quantity(self) -> pint.Quantity:
        """Return the selected (primary) output as a quantity."""
        units = {"OHM": "ohm", "F": "F", "CEL": "degC"}
        return Quantity(self.value, units.get(self.kind.unit, self.kind.unit))


def _gain_scale(kind: OutputKind) -> float:
    """Typical 1-year gain spec (ppm) per kind, so a 1σ gain error is a third of it."""
    return {OutputKind.DCV: 4.0, OutputKind.ACV: 100.0, OutputKind.DCI: 35.0,
            OutputKind.ACI: 300.0, OutputKind.OHM: 10.0, OutputKind.CAP: 1000.0,
            OutputKind.TEMP: 50.0}[kind]
