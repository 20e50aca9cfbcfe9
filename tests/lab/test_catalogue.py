"""The catalogue: what it indexes is what the records say, verified, and it can be rebuilt.

Every expectation is computed from the records themselves through the store's API
(``open_record``), independently of the catalogue's tables and queries.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import h5py
import pytest

from metrolab.lab.catalogue import Catalogue, Query, records_directories
from metrolab.lab.errors import CatalogueError, CatalogueInputError
from metrolab.lab.location import database_url, lab_settings
from metrolab.store import approve, review
from metrolab.store.approval import amend
from metrolab.store.record import Record, open_record
from metrolab.store.signing import KeyRegister, load_signing_key
from metrolab.testing.cli import run_cli


def started_on(run: dict[str, object]) -> date:
    """Return the day (UTC) a run started (``started_at``: epoch seconds or ISO text)."""
    value = run["started_at"]
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC).date()
    return datetime.fromisoformat(str(value)).astimezone(UTC).date()


def all_records(fleet: Path) -> list[Record]:
    return [open_record(path) for path in sorted((fleet / "records").rglob("*.h5"))]


def build(fleet: Path, url: str) -> Catalogue:
    catalogue = Catalogue.open(url)
    done = catalogue.rebuild(records_directories([fleet / "records"]),
                             register=str(fleet / "fleet-register.toml"))
    assert done.refused == ()
    return catalogue


@pytest.fixture()
def catalogue(fleet_catalogue: Catalogue) -> Catalogue:
    return fleet_catalogue


def test_rebuild_indexes_every_sealed_record(fleet: Path, catalogue: Catalogue) -> None:
    records = all_records(fleet)
    assert catalogue.count() == len(records) > 16
    found = {e.record_id: e for e in catalogue.find(Query())}
    assert set(found) == {r.record_id for r in records}
    for record in records:
        entry = found[record.record_id]
        assert entry.content_sha256 == record.sha256
        assert entry.item.serial == record.run["item"]["serial"]
        assert entry.run_status == record.status
        assert [p.point_id for p in entry.points] == [p.point_id for p in record.points]
        assert [p.statement for p in entry.points] == \
            [p.decision.get("statement", "") for p in record.points]
        assert {s.action for s in entry.signers} == {s.action for s in record.signers}


def test_statuses_follow_review_and_amendments(fleet: Path, catalogue: Catalogue) -> None:
    for record in all_records(fleet):
        entry = catalogue.entry(record.record_id)
        assert entry is not None
        if record.review.superseded_by:
            assert entry.status == "superseded"
            assert entry.superseded_by == record.review.superseded_by
        elif record.amends is not None and record.review.state == "draft":
            assert entry.status == "amended"
            assert entry.amends == record.amends["record_id"]
        else:
            assert entry.status == record.review.state
    statuses = {e.status for e in catalogue.find(Query())}
    assert {"approved", "superseded", "amended", "draft"} <= statuses


@pytest.mark.parametrize(("standard", "since"), [("CAL-02", date(2025, 3, 1)),
                                                 ("cal-01", None), ("1972903", None)])
def test_standard_and_date_query_matches_the_records(fleet: Path, catalogue: Catalogue,
                                                     standard: str, since: date | None) -> None:
    expected = set()
    for record in all_records(fleet):
        started = started_on(record.run)
        for instrument in record.instruments:
            trace = instrument.get("traceability") or {}
            ids = {str(trace.get("register_id", "")).lower(),
                   str(instrument["identity"]["serial"]).lower()}
            if trace and standard.lower() in ids and (since is None or started >= since):
                expected.add(record.record_id)
    found = {e.record_id for e in catalogue.find(Query(standard=standard, since=since))}
    assert found == expected and found


def test_item_and_status_query(fleet: Path, catalogue: Catalogue) -> None:
    records = all_records(fleet)
    serial = records[0].run["item"]["serial"]
    assert {e.record_id for e in catalogue.find(Query(item=serial.lower()))} == \
        {r.record_id for r in records if r.run["item"]["serial"] == serial}
    approved = {r.record_id for r in records
                if r.review.state == "approved" and not r.review.superseded_by}
    assert {e.record_id for e in catalogue.find(Query(statuses=("approved",)))} == approved


def test_until_and_bad_query_arguments(catalogue: Catalogue) -> None:
    everything = catalogue.find(Query())
    day = everything[len(everything) // 2].started_at.date()  # type: ignore[union-attr]
    before = catalogue.find(Query(until=day))
    assert before and all(e.started_at.date() <= day for e in before)  # type: ignore[union-attr]
    with pytest.raises(CatalogueInputError, match="--status 'signed'"):
        Query(statuses=("signed",))
    with pytest.raises(CatalogueInputError, match="before --since"):
        Query(since=date(2026, 1, 2), until=date(2026, 1, 1))


def test_json_names_standards_by_register_id(catalogue: Catalogue) -> None:
    entry = catalogue.find(Query(standard="CAL-01"))[0]
    data = entry.to_json()
    assert data["standards"] == ["CAL-01"]
    used = data["standards_used"][0]
    assert used["serial"] == "1972901" and used["certificate_id"].startswith("CERT-1972901-")
    assert json.loads(json.dumps(data)) == data


def test_sync_picks_up_a_new_approval_and_an_amendment(fleet_copy: Path, tmp_path: Path) -> None:
    catalogue = build(fleet_copy, f"sqlite:///{tmp_path / 'c.sqlite'}")
    draft = next(e for e in catalogue.find(Query(statuses=("draft",)))
                 if e.run_status == "completed")
    register = KeyRegister.load(fleet_copy / "fleet-register.toml")
    keys = {n: load_signing_key(n, fleet_copy / "fleet-keys")
            for n in ("fleet reviewer", "fleet approver")}
    path = Path(draft.path)
    review(path, keys["fleet reviewer"], register=register)
    approve(path, keys["fleet approver"], register=register)
    assert catalogue.sync(register=str(fleet_copy / "fleet-register.toml")).indexed == 1
    assert catalogue.entry(draft.record_id).status == "approved"  # type: ignore[union-attr]
    new = amend(path, signer=keys["fleet approver"], reason="test", register=register,
                changes={"customer.name": "Renamed Ltd"})
    done = catalogue.sync(register=str(fleet_copy / "fleet-register.toml"))
    assert done.indexed == 2 and done.refused == ()
    assert catalogue.entry(draft.record_id).status == "superseded"  # type: ignore[union-attr]
    amended = catalogue.entry(new.stem)
    assert amended is not None and amended.status == "amended"
    assert amended.customer == "Renamed Ltd"
    assert catalogue.sync().indexed == 0  # nothing new


def test_a_changed_record_is_not_indexed(fleet_copy: Path, tmp_path: Path) -> None:
    victim = sorted((fleet_copy / "records").rglob("*.h5"))[3]
    with h5py.File(victim, "r+") as handle:
        group = handle["entry/readings"]
        readings = group[next(iter(group))]["value"]
        readings[0] = readings[0] + 1e-3
    catalogue = Catalogue.open(f"sqlite:///{tmp_path / 'c.sqlite'}")
    done = catalogue.rebuild(records_directories([fleet_copy / "records"]),
                             register=str(fleet_copy / "fleet-register.toml"))
    refused = {Path(r.path).name: r.reason for r in done.refused}
    assert victim.name in refused and "not intact" in refused[victim.name]
    assert catalogue.entry(victim.stem) is None
    assert done.indexed == len(list((fleet_copy / "records").rglob("*.h5"))) - 1


def test_a_copied_folder_is_not_indexed_twice(fleet_copy: Path, tmp_path: Path) -> None:
    month = sorted((fleet_copy / "records").iterdir())[0]
    copy = tmp_path / "elsewhere" / month.name
    shutil.copytree(month, copy)
    catalogue = Catalogue.open(f"sqlite:///{tmp_path / 'c.sqlite'}")
    done = catalogue.rebuild([str(month), str(copy)])
    assert done.refused and all("already indexed from" in r.reason for r in done.refused)
    assert done.indexed == len(list(month.glob("*.h5")))


def test_another_schema_version_asks_for_a_rebuild(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    Catalogue.open(url).close()
    import sqlite3

    with sqlite3.connect(tmp_path / "c.sqlite") as connection:
        connection.execute("UPDATE catalogue_info SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(CatalogueError, match=r"schema version 0.*catalogue rebuild"):
        Catalogue.open(url)


def test_where_the_catalogue_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METROLAB_REGISTER", raising=False)
    register = tmp_path / "register.toml"
    register.write_text("[lab]\n", encoding="utf-8")
    assert lab_settings(register=register).catalogue_url == \
        f"sqlite:///{tmp_path / 'catalogue.sqlite'}"
    register.write_text('[lab]\ncatalogue = "db/lab.sqlite"\nscheduler = "tcp://10.0.0.5:8786"\n',
                        encoding="utf-8")
    settings = lab_settings(register=register)
    assert settings.catalogue_url == f"sqlite:///{tmp_path / 'db' / 'lab.sqlite'}"
    assert settings.scheduler == "tcp://10.0.0.5:8786"
    assert lab_settings(register=register, db="postgresql://u:secret@h/db").catalogue_url == \
        "postgresql+psycopg://u:secret@h/db"
    register.write_text('[lab]\ncatalog = "x"\n', encoding="utf-8")
    with pytest.raises(CatalogueInputError, match="unknown key 'catalog'"):
        lab_settings(register=register)
    with pytest.raises(CatalogueInputError, match="use --db URL"):
        lab_settings()
    with pytest.raises(CatalogueInputError, match=r"SQLite .* and PostgreSQL"):
        database_url("mysql://h/db")


def test_records_command_prints_json(fleet: Path, catalogue: Catalogue,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["records", "--db", catalogue.url, "--standard", "CAL-03",
                              "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    expected = catalogue.find(Query(standard="CAL-03"))
    assert data["count"] == len(expected) > 0
    assert all(r["standards"] == ["CAL-03"] for r in data["records"])
    code, out, err = run_cli(["records", "--db", catalogue.url, "--status", "approved"], capsys)
    assert code == 0 and "record(s)" in out


@pytest.mark.parametrize(("args", "fragment"), [
    (["records", "--status", "signed"], "--status 'signed': use one of"),
    (["records", "--since", "March"], "--since 'March': give a date as YYYY-MM-DD"),
    (["catalogue", "rebuild", "/no/such/folder"], "/no/such/folder is not a folder of records"),
    (["records", "--db", "mysql://h/db"], "works with SQLite"),
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], fragment: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    if "--db" not in args:
        args = [*args, "--db", f"sqlite:///{tmp_path / 'c.sqlite'}"]
    code, _, err = run_cli(args, capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and fragment in lines[0], err


def test_rebuild_command_reports_what_it_left_out(fleet_copy: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    victim = sorted((fleet_copy / "records").rglob("*.h5"))[0]
    victim.unlink()
    code, out, err = run_cli(["catalogue", "rebuild", str(fleet_copy / "records"),
                              "--register", str(fleet_copy / "fleet-register.toml"),
                              "--scheduler", "loop"], capsys)
    assert code == 1
    assert "indexed from" in out
    assert f"{victim.name}" in err and "missing" in err
    assert (fleet_copy / "catalogue.sqlite").is_file()  # beside the register
