"""The injected clock: virtual time moves only when asked, never backwards."""

import pytest

from metrolab.clock import VirtualClock, isoformat


def test_virtual_sleep_advances_without_blocking() -> None:
    clock = VirtualClock(start=1000.0)
    clock.sleep(3600.0)
    assert clock.now() == 4600.0


def test_virtual_clock_refuses_to_go_back() -> None:
    clock = VirtualClock(start=0.0)
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance(-1.0)


def test_isoformat_carries_utc_offset() -> None:
    assert isoformat(0.0) == "1970-01-01T00:00:00+00:00"
