"""Quantities from any pint registry enter the engine with their units (issue 10, item 2).

Before: ``TypeB(pint.Quantity(10, "V"), half_width=pint.Quantity(1, "mV"))`` dropped the
units (u = 0.577, 1000x too large) because only metrolab's own registry was recognised;
``decide()`` then reported TUR 0.005 under "pass". Now ``pint.Quantity`` is ours (metrolab
sets pint's application registry) and a quantity of a foreign ``pint.UnitRegistry()`` is
converted by unit name, or refused when its registry defines the unit differently.
"""

from __future__ import annotations

import math

import numpy as np
import pint
import pytest

from metrolab.uncertainty import TypeA, TypeB, UncertaintyInputError, evaluate_gum, fit_polynomial
from metrolab.units import ForeignUnitError, Quantity, as_ours, ureg


@pytest.fixture(params=["application", "foreign"])
def make(request):
    """Return a Quantity maker: ``pint.Quantity`` or a separate ``pint.UnitRegistry()``."""
    if request.param == "application":
        return pint.Quantity
    return pint.UnitRegistry().Quantity


def test_pint_application_registry_is_metrolabs():
    """Importing metrolab makes ``pint.Quantity`` build quantities of metrolab's registry."""
    q = pint.Quantity(10, "V")
    assert q._REGISTRY is ureg
    assert (q + Quantity(1, "mV")).to("V").magnitude == pytest.approx(10.001)


def test_type_b_keeps_the_units_of_any_registry(make):
    """The reproduction from the issue: u = 1 mV / sqrt(3) in V, not 1 / sqrt(3)."""
    inp = TypeB(make(10, "V"), half_width=make(1, "mV"), distribution="rectangular")
    assert inp.unit == ureg.V
    assert float(inp.u) == pytest.approx(1e-3 / math.sqrt(3), rel=1e-12)
    assert float(inp.value) == 10.0


def test_every_uncertainty_argument_converts(make):
    """u, expanded, readings, pooled_sd, unit= and output units, from another registry."""
    b = TypeB(make(1.0, "kV"), u=make(20, "V"), unit=make(1, "V").units)
    assert b.unit == ureg.V and float(b.value) == 1000.0 and float(b.u) == pytest.approx(20.0)
    e = TypeB(make(5, "ohm"), expanded=make(2, "mohm"), k=2)
    assert float(e.u) == pytest.approx(1e-3)
    a = TypeA.from_readings(make(np.array([1.0, 1.2, 0.8, 1.1]), "mA"), unit="A")
    assert float(a.value) == pytest.approx(1.025e-3) and a.unit == ureg.A
    pooled = TypeA.from_readings(make(np.array([1.0, 1.1]), "V"), pooled_sd=make(10, "mV"))
    assert float(pooled.u) == pytest.approx(0.01 / math.sqrt(2))
    listed = TypeA.from_readings([make(1.0, "V"), make(1010, "mV"), make(0.99, "V")])
    assert listed.unit == ureg.V and float(listed.value) == pytest.approx(1.0)
    r = evaluate_gum(
        lambda v, i: v / i,
        {"v": b, "i": TypeB(make(2, "A"), u=make(1, "mA"))},
        output_units={"y": make(1, "kohm").units},
    )
    assert r.units[0] == ureg.kohm and float(r.values[0]) == pytest.approx(0.5)


def test_curve_fit_takes_quantities_of_any_registry(make):
    """fit_polynomial and predict keep units; a foreign x_ref is converted, not refused."""
    x = make(np.array([10.0, 20.0, 30.0, 40.0]), "degC")
    y = make(np.array([1.0, 2.1, 2.9, 4.0]), "ohm")
    fit = fit_polynomial(x, y, x_ref=make(20.0, "degC"))
    value, u = fit.predict(make(25.0, "degC"))
    assert isinstance(value, Quantity) and value.units == ureg.ohm
    assert isinstance(u, Quantity) and u.units == ureg.ohm
    assert float(value.magnitude) == pytest.approx(2.5, abs=0.05)


def test_a_unit_defined_differently_is_refused():
    """A registry whose 'inch' is 3 cm cannot be taken over silently."""
    other = pint.UnitRegistry()
    other.define("inch = 3 * cm")
    with pytest.raises(UncertaintyInputError, match=r"value: the unit 'inch'.*differs"):
        TypeB(other.Quantity(1.0, "inch"), u=0.1)


def test_a_unit_unknown_here_is_refused_naming_the_argument():
    other = pint.UnitRegistry()
    other.define("widget = 3 * volt")
    with pytest.raises(UncertaintyInputError, match=r"half_width: the unit 'widget'.*not known"):
        TypeB(1.0, half_width=other.Quantity(1.0, "widget"), distribution="rectangular", unit="V")
    with pytest.raises(ForeignUnitError, match="widget"):
        as_ours(other.Quantity(1.0, "widget"), "x")


def test_offset_units_convert_with_their_offset():
    """20 °C of a foreign registry is 293.15 K here, and 68 °F is 20 °C."""
    other = pint.UnitRegistry()
    t = as_ours(other.Quantity(68.0, "degF"), "t")
    assert t.to("degC").magnitude == pytest.approx(20.0)
    inp = TypeB(other.Quantity(20.0, "degC"), u=other.Quantity(0.1, "delta_degC"), unit="K")
    assert float(inp.value) == pytest.approx(293.15) and float(inp.u) == pytest.approx(0.1)


def test_quantities_made_before_metrolab_is_imported_keep_their_units():
    """The issue's order: pint first, metrolab after (a fresh interpreter)."""
    import subprocess
    import sys

    script = (
        "import pint\n"
        "q, hw = pint.Quantity(10, 'V'), pint.Quantity(1, 'mV')\n"
        "from metrolab.uncertainty import TypeB\n"
        "i = TypeB(q, half_width=hw, distribution='rectangular')\n"
        "print(repr(float(i.u)), i.unit)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    u, unit = done.stdout.split()
    assert float(u) == pytest.approx(1e-3 / math.sqrt(3), rel=1e-12) and unit == "V"
