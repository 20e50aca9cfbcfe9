"""Asking an unknown instrument who it is (``*IDN?``), whatever its line ends and framing.

Used by ``metrolab idn``. A serial instrument may end its replies with CR LF (the Hart
1529, the Fluke 5522A on RS-232) and may echo the command line behind a prompt (the
5522A in terminal mode: ``*IDN?`` then the answer); both are read past. An instrument
that does not speak IEEE 488.2 (the Vaisala HMT330 answers ``Unknown command``) is
reported as such, with what it answered.
"""

from __future__ import annotations

import re

from metrolab.errors import MetrolabError
from metrolab.instrument.errors import InstrumentReplyError
from metrolab.instrument.scpi import Identity, is_serial_resource
from metrolab.instrument.transport import open_transport

QUERY = "*IDN?"
#: lines read past (an echo of the query, with or without a ``N> `` prompt) before the answer
MAX_LINES = 3
_PROMPT = re.compile(r"^\d+> ")


class NotAnIEEE488Instrument(MetrolabError):
    """The instrument answered ``*IDN?`` with something other than an identity."""


def identify(resource: str, *, timeout_s: float = 5.0, backend: str | None = None) -> Identity:
    """Return the identity ``resource`` gives for ``*IDN?``.

    Serial resources are written with CR LF (taken by instruments that want CR or LF);
    a trailing CR is stripped from each reply line. Raises InstrumentTimeout when nothing
    comes back, NotAnIEEE488Instrument when the answer is not ``MAKER,MODEL,SERIAL,FW``.
    """
    options = {"backend": backend} if backend else {}
    serial = is_serial_resource(resource, options)
    transport = open_transport(resource, read_termination="\n",
                               write_termination="\r\n" if serial else "\n",
                               timeout_s=timeout_s, **options)
    try:
        transport.write(QUERY)
        lines = []
        for _ in range(MAX_LINES):
            line = _PROMPT.sub("", transport.read().rstrip("\r"))
            lines.append(line)
            if line.strip() != QUERY:  # not the echo of a terminal-mode instrument
                break
    finally:
        transport.close()
    answer = lines[-1]
    try:
        return Identity.parse(answer, instrument=resource)
    except InstrumentReplyError:
        raise NotAnIEEE488Instrument(
            f"{resource}: the instrument answered {QUERY} with {answer!r}: it does not speak "
            "IEEE 488.2 (not a SCPI instrument); use its own driver to identify it"
        ) from None
