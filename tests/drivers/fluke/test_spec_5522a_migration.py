"""The 5522A tables in the core spec format give the numbers of the former module."""

from pathlib import Path

import pytest
from metrolab.drivers.fluke import spec_5522a as old
from metrolab.drivers.fluke.specs import __file__ as specs_init

from metrolab.instrument.specs import AccuracySpec
from metrolab.units import Quantity

SPECS = Path(specs_init).parent


@pytest.mark.parametrize(("old_spec", "file"), [(old.SPEC, "5522a_1year.toml"),
                                                (old.SPEC_90, "5522a_90day.toml")])
def test_every_row_gives_the_same_tolerance(old_spec: old.CalibratorSpecification,
                                            file: str) -> None:
    new = AccuracySpec.load(SPECS / file)
    assert len(new.rows) == len(old_spec.rows)
    checked = 0
    for row in old_spec.rows:
        unit = row.function.unit
        bands = [None] if row.frequency_band is None else [
            row.frequency_band[0], sum(row.frequency_band) / 2, row.frequency_band[1]]
        for fraction in (1.0, 0.5, 0.1, -0.7, 0.0):
            value = Quantity(fraction * row.range_max, unit)
            for band in bands:
                frequency = None if band is None else Quantity(band, "Hz")
                for range_ in (None, Quantity(row.range_max, unit)):
                    expected = old_spec.tolerance(row.function, range_, value, frequency)
                    got = new.tolerance(row.function, range_, value, frequency)
                    assert got.units == expected.units
                    assert got.magnitude == pytest.approx(expected.magnitude, rel=1e-12, abs=0)
                    checked += 1
    assert checked > 4 * len(old_spec.rows)
