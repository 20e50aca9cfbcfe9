"""A small simulated instrument for the core tests."""

from metrolab.clock import VirtualClock
from metrolab.instrument.simulation import SimulatedInstrument, number, one_param


class Toy(SimulatedInstrument):
    """Holds one voltage setting; ``VOLT?`` answers it in NR3."""

    IDN = "ACME,TOY,123,1.0"

    def register_commands(self, tree) -> None:  # type: ignore[no-untyped-def]
        self.volt = 1.0
        tree.add("[SOURce:]VOLTage[:LEVel]", self._set)
        tree.add("[SOURce:]VOLTage[:LEVel]?", lambda p: f"{self.volt:+.8E}")
        tree.add("ECHO?", lambda p: one_param(p))
        tree.add("BLOCk?", lambda p: b"#15a\nb\nc")

    def _set(self, params: list[str]) -> None:
        self.volt = number(one_param(params), minimum=0, maximum=10)


def toy() -> Toy:
    """Return a Toy on a VirtualClock."""
    return Toy(clock=VirtualClock())
