"""The catalogue on a real PostgreSQL server gives what it gives on SQLite.

The server is started by the ``postgres_url`` fixture (Debian's ``postgresql`` package,
a temporary folder, a free port on 127.0.0.1); without the package or the psycopg
driver these tests skip.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from metrolab.cli import main
from metrolab.lab.catalogue import Catalogue, Query
from metrolab.lab.corrections import parse_correction
from metrolab.lab.impact import ImpactRequest, assess_impact
from metrolab.lab.indexing import DirectoryScan


@pytest.fixture()
def scans(fleet_scans: list[DirectoryScan]) -> list[DirectoryScan]:
    return fleet_scans


def filled(url: str, scans: list[DirectoryScan]) -> Catalogue:
    catalogue = Catalogue.open(url)
    catalogue.reset()
    for scan in scans:
        assert catalogue.apply(scan).refused == ()
    return catalogue


def as_json(catalogue: Catalogue, query: Query) -> list[dict[str, object]]:
    return [e.to_json() for e in catalogue.find(query)]


@pytest.mark.parametrize("query", [
    Query(), Query(standard="CAL-02", since=date(2025, 3, 1)), Query(statuses=("approved",)),
    Query(until=date(2025, 12, 31), statuses=("draft", "amended", "superseded"))])
def test_postgresql_answers_as_sqlite(postgres_url: str, scans: list[DirectoryScan],
                                      tmp_path: Path, query: Query) -> None:
    sqlite = filled(f"sqlite:///{tmp_path / 'c.sqlite'}", scans)
    postgres = filled(postgres_url, scans)
    try:
        expected = as_json(sqlite, query)
        assert as_json(postgres, query) == expected
        assert postgres.count() == sqlite.count() > 0
    finally:
        postgres.close()
        sqlite.close()


def test_impact_on_postgresql(postgres_url: str, scans: list[DirectoryScan],
                              tmp_path: Path) -> None:
    request = ImpactRequest("CAL-01", date(2024, 1, 1),
                            (parse_correction("DCV 10V +150uV U=40uV k=2"),))
    results = []
    for url in (f"sqlite:///{tmp_path / 'c.sqlite'}", postgres_url):
        catalogue = filled(url, scans)
        data = assess_impact(catalogue, request, scheduler="loop").to_json()
        results.append({k: v for k, v in data.items() if k not in ("generated_at", "catalogue")})
        catalogue.close()
    assert results[0] == results[1]
    assert results[0]["affected"]


def test_records_command_on_postgresql(postgres_url: str, scans: list[DirectoryScan],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    filled(postgres_url, scans).close()
    url = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    try:
        main(["records", "--db", url, "--standard", "CAL-03", "--json"])
    except SystemExit as exc:
        assert not exc.code
    data = json.loads(capsys.readouterr().out)
    assert data["count"] > 0 and data["catalogue"].startswith("postgresql+psycopg://")


def test_an_unreachable_server_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(SystemExit) as exit_info:
        main(["records", "--db", "postgresql://nobody@127.0.0.1:1/none"])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == 1 and len(err) == 1
    assert err[0].startswith("error: cannot open the catalogue postgresql+psycopg://")
