"""One acquisition run as declared: instruments, what to read and set, timing, file.

:class:`DaqConfig` is what :func:`metrolab.daq.log`, :func:`metrolab.daq.sweep` and the
``metrolab log`` / ``metrolab sweep`` commands build. Its :meth:`DaqConfig.to_dict` goes
into the journal's ``run_started`` entry and the file's ``/entry/configuration``, so a
run can be resumed after a crash (:func:`metrolab.daq.resume`) with everything but the
caller's own Python functions, which a resume is given again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pint

from metrolab.daq.errors import DaqInputError
from metrolab.daq.parsing import unit_text
from metrolab.daq.spec import Axis, Readable, Watch, check_role
from metrolab.units import ureg

JOURNAL_SUFFIX = ".daqjournal"
Kind = Literal["log", "sweep"]


def journal_path_for(out: Path) -> Path:
    """Return the journal of data file ``out``: same folder and stem, ``.daqjournal``."""
    return out.with_suffix(JOURNAL_SUFFIX)


@dataclass(frozen=True, slots=True, eq=False)
class DaqConfig:
    """A whole acquisition: ``kind`` log (every ``every_s`` for ``duration_s`` and/or
    ``steps`` ticks, whichever ends first) or sweep (over ``axes``, nested, the first
    outermost), ``readings`` rows per step, into ``out``.

    ``instruments`` maps role -> VISA resource (or a driver object the caller opened);
    ``models`` names the model of a role that cannot be identified by probing;
    ``readables`` None records every reading the catalogue offers for each role not swept.
    ``flush_s`` bounds, in wall-clock seconds, how long rows wait before they are
    journalled (made durable) and flushed to the file.
    """

    kind: Kind
    instruments: Mapping[str, Any]
    out: Path
    readables: tuple[Readable, ...] | None = None
    axes: tuple[Axis, ...] = ()
    every_s: float = 0.0
    duration_s: float | None = None
    readings: int = 1
    watches: tuple[Watch, ...] = ()
    models: Mapping[str, str] = field(default_factory=dict)
    flush_s: float = 1.0
    timeout_s: float = 5.0
    virtual_clock: bool = False
    title: str = ""
    operator: str = ""
    simulation: Mapping[str, Any] = field(default_factory=dict)
    steps: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("log", "sweep"):
            raise DaqInputError(f"kind {self.kind!r}: a run is a 'log' or a 'sweep'")
        if not self.instruments:
            raise DaqInputError("no instrument given: name at least one ROLE=RESOURCE")
        for role in self.instruments:
            check_role(role, "instruments")
        if self.kind == "sweep" and not self.axes:
            raise DaqInputError("a sweep needs at least one Axis (what to set)")
        if self.kind == "log" and self.axes:
            raise DaqInputError("a log sets nothing: use a sweep for axes")
        if isinstance(self.readings, bool) or not isinstance(self.readings, int) \
                or self.readings < 1:
            raise DaqInputError(f"readings {self.readings!r}: at least 1 per step")
        if self.duration_s is not None and self.duration_s <= 0:
            raise DaqInputError(f"duration {self.duration_s!r} s: must be more than zero")
        if self.steps is not None and (isinstance(self.steps, bool) or self.steps < 1):
            raise DaqInputError(f"count {self.steps!r}: at least 1 tick")
        if self.kind == "log" and self.duration_s is None and self.steps is None:
            raise DaqInputError("a log needs a duration (--for 48h) or a count of readings "
                                "(--count N)")
        if self.kind == "sweep" and (self.steps is not None or self.duration_s is not None):
            raise DaqInputError("a sweep ends with its setpoints: no duration or count")
        if self.every_s < 0 or self.flush_s < 0 or self.timeout_s <= 0:
            raise DaqInputError("every, flush interval and timeout cannot be negative")
        if self.out.suffix == JOURNAL_SUFFIX:
            raise DaqInputError(f"--out {self.out}: that is the journal's suffix; name the "
                                "data file FILE.h5")
        self._check_roles()

    def _check_roles(self) -> None:
        declared: list[Readable | Axis | Watch] = [*(self.readables or ()), *self.axes,
                                                   *self.watches]
        for item in declared:
            if item.role not in self.instruments:
                raise DaqInputError(
                    f"{type(item).__name__} of role {item.role!r}: no instrument has that "
                    f"role (roles: {', '.join(self.instruments)})")
        swept = [axis.role for axis in self.axes]
        if len(set(swept)) != len(swept):
            raise DaqInputError("two axes set the same instrument; sweep each role once")
        names = [axis.column for axis in self.axes]
        if len(set(names)) != len(names):
            raise DaqInputError(f"axis names repeat: {names}")

    @property
    def journal(self) -> Path:
        """Return the path of the run's journal (beside the data file)."""
        return journal_path_for(self.out)

    @property
    def resumable(self) -> bool:
        """Return True when every instrument is a resource string (a resume can reopen it)."""
        return all(isinstance(r, str) for r in self.instruments.values())

    def to_dict(self) -> dict[str, Any]:
        """Return the declaration as JSON-safe data (Python functions become descriptions)."""
        return {
            "kind": self.kind,
            "instruments": {role: r if isinstance(r, str) else
                            f"python object {type(r).__module__}.{type(r).__qualname__}"
                            for role, r in self.instruments.items()},
            "models": dict(self.models),
            "readables": None if self.readables is None else [
                {"role": r.role, "call": r.call, "name": r.name, "unit": r.unit,
                 "custom": r.custom} for r in self.readables],
            "axes": [{"role": a.role, "call": a.call, "name": a.name, "unit": a.unit,
                      "values": a.magnitudes.tolist(), "settle_s": a.settle_s,
                      "custom": a.set is not None} for a in self.axes],
            "watches": [{"role": w.role, "call": w.call, "name": w.name,
                         "low": float(w.low.magnitude), "high": float(w.high.magnitude),
                         "low_unit": unit_text(w.low), "high_unit": unit_text(w.high),
                         "poll": _seconds_text(w.poll), "max_wait": _seconds_text(w.max_wait),
                         "custom": w.read is not None} for w in self.watches],
            "every_s": self.every_s, "duration_s": self.duration_s,
            "readings": self.readings, "flush_s": self.flush_s, "timeout_s": self.timeout_s,
            "virtual_clock": self.virtual_clock, "title": self.title,
            "operator": self.operator, "out": str(self.out),
            "simulation": dict(self.simulation), "steps": self.steps,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *,
                  readables: tuple[Readable, ...] = (), axes: tuple[Axis, ...] = (),
                  watches: tuple[Watch, ...] = ()) -> DaqConfig:
        """Return the config journalled by :meth:`to_dict`.

        The caller's own functions cannot be journalled: a readable, axis or watch that had
        one must be given again (same role and name) in ``readables``/``axes``/``watches``.
        Raises :class:`DaqInputError` when one is missing.
        """
        given_r = {(r.role, r.name): r for r in readables}
        given_a = {(a.role, a.name): a for a in axes}
        given_w = {(w.role, w.name): w for w in watches}
        restored_r = None if data.get("readables") is None else tuple(
            _given(given_r, d, "Readable") if d["custom"] else
            Readable(d["role"], d["call"], d["name"], unit=d["unit"])
            for d in data["readables"])
        restored_a = tuple(
            _given(given_a, d, "Axis") if d["custom"] else
            Axis(d["role"], ureg.Quantity(d["values"], d["unit"]), d["settle_s"], d["call"],
                 d["name"]) for d in data["axes"])
        restored_w = tuple(
            _given(given_w, d, "Watch") if d["custom"] else
            Watch(d["role"], ureg.Quantity(d["low"], d["low_unit"]),
                  ureg.Quantity(d["high"], d["high_unit"]), d["call"], d["name"],
                  poll=d["poll"], max_wait=d["max_wait"]) for d in data["watches"])
        return cls(
            data["kind"], dict(data["instruments"]), Path(data["out"]), restored_r, restored_a,
            float(data["every_s"]), data["duration_s"], int(data["readings"]), restored_w,
            dict(data.get("models", {})), float(data["flush_s"]), float(data["timeout_s"]),
            bool(data["virtual_clock"]), str(data.get("title", "")),
            str(data.get("operator", "")), dict(data.get("simulation", {})),
            data.get("steps"))


def _given(given: Mapping[tuple[str, str], Any], data: Mapping[str, Any], what: str) -> Any:
    key = (data["role"], data["name"])
    if key not in given:
        raise DaqInputError(
            f"the run had its own {what} function for role {data['role']!r}"
            f"{' named ' + repr(data['name']) if data['name'] else ''}; give the same "
            f"{what} again to resume it")
    return given[key]


def _seconds_text(value: float | str | pint.Quantity) -> str | float:
    if isinstance(value, pint.Quantity):
        return f"{value:~C}"
    return value
