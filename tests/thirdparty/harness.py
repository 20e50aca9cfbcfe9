"""Driving a simulator through someone else's driver, call by call.

A :class:`Call` is one property read, property write or method of a third-party driver,
the input it needs on the meter, a check of what it returned and, for calls the real
instrument does not support, the reason. :func:`run_calls` performs a table of calls on
one driver and returns an :class:`Outcome` per call: a call works when it raised
nothing, left no error in the instrument's queue (read through the driver's own
connection) and passed its check.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyvisa

import metrolab.instrument.pyvisa_backend  # noqa: F401  (registers "@metrolab")
from metrolab.clock import VirtualClock
from metrolab.instrument import Function
from metrolab.instrument.simulation import ManualSource, SimulatedInstrument, serve_tcp

#: what a call needs on the meter's input: (function, value, frequency or None)
Stimulus = tuple[Function, float, float | None]

DCV_10 = (Function.DCV, 10.0, None)
ACV_1 = (Function.ACV, 1.0, 1000.0)
DCI_100M = (Function.DCI, 0.1, None)
ACI_1 = (Function.ACI, 1.0, 1000.0)
OHM_1K = (Function.RES4, 1000.0, None)
OHM2_1K = (Function.RES2, 1000.0, None)
#: 2-wire ohms read the simulator's 0.2 Ω of test leads on top
LEADS_OHM = 0.2
#: seconds a new input is left to settle before the call that reads it
SETTLE_S = 1.0


@dataclass(frozen=True)
class Call:
    """One call of a third-party driver and what it must give."""

    name: str
    run: Callable[[Any], Any]
    check: Callable[[Any], bool] | None = None
    stimulus: Stimulus | None = None
    #: why the real instrument refuses this call (None: it supports it)
    unsupported: str | None = None


@dataclass(frozen=True)
class Outcome:
    """How one call went: ``ok`` when it worked; ``detail`` says what happened."""

    call: Call
    ok: bool
    detail: str


def near(expected: float, rel: float) -> Callable[[Any], bool]:
    """Return a check that a reading (a number or one-element sequence) is within
    ``rel`` of ``expected``."""

    def check(value: Any) -> bool:
        number = float(value[0]) if isinstance(value, list | tuple) else float(value)
        return math.isclose(number, expected, rel_tol=rel, abs_tol=rel * abs(expected))

    return check


def equals(expected: Any) -> Callable[[Any], bool]:
    """Return a check that a value equals ``expected``."""
    return lambda value: value == expected


def run_calls(driver: Any, calls: list[Call], *, rig: Rig,
              errors: Callable[[], list[str]]) -> list[Outcome]:
    """Perform ``calls`` on ``driver`` in order; ``errors`` drains the instrument's error
    queue through the driver's own connection and returns what it held. A call's
    stimulus is applied a second of the simulator's clock before the call, as a source
    on a bench settles before anyone reads it."""
    outcomes = []
    for call in calls:
        if call.stimulus is not None:
            function, value, frequency = call.stimulus
            rig.source.apply(function, value, frequency)
            rig.simulator.clock.sleep(SETTLE_S)
        try:
            value = call.run(driver)
        except Exception as exc:  # a third-party driver may raise anything
            queued = _safe(errors)
            outcomes.append(Outcome(call, False, f"{type(exc).__name__}: {exc} {queued}"))
            continue
        queued = _safe(errors)
        if queued:
            outcomes.append(Outcome(call, False, f"instrument errors {queued}"))
        elif call.check is not None and not call.check(value):
            outcomes.append(Outcome(call, False, f"wrong value {value!r}"))
        else:
            outcomes.append(Outcome(call, True, repr(value)[:60]))
    return outcomes


def _safe(errors: Callable[[], list[str]]) -> list[str]:
    try:
        return errors()
    except Exception as exc:  # the link itself may be out of step after a failure
        return [f"(error queue unreadable: {type(exc).__name__})"]


def drain(ask: Callable[[str], str]) -> list[str]:
    """Return every entry of the SCPI error queue, read with ``ask`` until it is empty."""
    found = []
    for _ in range(25):
        reply = ask("SYST:ERR?").strip()
        if reply.split(",")[0].strip() in ("+0", "0"):
            return found
        found.append(reply)
    return found


def assert_table(outcomes: list[Outcome]) -> None:
    """Fail unless every supported call worked and every unsupported one failed."""
    wrong = [f"{o.call.name}: {o.detail}" for o in outcomes
             if o.ok == (o.call.unsupported is not None)]
    assert not wrong, "\n".join(wrong)


def summary(outcomes: list[Outcome]) -> tuple[int, int, int]:
    """Return (calls tried, calls working, calls the real instrument supports)."""
    return (len(outcomes), sum(o.ok for o in outcomes),
            sum(o.call.unsupported is None for o in outcomes))


@dataclass
class Rig:
    """A simulator reachable at ``resource`` through pyvisa library ``library``."""

    simulator: SimulatedInstrument
    source: ManualSource
    resource: str
    library: str
    host: str = "127.0.0.1"
    port: int = 0


@contextmanager
def served(factory: Callable[..., SimulatedInstrument], transport: str, tmp_path: Path,
           registry_name: str, backend_resource: str) -> Iterator[Rig]:
    """Yield a :class:`Rig` for a simulator made by ``factory``: over TCP on 127.0.0.1
    (pyvisa-py) or in-process through the ``@metrolab`` backend at ``backend_resource``."""
    source = ManualSource()
    if transport == "tcp":
        simulator = factory(seed=3, clock=VirtualClock(), source=source)
        with serve_tcp(simulator) as server:
            yield Rig(simulator, source, server.resource, "@py", port=server.port)
        return
    bench = tmp_path / "bench.toml"
    bench.write_text(f'seed = 3\n[visa.resources]\n"{backend_resource}" = "{registry_name}"\n',
                     encoding="utf-8")
    library = f"{bench}@metrolab"
    manager = pyvisa.ResourceManager(library)
    simulator = manager.visalib.bench.find(backend_resource)
    simulator.source = source  # type: ignore[attr-defined]
    try:
        yield Rig(simulator, source, backend_resource, library)
    finally:
        manager.close()
