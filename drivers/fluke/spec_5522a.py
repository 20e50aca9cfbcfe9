"""Published accuracy specifications of the Fluke 5522A multi-product calibrator, as data.

The tables are TOML files in the core specification format
(:class:`metrolab.instrument.specs.AccuracySpec`) beside this module: each row is one
output range (its full scale) of one function, ``±(ppm of output + floor)``, valid for
tcal ± 5 °C, 1 year after calibration (``SPEC``) or 90 days (``SPEC_90``, DC voltage
only). Sources, by row:

* ``[P]`` 5522A Operators Manual, Table 7-3 "Verification Tests for DC Voltage (Normal)":
  its limits are the output ± the 90-day specification, and ``SPEC_90`` reproduces
  every one of them (the tests check this).
* ``[U]`` 5522A Extended Specifications, transcribed from recollection because the table
  was not available here. Every 1-year row carries this tag (``verified`` is False); check
  it against the datasheet before using the numbers in an accredited uncertainty budget.
"""

from __future__ import annotations

from pathlib import Path

from metrolab.instrument.specs import AccuracySpec

SPEC_DIR = Path(__file__).parent / "specs"

#: the 1-year specification, what procedures use for the reference standard
SPEC = AccuracySpec.load(SPEC_DIR / "5522a_1year.toml")
#: the 90-day DC-voltage specification, as printed in the manual's verification table
SPEC_90 = AccuracySpec.load(SPEC_DIR / "5522a_90day.toml")
