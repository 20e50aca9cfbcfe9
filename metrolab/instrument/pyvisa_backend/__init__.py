"""The ``@metrolab`` pyvisa backend: metrolab's simulators opened in-process, with the
resource strings of the bench, by any pyvisa code (PyMeasure, QCoDeS, your own).

::

    import metrolab.instrument.pyvisa_backend  # registers "@metrolab" with pyvisa
    import pyvisa

    rm = pyvisa.ResourceManager("@metrolab")            # was: ResourceManager("@sim")
    dmm = rm.open_resource("GPIB0::22::INSTR")          # the bench's 34401A
    rm = pyvisa.ResourceManager("bench.toml@metrolab")  # a bench file of your own

pyvisa (up to 1.16) finds a backend only by a module named ``pyvisa_<name>`` or in its
own table of loaded backends; metrolab installs no top-level module, so importing this
package is what puts ``metrolab`` in that table.
"""

from __future__ import annotations

from pyvisa import highlevel

from metrolab.instrument.pyvisa_backend.bench import DEFAULT_RESOURCES, BackendBench
from metrolab.instrument.pyvisa_backend.library import MetrolabVisaLibrary

#: the name after the ``@`` of a pyvisa library specification
BACKEND_NAME = "metrolab"
WRAPPER_CLASS = MetrolabVisaLibrary


def register() -> None:
    """Make ``pyvisa.ResourceManager("@metrolab")`` resolve to this backend (idempotent)."""
    highlevel._WRAPPERS[BACKEND_NAME] = MetrolabVisaLibrary


register()

__all__ = ["BACKEND_NAME", "DEFAULT_RESOURCES", "BackendBench", "MetrolabVisaLibrary",
           "register"]
