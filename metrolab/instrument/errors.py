"""Named failures of the instrument layer.

Every error names the instrument, the command that was sent and what came back,
so the message alone tells an operator where to look and what to do.
"""

from __future__ import annotations

from metrolab.errors import MetrolabError


class InstrumentError(MetrolabError):
    """An instrument did not do what was asked.

    ``instrument`` is the driver's name (or resource string), ``command`` the last
    command sent, ``reply`` what came back (None when nothing did).
    """

    def __init__(
        self,
        message: str,
        *,
        instrument: str = "",
        command: str | None = None,
        reply: str | bytes | None = None,
        hint: str = "",
    ) -> None:
        self.instrument = instrument
        self.command = command
        self.reply = reply
        self.detail = message
        parts = [f"{instrument}: {message}" if instrument else message]
        if command is not None:
            parts.append(f"command {command!r}")
        if reply is not None:
            more = " (cut)" if len(reply) > 120 else ""
            parts.append(f"reply {reply[:120]!r}{more}")
        if hint:
            parts.append(hint)
        super().__init__("; ".join(parts))


class InstrumentTimeout(InstrumentError):
    """No complete reply arrived within the transport's timeout.

    Any late reply is discarded before the next exchange (the driver re-synchronises).
    """


class InstrumentConnectionError(InstrumentError):
    """The connection could not be opened or was lost (closed by the peer, I/O error)."""


class InstrumentReplyError(InstrumentError):
    """A reply arrived but is not what the command's reply must look like (garbled)."""


class SCPIError(InstrumentError):
    """The instrument put an error on its error queue after a command.

    ``code`` and ``message`` are the first error; ``errors`` holds every error drained.
    """

    def __init__(
        self,
        code: int,
        message: str,
        *,
        instrument: str = "",
        command: str | None = None,
        errors: list[tuple[int, str]] | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.errors = errors if errors is not None else [(code, message)]
        listed = "; ".join(f"{c},{m!r}" for c, m in self.errors)
        super().__init__(
            f"instrument reported error {listed}",
            instrument=instrument,
            command=command,
            hint="check the command and its parameters against the instrument's manual",
        )


class OverloadError(InstrumentError):
    """The instrument returned its overload value (±9.9E37): the input exceeds the range.

    An overload is never recorded as a reading. Select a higher range (or auto range).
    """


class SafetyInterlockError(InstrumentError):
    """An action needs explicit operator confirmation (e.g. an output above 30 V)."""


class SpecificationUnavailable(MetrolabError):
    """No published specification is held for this function, range or frequency."""
