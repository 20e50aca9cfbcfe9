"""What the simulated 1529's probes sit in and how their indications deviate.

* :class:`Bath`: a stirred comparison bath. Once given a set point it approaches it
  exponentially (time constant ``time_constant_s``) with a small fluctuation that every
  probe in the bath shares, as in a real comparison calibration.
* :class:`ProbeChannel`: one probe: where it is (``"bath"`` or ``"air"``), its sensor
  type, a fixed offset, its noise, for a device under test a polynomial error
  ``deviation(T) = c0 + c1·T + c2·T² + ...`` (°C, T in °C), and optionally its own
  characteristic (``model``: an SPRT on ITS-90 with its deviation coefficients, a PRT with
  its own Callendar-Van Dusen coefficients, a thermistor, a thermocouple type) that turns
  its temperature into the resistance or emf the readout measures.

Temperatures are plain floats in °C (these run inside the simulator).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .its90 import StandardPlatinumResistance
from .sensors import PlatinumResistance, Thermistor, Thermocouple
from .spec_1529 import SensorType

#: a probe's own characteristic: temperature (°C) to resistance (Ω) or emf (mV)
ProbeModel = StandardPlatinumResistance | PlatinumResistance | Thermistor | Thermocouple


class Bath:
    """A comparison bath on the simulator's clock; ``None`` until a set point is given."""

    def __init__(self, seed: int, *, time_constant_s: float = 120.0,
                 stability_c: float = 0.0005) -> None:
        phases = np.random.default_rng([seed, 1529, 0]).uniform(0.0, 2 * math.pi, 2)
        self._phases = (float(phases[0]), float(phases[1]))
        self.time_constant_s = time_constant_s
        self.stability_c = stability_c
        self.set_point_c: float | None = None
        self._start_c = 0.0
        self._since = 0.0

    def set(self, value_c: float, now: float, present_c: float) -> None:
        """Start moving from ``present_c`` towards the set point ``value_c`` at ``now``."""
        self.set_point_c = float(value_c)
        self._start_c = present_c
        self._since = now

    def temperature(self, now: float) -> float | None:
        """Return the bath temperature (°C) at ``now``, or None when it has no set point."""
        if self.set_point_c is None:
            return None
        elapsed = max(0.0, now - self._since)
        approach = (self._start_c - self.set_point_c) * math.exp(-elapsed / self.time_constant_s)
        slow, fast = self._phases
        fluctuation = self.stability_c * (0.7 * math.sin(2 * math.pi * now / 47.0 + slow)
                                          + 0.3 * math.sin(2 * math.pi * now / 13.0 + fast))
        return self.set_point_c + approach + fluctuation


@dataclass
class ProbeChannel:
    """One probe on one channel of the readout."""

    sensor: SensorType
    location: str
    offset_c: float = 0.0
    noise_c: float = 0.0005
    error_polynomial: tuple[float, ...] = ()
    #: the probe's own characteristic (None: the readout's default for its sensor type)
    model: ProbeModel | None = None

    def deviation(self, true_c: float) -> float:
        """Return the probe's systematic error (°C) at ``true_c``: offset plus polynomial."""
        return self.offset_c + sum(c * true_c**power
                                   for power, c in enumerate(self.error_polynomial))

    def indication(self, true_c: float, rng: np.random.Generator) -> float:
        """Return what the readout shows (°C) for a probe at ``true_c``, noise included."""
        return true_c + self.deviation(true_c) + float(rng.normal(0.0, self.noise_c))


def default_channels(inputs: dict[int, tuple[SensorType, ...]] | None = None
                     ) -> dict[int, ProbeChannel | None]:
    """Return the standard simulated set-up on channels taking ``inputs`` (number -> input
    types; default the 1529's four).

    The first channel taking a PRT holds the reference PRT in the bath; the second a
    device-under-test PRT in the bath whose error is ``0.03 - 4e-4·T + 2e-6·T²`` °C; the
    next free channel taking a thermistor a thermistor in the laboratory air, and the
    first channel that takes thermocouples only a type K thermocouple in the bath
    (±0.1 °C noise); every other channel has no probe. On the 1529: 1 and 2 PRTs, 3 the
    thermistor, 4 none (as before the family existed).
    """
    if inputs is None:
        inputs = {1: (SensorType.PRT, SensorType.THERMISTOR),
                  2: (SensorType.PRT, SensorType.THERMISTOR),
                  3: (SensorType.PRT, SensorType.THERMISTOR, SensorType.THERMOCOUPLE),
                  4: (SensorType.PRT, SensorType.THERMISTOR, SensorType.THERMOCOUPLE)}
    probes = [
        ProbeChannel(SensorType.PRT, "bath", offset_c=0.001, noise_c=0.0005),
        ProbeChannel(SensorType.PRT, "bath", noise_c=0.001, error_polynomial=(0.03, -4e-4, 2e-6)),
        ProbeChannel(SensorType.THERMISTOR, "air", noise_c=0.002),
        ProbeChannel(SensorType.THERMOCOUPLE, "bath", noise_c=0.1),
    ]
    channels: dict[int, ProbeChannel | None] = dict.fromkeys(inputs)
    for probe in probes:
        free = [n for n, kinds in inputs.items() if channels[n] is None and (
            kinds == (SensorType.THERMOCOUPLE,) if probe.sensor is SensorType.THERMOCOUPLE
            else probe.sensor in kinds)]
        if free:
            channels[free[0]] = probe
    return channels
