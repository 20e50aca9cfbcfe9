"""A step's rows survive the journal exactly: JSON numbers or base64 float64, NaN included."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from metrolab.daq.errors import DaqFileError
from metrolab.daq.rows import INLINE_VALUES, RowBlock
from metrolab.store.durable import canonical_json


@given(arrays(np.float64, st.integers(1, 3 * INLINE_VALUES),
              elements=st.floats(allow_nan=True, allow_infinity=True, width=64)))
def test_block_round_trips_through_journal_text(values: np.ndarray) -> None:
    block = RowBlock(3, 17, values.size, 1.7e9, 1.7e9 + 0.25, {"cal": 2.5}, {"dmm": values})
    text = canonical_json(block.entry())
    back = RowBlock.from_entry(json.loads(text), ("dmm",))
    np.testing.assert_array_equal(back.values["dmm"], values)  # NaN == NaN here
    assert (back.step, back.row, back.count, back.setpoints) == (3, 17, values.size,
                                                                 {"cal": 2.5})


def test_small_blocks_are_readable_numbers_large_ones_base64() -> None:
    small = RowBlock(0, 0, 2, 0.0, 1.0, {}, {"x": np.array([1.5, 2.5])}).entry()
    large = RowBlock(0, 0, INLINE_VALUES + 1, 0.0, 1.0, {},
                     {"x": np.arange(INLINE_VALUES + 1.0)}).entry()
    assert small["values"]["x"] == [1.5, 2.5]
    assert set(large["values"]["x"]) == {"f8le"}


def test_rows_of_a_buffer_are_spread_over_its_duration() -> None:
    block = RowBlock(0, 0, 4, 10.0, 12.0, {}, {"x": np.zeros(4)})
    np.testing.assert_allclose(block.times(), [10.0, 10.5, 11.0, 11.5])
    assert RowBlock(0, 0, 1, 10.0, 12.0, {}, {"x": np.zeros(1)}).times().tolist() == [10.0]


@pytest.mark.parametrize("damage", [
    lambda d: d.pop("count"),
    lambda d: d["values"].pop("dmm"),
    lambda d: d["values"].__setitem__("dmm", [1.0]),
    lambda d: d["values"].__setitem__("dmm", {"f8le": "not base64!"}),
])
def test_malformed_entries_are_named(damage: object) -> None:
    data = RowBlock(7, 0, 2, 0.0, 1.0, {}, {"dmm": np.array([1.0, 2.0])}).entry()
    damage(data)  # type: ignore[operator]
    with pytest.raises(DaqFileError, match="step 7"):
        RowBlock.from_entry(data, ("dmm",))
