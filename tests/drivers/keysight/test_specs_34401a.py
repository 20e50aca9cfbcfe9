"""The 34401A specification data as loaded by the driver package."""

import pytest
from metrolab.drivers.keysight import SPEC_34401A

from metrolab.instrument import Function
from metrolab.instrument.errors import SpecificationUnavailable
from metrolab.units import ureg


def test_ac_current_rows_are_held_in_their_band_and_flagged_unverified() -> None:
    tol = SPEC_34401A.tolerance(Function.ACI, 1 * ureg.A, 0.5 * ureg.A, 1e3 * ureg.Hz)
    assert tol.to("mA").magnitude == pytest.approx(0.5 + 0.4)  # 0.10 % of 0.5 A + 0.04 % of 1 A
    assert "unverified data: [U]" in str(
        SPEC_34401A.caveat(Function.ACI, 1 * ureg.A, 0.5 * ureg.A, 1e3 * ureg.Hz)
    )
    with pytest.raises(SpecificationUnavailable, match="frequency"):
        SPEC_34401A.tolerance(Function.ACI, 1 * ureg.A, 0.5 * ureg.A, 10e3 * ureg.Hz)


def test_dc_voltage_rows_are_verified() -> None:
    assert SPEC_34401A.caveat(Function.DCV, 10 * ureg.V, 10 * ureg.V) is None
