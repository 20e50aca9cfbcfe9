"""Simulated Keysight 34401A and 34465A multimeters with a physical state model.

A reading is the input the meter sees (from its ``source``, asked at the middle of
each reading's aperture), passed through a first-order input settling filter and
averaged over the aperture, then the meter's own errors: gain and offset per
function and range (seeded, well within the published specification), gain drift
with time, temperature coefficients against the :class:`LabEnvironment`, white
gaussian noise of the model's typical rms noise for the range and the NPLC (an
independent draw for every reading), digitisation, and any injected DUT error.
An input beyond the range reads as overload (±9.9E37). Readings take their
integration time, and each reply its latency, on the injected clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from metrolab.drivers.keysight.models import (
    FUNCTION_QUERY_NAME,
    KEYSIGHT_34401A,
    KEYSIGHT_34465A,
    NPLC_FUNCTIONS,
    DmmModel,
    overload_limit,
)
from scipy.signal import lfilter

from metrolab.clock import Clock
from metrolab.instrument.blocks import encode_block
from metrolab.instrument.functions import Function
from metrolab.instrument.simulation import (
    NOTHING,
    CommandError,
    CommandTree,
    DutError,
    LabEnvironment,
    ManualSource,
    SignalSource,
    SimulatedInstrument,
    boolean,
    choice,
    compile_header,
    no_params,
    number,
    one_param,
)
from metrolab.instrument.simulation.parser import Handler
from metrolab.instrument.specs import AccuracySpec

SPEC_DIR = Path(__file__).parent / "specs"
OVERLOAD = 9.9e37
YEAR_S = 365.25 * 86400.0
REFERENCE_TEMPERATURE_C = 23.0
#: aperture of one AC reading in seconds (medium AC filter)
AC_APERTURE_S = 0.1
#: settling time constant of the input after a change of source, seconds
SETTLING_TAU_S = {"dc": 1e-3, "ac": 0.25}
#: ohms-range over which resistance settling slows by 10x per decade
_HIGH_OHMS = 1e5
#: typical rms reading noise in ppm of range per NPLC (DC functions): the "resolution"
#: column of each model's integration-time table. 34401A User's Guide ch. 3 "Integration
#: Time": 1e-4, 1e-5, 3e-6, 1e-6, 3e-7 x full scale for 0.02 ... 100 PLC [P]; at 100 PLC
#: that is finer than one 6½-digit count, so it is the converter's noise floor, not a
#: display count, and at 0.02 PLC it matches the datasheet's added noise error of 0.01 %
#: of range. 34465A: the Truevolt factors 3 ... 0.03 ppm [S]. Readings are digitised at
#: this step, so the last digit flickers on a steady input as on the real meters.
NOISE_PPM_OF_RANGE: dict[str, dict[float, float]] = {
    "34401A": {0.02: 100.0, 0.2: 10.0, 1.0: 3.0, 10.0: 1.0, 100.0: 0.3},
    "34465A": {0.02: 3.0, 0.06: 1.5, 0.2: 0.7, 1.0: 0.3, 10.0: 0.1, 100.0: 0.03},
}
#: DC current noise relative to DC volts at the same NPLC (a model assumption, not published)
DCI_NOISE_FACTOR = 3.0

_CONF_HEADERS = {
    Function.DCV: "VOLTage[:DC]",
    Function.ACV: "VOLTage:AC",
    Function.DCI: "CURRent[:DC]",
    Function.ACI: "CURRent:AC",
    Function.RES2: "RESistance",
    Function.RES4: "FRESistance",
}


@dataclass(frozen=True)
class IntrinsicErrors:
    """A simulated meter's own errors on one function and range (fractions, base units)."""

    gain: float
    offset: float
    drift_per_year: float
    gain_tempco: float
    offset_tempco: float


class KeysightDmmSimulator(SimulatedInstrument):
    """A Keysight DMM (model data in ``MODEL``) measuring what ``source`` applies."""

    MODEL: DmmModel = KEYSIGHT_34401A
    IDN = KEYSIGHT_34401A.idn
    ERROR_QUEUE_DEPTH = 20

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: Clock | None = None,
        latency_s: float = 0.0,
        source: SignalSource | None = None,
        environment: LabEnvironment | None = None,
    ) -> None:
        self.source = source
        self.environment = environment
        self.spec = AccuracySpec.load(SPEC_DIR / self.MODEL.spec_file)
        self.lead_resistance_ohm = 0.2
        #: set by SYSTem:REMote (which the 34401A needs over RS-232), cleared by SYSTem:LOCal
        self.remote = False
        self._injected: dict[tuple[Function, float], DutError] = {}
        self._intrinsic: dict[tuple[Function, float], IntrinsicErrors] = {}
        super().__init__(seed=seed, clock=clock, latency_s=latency_s)
        self._epoch = self.clock.now()
        self.reset()

    # ------------------------------------------------------------ settings
    def reset(self) -> None:
        """Power-on state: DC volts, autorange, 10 NPLC, immediate trigger, one sample."""
        self.function = Function.DCV
        self.ranges = {f: max(r) for f, r in self.MODEL.ranges.items()}
        self.autorange = dict.fromkeys(self.MODEL.ranges, True)
        self.nplc = dict.fromkeys(NPLC_FUNCTIONS, 10.0)
        self.trigger_source = "IMMEDIATE"
        self.trigger_count = 1
        self.sample_count = 1
        self.trigger_delay_s = 0.0
        self.binary = False
        self.big_endian = True
        self.memory: np.ndarray | None = None
        self._armed = 0
        self._state: float | None = None
        self._state_time = 0.0
        self._state_function: Function | None = None

    def inject_error(self, error: DutError) -> None:
        """Add ``error`` (gain ppm, offset) to every reading on its function and range."""
        with self.lock:
            self._injected[(error.function, error.range)] = error

    def clear_injected_errors(self) -> None:
        """Remove every injected DUT error."""
        with self.lock:
            self._injected.clear()

    # ------------------------------------------------------------- physics
    def intrinsic(self, function: Function, range_value: float) -> IntrinsicErrors:
        """Return the meter's own errors on ``function``/``range_value`` (seeded, stable)."""
        key = (function, range_value)
        found = self._intrinsic.get(key)
        if found is None:
            rng = np.random.default_rng(
                [
                    self.seed,
                    list(Function).index(function),
                    round(math.log10(range_value) * 8 + 100),
                ]
            )
            reading_frac, range_frac = self._spec_fractions(function, range_value)
            ac = function.is_ac
            found = IntrinsicErrors(
                gain=float(rng.normal(0.0, 0.15 * reading_frac)),
                offset=float(rng.normal(0.0, 0.15 * range_frac)) * range_value,
                drift_per_year=float(rng.normal(0.0, 0.1 * reading_frac)),
                gain_tempco=float(rng.uniform(-0.3, 0.3)) * (50e-6 if ac else 5e-6),
                offset_tempco=float(rng.uniform(-0.3, 0.3)) * (20e-6 if ac else 1e-6) * range_value,
            )
            self._intrinsic[key] = found
        return found

    def _spec_fractions(self, function: Function, range_value: float) -> tuple[float, float]:
        for row in self.spec.rows:
            if row.function == function and math.isclose(row.range, range_value):
                return row.reading_pct / 100.0, row.range_pct / 100.0
        return (6e-4, 3e-4) if function.is_ac else (1e-4, 2e-5)

    def aperture_s(self, function: Function) -> float:
        """Return the integration time of one reading of ``function`` in seconds."""
        if function in NPLC_FUNCTIONS:
            return self.nplc[function] / self.MODEL.line_frequency
        return AC_APERTURE_S

    def noise_rms(self, function: Function, range_value: float) -> float:
        """Return the rms noise of one reading in base units on ``range_value`` at the
        current NPLC (white: every reading draws its own)."""
        if function.is_ac:
            return 20e-6 * range_value
        factor = DCI_NOISE_FACTOR if function is Function.DCI else 1.0
        return factor * self.digitiser_step(function, range_value)

    def digitiser_step(self, function: Function, range_value: float) -> float:
        """Return the step readings are rounded to, in base units on ``range_value``:
        the model's typical noise at the current NPLC (DC), one count (AC)."""
        if function.is_ac:
            return self.resolution(function, range_value)
        ppm = NOISE_PPM_OF_RANGE[self.MODEL.model][self.nplc[function]]
        return ppm * 1e-6 * range_value

    def resolution(self, function: Function, range_value: float) -> float:
        """Return the resolution ``CONF?`` reports, in base units on ``range_value``."""
        if function.is_ac:
            return self.MODEL.ac_resolution_factor * range_value
        return self.MODEL.resolution_factor[self.nplc[function]] * range_value

    def _settling_tau(self, function: Function, range_value: float) -> float:
        if function.is_ac:
            return SETTLING_TAU_S["ac"]
        if function in (Function.RES2, Function.RES4) and range_value > _HIGH_OHMS:
            return SETTLING_TAU_S["dc"] * 10 ** math.log10(range_value / _HIGH_OHMS)
        return SETTLING_TAU_S["dc"]

    def _input(self, function: Function, now: float) -> float:
        stimulus = self.source.stimulus(function, now) if self.source is not None else NOTHING
        if not stimulus.applied:
            # open input: volts and amps read zero, ohms see an open circuit
            return math.inf if function in (Function.RES2, Function.RES4) else 0.0
        value = stimulus.value
        if function is Function.RES2:
            value += self.lead_resistance_ohm
        if function.is_ac:
            value = abs(value)
        return value

    def _select_range(self, function: Function, value: float) -> float:
        if not self.autorange[function]:
            return self.ranges[function]
        for candidate in self.MODEL.ranges[function]:
            if abs(value) <= overload_limit(self.MODEL, function, candidate):
                self.ranges[function] = candidate
                return candidate
        top = max(self.MODEL.ranges[function])
        self.ranges[function] = top
        return top

    def _inputs(self, function: Function, times: np.ndarray) -> np.ndarray:
        """Return the input at each of ``times`` (the source is asked once per reading; a
        ManualSource only changes by hand, so once per burst)."""
        if self.source is None or isinstance(self.source, ManualSource):
            return np.full(times.shape, self._input(function, float(times[0])))
        return np.array([self._input(function, t) for t in times.tolist()])

    def acquire(self, count: int) -> np.ndarray:
        """Take ``count`` readings now; return them (float64, overload as ±9.9E37).

        The clock advances by the trigger delay and ``count`` apertures.
        """
        function = self.function
        self.clock.sleep(self.trigger_delay_s)
        now = self.clock.now()
        aperture = self.aperture_s(function)
        starts = now + np.arange(count, dtype=np.float64) * aperture
        targets = self._inputs(function, starts + 0.5 * aperture)
        finite = np.isfinite(targets)
        range_value = self._select_range(function, float(targets[0]))
        if not finite.any():
            self._state = None
            self.clock.sleep(count * aperture)
            return np.full(count, OVERLOAD)
        limit = overload_limit(self.MODEL, function, range_value)
        # an open input (ohms) drives the input filter to the top of the range
        held = np.where(finite, targets, limit)
        tau = self._settling_tau(function, range_value)
        decay = math.exp(-aperture / tau)
        start = self._settled_state(function, float(held[0]), now, tau)
        # input at the start of each aperture, and after the last one
        begin, end_state = lfilter([0.0, 1.0 - decay], [1.0, -decay], held, zi=[start])
        shape = tau / aperture * -math.expm1(-aperture / tau)
        seen = held + (begin - held) * shape
        readings = self._apply_errors(function, range_value, seen, now)
        over = ~finite | (np.abs(seen) > limit)
        if over.any():
            readings[over] = np.copysign(OVERLOAD, seen[over])
        self._state = float(end_state[0]) if finite[-1] else None
        self._state_time = now + count * aperture
        self._state_function = function
        self.clock.sleep(count * aperture)
        return readings

    def _settled_state(self, function: Function, target: float, now: float, tau: float) -> float:
        if self._state is None or self._state_function is not function:
            return target
        return target + (self._state - target) * math.exp(-max(now - self._state_time, 0.0) / tau)

    def _apply_errors(
        self, function: Function, range_value: float, seen: np.ndarray, now: float
    ) -> np.ndarray:
        own = self.intrinsic(function, range_value)
        delta_t = (
            self.environment.temperature(now) - REFERENCE_TEMPERATURE_C
            if self.environment is not None
            else 0.0
        )
        years = (now - self._epoch) / YEAR_S
        gain = own.gain + own.drift_per_year * years + own.gain_tempco * delta_t
        offset = own.offset + own.offset_tempco * delta_t
        injected = self._injected.get((function, range_value))
        if injected is not None:
            gain += injected.gain_ppm * 1e-6
            offset += injected.offset
        noise = self.rng.normal(0.0, self.noise_rms(function, range_value), size=seen.shape)
        values = seen * (1.0 + gain) + offset + noise
        step = self.digitiser_step(function, range_value)
        return np.round(values / step) * step

    # ----------------------------------------------------------- commands
    def register_commands(self, tree: CommandTree) -> None:
        """Declare the DMM's SCPI commands (CONF, MEAS, SENSe, TRIG, SAMP, READ?, FETC?...)."""
        for function, header in _CONF_HEADERS.items():
            if function not in self.MODEL.ranges:
                continue
            tree.add(f"CONFigure:{header}", self._configure_handler(function))
            tree.add(f"MEASure:{header}?", self._measure_handler(function))
            tree.add(f"[SENSe:]{header}:RANGe", self._range_handler(function))
            tree.add(f"[SENSe:]{header}:RANGe?", self._range_query_handler(function))
            tree.add(f"[SENSe:]{header}:RANGe:AUTO", self._autorange_handler(function))
            tree.add(f"[SENSe:]{header}:RANGe:AUTO?", self._autorange_query_handler(function))
            if function in NPLC_FUNCTIONS:
                tree.add(f"[SENSe:]{header}:NPLCycles", self._nplc_handler(function))
                tree.add(f"[SENSe:]{header}:NPLCycles?", self._nplc_query_handler(function))
        tree.add("CONFigure?", self._configure_query)
        tree.add("[SENSe:]FUNCtion[:ON]", self._function_set)
        tree.add("[SENSe:]FUNCtion[:ON]?", self._function_query)
        tree.add("TRIGger:SOURce", self._trigger_source)
        tree.add("TRIGger:SOURce?", lambda p: self._reply(p, self.trigger_source[:3]))
        tree.add("TRIGger:COUNt", self._trigger_count)
        tree.add("TRIGger:COUNt?", lambda p: self._reply(p, f"{self.trigger_count:+.8E}"))
        tree.add("TRIGger:DELay", self._trigger_delay)
        tree.add("TRIGger:DELay?", lambda p: self._reply(p, f"{self.trigger_delay_s:+.8E}"))
        tree.add("SAMPle:COUNt", self._sample_count)
        tree.add("SAMPle:COUNt?", lambda p: self._reply(p, f"{self.sample_count:+d}"))
        tree.add("INITiate[:IMMediate]", self._initiate)
        tree.add("READ?", self._read)
        tree.add("FETCh?", self._fetch)
        tree.add("SYSTem:REMote", self._remote_handler(True))
        tree.add("SYSTem:LOCal", self._remote_handler(False))
        tree.add("SYSTem:VERSion?", lambda p: self._reply(p, "1999.0"))
        if self.MODEL.binary:
            tree.add("FORMat[:DATA]", self._format)
            tree.add(
                "FORMat[:DATA]?", lambda p: self._reply(p, "REAL,64" if self.binary else "ASC,9")
            )
            tree.add("FORMat:BORDer", self._border)
            tree.add(
                "FORMat:BORDer?", lambda p: self._reply(p, "NORM" if self.big_endian else "SWAP")
            )
            tree.add(
                "SYSTem:LFRequency?", lambda p: self._reply(p, f"{self.MODEL.line_frequency:+.0f}")
            )
            tree.add("DATA:POINts?", self._points)

    def _remote_handler(self, remote: bool) -> Handler:
        def handler(params: list[str]) -> None:
            no_params(params)
            self.remote = remote

        return handler

    @staticmethod
    def _reply(params: list[str], text: str) -> str:
        no_params(params)
        return text

    def _parse_range(self, function: Function, text: str) -> float | None:
        """Return the range ``text`` asks for (None = autorange); -222 when too big."""
        ranges = self.MODEL.ranges[function]
        word = text.strip().upper()
        if word in ("AUTO", "DEF", "DEFAULT"):
            return None
        value = number(text, minimum=-max(ranges) * 1.2, maximum=max(ranges) * 1.2)
        for candidate in ranges:
            if abs(value) <= candidate * (1 + 1e-9):
                return candidate
        raise CommandError(-222)

    def _configure(self, function: Function, params: list[str]) -> None:
        if len(params) > 2:
            raise CommandError(-108)
        chosen = self._parse_range(function, params[0]) if params else None
        self.function = function
        self.autorange[function] = chosen is None
        if chosen is not None:
            self.ranges[function] = chosen
        if len(params) == 2 and function in NPLC_FUNCTIONS:
            self.nplc[function] = self._nplc_for_resolution(function, params[1])
        self.trigger_source = "IMMEDIATE"
        self.trigger_count = 1
        self.sample_count = 1
        self.trigger_delay_s = 0.0
        self.memory = None

    def _nplc_for_resolution(self, function: Function, text: str) -> float:
        word = text.strip().upper()
        choices = self.MODEL.nplc_choices
        if word in ("DEF", "DEFAULT"):
            return 10.0
        if word in ("MIN", "MINIMUM"):
            return max(choices)
        if word in ("MAX", "MAXIMUM"):
            return min(choices)
        wanted = number(text, minimum=0.0, maximum=math.inf)
        range_value = self.ranges[function]
        for nplc in choices:
            if self.MODEL.resolution_factor[nplc] * range_value <= wanted * (1 + 1e-9):
                return nplc
        raise CommandError(-222)

    def _configure_handler(self, function: Function) -> Handler:
        def handler(params: list[str]) -> None:
            self._configure(function, params)

        return handler

    def _measure_handler(self, function: Function) -> Handler:
        def handler(params: list[str]) -> str | bytes | None:
            self._configure(function, params)
            return self._read([])

        return handler

    def _range_handler(self, function: Function) -> Handler:
        def handler(params: list[str]) -> None:
            chosen = self._parse_range(function, one_param(params))
            self.autorange[function] = chosen is None
            if chosen is not None:
                self.ranges[function] = chosen

        return handler

    def _range_query_handler(self, function: Function) -> Handler:
        def handler(params: list[str]) -> str:
            no_params(params)
            return f"{self.ranges[function]:+.8E}"

        return handler

    def _autorange_handler(self, function: Function) -> Handler:
        def handler(params: list[str]) -> None:
            text = one_param(params)
            if text.strip().upper() == "ONCE":
                self.autorange[function] = False
                return
            self.autorange[function] = boolean(text)

        return handler

    def _autorange_query_handler(self, function: Function) -> Handler:
        def handler(params: list[str]) -> str:
            no_params(params)
            return "1" if self.autorange[function] else "0"

        return handler

    def _nplc_handler(self, function: Function) -> Handler:
        def handler(params: list[str]) -> None:
            choices = self.MODEL.nplc_choices
            wanted = number(one_param(params), minimum=min(choices), maximum=max(choices))
            # the instrument rounds up to the next integration time it has
            self.nplc[function] = next(c for c in choices if c >= wanted * (1 - 1e-9))

        return handler

    def _nplc_query_handler(self, function: Function) -> Handler:
        def handler(params: list[str]) -> str:
            no_params(params)
            return f"{self.nplc[function]:+.8E}"

        return handler

    def _configure_query(self, params: list[str]) -> str:
        no_params(params)
        function = self.function
        range_value = self.ranges[function]
        name = FUNCTION_QUERY_NAME[function]
        return f'"{name} {range_value:+.6E},{self.resolution(function, range_value):+.6E}"'

    def _function_set(self, params: list[str]) -> None:
        wanted = one_param(params).strip().strip('"')
        for function, header in _CONF_HEADERS.items():
            if compile_header(header).fullmatch(wanted):
                self.function = function
                return
        raise CommandError(-224)

    def _function_query(self, params: list[str]) -> str:
        no_params(params)
        return f'"{FUNCTION_QUERY_NAME[self.function]}"'

    def _trigger_source(self, params: list[str]) -> None:
        self.trigger_source = choice(one_param(params), ["IMMediate", "BUS", "EXTernal"])

    def _trigger_count(self, params: list[str]) -> None:
        self.trigger_count = int(number(one_param(params), minimum=1, maximum=50_000))

    def _trigger_delay(self, params: list[str]) -> None:
        self.trigger_delay_s = number(one_param(params), minimum=0.0, maximum=3600.0, default=0.0)

    def _sample_count(self, params: list[str]) -> None:
        self.sample_count = int(
            number(one_param(params), minimum=1, maximum=self.MODEL.max_samples)
        )

    def _format(self, params: list[str]) -> None:
        if not params or len(params) > 2:
            raise CommandError(-109 if not params else -108)
        kind = choice(params[0], ["ASCii", "REAL"])
        if kind == "REAL":
            if len(params) == 2 and number(params[1], minimum=32, maximum=64) != 64:
                raise CommandError(-224)
            self.binary = True
        else:
            self.binary = False

    def _border(self, params: list[str]) -> None:
        self.big_endian = choice(one_param(params), ["NORMal", "SWAPped"]) == "NORMAL"

    def _points(self, params: list[str]) -> str:
        no_params(params)
        return f"{0 if self.memory is None else self.memory.size:+d}"

    def _encode(self, values: np.ndarray) -> str | bytes:
        if self.binary:
            return encode_block(values.astype(">f8" if self.big_endian else "<f8").tobytes())
        return ",".join(map("{:+.8E}".format, values.tolist()))

    def _read(self, params: list[str]) -> str | bytes | None:
        no_params(params)
        if self.trigger_source == "BUS":
            raise CommandError(-214, "Trigger deadlock")
        return self._encode(self.acquire(self.trigger_count * self.sample_count))

    def _initiate(self, params: list[str]) -> None:
        no_params(params)
        if self.trigger_source == "BUS":
            self.memory = np.empty(0)
            self._armed = self.trigger_count
            return
        self._armed = 0
        self.memory = self.acquire(self.trigger_count * self.sample_count)

    def trigger(self) -> None:
        """``*TRG``: take one burst of ``sample_count`` readings when armed by INIT."""
        if self._armed <= 0 or self.memory is None:
            self.push_error(-211, "Trigger ignored")
            return
        self.memory = np.concatenate([self.memory, self.acquire(self.sample_count)])
        self._armed -= 1

    def _fetch(self, params: list[str]) -> str | bytes | None:
        no_params(params)
        if self.memory is None or self._armed > 0:
            raise CommandError(-230, "Data stale")
        return self._encode(self.memory)


class Keysight34401ASimulator(KeysightDmmSimulator):
    """A simulated 34401A (ASCII readings only, 20-entry error queue)."""

    MODEL = KEYSIGHT_34401A
    IDN = KEYSIGHT_34401A.idn


class Keysight34465ASimulator(KeysightDmmSimulator):
    """A simulated 34465A (adds REAL,64 binary transfer and a reading memory)."""

    MODEL = KEYSIGHT_34465A
    IDN = KEYSIGHT_34465A.idn


def create_34401a(*, seed: int = 0, clock: Clock | None = None) -> Keysight34401ASimulator:
    """Return a simulated 34401A with no input applied (registry factory)."""
    return Keysight34401ASimulator(seed=seed, clock=clock)


def create_34465a(*, seed: int = 0, clock: Clock | None = None) -> Keysight34465ASimulator:
    """Return a simulated 34465A with no input applied (registry factory)."""
    return Keysight34465ASimulator(seed=seed, clock=clock)
