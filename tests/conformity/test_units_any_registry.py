"""Conformity entry points take quantities of any pint registry, or refuse them by name.

Issue 10, item 2: ``decide(pint.Quantity(10, "V"), pint.Quantity(1, "mV"), ...)`` treated
the quantities as plain numbers, so U = 1 mV counted as 1 V: TUR 0.01 beside a "pass".
Functions that take plain numbers in one unit now refuse a quantity instead of stripping
its unit; ``tur`` and ``tar`` convert (their result is a ratio).
"""

from __future__ import annotations

import warnings

import numpy as np
import pint
import pytest

from metrolab.conformity import (
    ConformityInputError,
    GuardBand,
    LowTURWarning,
    Prior,
    Tolerance,
    acceptance_half_width,
    decide,
    tar,
    tur,
)


@pytest.fixture(params=["application", "foreign"])
def make(request):
    """Return a Quantity maker: ``pint.Quantity`` or a separate ``pint.UnitRegistry()``."""
    if request.param == "application":
        return pint.Quantity
    return pint.UnitRegistry().Quantity


def test_decide_converts_quantities_of_any_registry(make):
    """U = 1 mV against ±10 mV: TUR 10, no low-TUR warning, the unit reported is V."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", LowTURWarning)
        d = decide(make(10.0, "V"), make(1.0, "mV"), lower=make(9.99, "V"), upper=make(10010, "mV"))
    data = d.to_dict()
    assert data["unit"] == "V"
    assert data["tur"] == pytest.approx(10.0)
    assert data["U"] == pytest.approx(1e-3)
    assert data["statement"] == "pass"


def test_decide_converts_guard_band_and_prior_quantities(make):
    d = decide(
        make(10.0, "V"),
        make(1.0, "mV"),
        lower=make(9.99, "V"),
        upper=make(10.01, "V"),
        rule="guarded",
        guard=make(2.0, "mV"),
        prior=(make(10, "V"), make(4, "mV")),
    )
    data = d.to_dict()
    assert data["acceptance_upper"] == pytest.approx(10.008)
    assert 0.0 <= data["pfa"] < 0.05


def test_decide_refuses_a_quantity_beside_a_plain_number(make):
    with pytest.raises(ConformityInputError, match="plain number"):
        decide(10.0, make(1.0, "mV"), lower=9.99, upper=10.01)


def test_tur_and_tar_convert_units(make):
    """T = 10 mV, U = 1 V is TUR 0.01, not 10 (the unit of each is kept)."""
    assert float(tur(make(10.0, "mV"), make(1.0, "V"))) == pytest.approx(0.01)
    assert float(tar(make(1.0, "V"), make(250.0, "mV"))) == pytest.approx(4.0)
    with pytest.raises(ConformityInputError, match="has a unit but"):
        tur(make(10.0, "mV"), 1.0)
    with pytest.raises(ConformityInputError, match="cannot be expressed"):
        tar(make(1.0, "V"), make(1.0, "A"))


@pytest.mark.parametrize(
    "call",
    [
        lambda q: Tolerance.from_limits(q(1, "V"), None),
        lambda q: Tolerance.from_limits(-1.0, q(1, "V")),
        lambda q: GuardBand.width(q(1, "mV")),
        lambda q: Prior.normal(q(0, "V"), 1.0),
        lambda q: Prior.from_itp(0.9, q(-1, "V"), 1.0),
        lambda q: acceptance_half_width("rss", q(np.array([1.0]), "V"), 0.1),
    ],
    ids=["tolerance-lower", "tolerance-upper", "guard", "prior", "itp", "acceptance"],
)
def test_plain_number_functions_refuse_quantities(call, make):
    """Functions of plain numbers in one unit say so instead of stripping the unit."""
    with pytest.raises(ConformityInputError, match="is a quantity, but this function takes plain"):
        call(make)
