"""What simulators share: the laboratory they stand in and the signal wired to their input."""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from metrolab.clock import Clock, WallClock
from metrolab.errors import UserInputError
from metrolab.instrument.functions import Function

_HOUR = 3600.0


class LabEnvironment:
    """A laboratory whose temperature, humidity and pressure drift slowly and smoothly.

    The drift is a sum of slow sinusoids whose phases come from ``seed``, so a run
    is reproducible. ``set_temperature``/``set_humidity``/``set_pressure`` pin a
    value for tests; ``release()`` lets everything drift again.
    """

    NOMINAL_TEMPERATURE_C = 23.0
    NOMINAL_HUMIDITY_RH = 45.0
    NOMINAL_PRESSURE_HPA = 1013.25

    def __init__(self, seed: int = 0, clock: Clock | None = None) -> None:
        self.clock: Clock = clock if clock is not None else WallClock()
        rng = np.random.default_rng(seed)
        self._phases = rng.uniform(0.0, 2.0 * math.pi, size=(3, 2))
        self._start = self.clock.now()
        self._pinned: dict[str, float] = {}
        self._lock = threading.Lock()

    def _drift(self, index: int, now: float, amplitude: float) -> float:
        hours = (now - self._start) / _HOUR
        slow, fast = self._phases[index]
        return amplitude * (
            0.7 * math.sin(2 * math.pi * hours / 24.0 + slow)
            + 0.3 * math.sin(2 * math.pi * hours / 1.5 + fast)
        )

    def temperature(self, now: float | None = None) -> float:
        """Return the air temperature in °C at ``now`` (the clock's time if None)."""
        t = self.clock.now() if now is None else now
        with self._lock:
            if "temperature" in self._pinned:
                return self._pinned["temperature"]
        return self.NOMINAL_TEMPERATURE_C + self._drift(0, t, 0.4)

    def humidity(self, now: float | None = None) -> float:
        """Return the relative humidity in %RH at ``now`` (the clock's time if None)."""
        t = self.clock.now() if now is None else now
        with self._lock:
            if "humidity" in self._pinned:
                return self._pinned["humidity"]
        return self.NOMINAL_HUMIDITY_RH + self._drift(1, t, 3.0)

    def pressure(self, now: float | None = None) -> float:
        """Return the barometric pressure in hPa at ``now`` (the clock's time if None)."""
        t = self.clock.now() if now is None else now
        with self._lock:
            if "pressure" in self._pinned:
                return self._pinned["pressure"]
        return self.NOMINAL_PRESSURE_HPA + self._drift(2, t, 2.0)

    def set_temperature(self, value_c: float) -> None:
        """Pin the temperature at ``value_c`` °C until :meth:`release`."""
        with self._lock:
            self._pinned["temperature"] = float(value_c)

    def set_humidity(self, value_rh: float) -> None:
        """Pin the relative humidity at ``value_rh`` %RH until :meth:`release`."""
        with self._lock:
            self._pinned["humidity"] = float(value_rh)

    def set_pressure(self, value_hpa: float) -> None:
        """Pin the pressure at ``value_hpa`` hPa until :meth:`release`."""
        with self._lock:
            self._pinned["pressure"] = float(value_hpa)

    def release(self) -> None:
        """Let every pinned quantity drift again."""
        with self._lock:
            self._pinned.clear()


@dataclass(frozen=True)
class Stimulus:
    """What a source applies: ``value`` in V, A or Ω (NaN when nothing), ``frequency`` in Hz
    (None for DC)."""

    value: float
    frequency: float | None = None

    @property
    def applied(self) -> bool:
        """Return True when something is applied (the value is not NaN)."""
        return not math.isnan(self.value)


NOTHING = Stimulus(math.nan, None)


class SignalSource(Protocol):
    """Anything wired to a simulated meter's input."""

    def stimulus(self, function: Function, now: float) -> Stimulus:
        """Return what the source applies for a meter measuring ``function`` at ``now``."""
        ...


class ManualSource:
    """A source set by hand (tests, hardware-in-the-loop checks): one function at a time."""

    def __init__(self) -> None:
        self._function: Function | None = None
        self._stimulus = NOTHING
        self._lock = threading.Lock()

    def apply(self, function: Function, value: float, frequency: float | None = None) -> None:
        """Apply ``value`` (V, A or Ω) for ``function`` at ``frequency`` Hz (None = DC)."""
        with self._lock:
            self._function = function
            self._stimulus = Stimulus(float(value), frequency)

    def remove(self) -> None:
        """Disconnect: the meter sees nothing applied."""
        with self._lock:
            self._function = None
            self._stimulus = NOTHING

    def stimulus(self, function: Function, now: float) -> Stimulus:
        """Return the applied stimulus when the meter's function matches it, else nothing.

        A resistance applies to both 2-wire and 4-wire measurement.
        """
        with self._lock:
            ours = self._function
            if ours is None:
                return NOTHING
            both_ohms = {ours, function} <= {Function.RES2, Function.RES4}
            return self._stimulus if ours == function or both_ohms else NOTHING


@dataclass(frozen=True)
class DutError:
    """An error injected into a simulated meter on one function and range.

    ``range`` in the function's base unit (V, A, Ω), ``gain_ppm`` of the reading,
    ``offset`` in the base unit.
    """

    function: Function
    range: float
    gain_ppm: float = 0.0
    offset: float = 0.0

    @classmethod
    def parse(cls, text: str) -> DutError:
        """Return the error described by ``text``: ``"DCV 10V gain=+60ppm offset=5uV"``.

        Raises UserInputError naming what could not be read.
        """
        from metrolab.units import ureg

        parts = text.split()
        if len(parts) < 2:
            raise UserInputError(
                f"DUT error {text!r}: write FUNCTION RANGE [gain=PPMppm] [offset=VALUE]"
            )
        function = Function.parse(parts[0])
        unit = ureg(function.unit)
        try:
            range_value = float(ureg.Quantity(parts[1]).to(unit).magnitude)
        except Exception as exc:
            raise UserInputError(
                f"DUT error {text!r}: range {parts[1]!r} is not a {function.unit} value"
            ) from exc
        gain = 0.0
        offset = 0.0
        for item in parts[2:]:
            key, _, value = item.partition("=")
            match = re.fullmatch(r"([+-]?[\d.eE+-]+)\s*ppm", value.strip())
            if key == "gain" and match:
                gain = float(match.group(1))
            elif key == "offset":
                try:
                    offset = ureg.Quantity(value).to(unit).magnitude
                except Exception as exc:
                    raise UserInputError(
                        f"DUT error {text!r}: offset {value!r} is not a {function.unit} value"
                    ) from exc
            else:
                raise UserInputError(
                    f"DUT error {text!r}: cannot read {item!r} (use gain=+60ppm or offset=5uV)"
                )
        return cls(function, float(range_value), gain, float(offset))
