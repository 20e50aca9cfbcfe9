"""The 1529 tables in the core spec format give the numbers of the former module."""

from pathlib import Path

import numpy as np
import pytest
from metrolab.drivers.hart import spec_1529 as old
from metrolab.drivers.hart.specs import __file__ as specs_init

from metrolab.instrument.functions import Function
from metrolab.instrument.specs import AccuracySpec
from metrolab.units import Quantity


@pytest.mark.parametrize("sensor", list(old.SensorType))
def test_every_band_gives_the_same_half_width(sensor: old.SensorType) -> None:
    new = AccuracySpec.load(Path(specs_init).parent / f"1529_{sensor.value.lower()}.toml")
    rows = [row for row in old.ROWS if row.sensor is sensor]
    assert len(new.rows) == len(rows)
    for row in rows:
        for ohm in np.linspace(row.low_ohm, row.high_ohm, 7):
            expected = old.SPEC.row(sensor, float(ohm)).half_width_ohm(float(ohm))
            got = new.tolerance(Function.RES4, None, Quantity(float(ohm), "ohm"))
            assert got.to("ohm").magnitude == pytest.approx(expected, rel=1e-12, abs=0)
