"""How each command set of the DMM family phrases what the family driver asks.

A :class:`Dialect` turns "measure DCV on the 10 V range at 10 PLC" into the commands of
one command set: the 34401A/Truevolt/Fluke ``CONFigure`` forms, the Keithley 2000's
``:SENSe:FUNCtion 'VOLT:DC'`` forms, or the DMM6500's SCPI mode with its named reading
buffer. The driver (:mod:`.driver`) sends them; the profiles name the dialect.
"""

from __future__ import annotations

from dataclasses import dataclass

from metrolab.errors import UserInputError
from metrolab.instrument.functions import Function

#: CONFigure/SENSe node of each function in the 344xx/884xA command sets
_KEYSIGHT_NODE = {
    Function.DCV: "VOLT:DC", Function.ACV: "VOLT:AC", Function.DCI: "CURR:DC",
    Function.ACI: "CURR:AC", Function.RES2: "RES", Function.RES4: "FRES",
}
#: functions whose integration time is set in power-line cycles
NPLC_FUNCTIONS = frozenset({Function.DCV, Function.DCI, Function.RES2, Function.RES4})
#: the buffer the DMM6500/DMM7510 fill by default
DEFAULT_BUFFER = "defbuffer1"


@dataclass(frozen=True)
class Dialect:
    """The command forms of one command set (see the module docstring)."""

    name: str

    def node(self, function: Function) -> str:
        """Return the SENSe/CONFigure node of ``function`` (``VOLT:DC``, ``FRES`` ...)."""
        return _KEYSIGHT_NODE[function]

    def configure(self, function: Function, range_value: float | None,
                  nplc: float | None) -> list[str]:
        """Return the commands that select ``function`` on ``range_value`` (None =
        autorange) at ``nplc`` (None for AC), one trigger of one sample."""
        node = self.node(function)
        commands = [f"CONF:{node} {'DEF' if range_value is None else f'{range_value:g}'}"]
        if nplc is not None:
            commands.append(f"{node}:NPLC {nplc:g}")
        return [*commands, *self.trigger("IMM", 1, None), self.sample_count(1)]

    def sample_count(self, count: int) -> str:
        """Return the command that sets how many readings one trigger takes."""
        return f"SAMP:COUN {count:d}"

    def trigger(self, source: str, count: int, delay_s: float | None) -> list[str]:
        """Return the commands of the trigger model: ``source``, ``count``, delay (None:
        automatic)."""
        commands = [f"TRIG:SOUR {source}", f"TRIG:COUN {count:d}"]
        if delay_s is not None:
            commands.append(f"TRIG:DEL {delay_s:g}")
        return commands

    def read(self) -> str:
        """Return the query that triggers and answers the readings (``READ?``)."""
        return "READ?"

    def fetch(self, count: int) -> str:
        """Return the query that answers ``count`` stored readings."""
        return "FETC?"

    def initiate(self) -> str:
        """Return the command that arms a measurement whose readings go to memory."""
        return "INIT"


@dataclass(frozen=True)
class Keithley2000Dialect(Dialect):
    """Keithley 2000/2010: ``:SENSe:FUNCtion 'VOLT:DC'``, settings under the function,
    continuous initiation switched off first (it is on after power-on)."""

    def configure(self, function: Function, range_value: float | None,
                  nplc: float | None) -> list[str]:
        """Return ``:INIT:CONT OFF``, the function, its range and NPLC, one trigger, one
        sample (see :meth:`Dialect.configure`)."""
        node = self.node(function)
        commands = [":INIT:CONT OFF", f":SENS:FUNC '{node}'"]
        commands.append(f":SENS:{node}:RANG:AUTO ON" if range_value is None
                        else f":SENS:{node}:RANG {range_value:g}")
        if nplc is not None:
            commands.append(f":SENS:{node}:NPLC {nplc:g}")
        return [*commands, *self.trigger("IMM", 1, None), self.sample_count(1)]

    def sample_count(self, count: int) -> str:
        """Return ``:SAMP:COUN n``."""
        return f":SAMP:COUN {count:d}"

    def trigger(self, source: str, count: int, delay_s: float | None) -> list[str]:
        """Return ``:TRIG:SOUR``, ``:TRIG:COUN`` and ``:TRIG:DEL`` (or automatic delay)."""
        commands = [f":TRIG:SOUR {source}", f":TRIG:COUN {count:d}"]
        if delay_s is not None:
            commands.append(f":TRIG:DEL {delay_s:g}")
        return commands

    def read(self) -> str:
        """Return ``:READ?``."""
        return ":READ?"

    def fetch(self, count: int) -> str:
        """Return ``:FETC?``."""
        return ":FETC?"

    def initiate(self) -> str:
        """Return ``:INIT``."""
        return ":INIT"


@dataclass(frozen=True)
class Dmm6500Dialect(Dialect):
    """Keithley DMM6500/DMM7510 SCPI mode: ``:SENSe:FUNCtion "VOLT:DC"``, ``[SENSe:]COUNt``
    readings per ``:READ?`` into ``defbuffer1``, which answers only the last of them."""

    def configure(self, function: Function, range_value: float | None,
                  nplc: float | None) -> list[str]:
        """Return the function, its range and NPLC and a count of one."""
        node = self.node(function)
        commands = [f':SENS:FUNC "{node}"']
        commands.append(f":SENS:{node}:RANG:AUTO ON" if range_value is None
                        else f":SENS:{node}:RANG {range_value:g}")
        if nplc is not None:
            commands.append(f":SENS:{node}:NPLC {nplc:g}")
        return [*commands, self.sample_count(1)]

    def sample_count(self, count: int) -> str:
        """Return ``:SENS:COUN n`` (readings per READ?)."""
        return f":SENS:COUN {count:d}"

    def trigger(self, source: str, count: int, delay_s: float | None) -> list[str]:
        """Return the ``SimpleLoop`` trigger model of ``count`` readings after ``delay_s``;
        only the immediate source is offered (other sources need a trigger-model program)."""
        if source.upper() not in ("IMM", "IMMEDIATE"):
            raise UserInputError(
                f"trigger source {source!r}: the DMM6500/DMM7510 trigger model is a program "
                "of blocks; this driver loads only the immediate SimpleLoop (use 'IMM')")
        return [f':TRIG:LOAD "SimpleLoop", {count:d}, {delay_s or 0:g}']

    def read(self) -> str:
        """Return ``:READ? "defbuffer1"``."""
        return f':READ? "{DEFAULT_BUFFER}"'

    def fetch(self, count: int) -> str:
        """Return the query of the buffer's first ``count`` readings."""
        return f':TRAC:DATA? 1, {count:d}, "{DEFAULT_BUFFER}", READ'

    def initiate(self) -> str:
        """Return ``:INIT`` (runs the loaded trigger model)."""
        return ":INIT"

    def clear_buffer(self) -> str:
        """Return the command that empties ``defbuffer1``."""
        return f':TRAC:CLE "{DEFAULT_BUFFER}"'


_BY_NAME: dict[str, Dialect] = {
    "keysight-34401a": Dialect("keysight-34401a"),
    "keysight-truevolt": Dialect("keysight-truevolt"),
    "fluke-8846a": Dialect("fluke-8846a"),
    "keithley-2000": Keithley2000Dialect("keithley-2000"),
    "keithley-dmm6500": Dmm6500Dialect("keithley-dmm6500"),
}


def dialect(name: str) -> Dialect:
    """Return the command forms of dialect ``name`` (one of ``profile.DIALECTS``)."""
    return _BY_NAME[name]
