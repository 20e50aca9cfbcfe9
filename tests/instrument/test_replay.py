"""The protocol-replay transport every driver test uses."""

import pytest

from metrolab.instrument.errors import InstrumentTimeout
from metrolab.testing.replay import ReplayMismatch, ReplayTransport


def test_a_multi_line_text_reply_is_read_line_by_line_and_bytes_whole() -> None:
    with ReplayTransport([("R", "line 1\nline 2"), ("BLOC?", b"#13a\nb")]) as transport:
        transport.write("R")
        assert [transport.read(), transport.read()] == ["line 1", "line 2"]
        transport.write("BLOC?")
        assert transport.read_raw() == b"#13a\nb"


def test_replies_queue_like_a_wire_and_clear_drops_them() -> None:
    with ReplayTransport([("S", "streamed"), ("VERS", "HMT330 / 5.16")]) as transport:
        transport.write("S")
        transport.write("VERS")
        transport.clear()
        with pytest.raises(InstrumentTimeout):
            transport.read()


def test_unread_replies_and_unsent_steps_fail() -> None:
    transport = ReplayTransport([("A?", "1"), ("B?", "2")])
    transport.write("A?")
    with pytest.raises(ReplayMismatch, match="B\\?"):
        transport.assert_done()
    with pytest.raises(ReplayMismatch, match="expected 'B\\?', got 'C\\?'"):
        transport.write("C?")
