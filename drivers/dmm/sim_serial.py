"""A family simulator on its RS-232 port: replies end as the profile says (CR LF on the
34401A and 884xA) and, where the profile says the model needs it, every message is
ignored until ``SYSTem:REMote`` (or ``SYSTem:RWLock``) puts the meter in remote.

The 34401A User's Guide warns that talking to a meter that is not in remote "can cause
unpredictable results"; the simulator ignores such messages entirely, so a driver that
forgets ``SYST:REM`` fails with a timeout instead of passing by luck.
"""

from __future__ import annotations

from metrolab.drivers.dmm.simulator import DmmSimulator

from metrolab.instrument.simulation import compile_header
from metrolab.instrument.simulation.parser import Reply, split_header, split_outside_quotes

_REMOTE = (compile_header("SYSTem:REMote"), compile_header("SYSTem:RWLock"))


def asks_for_remote(message: str) -> bool:
    """Return True when the first command of ``message`` is SYST:REM or SYST:RWL."""
    first = split_outside_quotes(message, ";")[0].strip()
    header = split_header(first)[0].lstrip(":") if first else ""
    return any(pattern.fullmatch(header) for pattern in _REMOTE)


class SerialPortSimulator(DmmSimulator):
    """A family simulator served on a pseudo-terminal as its RS-232 port (mix in before
    the model's simulator class)."""

    SERVE_OVER = "pty"

    def handle(self, message: str) -> Reply:
        """Run ``message`` once the meter is in remote (when its profile needs that);
        ignore it before (no reply)."""
        with self.lock:
            if self.MODEL.remote_over_serial and not self.remote \
                    and not asks_for_remote(message):
                return None
            return super().handle(message)


_classes: dict[str, type[DmmSimulator]] = {}


def serial_simulator_class(base: type[DmmSimulator]) -> type[DmmSimulator]:
    """Return ``base`` served on its RS-232 port (made once per class)."""
    made = _classes.get(base.MODEL.name)
    if made is None:
        made = type(f"{base.__name__.removesuffix('Simulator')}SerialSimulator",
                    (SerialPortSimulator, base), {
                        "__doc__": f"{base.__doc__} On its RS-232 port.",
                        "REPLY_TERMINATOR": base.MODEL.interfaces.serial_reply_terminator,
                        "__module__": __name__,
                    })
        _classes[base.MODEL.name] = made
    return made
