"""The 1529's reply formats for ``FETCh? <channel>``, written and read in one place.

With ``FORMat:STAMp OFF`` (power-up) the reply is the bare value (``25.0123``). With
``FORMat:STAMp ON`` it is ``status,channel,value,unit,hour,minute,second,year,month,day``
(e.g. ``1,2,0.0011,mV,14,5,35,2000,9,5``), status 1 meaning a new reading, 0 one already
read (1529 User's Guide ch. 8). A channel without a valid reading gives the SCPI
"not a number" ``9.91E+37``. Replies end in CR LF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from metrolab.instrument.errors import InstrumentReplyError
from metrolab.instrument.readings import parse_number

#: unit letter of a stamped reply -> pint unit
UNITS = {"C": "degC", "F": "degF", "K": "kelvin", "O": "ohm", "MV": "mV"}
#: value printed when a channel has no valid reading
NO_READING = "9.91E+37"


@dataclass(frozen=True, slots=True)
class FetchReply:
    """One parsed ``FETCh?`` reply; the stamp fields are None for a plain reply."""

    value: float
    unit: str | None = None
    channel: int | None = None
    new: bool | None = None
    time: datetime | None = None


def format_value(value: float | None) -> str:
    """Return the 1529's text for a reading (4 decimals), or ``9.91E+37`` for none."""
    return NO_READING if value is None else f"{value:.4f}"


def format_stamped(new: bool, channel: int, value: float | None, unit: str,
                   timestamp: float) -> str:
    """Return a stamped reply; ``timestamp`` is seconds since the epoch, printed in UTC."""
    when = datetime.fromtimestamp(timestamp, tz=UTC)
    return (
        f"{int(new)},{channel},{format_value(value)},{unit},{when.hour},{when.minute},"
        f"{when.second},{when.year},{when.month},{when.day}"
    )


def parse_fetch_reply(text: str, *, instrument: str = "", command: str | None = None
                      ) -> FetchReply:
    """Return the reading in a plain or stamped ``FETCh?`` reply.

    Raises InstrumentReplyError for a reply of neither shape, an unknown unit or the
    "no valid reading" value.
    """
    fields = [field.strip() for field in text.strip().split(",")]
    if len(fields) == 1:
        return FetchReply(parse_number(fields[0], instrument=instrument, command=command))
    if len(fields) != 10:
        raise InstrumentReplyError(
            f"a FETCh? reply has 1 or 10 fields, this one has {len(fields)}",
            instrument=instrument, command=command, reply=text,
        )
    status, channel, value, unit, hour, minute, second, year, month, day = fields
    if unit.upper() not in UNITS:
        raise InstrumentReplyError(
            f"unknown unit {unit!r} in a FETCh? reply", instrument=instrument,
            command=command, reply=text,
        )
    try:
        when = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                        tzinfo=UTC)
        new, chan = int(status), int(channel)
    except ValueError:
        raise InstrumentReplyError(
            "the status, channel or time stamp of a FETCh? reply is not valid",
            instrument=instrument, command=command, reply=text,
        ) from None
    if new not in (0, 1) or chan < 1:
        raise InstrumentReplyError(
            f"status {new} / channel {chan} out of range in a FETCh? reply",
            instrument=instrument, command=command, reply=text,
        )
    number = parse_number(value, instrument=instrument, command=command)
    return FetchReply(number, UNITS[unit.upper()], chan, bool(new), when)
