"""What a procedure is made of, and the messages its plans yield.

A procedure is a Python module with three names (format in ``docs/procedures.md``):

- ``METADATA``: a :class:`Metadata` (name, version, DUT models, instrument roles);
- ``TEST_POINTS``: a sequence of :class:`TestPoint`;
- ``measure_point(ctx, point)``: a *plan*, a generator that yields messages
  (:class:`Prompt`, :class:`Wait`, :class:`Do`, :class:`Read`, :class:`Note`,
  :class:`Watch`) and returns a
  :class:`PointOutcome`.

Optional plans with the same shape: ``prepare(ctx)`` (warm-up, reset, self-test),
``adjust(ctx)`` (between as-found and as-left), ``safe_state(ctx)`` (outputs to
standby; run on abort and at the end).

Plans never touch an instrument themselves: they describe the action and the
runner executes it. That is what lets the runner journal every reading before the
procedure sees it, pause between any two messages, check suspenders during waits,
and dry-run a procedure with no instrument at all (Bluesky's plans and run engine).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import pint

from metrolab.instrument.roles import Instrument

#: the role an action's instrument plays (a :mod:`metrolab.instrument.roles` protocol)
RoleT = TypeVar("RoleT", bound=Instrument)

RoleKind = Literal["dut", "standard", "environment"]


@dataclass(frozen=True, slots=True)
class InstrumentRole:
    """An instrument a procedure needs: its kind and the driver class for each model.

    ``drivers`` maps the model field of ``*IDN?`` to a driver class with
    ``open(resource, **kw)``; the first entry is used to open the resource and
    identify the instrument, and the matching one to drive it.
    """

    kind: RoleKind
    description: str
    drivers: Mapping[str, type[Instrument]]
    required: bool = True


@dataclass(frozen=True, slots=True)
class Metadata:
    """Who a procedure is: name, version, what it calibrates and with which instruments."""

    name: str
    version: str
    title: str
    dut_models: tuple[str, ...]
    instruments: Mapping[str, InstrumentRole]
    readings_per_point: int = 10
    #: watched condition: lab temperature band in °C (None: not watched)
    temperature_band_c: tuple[float, float] | None = (21.0, 25.0)


@dataclass(frozen=True, slots=True)
class TestPoint:
    """One line of a procedure's test-point table.

    ``connection`` names how the leads must be connected; the runner asks the
    operator to change the connection whenever it differs from the previous point's.
    ``connection_key`` is the short name of that connection in the prompt's key
    (``connect-<key>``, what an answers file answers); without it the key is made
    from the connection text.
    """

    __test__ = False  # not a pytest test class, despite the name

    point_id: str
    step: str
    function: str
    nominal: pint.Quantity
    range: pint.Quantity | None = None
    frequency: pint.Quantity | None = None
    connection: str = ""
    settings: Mapping[str, pint.Quantity] = field(default_factory=dict)
    connection_key: str = ""

    def label(self) -> str:
        """Return a short human label, e.g. ``DCV 10 V @ 10 V`` (for progress and dry runs)."""
        text = f"{self.function} {self.nominal:~#P}"
        if self.range is not None:
            text += f" (range {self.range:~#P})"
        if self.frequency is not None:
            text += f" at {self.frequency:~#P}"
        return text


@dataclass(frozen=True, slots=True)
class ManualSetting:
    """Something the operator sets by hand when asked (a bath set point, say).

    On a real bench it only documents the prompt; on simulated instruments
    (``metrolab run --simulate``, ``metrolab demo``) the simulation applies it when the
    operator confirms, as the operator's hand would.
    """

    name: str
    value: pint.Quantity


@dataclass(frozen=True, slots=True)
class Prompt:
    """Ask the operator. ``confirm``: must be answered yes or the run aborts;
    ``yes_no``: the answer (True/False) is sent back into the plan. ``setting`` says
    what the operator sets by hand, when the prompt asks for that.
    """

    key: str
    text: str
    kind: Literal["confirm", "yes_no"] = "confirm"
    default: bool = True
    setting: ManualSetting | None = None


@dataclass(frozen=True, slots=True)
class Wait:
    """Wait ``seconds`` on the injected clock (warm-up, settling); suspenders are checked."""

    seconds: float
    reason: str


@dataclass(frozen=True)  # no slots: Do[Role](...) sets __orig_class__ on the instance
class Do(Generic[RoleT]):
    """Have the runner call ``action(instrument)`` on the instrument in ``role``.

    The return value of ``action`` is sent back into the plan. A dry run lists
    ``description`` and sends back None. ``Do[Calibrator](...)`` types the action's
    argument by the role's protocol (:mod:`metrolab.instrument.roles`).
    """

    role: str
    description: str
    action: Callable[[RoleT], Any]


@dataclass(frozen=True)  # no slots: Read[Role](...) sets __orig_class__ on the instance
class Read(Generic[RoleT]):
    """Have the runner take ``count`` readings with ``read(instrument, count) -> pint.Quantity``.

    Readings of the DUT (``journal=True``) are written to the journal, one entry
    each, before the plan receives them as a 1-D Quantity. A dry run sends back
    ``count`` copies of ``placeholder``.
    """

    role: str
    count: int
    description: str
    read: Callable[[RoleT, int], pint.Quantity]
    placeholder: pint.Quantity
    journal: bool = True


@dataclass(frozen=True, slots=True)
class Watch:
    """Watch a condition for the rest of the point: a suspender on an instrument reading.

    From this message on, until the point ends, the runner reads ``read(instrument)``
    of ``role`` during every wait; while the value is outside [``low``, ``high``] it
    pauses on the injected clock (polling every ``poll_s``, aborting after
    ``max_wait_s``) and then measures the point again from its start, so no reading
    taken while the condition was out of band is kept.
    """

    name: str
    role: str
    read: Callable[[Any], pint.Quantity]
    low: pint.Quantity
    high: pint.Quantity
    poll_s: float = 30.0
    max_wait_s: float = 3600.0


@dataclass(frozen=True, slots=True)
class Note:
    """Have the runner journal ``text`` as an ``event`` of type ``note`` (a warning from
    the evaluation, say), with ``data``."""

    text: str
    data: Mapping[str, Any] = field(default_factory=dict)


Message = Prompt | Wait | Do[Any] | Read[Any] | Note | Watch


class StopRun(Exception):
    """Raised by a plan to end the run cleanly (self-test failed, say): the runner makes the
    instruments safe, journals the reason and seals the record as aborted."""


@dataclass(frozen=True, slots=True)
class PointOutcome:
    """What ``measure_point`` returns: the reduced result of one point (JSON-safe parts).

    ``value`` is the mean DUT reading, ``reference`` the standard's value, ``error``
    value − reference, ``tolerance`` the (lower, upper) limits of the error,
    ``budget`` a ``GumResult.to_dict()`` and ``decision`` a ``Decision.to_dict()``.
    ``caveats`` are one-line warnings about the specification data the point used (an
    unverified row, a provisional table: ``AccuracySpec.caveat``); they go into the record
    and onto the certificate.
    """

    value: pint.Quantity
    reference: pint.Quantity
    error: pint.Quantity
    tolerance: tuple[pint.Quantity, pint.Quantity]
    budget: dict[str, Any]
    decision: dict[str, Any]
    caveats: tuple[str, ...] = ()
    #: where each standard's value came from (``ValueLookup.record(role)``): certificate,
    #: drift model, or specification and why
    standard_values: tuple[dict[str, Any], ...] = ()


Plan = Generator[Message, Any, Any]
PointPlan = Generator[Message, Any, PointOutcome]
