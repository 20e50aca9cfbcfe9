"""Licensed options of a simulated Truevolt meter: ``*OPT?`` and ``SYSTem:LICense``.

The options a model can have and those it ships with come from its profile
(``[options]``); a test may build the simulator with another set. A license file is
installed from the meter's file system (``SYSTem:LICense:INSTall "USB:\\dig.lic"``);
here a license file is a text file naming the option on its first line, followed by the
meter's serial number (the real files are signed by Keysight: not modelled). A license
that does not fit is refused and counted in ``SYSTem:LICense:ERRor?``.

A command that needs an option the meter lacks (level trigger and pretrigger: DIG)
answers -221 "Settings conflict" with the option named [U: the Truevolt error text for
an unlicensed feature is not quoted in the guide].
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from metrolab.instrument.simulation import CommandError, CommandTree
from metrolab.instrument.simulation.parser import answers, no_params, one_param

if TYPE_CHECKING:
    from metrolab.drivers.dmm.simulator import DmmSimulator


def _unquoted(text: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] not in "\"'" or text[-1] != text[0]:
        raise CommandError(-104)
    return text[1:-1].strip()


class Licenses:
    """The options installed in one meter and its license commands."""

    def __init__(self, sim: DmmSimulator, installed: Iterable[str] | None = None) -> None:
        self.sim = sim
        self.available = sim.MODEL.options.available
        chosen = tuple(sim.MODEL.options.installed if installed is None else installed)
        unknown = sorted(set(chosen) - set(self.available))
        if unknown:
            raise ValueError(f"{sim.MODEL}: options {unknown} do not exist; the model has "
                             f"{sorted(self.available) or 'none'}")
        self.installed = set(chosen)
        self.errors: list[str] = []

    def has(self, option: str) -> bool:
        """Return True when ``option`` (DIG, MEM) is installed."""
        return option in self.installed

    def require(self, option: str, what: str) -> None:
        """Raise -221 when ``option`` is missing for ``what``."""
        if option not in self.installed:
            raise CommandError(-221, f"Settings conflict;{what} requires the {option} option")

    def register(self, tree: CommandTree) -> None:
        """Declare ``*OPT?`` and the ``SYSTem:LICense`` commands."""
        tree.add("*OPT?", self._options_query)
        tree.add("SYSTem:LICense:CATalog?", self._catalog)
        tree.add("SYSTem:LICense:DESCription?", self._description)
        tree.add("SYSTem:LICense:INSTall", self._install)
        tree.add("SYSTem:LICense:INSTall?", self._installed_query)
        tree.add("SYSTem:LICense:DELete", self._delete)
        tree.add("SYSTem:LICense:DELete:ALL", self._delete_all)
        tree.add("SYSTem:LICense:ERRor?", self._error_text)
        tree.add("SYSTem:LICense:ERRor:COUNt?",
                 answers(lambda: f"{len(self.errors):+d}"))

    # ---------------------------------------------------------------- queries
    def _options_query(self, params: list[str]) -> str:
        """``*OPT?``: one field per option the model can have, its name or 0."""
        no_params(params)
        if not self.available:
            return "0,0"  # a Truevolt meter without licensable options [U]
        return ",".join(o if o in self.installed else "0" for o in self.available)

    def _catalog(self, params: list[str]) -> str:
        no_params(params)
        names = [o for o in self.available if o in self.installed]
        return ",".join(f'"{o}"' for o in names) if names else '""'

    def _option(self, params: list[str]) -> str:
        name = _unquoted(one_param(params)).upper()
        if name not in self.available:
            raise CommandError(-224, f"Illegal parameter value;no option {name}")
        return name

    def _description(self, params: list[str]) -> str:
        return f'"{self.available[self._option(params)]}"'

    def _installed_query(self, params: list[str]) -> str:
        return "1" if self._option(params) in self.installed else "0"

    def _error_text(self, params: list[str]) -> str:
        no_params(params)
        return f'"{"; ".join(self.errors)}"'

    # ---------------------------------------------------------------- changes
    def _install(self, params: list[str]) -> None:
        files = self.sim.mmemory.files
        path = files.resolve(one_param(params))
        lines = files.read(path).decode("ascii", errors="replace").split()
        serial = self.sim.IDN.split(",")[2].strip()
        option = lines[0].upper() if lines else ""
        if option not in self.available or lines[1:2] != [serial]:
            self.errors.append(f"{path}: not a license for this {self.sim.MODEL.model} "
                               f"({serial})")
            raise CommandError(-257, "File name error;invalid license file")
        self.installed.add(option)

    def _delete(self, params: list[str]) -> None:
        self.installed.discard(self._option(params))

    def _delete_all(self, params: list[str]) -> None:
        no_params(params)
        self.installed.clear()
        self.errors.clear()
