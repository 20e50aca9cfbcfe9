"""The simulator engine of the DMM family: a physical state model behind the SCPI command
set of the model's profile (Keysight 34401A, Truevolt, Fluke 884xA; the Keithley dialects
register their own spellings over the same engine, see ``drivers/keithley``).

A reading is the input the meter sees (from its ``source``, asked at the middle of
each reading's aperture), passed through a first-order input settling filter and
averaged over the aperture, then the meter's own errors: gain and offset per
mode and range (seeded, well within the published specification), gain drift
with time, temperature coefficients against the :class:`LabEnvironment`, white
gaussian noise of the model's typical rms noise for the range and the NPLC (an
independent draw for every reading), digitisation, and any injected DUT error.
An input beyond the range reads as overload (±9.9E37). Readings take their
integration time and trigger delay, and each reply its latency, on the injected clock.

The command set is spread over small modules: :mod:`.sim_sense` (CONFigure, MEASure,
SENSe), :mod:`.sim_trigger` (trigger, sample, reading memory, FORMat), :mod:`.sim_math`
(CALCulate), :mod:`.sim_system` (display, system, status, calibration);
:mod:`.sim_serial` serves a model on its RS-232 port. :func:`simulator_class` makes the
class of any profile whose dialect the engine speaks natively.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from metrolab.drivers.dmm.modes import Mode, ModeTable
from metrolab.drivers.dmm.profile import DmmProfile
from metrolab.drivers.dmm.sim_calendar import Calendar
from metrolab.drivers.dmm.sim_hardcopy import HardCopy
from metrolab.drivers.dmm.sim_histogram import Histogram
from metrolab.drivers.dmm.sim_lan import LanCommands
from metrolab.drivers.dmm.sim_math import MathUnit, QuestionableStatus
from metrolab.drivers.dmm.sim_mmemory import MMemoryCommands
from metrolab.drivers.dmm.sim_options import Licenses
from metrolab.drivers.dmm.sim_physics import (
    AC_APERTURE_S,
    IntrinsicErrors,
    auto_delay_s,
    in_unit,
    noise_ppm,
    probe_temperature,
    settling_tau,
)
from metrolab.drivers.dmm.sim_secondary import SecondaryMeasurements
from metrolab.drivers.dmm.sim_sense import SenseCommands
from metrolab.drivers.dmm.sim_settings import MeterSettings
from metrolab.drivers.dmm.sim_system import CALIBRATABLE, SystemCommands
from metrolab.drivers.dmm.sim_thermocouple import ThermocoupleCommands, thermocouple_celsius
from metrolab.drivers.dmm.sim_trigger import TriggerCommands
from scipy.signal import lfilter

from metrolab.clock import Clock
from metrolab.instrument.functions import Function
from metrolab.instrument.simulation import (
    NOTHING,
    CommandTree,
    DutError,
    LabEnvironment,
    ManualSource,
    SignalSource,
    SimulatedInstrument,
)
from metrolab.instrument.simulation.parser import no_params

OVERLOAD = 9.9e37
YEAR_S = 365.25 * 86400.0
REFERENCE_TEMPERATURE_C = 23.0
#: DC current noise relative to DC volts at the same NPLC (a model assumption, not published)
DCI_NOISE_FACTOR = 3.0
#: continuity, diode and capacitance: integration time of one reading in seconds
_FIXED_APERTURE_S = {Mode.CONT: 0.02, Mode.DIODE: 0.02, Mode.CAP: 0.1}
#: test current of continuity and diode test, in A (34401A User's Guide [P])
TEST_CURRENT_A = 1e-3
#: a frequency counter needs at least this fraction of its voltage range to count
_COUNTER_THRESHOLD = 0.01
_SIX_FUNCTIONS = frozenset({Mode.DCV, Mode.ACV, Mode.DCI, Mode.ACI, Mode.RES2, Mode.RES4})


@dataclass(frozen=True)
class Burst:
    """Readings of one trigger: values in the mode's unit (overload as ±9.9E37) and the
    mask of overloaded ones."""

    values: np.ndarray
    overload: np.ndarray


class DmmSimulator(SimulatedInstrument):
    """A DMM of the family (profile in ``MODEL``, its modes in ``TABLE``) measuring what
    ``source`` applies.

    Besides the source, ``ratio_reference_v`` is the voltage on the Sense terminals a
    DC ratio is taken against (None: nothing connected) and ``capacitor_f`` the
    capacitor on the input (None: open).
    """

    MODEL: ClassVar[DmmProfile]
    TABLE: ClassVar[ModeTable]
    ERROR_QUEUE_DEPTH = 20
    #: modes a calibration (CAL?) adjusts
    calibratable = CALIBRATABLE

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: Clock | None = None,
        latency_s: float = 0.0,
        source: SignalSource | None = None,
        environment: LabEnvironment | None = None,
        options: Iterable[str] | None = None,
    ) -> None:
        self.source = source
        self.environment = environment
        self.spec = self.MODEL.spec
        self.lead_resistance_ohm = 0.2
        self.ratio_reference_v: float | None = None
        self.capacitor_f: float | None = None
        #: set by SYSTem:REMote (which the 34401A needs over RS-232), cleared by SYSTem:LOCal
        self.remote = False
        self._injected: dict[tuple[Function, float], DutError] = {}
        self._intrinsic: dict[tuple[Mode, float], IntrinsicErrors] = {}
        self.settings = MeterSettings.power_on(self.TABLE)
        self.questionable = QuestionableStatus()
        self.math = MathUnit(self.TABLE, self.questionable)
        self.licenses = Licenses(self, options)
        self.secondary = SecondaryMeasurements(self)
        self.histogram = Histogram()
        self.thermocouple = ThermocoupleCommands(self)
        self.mmemory = MMemoryCommands(self)
        self.lan = LanCommands(self)
        self.calendar = Calendar(self)
        self.hardcopy = HardCopy(self)
        self.triggering = TriggerCommands(self)
        self.system = SystemCommands(self)
        self.sense = SenseCommands(self)
        super().__init__(seed=seed, clock=clock, latency_s=latency_s)
        self.calendar.power_on()
        self._epoch = self.clock.now()
        #: clock time of power-on (SYSTem:UPTime?)
        self.started = self._epoch
        self.reset()

    # ------------------------------------------------------------ settings
    def reset(self) -> None:
        """Power-on state: DC volts, autorange, 10 NPLC, immediate trigger, one sample."""
        self.settings = MeterSettings.power_on(self.TABLE)
        self.math.reset()
        self.triggering.reset()
        self.system.reset()
        self.secondary.reset()
        self.histogram.reset()
        self.hardcopy.reset()
        self._state: float | None = None
        self._state_time = 0.0
        self._state_mode: Mode | None = None

    @property
    def mode(self) -> Mode:
        """Return the selected measurement mode."""
        return self.settings.mode

    @property
    def function(self) -> Function | None:
        """Return the selected function when it is one a calibrator drives, else None."""
        mode = self.settings.mode
        return mode.function if mode in _SIX_FUNCTIONS else None

    def inject_error(self, error: DutError) -> None:
        """Add ``error`` (gain ppm, offset) to every reading on its function and range."""
        with self.lock:
            self._injected[(error.function, error.range)] = error

    def clear_injected_errors(self) -> None:
        """Remove every injected DUT error."""
        with self.lock:
            self._injected.clear()

    def status_byte(self) -> int:
        """Return the status byte: the IEEE 488.2 bits and QUES (bit 3) when an enabled
        questionable event is set."""
        stb = super().status_byte()
        if self.questionable.summary():
            stb |= 8
        return stb

    # ------------------------------------------------------------- physics
    def intrinsic(self, function: Function | Mode, range_value: float) -> IntrinsicErrors:
        """Return the meter's own errors on ``function``/``range_value`` (seeded, stable)."""
        mode = function if isinstance(function, Mode) else Mode.of(function)
        key = (mode, range_value)
        found = self._intrinsic.get(key)
        if found is None:
            index = (
                list(Function).index(Function[mode.name])
                if mode in _SIX_FUNCTIONS
                else 100 + list(Mode).index(mode)
            )
            rng = np.random.default_rng(
                [self.seed, index, round(math.log10(range_value) * 8 + 100)]
            )
            found = IntrinsicErrors.draw(rng, *self._spec_fractions(mode, range_value),
                                         range_value=range_value, ac=mode.is_ac)
            self._intrinsic[key] = found
        return found

    def set_intrinsic(self, mode: Mode, range_value: float, errors: IntrinsicErrors) -> None:
        """Replace the meter's own errors on ``mode``/``range_value`` (an adjustment)."""
        with self.lock:
            self._intrinsic[(mode, range_value)] = errors

    def _spec_fractions(self, mode: Mode, range_value: float) -> tuple[float, float]:
        if mode in _SIX_FUNCTIONS:
            function = Function[mode.name]
            for row in self.spec.rows:
                if row.function == function and math.isclose(row.range, range_value):
                    return row.reading_pct / 100.0, row.range_pct / 100.0
        if mode.counts_signal:
            return 1e-4, 0.0
        if mode is Mode.CAP:
            return 5e-3, 5e-3
        return (6e-4, 3e-4) if mode.is_ac else (1e-4, 2e-5)

    def aperture_s(self, function: Function | Mode) -> float:
        """Return the integration time of one reading of ``function`` in seconds."""
        mode = function if isinstance(function, Mode) else Mode.of(function)
        settings = self.settings.modes[mode]
        if mode in self.TABLE.nplc_modes:
            if settings.aperture_enabled:
                return settings.aperture_s
            return settings.nplc / self.MODEL.line_frequency
        if mode.counts_signal:
            return settings.gate_s
        return _FIXED_APERTURE_S.get(mode, AC_APERTURE_S)

    def noise_rms(self, function: Function | Mode, range_value: float) -> float:
        """Return the rms noise of one reading in base units on ``range_value`` at the
        current NPLC (white: every reading draws its own)."""
        mode = function if isinstance(function, Mode) else Mode.of(function)
        if mode.is_ac:
            return 20e-6 * range_value
        factor = DCI_NOISE_FACTOR if mode is Mode.DCI else 1.0
        return factor * self.digitiser_step(mode, range_value)

    def digitiser_step(self, function: Function | Mode, range_value: float) -> float:
        """Return the step readings are rounded to, in base units on ``range_value``:
        the model's typical noise at the current NPLC (DC), one count (AC)."""
        mode = function if isinstance(function, Mode) else Mode.of(function)
        if mode.is_ac:
            return self.resolution(mode, range_value)
        nplc = self.aperture_s(mode) * self.MODEL.line_frequency
        return noise_ppm(self.MODEL, nplc) * 1e-6 * range_value

    def resolution(self, function: Function | Mode, range_value: float) -> float:
        """Return the resolution ``CONF?`` and ``RES?`` report, in base units on
        ``range_value``."""
        mode = function if isinstance(function, Mode) else Mode.of(function)
        settings = self.settings.modes[mode]
        if mode.is_ac:
            return settings.ac_resolution * range_value
        if mode in self.TABLE.nplc_modes:
            nplc = self.aperture_s(mode) * self.MODEL.line_frequency
            return self.MODEL.integration_at(nplc).resolution_ppm * 1e-6 * range_value
        return 1e-6 * range_value

    def _range_limit(self, mode: Mode, range_value: float) -> float:
        if mode in _SIX_FUNCTIONS:
            return self.MODEL.over_range_limit(Function[mode.name], range_value)
        if mode is Mode.RATIO:
            return self.MODEL.over_range_limit(Function.DCV, range_value)
        if mode.counts_signal or mode is Mode.TEMP:
            return math.inf  # a counter reads the frequency whatever the amplitude
        return 1.2 * range_value

    def _stimulus_function(self, mode: Mode) -> Function | None:
        if mode is Mode.TEMP and self.settings.temperature.transducer == "TC":
            return Function.DCV  # a thermocouple's EMF
        if mode is Mode.TEMP:
            four_wire = self.settings.temperature.transducer in ("FRTD", "FTH")
            return Function.RES4 if four_wire else Function.RES2
        return mode.function

    def _input(self, mode: Mode, now: float) -> float:
        """Return what the meter's front end sees on ``mode`` at ``now``, in the unit it
        converts (V, A, Ω, Hz, s, F): ``inf`` for an open ohms input, NaN for no signal."""
        if mode is Mode.CAP:
            return self.capacitor_f if self.capacitor_f is not None else 0.0
        function = self._stimulus_function(mode)
        stimulus = (
            self.source.stimulus(function, now)
            if self.source is not None and function is not None
            else NOTHING
        )
        if mode.counts_signal:
            return self._counted(mode, stimulus.value, stimulus.frequency)
        if not stimulus.applied:
            # open input: volts and amps read zero, ohms see an open circuit, and so does
            # a thermocouple check
            open_circuit = function in (Function.RES2, Function.RES4) or (
                mode is Mode.TEMP and self.settings.temperature.tc_check)
            return math.inf if open_circuit else 0.0
        value = stimulus.value
        if function is Function.RES2:
            value += self.lead_resistance_ohm
        if mode is Mode.DIODE:
            value *= TEST_CURRENT_A
        if mode.is_ac:
            value = abs(value)
        return value

    def _counted(self, mode: Mode, amplitude: float, frequency: float | None) -> float:
        """Return the frequency (Hz) or period (s) a counter reads; 0 without a signal."""
        if math.isnan(amplitude) or not frequency:
            return 0.0
        # the voltage range is chosen on the signal's amplitude
        range_value = self._select_range(mode, abs(amplitude), ac_volts=True)
        if abs(amplitude) < _COUNTER_THRESHOLD * range_value:
            return 0.0
        return frequency if mode is Mode.FREQ else 1.0 / frequency

    def _select_range(self, mode: Mode, value: float, *, ac_volts: bool = False) -> float:
        """Return the range ``mode`` reads ``value`` on, autoranging when it is on; a
        counter's range is chosen on its input's amplitude (``ac_volts``) only."""
        settings = self.settings.modes[mode]
        fixed = (Mode.CONT, Mode.DIODE, Mode.TEMP)
        if not settings.autorange or mode in fixed or (mode.counts_signal and not ac_volts):
            return settings.range
        for candidate in self.TABLE.ranges[mode]:
            limit = (self.MODEL.over_range_limit(Function.ACV, candidate) if ac_volts
                     else self._range_limit(mode, candidate))
            if abs(value) <= limit:
                settings.range = candidate
                return candidate
        top = max(self.TABLE.ranges[mode])
        settings.range = top
        return top

    def select_range_now(self, mode: Mode) -> float:
        """Autorange ``mode`` once on its present input (``RANGe:AUTO ONCE``); return the
        range chosen (the top one for an open input)."""
        value = self._input(mode, self.clock.now())
        if math.isfinite(value):
            return self._select_range(mode, value)
        top = max(self.TABLE.ranges[mode])
        self.settings.modes[mode].range = top
        return top

    def _inputs(self, mode: Mode, times: np.ndarray) -> np.ndarray:
        """Return the input at each of ``times`` (the source is asked once per reading; a
        ManualSource only changes by hand, so once per burst)."""
        if self.source is None or isinstance(self.source, ManualSource):
            return np.full(times.shape, self._input(mode, float(times[0])))
        return np.array([self._input(mode, t) for t in times.tolist()])

    def trigger_delay_s(self) -> float:
        """Return the delay between a trigger and its readings in seconds: the set delay,
        or the automatic one for the mode, range, integration time and AC filter."""
        trigger = self.settings.trigger
        if not trigger.delay_auto:
            return trigger.delay_s
        mode = self.settings.mode
        return auto_delay_s(self.TABLE, mode, self.settings.modes[mode], self.aperture_s(mode))

    def acquire(self, count: int, spacing_s: float | None = None) -> Burst:
        """Take ``count`` readings after one trigger; return them with their overloads.

        The clock advances by the trigger delay and ``count`` apertures (or the sample
        timer, ``spacing_s``, when it is longer).
        """
        mode = self.settings.mode
        self.clock.sleep(self.trigger_delay_s())
        now = self.clock.now()
        aperture = self.aperture_s(mode)
        step = max(aperture, spacing_s or 0.0)
        starts = now + np.arange(count, dtype=np.float64) * step
        targets = self._inputs(mode, starts + 0.5 * aperture)
        finite = np.isfinite(targets)
        range_value = self._select_range(mode, float(targets[0]))
        if not finite.any():
            self._state = None
            self.clock.sleep(count * step)
            return Burst(np.full(count, OVERLOAD), np.ones(count, dtype=bool))
        limit = self._range_limit(mode, range_value)
        # an open input (ohms) drives the input filter to the top of the range
        held = np.where(finite, targets, min(limit, 1e3 * range_value))
        tau = settling_tau(self.TABLE, mode, self.settings.modes[mode])
        decay = math.exp(-step / tau)
        start = self._settled_state(mode, float(held[0]), now, tau)
        # input at the start of each aperture, and after the last one
        begin, end_state = lfilter([0.0, 1.0 - decay], [1.0, -decay], held, zi=[start])
        shape = tau / aperture * -math.expm1(-aperture / tau)
        seen = held + (begin - held) * shape
        readings = self._apply_errors(mode, range_value, seen, now)
        over = ~finite | (np.abs(seen) > limit)
        if mode is Mode.TEMP:
            readings, over = self._to_temperature(readings, over)
        elif mode is Mode.RATIO:
            reference = self.ratio_reference_v
            readings = readings / reference if reference else np.full(count, math.inf)
            over = over | ~np.isfinite(readings)
        if over.any():
            readings[over] = np.copysign(OVERLOAD, seen[over])
        self._state = float(end_state[0]) if finite[-1] else None
        self._state_time = now + count * step
        self._state_mode = mode
        self.clock.sleep(count * step)
        return Burst(readings, over)

    def _to_temperature(self, sensed: np.ndarray, over: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
        """Return the temperatures the probe's readings (Ω, or V of a thermocouple) give,
        in the selected unit, and the mask of those beyond the probe's range."""
        temperature = self.settings.temperature
        if temperature.transducer == "TC":
            junction = self.thermocouple.junction_c(self.clock.now())
            def convert(value: float) -> float:
                return in_unit(thermocouple_celsius(temperature.tc_type, value, junction),
                               temperature.unit)
        else:
            def convert(value: float) -> float:
                return probe_temperature(temperature, value)
        values = np.array([
            convert(float(r)) if not o else math.nan
            for r, o in zip(sensed.tolist(), over.tolist(), strict=True)
        ])
        return values, over | np.isnan(values)

    def sensor_reading(self, now: float) -> float:
        """Return what the temperature probe presents at ``now``: its resistance in Ω, or
        a thermocouple's EMF in V (the temperature function's ``SENSe:DATA``)."""
        return self._input(Mode.TEMP, now)

    def _settled_state(self, mode: Mode, target: float, now: float, tau: float) -> float:
        if self._state is None or self._state_mode is not mode:
            return target
        return target + (self._state - target) * math.exp(-max(now - self._state_time, 0.0) / tau)

    def _measured_range(self, mode: Mode, range_value: float) -> tuple[Mode, float]:
        """Return the mode and range whose errors a reading carries: a temperature is a
        resistance read on the 100 Ω (RTD) or 10 kΩ (thermistor) range."""
        if mode is not Mode.TEMP:
            return mode, range_value
        if self.settings.temperature.transducer == "TC":
            return Mode.DCV, 0.1
        rtd = self.settings.temperature.transducer in ("FRTD", "RTD")
        function = self._stimulus_function(mode)
        assert function is not None
        return Mode.of(function), 1e3 if rtd else 1e4

    def _apply_errors(
        self, mode: Mode, range_value: float, seen: np.ndarray, now: float
    ) -> np.ndarray:
        measured, measured_range = self._measured_range(mode, range_value)
        own = self.intrinsic(measured, measured_range)
        delta_t = (
            self.environment.temperature(now) - REFERENCE_TEMPERATURE_C
            if self.environment is not None
            else 0.0
        )
        years = (now - self._epoch) / YEAR_S
        gain = own.gain + own.drift_per_year * years + own.gain_tempco * delta_t
        offset = own.offset + own.offset_tempco * delta_t
        if mode.counts_signal:
            offset = 0.0  # a counter has no offset: a frequency error is a timebase error
        injected = (
            self._injected.get((Function[measured.name], measured_range))
            if measured in _SIX_FUNCTIONS
            else None
        )
        if injected is not None:
            gain += injected.gain_ppm * 1e-6
            offset += injected.offset
        if mode.counts_signal:
            # 6½ digits with a 1 s gate, one digit fewer per decade shorter
            step = np.where(seen == 0.0, 1.0, np.abs(seen)) * 1e-6 / self.aperture_s(mode)
            counted = seen * (1.0 + gain) + self.rng.normal(0.0, 1.0, size=seen.shape) * step
            counted = np.where(seen == 0.0, 0.0, counted)  # no signal counts nothing
            return np.asarray(np.round(counted / step) * step + 0.0)
        noise = self.rng.normal(0.0, self.noise_rms(measured, measured_range), size=seen.shape)
        values = seen * (1.0 + gain) + offset + noise
        if mode.is_ac:
            values = np.abs(values)  # an RMS converter never reads below zero
        digit = self.digitiser_step(measured, measured_range)
        return np.asarray(np.round(values / digit) * digit + 0.0)

    # ----------------------------------------------------------- commands
    def register_commands(self, tree: CommandTree) -> None:
        """Declare the meter's SCPI commands (see the modules named in the docstring)."""
        self.sense.register(tree)
        self.triggering.register(tree)
        self.math.register(tree)
        self.system.register(tree)
        if self.TABLE.truevolt:
            self.licenses.register(tree)
            self.secondary.register(tree)
            self.histogram.register(tree)
            self.thermocouple.register(tree)
            self.mmemory.register(tree)
            self.lan.register(tree)

    @property
    def reading_memory(self) -> int:
        """Return how many readings the reading memory holds (more with the MEM option)."""
        with_mem = self.MODEL.options.memory_with_mem
        return with_mem if with_mem and self.licenses.has("MEM") else self.TABLE.memory

    def _idn(self, params: list[str]) -> str:
        """``*IDN?``: the model's identity, or the older one ``SYST:IDEN`` emulates."""
        no_params(params)
        return self.system.idn()

    def trigger(self) -> None:
        """``*TRG``: take one burst of samples when armed by INIT with a BUS trigger."""
        self.triggering.bus_trigger()


def simulator_class(profile: DmmProfile) -> type[DmmSimulator]:
    """Return the simulator class of ``profile``'s model (made once per profile)."""
    return _classes.get(profile.name) or _make_class(profile)


_classes: dict[str, type[DmmSimulator]] = {}


def _make_class(profile: DmmProfile) -> type[DmmSimulator]:
    if profile.dialect not in NATIVE_DIALECTS:
        raise ValueError(f"{profile}: the {profile.dialect} dialect has its own simulator class")
    name = f"{profile.maker}{profile.model}Simulator".replace(" ", "")
    made = type(name, (DmmSimulator,), {
        "__doc__": f"A simulated {profile.maker} {profile.model} ({profile.dialect} command set).",
        "MODEL": profile, "TABLE": ModeTable.of(profile), "IDN": profile.idn,
        "ABSENT_COMMON_COMMANDS": frozenset(profile.quirks.absent_common_commands),
        "__module__": __name__,
    })
    _classes[profile.name] = made
    return made


#: the dialects this engine's command modules speak as they are
NATIVE_DIALECTS = frozenset({"keysight-34401a", "keysight-truevolt", "fluke-8846a"})

