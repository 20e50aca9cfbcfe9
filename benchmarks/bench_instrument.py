"""Instrument-layer benchmarks, run by hand: ``.venv/bin/python benchmarks/bench_instrument.py``.

1. Per-query cost of ``Keysight34401A.read()`` against raw pyvisa ``query("READ?")`` on the
   same simulator resource over TCP (target <= 1.10x); I/O logging is compiled in but off.
   ``configure()`` (five writes, then ``SYST:ERR?``) against the same exchanges on a raw
   pyvisa-py resource with Nagle's algorithm explicitly off (target <= 1.2x) and with
   pyvisa-py's default (Nagle on: each write after the first waits for a delayed ACK).
2. One million REAL,64 readings from the simulated 34465A over TCP: ``read_many`` through
   pyvisa-py against a raw socket read of the same bytes (readings/s and ratio).
3. Import time of ``metrolab.instrument`` + ``metrolab.drivers.keysight`` against
   ``import pyvisa`` in fresh interpreters (target <= 1.2x).

Every ratio is against a baseline measured in the same run. The simulators run in a
separate process (as ``metrolab sim serve`` would) on a VirtualClock, so integration
times cost nothing, the client does not share its interpreter lock with the server,
and only the software is timed.
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from metrolab.drivers.keysight import Keysight34401A, Keysight34465A

from metrolab.instrument import Function
from metrolab.instrument.visa import resource_manager
from metrolab.units import ureg

QUERIES = 200
ROUNDS = 40
READINGS = 1_000_000

SERVER = """
import sys
from metrolab.clock import VirtualClock
from metrolab.drivers.keysight import simulator
from metrolab.instrument import Function
from metrolab.instrument.simulation import ManualSource, serve_tcp
source = ManualSource()
source.apply(Function.DCV, float(sys.argv[2]))
sim = getattr(simulator, sys.argv[1])(seed=0, clock=VirtualClock(), source=source)
with serve_tcp(sim) as server:
    print(server.port, flush=True)
    sys.stdin.read()
"""


@contextmanager
def served(simulator_class: str, volts: float) -> Iterator[int]:
    """Serve a DMM simulator with ``volts`` applied in a child process; yield its TCP port."""
    child = subprocess.Popen(
        [sys.executable, "-c", SERVER, simulator_class, str(volts)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        yield int(child.stdout.readline())
    finally:
        child.communicate(timeout=30)


def per_query() -> None:
    with served("Keysight34401ASimulator", 5.0) as port:
        resource = f"TCPIP0::127.0.0.1::{port}::SOCKET"
        raw = resource_manager("@py").open_resource(
            resource, read_termination="\n", write_termination="\n", timeout=5000
        )
        dmm = Keysight34401A.open(resource)
        dmm.configure(Function.DCV, 10 * ureg.V, 0.02)
        ratios, raw_times, driver_times = [], [], []
        for _ in range(ROUNDS):  # short interleaved rounds: load changes hit both alike
            start = time.perf_counter()
            for _ in range(QUERIES):
                float(raw.query("READ?"))
            raw_times.append((time.perf_counter() - start) / QUERIES)
            start = time.perf_counter()
            for _ in range(QUERIES):
                dmm.read()
            driver_times.append((time.perf_counter() - start) / QUERIES)
            ratios.append(driver_times[-1] / raw_times[-1])
        raw.close()
        dmm.close()
    print(
        f"per query: raw pyvisa {statistics.median(raw_times) * 1e6:.1f} us, "
        f"Keysight34401A.read() {statistics.median(driver_times) * 1e6:.1f} us (medians) -> "
        f"median ratio {statistics.median(ratios):.3f}x, ratio of minima "
        f"{min(driver_times) / min(raw_times):.3f}x (target <= 1.10x)"
    )


class RecordingTransport:
    """Records what a driver sends; every read answers "no error"."""

    resource = "RECORDING"
    timeout_s = 5.0

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.sent: list[str] = []

    def write(self, message: str) -> None:
        """Record ``message``."""
        self.sent.append(message)

    def read(self) -> str:
        """Return an empty error queue's answer."""
        return '+0,"No error"'


def configure_exchanges() -> list[str]:
    """Return the messages ``Keysight34401A.configure(DCV, 10 V, 10 PLC)`` sends."""
    recorder = RecordingTransport()
    Keysight34401A(recorder).configure(Function.DCV, 10 * ureg.V, 10)  # type: ignore[arg-type]
    return recorder.sent


def configure_cost() -> None:
    exchanges = configure_exchanges()
    with served("Keysight34401ASimulator", 5.0) as port:
        resource = f"TCPIP0::127.0.0.1::{port}::SOCKET"
        dmm = Keysight34401A.open(resource)
        manager = resource_manager("@py")
        raw = {}
        for nagle in ("off", "on"):
            res = manager.open_resource(
                resource, read_termination="\n", write_termination="\n", timeout=5000
            )
            sock = res.visalib.sessions[res.session].interface
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1 if nagle == "off" else 0)
            raw[nagle] = res

        def replay(res: object, count: int) -> float:
            start = time.perf_counter()
            for _ in range(count):
                for message in exchanges:
                    if message.endswith("?"):
                        res.query(message)  # type: ignore[attr-defined]
                    else:
                        res.write(message)  # type: ignore[attr-defined]
            return (time.perf_counter() - start) / count

        ten_volts = 10 * ureg.V  # built once: the caller's pint cost is not the driver's

        def driver(count: int) -> float:
            start = time.perf_counter()
            for _ in range(count):
                dmm.configure(Function.DCV, ten_volts, 10)
            return (time.perf_counter() - start) / count

        ours, off, on, ratios = [], [], [], []
        for _ in range(15):  # interleaved rounds: a load change hits all three alike
            ours.append(driver(100))
            off.append(replay(raw["off"], 100))
            on.append(replay(raw["on"], 2))
            ratios.append(ours[-1] / off[-1])
        dmm.close()
        for res in raw.values():
            res.close()
    mine, nodelay, nagle = (statistics.median(t) for t in (ours, off, on))
    print(
        f"configure() ({len(exchanges)} exchanges): driver {mine * 1e3:.3f} ms, raw pyvisa-py "
        f"Nagle off {nodelay * 1e3:.3f} ms -> median ratio {statistics.median(ratios):.2f}x, "
        f"ratio of minima {min(ours) / min(off):.2f}x (target <= 1.2x); raw pyvisa-py with "
        f"Nagle on (its default) {nagle * 1e3:.1f} ms -> {nagle / nodelay:.0f}x the Nagle-off time"
    )


class InstantTransport:
    """Answers every query at once: isolates the driver's own cost from any I/O."""

    resource = "INSTANT"
    timeout_s = 5.0

    def __init__(self) -> None:
        import threading

        self.lock = threading.RLock()

    def write(self, message: str) -> None:
        """Accept ``message``."""

    def read(self) -> str:
        """Return a fixed reading."""
        return "+5.00000000E+00"


def overhead() -> None:
    import timeit

    from metrolab.instrument.readings import ScalarQuantity
    from metrolab.units import Quantity

    dmm = Keysight34401A(InstantTransport())  # type: ignore[arg-type]
    dmm.function, dmm.nplc = Function.DCV, 0.02
    volt = ureg.Unit("V")
    n = 20000
    scalar = ScalarQuantity(volt)
    read_us = min(timeit.repeat(dmm.read, number=n, repeat=5)) / n * 1e6
    quantity_us = min(timeit.repeat(lambda: scalar(5.0), number=n, repeat=5)) / n * 1e6
    pint_us = min(timeit.repeat(lambda: Quantity(5.0, volt), number=n, repeat=5)) / n * 1e6
    print(
        f"driver cost per reading without I/O: {read_us:.1f} us, of which building the "
        f"Quantity {quantity_us:.1f} us (pint's own constructor: {pint_us:.1f} us)"
    )


def binary_buffer() -> None:
    with served("Keysight34465ASimulator", 1.0) as port:
        dmm = Keysight34465A.open(f"TCPIP0::127.0.0.1::{port}::SOCKET")
        dmm.configure(Function.DCV, 1 * ureg.V, 0.02)
        dmm.read_many(READINGS)  # warm up: format and sample count are set once
        start = time.perf_counter()
        readings = dmm.read_many(READINGS)
        driver_s = time.perf_counter() - start
        dmm.close()
        assert readings.shape == (READINGS,)

        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"FORM:DATA REAL,64;:SAMP:COUN %d\n" % READINGS)
            start = time.perf_counter()
            sock.sendall(b"READ?\n")
            values = read_block(sock)
            raw_s = time.perf_counter() - start
        assert values.size == READINGS
    print(
        f"REAL,64 x {READINGS:,}: driver {READINGS / driver_s:,.0f} readings/s, raw socket "
        f"{READINGS / raw_s:,.0f} readings/s -> {driver_s / raw_s:.2f}x the raw time"
    )


def recv_exactly(sock: socket.socket, count: int) -> bytearray:
    """Return exactly ``count`` bytes from ``sock``."""
    data = bytearray(count)
    view = memoryview(data)
    got = 0
    while got < count:
        got += sock.recv_into(view[got:])
    return data


def read_block(sock: socket.socket) -> np.ndarray:
    """Read one ``#<n><length>`` REAL,64 block and its LF from ``sock``; return the values."""
    head = recv_exactly(sock, 2)
    digits = int(head[1:2])
    length = int(recv_exactly(sock, digits))
    payload = recv_exactly(sock, length + 1)
    return np.frombuffer(bytes(payload[:length]), dtype=">f8")


def import_time() -> None:
    def median_import(statement: str) -> float:
        samples = []
        for _ in range(7):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", statement], check=True)
            samples.append(time.perf_counter() - start)
        return statement and statistics.median(samples)

    bare = median_import("pass")
    pyvisa_s = median_import("import pyvisa") - bare
    ours_s = median_import("import metrolab, metrolab.instrument, metrolab.drivers.keysight") - bare
    print(
        f"import: pyvisa {pyvisa_s * 1e3:.0f} ms, metrolab + keysight drivers {ours_s * 1e3:.0f} ms"
        f" -> {ours_s / pyvisa_s:.2f}x (target <= 1.2x)"
    )


if __name__ == "__main__":
    per_query()
    configure_cost()
    overhead()
    binary_buffer()
    import_time()
