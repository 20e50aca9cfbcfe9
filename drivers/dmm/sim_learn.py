"""The instrument state as a program message: ``*LRN?`` and the state and preference
files of ``MMEMory`` (Truevolt Operating and Service Guide, IEEE 488.2 10.17).

The state is written as the setting commands that restore it, each followed by what
its own query answers now (``:VOLT:DC:RANG +1.00000000E+01;:VOLT:DC:RANG:AUTO 0;...``),
in an order where no command undoes a later one (a range before its autorange flag,
a null state before its value). Sending the text back to the meter restores every
setting it names; the measurement function goes last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from metrolab.drivers.dmm.modes import Mode

from metrolab.instrument.simulation import CommandError

if TYPE_CHECKING:
    from metrolab.drivers.dmm.simulator import DmmSimulator

#: the short node of each mode in the learn string
_NODES = {Mode.DCV: "VOLT", Mode.ACV: "VOLT:AC", Mode.DCI: "CURR", Mode.ACI: "CURR:AC",
          Mode.RES2: "RES", Mode.RES4: "FRES", Mode.FREQ: "FREQ", Mode.PER: "PER",
          Mode.CAP: "CAP", Mode.TEMP: "TEMP", Mode.RATIO: "VOLT:RAT"}
#: per-mode settings, in restoring order (a node the mode lacks is skipped)
_MODE_SETTINGS = ("RANG", "VOLT:RANG", "RANG:AUTO", "VOLT:RANG:AUTO", "NPLC", "APER",
                  "APER:ENAB", "ZERO:AUTO", "BAND", "RANG:LOW", "TIM:AUTO", "IMP:AUTO",
                  "OCOM", "POW:LIM", "TERM", "NULL", "NULL:VAL", "NULL:VAL:AUTO", "SEC")
#: settings of the whole meter, in restoring order
_METER_SETTINGS = (
    "CURR:SWIT:MODE", "TEMP:TRAN:TYPE", "TEMP:TRAN:FRTD:RES", "TEMP:TRAN:RTD:RES",
    "TEMP:TRAN:TC:TYPE", "TEMP:TRAN:TC:CHEC", "TEMP:TRAN:TC:RJUN:TYPE", "TEMP:TRAN:TC:RJUN",
    "TEMP:TRAN:TC:RJUN:OFFS:ADJ", "TEMP:TRAN:FRTD:OCOM", "TEMP:TRAN:FRTD:POW:LIM",
    "TEMP:TRAN:THER:POW:LIM", "UNIT:TEMP",
    "TRIG:SOUR", "TRIG:COUN", "TRIG:DEL", "TRIG:DEL:AUTO", "TRIG:SLOP", "OUTP:TRIG:SLOP",
    "SAMP:COUN", "SAMP:SOUR", "SAMP:TIM", "FORM", "FORM:BORD",
    "CALC:SCAL:FUNC", "CALC:SCAL:GAIN", "CALC:SCAL:OFFS", "CALC:SCAL:REF",
    "CALC:SCAL:REF:AUTO", "CALC:SCAL:DB:REF", "CALC:SCAL:DBM:REF", "CALC:SCAL:UNIT",
    "CALC:SCAL:UNIT:STAT", "CALC:SCAL:STAT", "CALC:LIM:LOW", "CALC:LIM:UPP", "CALC:LIM:STAT",
    "CALC:AVER:STAT", "CALC:SMO:RESP", "CALC:SMO:STAT", "CALC:TCH:STAT",
    "CALC:TRAN:HIST:POIN", "CALC:TRAN:HIST:RANG:AUTO", "CALC:TRAN:HIST:STAT",
    "DATA:POIN:EVEN:THR", "DISP", "DISP:VIEW",
)
#: settings that need an option the meter may lack (asked only when it has it)
_DIG_SETTINGS = ("TRIG:LEV", "SAMP:COUN:PRET")
#: the preferences a preferences file keeps (not changed by *RST)
PREFERENCE_SETTINGS = (
    "SYST:BEEP:STAT", "SYST:CLIC:STAT", "SYST:LAB", "SYST:WMES", "SYST:USB:HOST:ENAB",
    "LXI:MDNS:ENAB", "LXI:MDNS:SNAM:DES", "SYST:COMM:LAN:DHCP", "SYST:COMM:LAN:HOST",
    "SYST:COMM:LAN:IPAD", "SYST:COMM:LAN:SMAS", "SYST:COMM:LAN:GAT", "SYST:COMM:LAN:DNS",
    "SYST:COMM:LAN:WINS", "SYST:COMM:LAN:TELN:PROM", "SYST:COMM:LAN:TELN:WMES",
    "SYST:COMM:GPIB:ADDR", "MMEM:STAT:REC:AUTO",
)


class StateText:
    """Writes one meter's settings as commands and reads them back."""

    def __init__(self, sim: DmmSimulator) -> None:
        self.sim = sim

    def _headers(self) -> list[str]:
        sim = self.sim
        headers = [f"{_NODES[mode]}:{setting}" for mode in _NODES if mode in sim.TABLE.ranges
                   for setting in _MODE_SETTINGS]
        headers += list(_METER_SETTINGS)
        if "INT" in sim.MODEL.trigger.sources or sim.licenses.has("DIG"):
            headers += list(_DIG_SETTINGS)
        if not sim.histogram.auto:  # the range values only mean something when fixed
            at = headers.index("CALC:TRAN:HIST:RANG:AUTO") + 1
            headers[at:at] = ["CALC:TRAN:HIST:RANG:UPP", "CALC:TRAN:HIST:RANG:LOW"]
        headers.append("FUNC")
        return headers

    def settings_text(self, headers: tuple[str, ...] | list[str] | None = None) -> str:
        """Return the commands that restore the meter's settings (or only ``headers``):
        ``:<header> <what its query answers>`` joined by ``;``."""
        commands = []
        for header in self._headers() if headers is None else headers:
            query = self.sim.commands.lookup(f"{header}?")
            if query is None or self.sim.commands.lookup(header) is None:
                continue  # the model lacks this setting
            reply = query.handler([])
            assert isinstance(reply, str)
            if header == "TRIG:COUN" and float(reply) >= 9.9e37:
                reply = "INF"
            commands.append(f":{header} {reply}")
        return ";".join(commands)

    def restore(self, text: str) -> None:
        """Run the commands of ``text`` (from :meth:`settings_text`); raise CommandError
        with the first failure (the commands before it have taken effect)."""
        failures: list[tuple[int, str]] = []
        self.sim.commands.execute(text, lambda code, message: failures.append((code, message)))
        if failures:
            raise CommandError(*failures[0])
