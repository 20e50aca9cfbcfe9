"""The instruments metrolab.daq knows by model: their driver, readings and settings.

Each entry names the driver class (imported only when an instrument of that model is
opened: ``metrolab.daq`` sits above the drivers, as the demo does) and parses the *calls*
people write after ``ROLE=`` on the command line or in :class:`~metrolab.daq.spec.Readable`:

========================  ===============================================  ============
models                    reading calls (default first)                    setting
========================  ===============================================  ============
34401A, 34465A (DMMs)     ``DCV``, ``ACV 10V``, ``RES4 10kohm nplc=1`` ...  (none)
1529 (thermometer)        ``ch1`` ... ``ch4``                              (none)
HMT330 (environment)      ``temperature``, ``humidity``, ``pressure``      (none)
5522A (calibrator)        (none)                                           ``output``
========================  ===============================================  ============

A DMM call is ``FUNCTION [RANGE|AUTO] [nplc=N]``: the meter is configured once before
the first reading, and ``count`` readings come as one buffer (``READ?`` with
``SAMP:COUN``; on the 34465A a REAL,64 binary block). A 5522A setting selects the
output, puts the calibrator in operate and waits until it reports settled; its safe
state (end of run, abort) is standby.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pint

from metrolab.daq.errors import DaqInputError
from metrolab.daq.parsing import unit_text
from metrolab.daq.spec import ReadFunction, SetFunction
from metrolab.errors import UserInputError
from metrolab.instrument.functions import Function
from metrolab.units import ureg


@dataclass(frozen=True, slots=True)
class ReadCall:
    """One catalogue reading: its normalised call text, column suffix, unit and functions."""

    call: str
    suffix: str
    unit: str
    read: ReadFunction
    setup: Callable[[Any], Any] | None = None


@dataclass(frozen=True, slots=True)
class SetCall:
    """One catalogue setting: its call text, the dimension its values need, the setter and
    the safe state."""

    call: str
    dimensions: tuple[str, ...]
    set: SetFunction
    safe: Callable[[Any], Any] | None = None


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """An instrument family: the ``*IDN?`` models it covers, its driver and its calls."""

    title: str
    models: tuple[str, ...]
    driver: str
    default_reads: tuple[str, ...]
    reads: Callable[[str], ReadCall] | None = None
    sets: Callable[[str], SetCall] | None = None
    snapshot: Callable[[Any], dict[str, Any]] = field(default=lambda driver: {})
    #: the calls, as the error messages list them
    read_help: str = ""
    set_help: str = ""

    def driver_class(self) -> Any:
        """Return the driver class (imported now)."""
        module, _, name = self.driver.partition(":")
        return getattr(importlib.import_module(module), name)

    def read_call(self, call: str, role: str) -> ReadCall:
        """Return the reading ``call`` (empty: the default) of this model, for ``role``.

        Raises :class:`DaqInputError` naming the calls the model has.
        """
        if self.reads is None:
            raise DaqInputError(f"{role}: the {self.title} gives no readings to record; "
                                f"sweep it instead ({self.set_help})")
        return self.reads(call.strip() or self.default_reads[0])

    def set_call(self, call: str, role: str) -> SetCall:
        """Return the setting ``call`` (empty: the default) of this model, for ``role``.

        Raises :class:`DaqInputError` when the model has nothing to set.
        """
        if self.sets is None:
            raise DaqInputError(f"{role}: the {self.title} has no setting to sweep; record "
                                f"its readings instead ({self.read_help})")
        return self.sets(call.strip())


# -- digital multimeters ----------------------------------------------------------------

def _dmm_call(text: str) -> ReadCall:
    """Parse ``FUNCTION [RANGE|AUTO] [nplc=N]`` into the DMM reading it names."""
    words = text.split()
    try:
        function = Function.parse(words[0])
    except (IndexError, UserInputError) as exc:
        raise DaqInputError(f"DMM call {text!r}: {exc}; write FUNCTION [RANGE|AUTO] "
                            "[nplc=N], e.g. 'DCV 10V nplc=1'") from None
    range_q: pint.Quantity | None = None
    nplc = 10.0
    for word in words[1:]:
        key, sep, value = word.partition("=")
        try:
            if sep and key.lower() == "nplc":
                nplc = float(value)
            elif not sep and word.upper() == "AUTO":
                range_q = None
            elif not sep:
                range_q = ureg.Quantity(word)
                range_q.to(function.unit)
            else:
                raise ValueError(f"unknown option {key!r}")
        except (ValueError, pint.errors.PintError, AttributeError):
            raise DaqInputError(f"DMM call {text!r}: {word!r} is neither a {function.unit} "
                                "range (10V, 100mA, 10kohm), AUTO nor nplc=N") from None
    if not math.isfinite(nplc) or nplc <= 0:
        raise DaqInputError(f"DMM call {text!r}: nplc must be a positive number")
    normal = " ".join([function.name, "AUTO" if range_q is None else
                       f"{range_q.magnitude:g}{unit_text(range_q)}", f"nplc={nplc:g}"])

    def setup(dmm: Any) -> None:
        dmm.configure(function, range_q, nplc=nplc)

    def read(dmm: Any, count: int) -> pint.Quantity:
        return dmm.read() if count == 1 else dmm.read_many(count)

    default = function is Function.DCV and range_q is None and nplc == 10.0
    return ReadCall(normal, "" if default else function.name.lower(), function.unit, read,
                    setup)


def _dmm_snapshot(dmm: Any) -> dict[str, Any]:
    return {"function": dmm.function.name if dmm.function else None, "range": dmm.range,
            "nplc": dmm.nplc, "CONF?": dmm.query("CONF?")}


# -- thermometer readout ----------------------------------------------------------------

def _readout_call(text: str) -> ReadCall:
    """Parse ``chN`` (N = 1-4) into a reading of that channel, in °C."""
    lowered = text.strip().lower()
    if lowered not in {f"ch{n}" for n in range(1, 5)}:
        raise DaqInputError(f"1529 call {text!r}: use ch1, ch2, ch3 or ch4")
    channel = int(lowered[2])

    def read(readout: Any, count: int) -> pint.Quantity:
        values = [readout.read_temperature(channel).to("degC").magnitude for _ in range(count)]
        return ureg.Quantity(np.array(values, dtype=np.float64), "degC")

    return ReadCall(lowered, lowered, "degC", read)


# -- environment transmitter ------------------------------------------------------------

_ENVIRONMENT_UNITS = {"temperature": "degC", "humidity": "percent", "pressure": "hPa"}


def _environment_call(text: str) -> ReadCall:
    """Parse ``temperature``, ``humidity`` or ``pressure`` into that reading."""
    name = text.strip().lower()
    if name not in _ENVIRONMENT_UNITS:
        raise DaqInputError(f"HMT330 call {text!r}: use {', '.join(_ENVIRONMENT_UNITS)}")
    unit = _ENVIRONMENT_UNITS[name]

    def read(transmitter: Any, count: int) -> pint.Quantity:
        values = []
        for _ in range(count):
            value = getattr(transmitter.read(), name)
            if value is None:
                raise DaqInputError(f"{transmitter.name} has no barometer: it reports no "
                                    "pressure; leave the pressure reading out")
            values.append(value.to(unit).magnitude)
        return ureg.Quantity(np.array(values, dtype=np.float64), unit)

    return ReadCall(name, name, unit, read)


# -- calibrator -------------------------------------------------------------------------

def _calibrator_call(text: str) -> SetCall:
    """Parse ``output`` (or nothing) into the 5522A's output setting."""
    if text.strip().lower() not in ("", "output"):
        raise DaqInputError(f"5522A call {text!r}: the calibrator sweeps its 'output'")

    def set_output(calibrator: Any, value: pint.Quantity) -> None:
        calibrator.set_output(value)
        if not calibrator.is_operating():
            calibrator.operate()
        calibrator.wait_settled()

    def standby(calibrator: Any) -> None:
        calibrator.standby()

    return SetCall("output", ("V", "A", "ohm"), set_output, standby)


def _calibrator_snapshot(calibrator: Any) -> dict[str, Any]:
    value, frequency = calibrator.output()
    return {"output": f"{value:~C}", "frequency": None if frequency is None
            else f"{frequency:~C}", "operating": calibrator.is_operating()}


#: every family, in the order instruments are probed when no model is given
CATALOGUE: tuple[ModelEntry, ...] = (
    ModelEntry("Keysight 34401A DMM", ("34401A",), "metrolab.drivers.keysight:Keysight34401A",
               ("DCV",), reads=_dmm_call, snapshot=_dmm_snapshot,
               read_help="FUNCTION [RANGE|AUTO] [nplc=N]"),
    ModelEntry("Keysight 34465A DMM", ("34465A",), "metrolab.drivers.keysight:Keysight34465A",
               ("DCV",), reads=_dmm_call, snapshot=_dmm_snapshot,
               read_help="FUNCTION [RANGE|AUTO] [nplc=N]"),
    ModelEntry("Fluke 5522A calibrator", ("5522A", "5520A", "5500A"),
               "metrolab.drivers.fluke:Fluke5522A", (), sets=_calibrator_call,
               snapshot=_calibrator_snapshot, set_help="output"),
    ModelEntry("Hart 1529 thermometer readout", ("1529",), "metrolab.drivers.hart:Hart1529",
               ("ch1",), reads=_readout_call, read_help="ch1 ... ch4"),
    ModelEntry("Vaisala HMT330 transmitter", ("HMT330", "HMT331", "HMT333", "HMT334",
                                               "HMT335", "HMT337", "HMT338"),
               "metrolab.drivers.vaisala:VaisalaHMT330", ("temperature", "humidity"),
               reads=_environment_call, read_help="temperature, humidity, pressure"),
)


def entry_for_model(model: str) -> ModelEntry | None:
    """Return the catalogue entry of ``*IDN?`` model ``model`` (case-insensitive), or None."""
    wanted = model.strip().upper()
    return next((e for e in CATALOGUE if wanted in e.models), None)


def known_models() -> Mapping[str, str]:
    """Return model -> family title for every model in the catalogue (for messages)."""
    return {model: entry.title for entry in CATALOGUE for model in entry.models}
