"""The TCP listener survives running out of file descriptors and caps its connections."""

import errno
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from metrolab.instrument import SCPIInstrument
from metrolab.instrument.simulation import serve_tcp
from metrolab.instrument.simulation.server import refusal

from .helpers import toy


def ask(port: int, message: bytes) -> bytes:
    """Send ``message`` on a new connection and return the first reply line."""
    with socket.create_connection(("127.0.0.1", port), timeout=5.0) as sock:
        sock.sendall(message)
        return sock.makefile("rb").readline()


def test_an_accept_that_fails_for_want_of_descriptors_is_retried(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real_accept = socket.socket.accept
    failures = {"left": 3}

    def accept(self: socket.socket) -> tuple[socket.socket, object]:
        if failures["left"]:
            failures["left"] -= 1
            raise OSError(errno.EMFILE, "Too many open files")
        return real_accept(self)

    with serve_tcp(toy()) as server:
        monkeypatch.setattr(socket.socket, "accept", accept)
        assert ask(server.port, b"*IDN?\n") == b"ACME,TOY,123,1.0\n"
        monkeypatch.undo()
        assert ask(server.port, b"VOLT?\n") == b"+1.00000000E+00\n"
    assert failures["left"] == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2  # one when the streak began, one when it ended
    assert "Too many open files" in warnings[0] and "accepts clients again" in warnings[1]


def test_another_accept_failure_ends_the_listener_and_says_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def accept(self: socket.socket) -> tuple[socket.socket, object]:
        raise OSError(errno.EINVAL, "Invalid argument")

    with serve_tcp(toy()) as server:
        monkeypatch.setattr(socket.socket, "accept", accept)
        # reset, or closed without an answer; on a loaded machine the reset can reach the
        # client before its connect() returns (the kernel had completed the handshake)
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", server.port),
                                                              timeout=5.0) as sock:
            sock.sendall(b"*IDN?\n")
            if not sock.recv(100):
                raise ConnectionResetError("closed without an answer")
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == [f"Toy on 127.0.0.1:{server.port} stops listening: accept() failed "
                      "([Errno 22] Invalid argument)"]


SERVER_OUT_OF_DESCRIPTORS = textwrap.dedent("""
    import os, resource, socket, sys
    sys.path[:0] = [sys.argv[1]]
    from helpers import toy
    from metrolab.instrument.simulation import serve_tcp

    def ask(sock, message):
        sock.sendall(message)
        return sock.makefile("rb").readline()

    with serve_tcp(toy()) as server:
        first = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        print("first", ask(first, b"VOLT 2\\nVOLT?\\n").decode().strip(), flush=True)
        second = socket.socket()
        lowest_free = os.dup(0)  # every descriptor below it is in use
        os.close(lowest_free)
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (lowest_free, hard))  # none to spare
        second.connect(("127.0.0.1", server.port))  # the kernel queues it; accept() fails
        second.settimeout(0.5)
        try:
            second.sendall(b"VOLT?\\n")
            second.recv(100)
            print("second served while out of descriptors", flush=True)
        except TimeoutError:
            print("second waits", flush=True)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        second.settimeout(5)
        print("second", second.makefile("rb").readline().decode().strip(), flush=True)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and RLIMIT")
def test_out_of_descriptors_the_client_waits_and_is_served_once_they_are_back() -> None:
    here = str(Path(__file__).parent)
    done = subprocess.run(
        [sys.executable, "-c", SERVER_OUT_OF_DESCRIPTORS, here],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "first +2.00000000E+00",
        "second waits",
        "second +2.00000000E+00",
    ]
    assert "Too many open files" in done.stderr  # the listener said why it waited


def test_one_connection_too_many_is_told_why_and_closed() -> None:
    with serve_tcp(toy(), max_connections=2) as server:
        first = SCPIInstrument.open(server.resource)
        second = SCPIInstrument.open(server.resource)
        try:
            assert first.query("*IDN?").startswith("ACME")
            assert second.query("*IDN?").startswith("ACME")
            assert server.connections == 2
            with socket.create_connection(("127.0.0.1", server.port), timeout=5.0) as third:
                reader = third.makefile("rb")
                assert reader.readline() == refusal("Toy", 2)
                assert reader.read() == b""  # then closed
            assert b"at most 2 connections" in refusal("Toy", 2)
        finally:
            first.close()
        # a freed slot is taken by the next client
        for _ in range(50):
            reply = ask(server.port, b"*IDN?\n")
            if reply.startswith(b"ACME"):
                break
        assert reply == b"ACME,TOY,123,1.0\n"
        second.close()


def test_max_connections_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        serve_tcp(toy(), max_connections=0)
