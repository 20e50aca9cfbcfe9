"""The one pint unit registry shared by every part of metrolab.

Quantities from different registries cannot be combined, so every module takes
``ureg`` and ``Quantity`` from here.
"""

from __future__ import annotations

import pint

ureg: pint.UnitRegistry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
ureg.formatter.default_format = "~P"
Quantity = ureg.Quantity

__all__ = ["Quantity", "ureg"]
