"""Opening and identifying the instruments of a run, one per role of the procedure.

Each resource is opened with the role's first driver, identified with ``*IDN?``, and
reopened with the driver of the model it answered with; a model the procedure does not
know is refused before anything is measured.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from metrolab.clock import Clock
from metrolab.instrument.errors import InstrumentConnectionError, InstrumentError
from metrolab.runner.discovery import Procedure
from metrolab.runner.errors import ResourceNotAnswering, UserInputError


@dataclass(slots=True)
class OpenInstrument:
    """One opened instrument: its role, driver object, resource and identity."""

    role: str
    kind: str
    driver: Any
    resource: str
    identity: dict[str, str]


def check_roles(procedure: Procedure, resources: Mapping[str, str], *,
                complete: bool = True) -> None:
    """Refuse resources for roles ``procedure`` does not have, and (``complete``) required
    roles left out.

    Raises :class:`UserInputError` naming the role and the option that gives it.
    """
    roles = procedure.metadata.instruments
    unknown = sorted(set(resources) - set(roles))
    if unknown:
        option = "--dut" if unknown[0] == "dut" else f"--standard {unknown[0]}=..."
        raise UserInputError(f"procedure {procedure.metadata.name} has no role {unknown[0]!r} "
                             f"({option}); its roles are: {', '.join(roles)}")
    missing = [r for r, spec in roles.items() if spec.required and r not in resources]
    if missing and complete:
        option = "--dut" if missing[0] == "dut" else f"--standard {missing[0]}=RESOURCE"
        what = roles[missing[0]].description
        raise UserInputError(f"no resource for role {missing[0]!r} ({what}): give {option}")


def open_instruments(procedure: Procedure, resources: Mapping[str, str], timeout_s: float,
                     clock: Clock) -> dict[str, OpenInstrument]:
    """Open and identify the instrument of every role of ``procedure``; return them by role.

    Raises :class:`UserInputError` for a required role without a resource or a role the
    procedure does not have, :class:`ResourceNotAnswering` when a resource cannot be
    opened or does not answer ``*IDN?``, and :class:`UserInputError` when the DUT model
    is not one the procedure applies to. Instruments already opened are closed on failure.
    """
    check_roles(procedure, resources)
    opened: dict[str, OpenInstrument] = {}
    try:
        for role, resource in resources.items():
            opened[role] = open_one(procedure, role, resource, timeout_s, clock)
    except BaseException:
        close_instruments(opened)
        raise
    return opened


def open_one(procedure: Procedure, role: str, resource: str, timeout_s: float,
             clock: Clock) -> OpenInstrument:
    """Open the instrument of ``role`` at ``resource`` with the driver of its model; return it."""
    spec = procedure.metadata.instruments[role]
    drivers = dict(spec.drivers)
    first = next(iter(drivers.values()))
    driver = _identify(first, role, resource, timeout_s, clock)
    identity = _identity_dict(driver.identity)
    model = identity["model"]
    chosen = next((cls for name, cls in drivers.items() if name.upper() == model.upper()), None)
    if chosen is None:
        driver.close()
        raise UserInputError(
            f"{role} at {resource} is a {identity['manufacturer']} {model}; procedure "
            f"{procedure.metadata.name} needs one of: {', '.join(drivers)}"
        )
    if chosen is not first:
        driver.close()
        driver = _identify(chosen, role, resource, timeout_s, clock)
    return OpenInstrument(role, spec.kind, driver, resource, identity)


def _identify(cls: Any, role: str, resource: str, timeout_s: float, clock: Clock) -> Any:
    options: dict[str, Any] = {"timeout_s": timeout_s}
    if "clock" in inspect.signature(cls.open).parameters:
        options["clock"] = clock  # drivers that wait (settling) wait on the run's clock
    try:
        driver = cls.open(resource, **options)
    except InstrumentError as exc:
        raise ResourceNotAnswering(f"{role} at {resource} cannot be opened: {exc}") from exc
    try:
        driver.identity  # noqa: B018 - the identification query is the point
    except InstrumentConnectionError as exc:
        driver.close()
        raise ResourceNotAnswering(f"{role} at {resource} cannot be reached: {exc}") from exc
    except InstrumentError as exc:
        driver.close()
        raise ResourceNotAnswering(
            f"{role} at {resource} does not answer *IDN? within {timeout_s:g} s: {exc}; "
            "check the resource string, the cable and that the instrument is on"
        ) from exc
    return driver


def _identity_dict(identity: Any) -> dict[str, str]:
    return {key: str(getattr(identity, key)) for key in ("manufacturer", "model", "serial",
                                                         "firmware")}


def close_instruments(instruments: Mapping[str, OpenInstrument]) -> None:
    """Close every opened instrument (errors while closing are not interesting any more)."""
    for instrument in instruments.values():
        try:
            instrument.driver.close()
        except InstrumentError:
            continue


def named_models(procedure: Procedure, resources: Mapping[str, str]) -> dict[str, str]:
    """Return role -> model for a dry run, which opens nothing: a role's resource may name
    its model instead, as ``*IDN?`` gives it (``34461A``, ``MODEL DMM6500``) or as a profile
    name (``keithley-dmm6500``, ``fluke-5520a``); a real resource (``TCPIP0::...``) or no
    resource keeps the role's first model.

    Raises :class:`UserInputError` for a name that is none of the role's models.
    """
    models = {}
    for role, spec in procedure.metadata.instruments.items():
        known = list(spec.drivers)
        text = resources.get(role, "").strip()
        if not text or "::" in text:
            models[role] = known[0]
            continue
        wanted = {text.upper(), text.upper().partition("-")[2]}
        found = next((m for m in known
                      if {m.upper(), m.upper().removeprefix("MODEL ")} & wanted), None)
        if found is None:
            raise UserInputError(
                f"dry run of {procedure.metadata.name}: {role} {text!r} is neither a resource "
                f"nor one of its models ({', '.join(known)}); a dry run opens nothing, so name "
                "the model (or its profile, e.g. keysight-34461a)")
        models[role] = found
    return models
