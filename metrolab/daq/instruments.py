"""Opening the instruments of an acquisition: one per role, identified, with its driver.

A role may also be given a driver object the caller opened (any object: its own
instrument class, a QCoDeS or PyMeasure instrument): it is read through the caller's
``Readable(read=...)`` functions, identified by its ``identity`` if it has one, and left
open at the end. A role given a model (``models={"thermometer": "1529"}``,
``--model thermometer=1529``) is opened with that model's driver. Otherwise the resource
is probed with the catalogue's drivers in order (``*IDN?``, or ``VERS`` for a Vaisala
transmitter, each with its own serial settings) and reopened with the driver of the
model that answered.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from metrolab.clock import Clock
from metrolab.daq.catalogue import CATALOGUE, ModelEntry, entry_for_model, known_models
from metrolab.daq.errors import DaqInputError
from metrolab.errors import UserInputError
from metrolab.instrument.errors import InstrumentError


@dataclass(slots=True)
class OpenedInstrument:
    """One opened instrument: role, resource, driver object, identity and catalogue entry
    (None for a caller's object of a model the catalogue does not know)."""

    role: str
    resource: str
    driver: Any
    identity: dict[str, str]
    entry: ModelEntry | None
    #: False for a driver object the caller opened (and closes)
    owned: bool = True

    def close(self) -> None:
        """Close the driver's transport if metrolab opened it (errors while closing are not
        interesting any more)."""
        if self.owned:
            with contextlib.suppress(InstrumentError):
                self.driver.close()


def _open(cls: Any, resource: str, timeout_s: float, clock: Clock) -> Any:
    options: dict[str, Any] = {"timeout_s": timeout_s}
    if "clock" in inspect.signature(cls.open).parameters:
        options["clock"] = clock  # drivers that wait (settling) wait on the run's clock
    return cls.open(resource, **options)


def _identity(driver: Any) -> dict[str, str]:
    identity = driver.identity
    return {key: str(getattr(identity, key)) for key in ("manufacturer", "model", "serial",
                                                         "firmware")}


def open_one(role: str, resource: str, model: str | None, timeout_s: float,
             clock: Clock) -> OpenedInstrument:
    """Open and identify the instrument of ``role``; return it with its catalogue entry.

    Raises :class:`DaqInputError` for a model the catalogue does not know, or when the
    resource cannot be opened or answers as none of the catalogue's models.
    """
    if model is not None:
        entry = entry_for_model(model)
        if entry is None:
            raise DaqInputError(f"{role}: model {model!r} is not one metrolab.daq knows "
                                f"({', '.join(known_models())}); read it with your own "
                                "Readable(read=..., unit=...)")
        candidates: tuple[ModelEntry, ...] = (entry,)
    else:
        candidates = CATALOGUE
    failures: list[str] = []
    for entry in candidates:
        try:
            driver = _open(entry.driver_class(), resource, timeout_s, clock)
        except InstrumentError as exc:
            raise DaqInputError(f"{role} at {resource} cannot be opened: {exc}") from exc
        except UserInputError as exc:
            raise DaqInputError(f"{role}: {exc}") from exc
        try:
            identity = _identity(driver)
        except InstrumentError as exc:
            driver.close()
            failures.append(f"{entry.title}: {exc}")
            continue
        found = entry_for_model(identity["model"])
        if found is None or (model is not None and found is not entry):
            driver.close()
            raise DaqInputError(
                f"{role} at {resource} is a {identity['manufacturer']} {identity['model']}"
                + (f", not a {model}" if model else "")
                + f"; metrolab.daq knows {', '.join(known_models())} (use Readable(read=...) "
                "for others)")
        if found is not entry:
            driver.close()
            driver = _open(found.driver_class(), resource, timeout_s, clock)
            # the probe spoke another model's dialect (a 34401A's SYST:REM to a 34465A,
            # say): clear the errors it left so the run's first command does not meet them
            driver.drain_errors()
        return OpenedInstrument(role, resource, driver, identity, found)
    raise DaqInputError(f"{role} at {resource} answered as none of the instruments "
                        f"metrolab.daq knows ({'; '.join(failures)}); check the resource, "
                        "or name the model (--model ROLE=MODEL)")


def given_object(role: str, driver: Any) -> OpenedInstrument:
    """Return a driver object the caller opened as the instrument of ``role`` (left open).

    Its identity is read from ``driver.identity`` when it has one (instrument errors
    propagate), else it is named by its class.
    """
    if hasattr(driver, "identity"):
        identity = _identity(driver)
    else:
        identity = {"manufacturer": "", "model": type(driver).__name__, "serial": "",
                    "firmware": ""}
    resource = str(getattr(getattr(driver, "transport", None), "resource", "")) or \
        f"python object {type(driver).__module__}.{type(driver).__qualname__}"
    return OpenedInstrument(role, resource, driver, identity,
                            entry_for_model(identity["model"]), owned=False)


def open_instruments(resources: Mapping[str, Any], models: Mapping[str, str],
                     timeout_s: float, clock: Clock) -> dict[str, OpenedInstrument]:
    """Open every role's instrument (a resource string) or take the caller's driver object;
    return them by role (those opened here are closed again on failure)."""
    unknown = sorted(set(models) - set(resources))
    if unknown:
        raise DaqInputError(f"model given for role {unknown[0]!r}, which has no resource")
    opened: dict[str, OpenedInstrument] = {}
    try:
        for role, resource in resources.items():
            if isinstance(resource, str):
                opened[role] = open_one(role, resource, models.get(role), timeout_s, clock)
            else:
                opened[role] = given_object(role, resource)
    except BaseException:
        close_instruments(opened)
        raise
    return opened


def close_instruments(instruments: Mapping[str, OpenedInstrument]) -> None:
    """Close every opened instrument."""
    for instrument in instruments.values():
        instrument.close()
