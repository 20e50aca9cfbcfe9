"""IEEE 488.2 blocks in both byte orders and the SCPI special values."""

import numpy as np
import pytest

from metrolab.instrument.blocks import (
    BlockFormatError,
    block_header_size,
    block_payload,
    decode_float64,
    encode_block,
)
from metrolab.instrument.errors import InstrumentReplyError, OverloadError
from metrolab.instrument.readings import parse_number, parse_numbers, reject_special_values


def test_block_round_trip_in_both_byte_orders() -> None:
    values = np.array([1.0, -2.5, 10.0, 0.1])
    for order, big in ((">f8", True), ("<f8", False)):
        block = encode_block(values.astype(order).tobytes())
        assert block.startswith(b"#232")
        assert np.array_equal(decode_float64(block_payload(block + b"\n"), big_endian=big), values)


def test_reading_big_endian_as_little_endian_is_not_silently_equal() -> None:
    payload = np.array([1.0, 2.0]).astype(">f8").tobytes()
    assert not np.array_equal(decode_float64(payload, big_endian=False), [1.0, 2.0])


@pytest.mark.parametrize("data", [b"", b"12", b"#0abc", b"#3", b"#2x4abcd", b"#15abc", b"#13abc!!"])
def test_malformed_blocks_are_refused(data: bytes) -> None:
    with pytest.raises(BlockFormatError):
        block_payload(data)


def test_header_size_of_a_long_block() -> None:
    assert block_header_size(b"#800800000") == (10, 800000)


def test_odd_real64_payload_is_refused() -> None:
    with pytest.raises(BlockFormatError, match="multiple of 8"):
        decode_float64(b"\x00" * 12)


@pytest.mark.parametrize("text", ["+9.90000000E+37", "-9.9E37", "9.9E+37"])
def test_overload_is_an_error_never_a_number(text: str) -> None:
    with pytest.raises(OverloadError, match="overload"):
        parse_number(text, instrument="dmm", command="READ?")


def test_not_a_number_value_and_garbage_are_reply_errors() -> None:
    with pytest.raises(InstrumentReplyError, match="no valid result"):
        parse_number("+9.91000000E+37")
    with pytest.raises(InstrumentReplyError, match="not a number"):
        parse_number("1.0O")


def test_numbers_in_all_nr_forms() -> None:
    assert parse_numbers("+1,2.5,-3.0E-03, .5") == [1.0, 2.5, -0.003, 0.5]


def test_any_overload_in_a_buffer_rejects_the_buffer() -> None:
    values = np.array([1.0, 9.9e37, 1.0, -9.9e37])
    with pytest.raises(OverloadError, match="2 of 4 readings"):
        reject_special_values(values)
    ok = np.array([1.0, 2.0])
    assert reject_special_values(ok) is ok
    with pytest.raises(InstrumentReplyError):
        reject_special_values(np.array([np.nan]))


@pytest.mark.parametrize("unit", ["V", "mA", "ohm", "degC"])
def test_scalar_quantity_equals_what_pint_builds(unit: str) -> None:
    from metrolab.instrument.readings import ScalarQuantity
    from metrolab.units import Quantity

    make = ScalarQuantity(unit)
    assert make.build == make._fast  # the fast path is in use with this pint
    for value in (5.0, -1.25e-7, 0.0):
        built, reference = make(value), Quantity(value, unit)
        assert type(built) is type(reference)
        assert built.to_tuple() == reference.to_tuple()
        assert built == reference
        assert (built * 2).to_tuple() == (reference * 2).to_tuple()
        assert str(built) == str(reference)
    if unit == "degC":
        assert make(25.0).to("kelvin").magnitude == pytest.approx(298.15)
