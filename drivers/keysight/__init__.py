"""Keysight/Agilent digital multimeters: drivers, simulators and 1-year specifications.

``Keysight34401A`` and ``Keysight34465A`` drive the real instruments (or their
simulators); ``SPEC_34401A`` and ``SPEC_34465A`` hold the published accuracy
tables (``tolerance(function, range, value, frequency=None)``). Every Keysight model
(34401A, 34410A, 34411A, 34460A, 34461A, 34465A, 34470A) is a profile of the DMM
family (``profiles/*.toml``, :mod:`metrolab.drivers.dmm`). The simulators live in
:mod:`metrolab.drivers.keysight.simulator` (imported on demand: it needs numpy).
"""

from metrolab.drivers.keysight.dmm import Keysight34401A, Keysight34465A, KeysightDMM

SPEC_34401A = Keysight34401A.MODEL.spec
SPEC_34465A = Keysight34465A.MODEL.spec

__all__ = ["SPEC_34401A", "SPEC_34465A", "Keysight34401A", "Keysight34465A", "KeysightDMM"]
