"""Compound tables: numbers read as journalled, masks, absent columns, dimensionless units."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from metrolab.store.tables import Spec, build, column, number

SPECS = (Spec("name", "text"), Spec("count", "int"), Spec("flag", "bool"),
         Spec("value", "float", unit_column="unit"), Spec("unit", "text"),
         Spec("spread", "float", unit_column="unit", absent_reason="nobody gave one"),
         Spec("k", "float", units="1", long_name="coverage factor"))


def test_numbers_masks_absent_columns_and_dimensionless_units() -> None:
    rows = [{"name": "a", "count": 3, "flag": True, "value": 1.5, "unit": "V", "k": 2},
            {"name": "bé", "count": None, "value": None, "unit": "", "k": 2.0},
            {"name": None, "value": 7, "unit": "", "k": True},
            {"value": "8", "unit": None, "k": float("inf")}]
    table, attrs = build(SPECS, rows, "rows")
    assert table.dtype.names == ("name", "count", "flag", "value", "value_mask", "unit", "k",
                                 "k_mask")
    assert column(table, "name") == ["a", "bé", "", ""]
    assert column(table, "count") == [3, 0, 0, 0]
    assert column(table, "flag") == [True, False, False, False]
    assert column(table, "value") == [1.5, None, 7.0, None]  # text and None are not numbers
    assert column(table, "unit") == ["V", "", "1", ""]  # "1" only where a number is given
    assert column(table, "k") == [2.0, 2.0, None, float("inf")]  # a flag is not a number
    assert column(table, "spread") == [None] * 4
    assert attrs == {"description": "rows", "value_unit_column": "unit",
                     "k_units": "1", "k_long_name": "coverage factor",
                     "absent": ["spread: nobody gave one"]}


def test_an_empty_table_has_its_text_and_count_columns_only() -> None:
    table, attrs = build(SPECS, [], "none")
    assert table.shape == (0,)
    assert table.dtype.names == ("name", "count", "flag", "unit")
    assert len(attrs["absent"]) == 3


@given(st.lists(st.one_of(st.none(), st.booleans(), st.integers(-2**60, 2**60),
                          st.floats(allow_nan=False), st.text(max_size=3)), max_size=8))
def test_a_float_column_holds_what_number_reads(values: list[object]) -> None:
    table, _ = build((Spec("x", "float"),), [{"x": v} for v in values], "x")
    expected = [number(v) for v in values]
    if not any(e is not None for e in expected):
        assert "x" not in (table.dtype.names or ())
    else:
        assert column(table, "x") == expected
        assert ("x_mask" in (table.dtype.names or ())) == (None in expected)
        assert np.asarray(table["x"]).dtype == np.float64
