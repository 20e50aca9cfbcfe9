"""The HMT330 tables in the core spec format give the numbers of the former module."""

from pathlib import Path

import numpy as np
import pytest
from metrolab.drivers.vaisala import spec_hmt330 as old
from metrolab.drivers.vaisala.specs import __file__ as specs_init

from metrolab.instrument.errors import SpecificationUnavailable
from metrolab.instrument.specs import AccuracySpec
from metrolab.units import Quantity

SPECS = Path(specs_init).parent
M = old.Measurand


def test_every_value_gives_the_same_tolerance_or_refusal() -> None:
    main = AccuracySpec.load(SPECS / "hmt330.toml", functions=M)
    wide = AccuracySpec.load(SPECS / "hmt330_humidity_wide.toml", functions=M)
    cases = [(M.TEMPERATURE, Quantity(float(t), "degC"), None, main)
             for t in np.linspace(-45, 85, 27)]
    cases += [(M.TEMPERATURE, Quantity(float(t), "K"), None, main) for t in (250.0, 300.0)]
    cases += [(M.PRESSURE, Quantity(float(p), "hPa"), None, main)
              for p in np.linspace(450, 1150, 15)]
    for ambient in (15.0, 20.0, 25.0, -20.0, 0.0, 40.0):
        table = main if 15.0 <= ambient <= 25.0 else wide
        cases += [(M.HUMIDITY, Quantity(float(rh), "percent"), Quantity(ambient, "degC"), table)
                  for rh in np.linspace(0, 100, 21)]
    for measurand, value, ambient, table in cases:
        try:
            expected = old.SPEC.tolerance(measurand, None, value, ambient=ambient)
        except SpecificationUnavailable:
            with pytest.raises(SpecificationUnavailable):
                table.tolerance(measurand, None, value)
            continue
        got = table.tolerance(measurand, None, value)
        assert got.units == expected.units, (measurand, value)
        assert got.magnitude == pytest.approx(expected.magnitude, rel=1e-12, abs=1e-15)
