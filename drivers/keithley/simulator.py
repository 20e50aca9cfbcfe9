"""Simulated Keithley DMMs: the 2000/2010 and DMM6500/DMM7510 command sets over the DMM
family's simulator engine (physics, ranges, settings and acquisition are the engine's;
these classes register the Keithley spellings and do the Keithley quirks).

:func:`keithley_simulator_class` makes the class of a Keithley profile;
``metrolab sim serve keithley-dmm6500`` serves one.
"""

from __future__ import annotations

from typing import ClassVar

from metrolab.drivers.dmm.modes import ModeTable
from metrolab.drivers.dmm.profile import DmmProfile
from metrolab.drivers.dmm.simulator import DmmSimulator
from metrolab.drivers.keithley.sim_2000 import Keithley2000Commands
from metrolab.drivers.keithley.sim_6500 import Dmm6500Commands
from metrolab.drivers.keithley.sim_sense import KeithleySense

from metrolab.clock import Clock
from metrolab.instrument.simulation import CommandTree, LabEnvironment, SignalSource
from metrolab.instrument.simulation.instrument import STB_MSS

#: status byte bit of the measurement event summary (Keithley 2000)
STB_MEASUREMENT = 1


class KeithleyDmmSimulator(DmmSimulator):
    """A Keithley DMM of the family: the engine with the Keithley command set of its
    profile's dialect (``keithley-2000`` or ``keithley-dmm6500``)."""

    MODEL: ClassVar[DmmProfile]
    TABLE: ClassVar[ModeTable]

    def __init__(self, *, seed: int = 0, clock: Clock | None = None, latency_s: float = 0.0,
                 source: SignalSource | None = None,
                 environment: LabEnvironment | None = None) -> None:
        self.keithley = KeithleySense(self)
        self.model_2000 = (Keithley2000Commands(self)
                           if self.MODEL.dialect == "keithley-2000" else None)
        self.model_6500 = (Dmm6500Commands(self)
                           if self.MODEL.dialect == "keithley-dmm6500" else None)
        super().__init__(seed=seed, clock=clock, latency_s=latency_s, source=source,
                         environment=environment)
        if self.model_2000 is not None:
            self.model_2000.reset(power_on=True)

    def register_commands(self, tree: CommandTree) -> None:
        """Declare the Keithley functions and settings and the dialect's own commands."""
        if self.model_2000 is not None:
            self.keithley.register(tree, reference="REFerence")
            self.model_2000.register(tree)
        if self.model_6500 is not None:
            self.keithley.register(tree, reference="RELative")
            self.model_6500.register(tree)

    def reset(self) -> None:
        """``*RST``: the engine's settings, the Keithley extras and the dialect's state."""
        super().reset()
        self.keithley.reset()
        if self.model_2000 is not None:
            self.model_2000.reset()
        if self.model_6500 is not None:
            self.model_6500.reset()

    def format_error(self, code: int, message: str) -> str:
        """Return an error-queue entry as Keithley meters send it: ``-113,"Undefined
        header"``, ``0,"No error"`` (no ``+`` sign)."""
        return f'{code:d},"{message}"'

    def trigger(self) -> None:
        """``*TRG``: a burst of samples when the 2000 is armed on BUS triggers."""
        if self.model_2000 is not None:
            self.model_2000.bus_trigger()
        else:
            self.push_error(-211, "Trigger ignored")

    def status_byte(self) -> int:
        """Return the status byte, with the 2000's measurement summary (bit 0) when an
        enabled measurement event is set."""
        stb = super().status_byte()
        if self.model_2000 is not None and (self.model_2000.measurement_event
                                            & self.model_2000.measurement_enable):
            stb |= STB_MEASUREMENT
        if stb & self.sre & ~STB_MSS:
            stb |= STB_MSS
        return stb

    def _cls(self, params: list[str]) -> None:
        super()._cls(params)
        if self.model_2000 is not None:
            self.model_2000.measurement_event = 0


_classes: dict[str, type[KeithleyDmmSimulator]] = {}


def keithley_simulator_class(profile: DmmProfile) -> type[KeithleyDmmSimulator]:
    """Return the simulator class of Keithley ``profile`` (made once per profile)."""
    made = _classes.get(profile.name)
    if made is None:
        made = type(f"Keithley{profile.model}Simulator", (KeithleyDmmSimulator,), {
            "__doc__": f"A simulated Keithley {profile.model} ({profile.dialect} command set).",
            "MODEL": profile, "TABLE": ModeTable.of(profile), "IDN": profile.idn,
            "ABSENT_COMMON_COMMANDS": frozenset(profile.quirks.absent_common_commands),
            "__module__": __name__,
        })
        _classes[profile.name] = made
    return made
