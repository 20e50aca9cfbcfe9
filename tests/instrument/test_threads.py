"""One lock per resource: threads sharing a driver never get each other's replies."""

from concurrent.futures import ThreadPoolExecutor

from metrolab.instrument import InProcessTransport, SCPIInstrument
from metrolab.instrument.simulation import serve_tcp

from .helpers import toy


def hammer(driver: SCPIInstrument, threads: int, queries: int) -> list[tuple[str, str]]:
    def worker(index: int) -> list[tuple[str, str]]:
        mismatched = []
        for n in range(queries):
            token = f"t{index}q{n}"
            reply = driver.query(f"ECHO? {token}")
            if reply != token:
                mismatched.append((token, reply))
        return mismatched

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return [m for result in pool.map(worker, range(threads)) for m in result]


def test_eight_threads_by_a_thousand_queries_in_process() -> None:
    driver = SCPIInstrument(InProcessTransport(toy()))
    assert hammer(driver, threads=8, queries=1000) == []


def test_eight_threads_over_tcp() -> None:
    sim = toy()
    with serve_tcp(sim) as server, SCPIInstrument.open(server.resource, timeout_s=5.0) as driver:
        assert hammer(driver, threads=8, queries=100) == []


def test_two_drivers_on_one_resource_share_one_lock() -> None:
    sim = toy()
    with (
        serve_tcp(sim) as server,
        SCPIInstrument.open(server.resource) as a,
        SCPIInstrument.open(server.resource) as b,
    ):
        assert a.lock is b.lock
