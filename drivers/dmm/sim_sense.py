"""CONFigure, MEASure and SENSe of the simulated 344xx meters: which mode is measured and
how (range, resolution, integration time, aperture, autozero, null, AC filter, input
resistance, temperature probe). Every setting takes ``MIN``/``MAX``/``DEF`` where the
manual allows it, and its query the same keywords (``VOLT:RANG? MAX``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from metrolab.drivers.dmm.modes import Mode
from metrolab.drivers.dmm.sim_settings import (
    AC_RESOLUTIONS,
    DEFAULT_BANDWIDTH_HZ,
    DEFAULT_GATE_S,
    DEFAULT_NPLC,
    ModeSettings,
)
from metrolab.drivers.dmm.sim_thermocouple import TYPES as TC_TYPES

from metrolab.instrument.simulation import (
    CommandError,
    CommandTree,
    boolean,
    choice,
    compile_header,
)
from metrolab.instrument.simulation.parser import (
    Handler,
    Reply,
    no_params,
    nr3,
    number,
    one_param,
    query_value,
)

if TYPE_CHECKING:
    from metrolab.drivers.dmm.simulator import DmmSimulator

#: AC filters by the lowest frequency they pass, in Hz
_BANDWIDTHS = (3.0, 20.0, 200.0)
#: modes with a selectable range (continuity, diode and temperature have none)
_RANGED = frozenset(set(Mode) - {Mode.CONT, Mode.DIODE, Mode.TEMP})
#: 34401A: RESolution exists for these (command summary); Truevolt: DC ones only
_RESOLUTION_401 = frozenset({Mode.DCV, Mode.ACV, Mode.DCI, Mode.ACI, Mode.RES2, Mode.RES4})
_RESOLUTION_465 = frozenset({Mode.DCV, Mode.DCI, Mode.RES2, Mode.RES4})
_APERTURE_465 = frozenset({Mode.DCV, Mode.DCI, Mode.RES2, Mode.RES4, Mode.TEMP})
_ZERO_465 = frozenset({Mode.DCV, Mode.DCI, Mode.RES2, Mode.TEMP})
_NULL_465 = frozenset({Mode.DCV, Mode.ACV, Mode.DCI, Mode.ACI, Mode.RES2, Mode.RES4,
                       Mode.FREQ, Mode.PER, Mode.CAP, Mode.TEMP})
#: Truevolt aperture bounds in seconds at 50 Hz line (QCoDeS table, datasheet) [S]
_APERTURE_S = (0.3e-3, 2.0)
_TRANSDUCERS = ["FRTD", "RTD", "FTHermistor", "THERmistor", "TCouple"]
#: the name TEMP:TRAN:TYPE? and CONF? give each transducer
_TRANSDUCER_NAMES = {"FRTD": "FRTD", "RTD": "RTD", "FTHERMISTOR": "FTH", "THERMISTOR": "THER",
                     "TCOUPLE": "TC"}


def _on_off_once(text: str) -> bool | None:
    """Return True/False for ON/OFF (1/0), None for ONCE."""
    return None if text.strip().upper() == "ONCE" else boolean(text)


class SenseCommands:
    """The measurement-configuration commands of one simulated meter."""

    def __init__(self, sim: DmmSimulator) -> None:
        self.sim = sim
        self.table = sim.TABLE

    # ------------------------------------------------------------ registration
    def register(self, tree: CommandTree) -> None:
        """Declare CONFigure, MEASure, FUNCtion and the SENSe settings of every mode."""
        truevolt = self.table.truevolt
        for mode in self.table.ranges:
            for root in self._conf_headers(mode):
                tree.add(f"CONFigure:{root}", self._bind(self.configure, mode))
                tree.add(f"MEASure:{root}?", self._bind(self.measure, mode))
            node = f"[SENSe:]{mode.header}"
            if mode in _RANGED:
                ranged = f"{node}:VOLTage" if mode.counts_signal else node
                tree.add(f"{ranged}:RANGe", self._bind(self._set_range, mode))
                tree.add(f"{ranged}:RANGe?", self._bind(self._range_query, mode))
                tree.add(f"{ranged}:RANGe:AUTO", self._bind(self._set_autorange, mode))
                tree.add(f"{ranged}:RANGe:AUTO?", self._flag(mode, "autorange"))
            if mode in (_RESOLUTION_465 if truevolt else _RESOLUTION_401):
                tree.add(f"{node}:RESolution", self._bind(self._set_resolution, mode))
                tree.add(f"{node}:RESolution?", self._bind(self._resolution_query, mode))
            if mode in self.table.nplc_modes and mode is not Mode.RATIO:
                tree.add(f"{node}:NPLCycles", self._bind(self._set_nplc, mode))
                tree.add(f"{node}:NPLCycles?", self._bind(self._nplc_query, mode))
            if mode.counts_signal:
                tree.add(f"{node}:APERture", self._bind(self._set_gate, mode))
                tree.add(f"{node}:APERture?", self._bind(self._gate_query, mode))
            if truevolt:
                self._register_truevolt(tree, mode, node)
        if truevolt:
            tree.add("[SENSe:]TEMPerature:TRANsducer:TYPE", self._set_transducer)
            tree.add("[SENSe:]TEMPerature:TRANsducer:TYPE?",
                     lambda p: self._reply(p, self.sim.settings.temperature.transducer))
            for probe in ("FRTD", "RTD"):
                tree.add(f"[SENSe:]TEMPerature:TRANsducer:{probe}:RESistance[:REFerence]",
                         self._set_rtd_reference)
                tree.add(f"[SENSe:]TEMPerature:TRANsducer:{probe}:RESistance[:REFerence]?",
                         self._rtd_reference_query)
            tree.add("UNIT:TEMPerature", self._set_temperature_unit)
            tree.add("UNIT:TEMPerature?",
                     lambda p: self._reply(p, self.sim.settings.temperature.unit))
        else:
            tree.add("[SENSe:]ZERO:AUTO", self._set_zero_all)
            tree.add("[SENSe:]ZERO:AUTO?", self._flag(Mode.DCV, "autozero"))
            tree.add("[SENSe:]DETector:BANDwidth", self._set_bandwidth_all)
            tree.add("[SENSe:]DETector:BANDwidth?", self._bind(self._bandwidth_query, Mode.ACV))
            tree.add("INPut:IMPedance:AUTO", self._bind(self._set_impedance, Mode.DCV))
            tree.add("INPut:IMPedance:AUTO?", self._flag(Mode.DCV, "impedance_auto"))
        tree.add("CONFigure?", self._configure_query)
        tree.add("[SENSe:]FUNCtion[:ON]", self._function_set)
        tree.add("[SENSe:]FUNCtion[:ON]?", lambda p: self._reply(p, f'"{self.sim.mode.value}"'))
        tree.add("ROUTe:TERMinals?", lambda p: self._reply(p, "FRON"))

    def _register_truevolt(self, tree: CommandTree, mode: Mode, node: str) -> None:
        if mode in _APERTURE_465:
            tree.add(f"{node}:APERture", self._bind(self._set_aperture, mode))
            tree.add(f"{node}:APERture?", self._bind(self._aperture_query, mode))
            tree.add(f"{node}:APERture:ENABled", self._setter(mode, "aperture_enabled"))
            tree.add(f"{node}:APERture:ENABled?", self._flag(mode, "aperture_enabled"))
        if mode in _ZERO_465:
            tree.add(f"{node}:ZERO:AUTO", self._bind(self._set_zero, mode))
            tree.add(f"{node}:ZERO:AUTO?", self._flag(mode, "autozero"))
        if mode in _NULL_465:
            tree.add(f"{node}:NULL[:STATe]", self._bind(self._set_null_state, mode))
            tree.add(f"{node}:NULL[:STATe]?", self._flag(mode, "null_enabled"))
            tree.add(f"{node}:NULL:VALue", self._bind(self._set_null_value, mode))
            tree.add(f"{node}:NULL:VALue?", self._bind(self._null_value_query, mode))
            tree.add(f"{node}:NULL:VALue:AUTO", self._setter(mode, "null_auto"))
            tree.add(f"{node}:NULL:VALue:AUTO?", self._flag(mode, "null_auto"))
        if mode.is_ac:
            tree.add(f"{node}:BANDwidth", self._bind(self._set_bandwidth, mode))
            tree.add(f"{node}:BANDwidth?", self._bind(self._bandwidth_query, mode))
        if mode in (Mode.DCI, Mode.ACI):
            tree.add(f"{node}:TERMinals", self._bind(self._set_terminals, mode))
            tree.add(f"{node}:TERMinals?", self._bind(self._terminals_query, mode))
        if mode is Mode.DCV:
            tree.add(f"{node}:IMPedance:AUTO", self._bind(self._set_impedance, mode))
            tree.add(f"{node}:IMPedance:AUTO?", self._flag(mode, "impedance_auto"))
        if mode in (Mode.RES2, Mode.RES4):
            tree.add(f"{node}:OCOMpensated", self._setter(mode, "offset_compensated"))
            tree.add(f"{node}:OCOMpensated?", self._flag(mode, "offset_compensated"))
            tree.add(f"{node}:POWer:LIMit[:STATe]", self._setter(mode, "power_limited"))
            tree.add(f"{node}:POWer:LIMit[:STATe]?", self._flag(mode, "power_limited"))
        if mode is Mode.DCI:
            # one switching mode for DC and AC current (CURRent:SWITch:MODE)
            tree.add("[SENSe:]CURRent:SWITch:MODE", self._set_current_switch)
            tree.add("[SENSe:]CURRent:SWITch:MODE?", lambda p: self._reply(
                p, self._settings(Mode.DCI).current_switch[:4]))
        if mode.counts_signal:
            tree.add(f"{node}:TIMeout:AUTO", self._setter(mode, "timeout_auto"))
            tree.add(f"{node}:TIMeout:AUTO?", self._flag(mode, "timeout_auto"))
            tree.add(f"{node}:RANGe:LOWer", self._bind(self._set_low_frequency, mode))
            tree.add(f"{node}:RANGe:LOWer?", self._bind(self._low_frequency_query, mode))

    def _conf_headers(self, mode: Mode) -> list[str]:
        """Return the CONFigure/MEASure nodes of ``mode`` (Truevolt also takes ``CONF:DC``,
        ``CONF:AC``, ``CONF:DC:RAT`` and ``CONF:RAT``: VOLTage and DC are optional there)."""
        headers = [mode.header]
        if self.table.truevolt and mode in (Mode.DCV, Mode.ACV):
            headers.append({Mode.DCV: "DC", Mode.ACV: "AC"}[mode])
        if self.table.truevolt and mode is Mode.RATIO:
            headers += ["DC:RATio", "RATio"]
        return headers

    # ----------------------------------------------------------------- helpers
    @staticmethod
    def _bind(method: Callable[[Mode, list[str]], Reply], mode: Mode) -> Handler:
        return lambda params: method(mode, params)

    @staticmethod
    def _reply(params: list[str], text: str) -> str:
        no_params(params)
        return text

    def _flag(self, mode: Mode, name: str) -> Handler:
        return lambda params: self._reply(
            params, "1" if getattr(self.sim.settings.modes[mode], name) else "0"
        )

    def _setter(self, mode: Mode, name: str) -> Handler:
        def handler(params: list[str]) -> None:
            setattr(self.sim.settings.modes[mode], name, boolean(one_param(params)))

        return handler

    def _settings(self, mode: Mode) -> ModeSettings:
        return self.sim.settings.modes[mode]

    # ------------------------------------------------------- CONFigure/MEASure
    def configure(self, mode: Mode, params: list[str]) -> None:
        """``CONFigure:<mode> [range[,resolution]]``: select ``mode`` with the presets of
        the manual's "MEASure? and CONFigure presets" table (immediate trigger, one
        trigger, one sample, automatic trigger delay, 20 Hz AC filter, autozero on,
        10 MΩ input, math off)."""
        settings = self._settings(mode)
        if mode is Mode.TEMP:
            self._configure_temperature(params)
        elif mode in (Mode.CONT, Mode.DIODE):
            no_params(params)
        elif mode.counts_signal:
            self._configure_counter(mode, params)
        else:
            if len(params) > 2:
                raise CommandError(-108)
            chosen = self._parse_range(mode, params[0]) if params else None
            wanted = params[1] if len(params) == 2 else None
            resolution_word = (wanted or "DEF").strip().upper()
            if chosen is None and resolution_word not in ("DEF", "DEFAULT", "MIN", "MINIMUM",
                                                          "MAX", "MAXIMUM"):
                raise CommandError(-221)  # autorange with a fixed resolution
            settings.autorange = chosen is None
            if chosen is not None:
                settings.range = chosen
            self._apply_resolution(mode, wanted)
        if mode is not self.sim.settings.mode:
            self.sim.histogram.clear()  # a change of function clears the histogram
        self.sim.settings.mode = mode
        settings.autozero = True
        settings.bandwidth_hz = DEFAULT_BANDWIDTH_HZ
        settings.impedance_auto = False
        settings.null_enabled = False
        settings.aperture_enabled = False
        self.sim.triggering.preset_for_configure()
        self.sim.math.preset_for_configure()

    def measure(self, mode: Mode, params: list[str]) -> Reply:
        """``MEASure:<mode>? [range[,resolution]]`` = CONFigure then READ?."""
        self.configure(mode, params)
        return self.sim.triggering.read([])

    def _configure_counter(self, mode: Mode, params: list[str]) -> None:
        """CONF:FREQ/PER [expected value[,resolution]]: the value (Hz or s) only scales
        the resolution, which picks the gate time (4½ digits: 10 ms, 5½: 100 ms, 6½: 1 s);
        the input's voltage range autoranges."""
        if len(params) > 2:
            raise CommandError(-108)
        settings = self._settings(mode)
        settings.autorange = True
        unit = mode.unit.upper()
        expected = None
        if params and params[0].strip().upper() not in ("DEF", "DEFAULT", "MIN", "MINIMUM",
                                                        "MAX", "MAXIMUM"):
            expected = number(params[0], minimum=0.0, maximum=math.inf, unit=unit)
        wanted = params[1] if len(params) == 2 else "DEF"
        word = wanted.strip().upper()
        if expected is None or word[:3] in ("DEF", "MIN", "MAX"):
            self._apply_resolution(mode, wanted)
            return
        relative = number(wanted, minimum=0.0, maximum=math.inf, unit=unit) / expected
        gates = self.table.gate_times
        # a gate ten times longer resolves one more digit: 1 s gives 1e-6 of the value
        settings.gate_s = next((g for g in gates if 1e-6 / g <= relative * (1 + 1e-9)),
                               max(gates))

    def _configure_temperature(self, params: list[str]) -> None:
        if len(params) > 4:
            raise CommandError(-108)
        temperature = self.sim.settings.temperature
        if params and params[0].strip().upper() not in ("DEF", "DEFAULT"):
            temperature.transducer = _TRANSDUCER_NAMES[choice(params[0], _TRANSDUCERS)]
        if len(params) > 1 and temperature.transducer == "TC":
            word = params[1].strip().upper()
            temperature.tc_type = ("J" if word in ("DEF", "DEFAULT")
                                   else choice(word, list(TC_TYPES)))
        elif len(params) > 1 and params[1].strip().upper() not in ("DEF", "DEFAULT"):
            # RTDs: the type is the alpha 85 (0.00385); thermistors: 5000 Ω
            expected = 85.0 if temperature.transducer in ("FRTD", "RTD") else 5000.0
            if number(params[1], minimum=0.0, maximum=math.inf) != expected:
                raise CommandError(-224)

    def _parse_range(self, mode: Mode, text: str) -> float | None:
        """Return the range ``text`` asks for (None = autorange); -222 when too big."""
        ranges = self.table.ranges[mode]
        word = text.strip().upper()
        if word in ("DEF", "DEFAULT") or (word == "AUTO" and self.table.truevolt):
            return None
        if word in ("MIN", "MINIMUM"):
            return min(ranges)
        if word in ("MAX", "MAXIMUM"):
            return max(ranges)
        value = number(text, minimum=-math.inf, maximum=math.inf, unit=mode.unit.upper())
        for candidate in ranges:
            if abs(value) <= candidate * (1 + 1e-9):
                return candidate
        raise CommandError(-222)

    def _apply_resolution(self, mode: Mode, text: str | None) -> None:
        """Set the integration time (DC), digits (AC) or gate (counters) a resolution
        asks for; ``None``/DEF = the default (10 PLC, 6½ digits AC, 100 ms gate)."""
        settings = self._settings(mode)
        word = (text or "DEF").strip().upper()
        if mode.counts_signal:
            settings.gate_s = DEFAULT_GATE_S if word.startswith("DEF") else (
                max(self.table.gate_times) if word.startswith("MIN") else
                min(self.table.gate_times) if word.startswith("MAX") else settings.gate_s)
            return
        if mode.is_ac:
            settings.ac_resolution = self._ac_digits(mode, word, text)
            return
        if mode not in self.table.nplc_modes:
            return
        choices = self.table.model.nplc_choices
        if word in ("DEF", "DEFAULT"):
            settings.nplc = DEFAULT_NPLC
        elif word in ("MIN", "MINIMUM"):
            settings.nplc = max(choices)
        elif word in ("MAX", "MAXIMUM"):
            settings.nplc = min(choices)
        else:
            assert text is not None
            settings.nplc = self._nplc_for(mode, number(
                text, minimum=0.0, maximum=math.inf, unit=mode.unit.upper() or None))
        settings.aperture_enabled = False

    def _nplc_for(self, mode: Mode, wanted: float) -> float:
        """Return the shortest integration time whose resolution is at least ``wanted``."""
        range_value = self._settings(mode).range
        factors = self.table.model.resolution_factor
        for nplc in self.table.model.nplc_choices:
            if factors[nplc] * range_value <= wanted * (1 + 1e-9):
                return nplc
        raise CommandError(-222)

    def _ac_digits(self, mode: Mode, word: str, text: str | None) -> float:
        if word in ("DEF", "DEFAULT", "MIN", "MINIMUM"):
            return min(AC_RESOLUTIONS)
        if word in ("MAX", "MAXIMUM"):
            return max(AC_RESOLUTIONS)
        assert text is not None
        wanted = number(text, minimum=0.0, maximum=math.inf, unit=mode.unit.upper())
        range_value = self._settings(mode).range
        for factor in sorted(AC_RESOLUTIONS, reverse=True):
            if factor * range_value <= wanted * (1 + 1e-9):
                return factor
        raise CommandError(-222)

    def _configure_query(self, params: list[str]) -> str:
        no_params(params)
        mode = self.sim.mode
        if mode in (Mode.CONT, Mode.DIODE, Mode.TEMP):
            return f'"{mode.value}"' if mode is not Mode.TEMP else (
                f'"TEMP {self.sim.settings.temperature.transducer},'
                f'{self._probe_type()},{self.sim.resolution(mode, 1.0):+.6E}"')
        settings = self._settings(mode)
        return (f'"{mode.value} {settings.range:+.6E},'
                f'{self.sim.resolution(mode, settings.range):+.6E}"')

    def _probe_type(self) -> str:
        temperature = self.sim.settings.temperature
        if temperature.transducer == "TC":
            return temperature.tc_type
        return f"{85.0 if temperature.transducer in ('FRTD', 'RTD') else 5000.0:+.6E}"

    def _function_set(self, params: list[str]) -> None:
        text = one_param(params).strip()
        if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
            raise CommandError(-104)  # FUNCtion takes a quoted string
        wanted = text[1:-1].strip()
        for mode in self.table.ranges:
            if compile_header(mode.header).fullmatch(wanted):
                if mode is not self.sim.settings.mode:
                    self.sim.histogram.clear()
                self.sim.settings.mode = mode
                return
        raise CommandError(-224)

    # ----------------------------------------------------------------- ranges
    def _set_range(self, mode: Mode, params: list[str]) -> None:
        text = one_param(params)
        ranges = self.table.ranges[mode]
        word = text.strip().upper()
        if word in ("DEF", "DEFAULT"):
            if not self.table.truevolt:
                raise CommandError(-224)
            chosen: float | None = max(ranges)
        elif mode.counts_signal:
            chosen = self._volt_range(mode, text)
        else:
            chosen = self._parse_range(mode, text)
        if chosen is None:
            raise CommandError(-224)
        settings = self._settings(mode)
        settings.autorange = False
        settings.range = chosen

    def _volt_range(self, mode: Mode, text: str) -> float:
        """Return the voltage range of a counter's input that holds ``text`` volts."""
        ranges = self.table.ranges[mode]
        value = number(text, minimum=0.0, maximum=max(ranges), unit="V")
        if text.strip().upper().startswith("MIN"):
            return min(ranges)
        return next(r for r in ranges if value <= r * (1 + 1e-9))

    def _range_query(self, mode: Mode, params: list[str]) -> str:
        low, high = self.table.range_limit(mode)
        return nr3(query_value(params, current=self._settings(mode).range, minimum=low,
                               maximum=high, default=high))

    def _set_autorange(self, mode: Mode, params: list[str]) -> None:
        text = one_param(params)
        state = _on_off_once(text) if self.table.truevolt else boolean(text)
        settings = self._settings(mode)
        if state is None:  # ONCE: range on the present input, then hold that range
            settings.autorange = True
            self.sim.select_range_now(mode)
            settings.autorange = False
            return
        settings.autorange = state

    # ------------------------------------------------------- resolution & NPLC
    def _set_resolution(self, mode: Mode, params: list[str]) -> None:
        text = one_param(params)
        word = text.strip().upper()
        if self._settings(mode).autorange and word not in ("MIN", "MINIMUM", "MAX", "MAXIMUM",
                                                           "DEF", "DEFAULT"):
            raise CommandError(-221)  # a fixed resolution needs a fixed range
        self._apply_resolution(mode, text)

    def _resolution_query(self, mode: Mode, params: list[str]) -> str:
        settings = self._settings(mode)
        current = self.sim.resolution(mode, settings.range)
        if mode.is_ac:
            best, worst = min(AC_RESOLUTIONS) * settings.range, max(AC_RESOLUTIONS) * settings.range
            return nr3(query_value(params, current=current, minimum=best, maximum=worst,
                                   default=best))
        factors = self.table.model.resolution_factor
        best = factors[max(factors)] * settings.range
        worst = factors[min(factors)] * settings.range
        return nr3(query_value(params, current=current, minimum=best, maximum=worst,
                               default=factors[DEFAULT_NPLC] * settings.range))

    def _set_nplc(self, mode: Mode, params: list[str]) -> None:
        choices = self.table.model.nplc_choices
        wanted = number(one_param(params), minimum=min(choices), maximum=max(choices),
                        default=DEFAULT_NPLC)
        settings = self._settings(mode)
        # the meter rounds up to the next integration time it has
        settings.nplc = next(c for c in choices if c >= wanted * (1 - 1e-9))
        settings.aperture_enabled = False
        if mode is Mode.DCV:
            self._settings(Mode.RATIO).nplc = settings.nplc

    def _nplc_query(self, mode: Mode, params: list[str]) -> str:
        choices = self.table.model.nplc_choices
        return nr3(query_value(params, current=self._settings(mode).nplc, minimum=min(choices),
                               maximum=max(choices), default=DEFAULT_NPLC))

    def _set_gate(self, mode: Mode, params: list[str]) -> None:
        gates = self.table.gate_times
        wanted = number(one_param(params), minimum=min(gates), maximum=max(gates),
                        default=DEFAULT_GATE_S, unit="S")
        self._settings(mode).gate_s = next(g for g in gates if g >= wanted * (1 - 1e-9))

    def _gate_query(self, mode: Mode, params: list[str]) -> str:
        gates = self.table.gate_times
        return nr3(query_value(params, current=self._settings(mode).gate_s, minimum=min(gates),
                               maximum=max(gates), default=DEFAULT_GATE_S))

    def _aperture_bounds(self) -> tuple[float, float]:
        low, high = _APERTURE_S
        return low, high * 50.0 / self.table.model.line_frequency

    def _set_aperture(self, mode: Mode, params: list[str]) -> None:
        low, high = self._aperture_bounds()
        value = number(one_param(params), minimum=low, maximum=high,
                       default=DEFAULT_NPLC / self.table.model.line_frequency, unit="S")
        settings = self._settings(mode)
        settings.aperture_s = round(round(value / 2e-6) * 2e-6, 9)  # 2 µs steps
        settings.aperture_enabled = True

    def _aperture_query(self, mode: Mode, params: list[str]) -> str:
        low, high = self._aperture_bounds()
        default = DEFAULT_NPLC / self.table.model.line_frequency
        return nr3(query_value(params, current=self._settings(mode).aperture_s, minimum=low,
                               maximum=high, default=default))

    # ----------------------------------------------------------------- others
    def _set_zero(self, mode: Mode, params: list[str]) -> None:
        state = _on_off_once(one_param(params))
        self._settings(mode).autozero = bool(state)  # ONCE zeroes once, then stays off

    def _set_zero_all(self, params: list[str]) -> None:
        state = _on_off_once(one_param(params))
        for settings in self.sim.settings.modes.values():
            settings.autozero = bool(state)

    def _set_bandwidth(self, mode: Mode, params: list[str]) -> None:
        value = number(one_param(params), minimum=min(_BANDWIDTHS), maximum=math.inf,
                       default=DEFAULT_BANDWIDTH_HZ, unit="HZ")
        # the filter is the slowest one that still passes the lowest expected frequency
        self._settings(mode).bandwidth_hz = max(b for b in _BANDWIDTHS if b <= value * (1 + 1e-9))

    def _set_bandwidth_all(self, params: list[str]) -> None:
        self._set_bandwidth(Mode.ACV, params)
        chosen = self._settings(Mode.ACV).bandwidth_hz
        for settings in self.sim.settings.modes.values():
            settings.bandwidth_hz = chosen

    def _bandwidth_query(self, mode: Mode, params: list[str]) -> str:
        return nr3(query_value(params, current=self._settings(mode).bandwidth_hz,
                               minimum=min(_BANDWIDTHS), maximum=max(_BANDWIDTHS),
                               default=DEFAULT_BANDWIDTH_HZ))

    def _set_impedance(self, mode: Mode, params: list[str]) -> None:
        state = boolean(one_param(params))
        for each in (Mode.DCV, Mode.RATIO):
            self._settings(each).impedance_auto = state

    def _set_null_state(self, mode: Mode, params: list[str]) -> None:
        settings = self._settings(mode)
        settings.null_enabled = boolean(one_param(params))
        if settings.null_enabled:
            settings.null_auto = True  # the next reading becomes the null value

    def _set_null_value(self, mode: Mode, params: list[str]) -> None:
        settings = self._settings(mode)
        top = max(self.table.ranges[mode]) * 1.2
        settings.null_value = number(one_param(params), minimum=-top, maximum=top, default=0.0,
                                     unit=mode.unit.upper() or None)
        settings.null_auto = False

    def _null_value_query(self, mode: Mode, params: list[str]) -> str:
        top = max(self.table.ranges[mode]) * 1.2
        return nr3(query_value(params, current=self._settings(mode).null_value, minimum=-top,
                               maximum=top, default=0.0))

    def _set_terminals(self, mode: Mode, params: list[str]) -> None:
        value = number(one_param(params), minimum=3, maximum=10, default=3)
        if value not in (3, 10):
            raise CommandError(-224)
        for each in (Mode.DCI, Mode.ACI):
            self._settings(each).terminals_a = int(value)

    def _terminals_query(self, mode: Mode, params: list[str]) -> str:
        return self._reply(params, f"{self._settings(mode).terminals_a:+d}")

    def _set_current_switch(self, params: list[str]) -> None:
        chosen = choice(one_param(params), ["FAST", "CONTinuous"])
        for each in (Mode.DCI, Mode.ACI):
            self._settings(each).current_switch = chosen

    def _low_frequency_query(self, mode: Mode, params: list[str]) -> str:
        return self._reply(params, nr3(self._settings(mode).low_frequency_hz))

    def _set_low_frequency(self, mode: Mode, params: list[str]) -> None:
        value = number(one_param(params), minimum=3.0, maximum=200.0, default=20.0, unit="HZ")
        self._settings(mode).low_frequency_hz = max(b for b in _BANDWIDTHS
                                                    if b <= value * (1 + 1e-9))

    def _set_transducer(self, params: list[str]) -> None:
        self.sim.settings.temperature.transducer = _TRANSDUCER_NAMES[
            choice(one_param(params), _TRANSDUCERS)]

    def _set_rtd_reference(self, params: list[str]) -> None:
        self.sim.settings.temperature.rtd_reference_ohm = number(
            one_param(params), minimum=49.0, maximum=2100.0, default=100.0, unit="OHM")

    def _rtd_reference_query(self, params: list[str]) -> str:
        return nr3(query_value(params, current=self.sim.settings.temperature.rtd_reference_ohm,
                               minimum=49.0, maximum=2100.0, default=100.0))

    def _set_temperature_unit(self, params: list[str]) -> None:
        self.sim.settings.temperature.unit = choice(one_param(params), ["C", "F", "K"])
