"""Traceability of a run: every standard in use checked against the register of standards.

A standard that is not registered, or is past its due date without an override reason,
stops the run before anything is measured; an override is journalled as an event.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from metrolab.clock import Clock
from metrolab.runner.errors import UserInputError
from metrolab.runner.instruments import OpenInstrument
from metrolab.runner.register import Register, Standard


def traceability(instruments: Mapping[str, OpenInstrument], register: Register | None,
                 on: datetime, overrides: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Check every standard against the register; return its traceability block by role.

    An environment monitor (the hygrometer whose readings the certificate reports) gets
    its block too when the register holds it, checked the same way; one the register
    does not hold is recorded without one, and the certificate says so.
    Raises :class:`UserInputError` when standards are in use and no register is given,
    and the register's named errors for a missing or expired standard.
    """
    blocks: dict[str, dict[str, Any]] = {}
    for role, instrument in instruments.items():
        if not (instrument.kind == "standard" or _registered_monitor(instrument, register)):
            continue
        if register is None:
            raise UserInputError(f"standard {role!r} is in use but no register of standards "
                                 "was given: use --register FILE (format: docs/procedures.md)")
        ident = instrument.identity
        entry, reason = register.check(role, (ident["manufacturer"], ident["model"],
                                              ident["serial"]), on.date(), overrides)
        blocks[role] = entry.traceability(reason)
    return blocks


def _registered_monitor(instrument: OpenInstrument, register: Register | None) -> bool:
    """Return True for an environment monitor that the register holds."""
    if instrument.kind != "environment" or register is None:
        return False
    ident = instrument.identity
    return register.find(ident["manufacturer"], ident["model"], ident["serial"]) is not None


def override_entries(clock: Clock, trace: Mapping[str, Mapping[str, Any]]
                     ) -> list[tuple[str, dict[str, Any]]]:
    """Return an ``override`` journal event for every standard used past its due date."""
    return [("event", {"time": clock.now(), "type": "override",
                       "message": f"expired standard {role} used: {block['override_reason']}",
                       "data": {"role": role, "reason": block["override_reason"]}})
            for role, block in trace.items() if block["override_reason"]]


def standards_in_use(instruments: Mapping[str, OpenInstrument], register: Register | None
                     ) -> dict[str, Standard]:
    """Return the register entry of every standard in use, by role (after
    :func:`traceability` has checked them; roles the register does not hold are left out)."""
    found: dict[str, Standard] = {}
    for role, instrument in instruments.items():
        if instrument.kind != "standard" or register is None:
            continue
        ident = instrument.identity
        entry = register.find(ident["manufacturer"], ident["model"], ident["serial"])
        if entry is not None:
            found[role] = entry
    return found
