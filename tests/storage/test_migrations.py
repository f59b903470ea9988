"""Schema versions: fresh creation, upgrades, and refusing databases from newer releases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, inspect, text

from headwater.errors import SchemaVersionError
from headwater.events import Event, EventType
from headwater.keys import AssetKey
from headwater.storage import CURRENT_SCHEMA_VERSION, Storage, migrations
from headwater.storage.migrations import Migration

TABLES = {"schema_version", "runs", "events", "asset_latest", "step_logs"}
V2_TABLES = {"dynamic_partitions", "backfills", "backfill_runs"}
NEXT = CURRENT_SCHEMA_VERSION + 1
"""The version of the fake migration these tests add after the real ones."""


def materialized_event(key: str) -> Event:
    return Event(run_id="r1", type=EventType.ASSET_MATERIALIZED, asset_key=AssetKey.parse(key))


def _add_v2(monkeypatch: pytest.MonkeyPatch) -> None:
    def apply(conn: Connection) -> None:
        conn.execute(text("CREATE TABLE hw_test_v2 (id INTEGER PRIMARY KEY)"))

    fake = Migration(version=NEXT, description="add the hw_test_v2 table", apply=apply)
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, fake])


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_new_database_gets_the_current_schema(storage_url: str) -> None:
    storage = Storage.open(storage_url)
    assert storage.schema_version() == CURRENT_SCHEMA_VERSION == migrations.latest_version()
    assert storage.migrate() == []
    storage.close()
    assert _tables(storage_url) >= TABLES | V2_TABLES


def test_reopening_keeps_the_data(storage_url: str) -> None:
    first = Storage.open(storage_url)
    ids = first.store_events([materialized_event("a")])
    first.close()

    second = Storage.open(storage_url)
    assert [r.id for r in second.get_events("r1", types=[EventType.ASSET_MATERIALIZED])] == ids
    second.close()


def test_older_database_is_refused_until_migrated(storage_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    old = Storage.open(storage_url)
    old.store_events([materialized_event("a")])
    old.close()
    _add_v2(monkeypatch)

    with pytest.raises(SchemaVersionError) as info:
        Storage.open(storage_url)
    message = str(info.value)
    assert f"schema version {CURRENT_SCHEMA_VERSION}, this Headwater needs {NEXT}: run `headwater migrate`" in message
    assert "hw_test_v2" not in _tables(storage_url)

    upgraded = Storage.open(storage_url, migrate=True)
    assert upgraded.migrate() == ["add the hw_test_v2 table"]
    assert upgraded.migrate() == []
    assert upgraded.schema_version() == NEXT
    assert len(upgraded.latest()) == 1
    upgraded.close()
    assert "hw_test_v2" in _tables(storage_url)

    reopened = Storage.open(storage_url)
    assert reopened.schema_version() == NEXT
    reopened.close()


def test_new_database_is_created_at_the_latest_version(storage_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _add_v2(monkeypatch)
    storage = Storage.open(storage_url)
    assert storage.schema_version() == NEXT
    storage.close()


def test_newer_database_asks_to_upgrade_headwater(storage_url: str) -> None:
    Storage.open(storage_url).close()
    engine = create_engine(storage_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE schema_version SET version = 99"))
    engine.dispose()

    for migrate in (False, True):
        with pytest.raises(SchemaVersionError) as info:
            Storage.open(storage_url, migrate=migrate)
        message = str(info.value)
        assert "has schema version 99, which was created by a newer Headwater" in message
        assert f"this one knows versions up to {CURRENT_SCHEMA_VERSION}" in message
        assert "upgrade Headwater (`pip install -U headwater`)" in message


def test_tables_without_a_version_are_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'odd.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE events (x INTEGER)"))
    engine.dispose()

    with pytest.raises(SchemaVersionError, match=r"Headwater tables \(events\) but no schema_version table"):
        Storage.open(url)


def test_a_version_1_database_gets_the_partition_and_backfill_tables(storage_url: str) -> None:
    engine = create_engine(storage_url)
    with engine.begin() as conn:
        migrations.MIGRATIONS[0].apply(conn)
        conn.execute(text("INSERT INTO schema_version (version) VALUES (1)"))
    engine.dispose()
    assert _tables(storage_url) & V2_TABLES == set()

    with pytest.raises(SchemaVersionError, match=f"schema version 1, this Headwater needs {CURRENT_SCHEMA_VERSION}"):
        Storage.open(storage_url)
    storage = Storage.open(storage_url, migrate=True)
    storage.store_events([materialized_event("a")])
    applied = storage.migrate()
    assert applied[0] == "add the dynamic_partitions, backfills and backfill_runs tables"
    assert len(applied) == CURRENT_SCHEMA_VERSION - 1
    assert storage.schema_version() == CURRENT_SCHEMA_VERSION
    assert storage.add_dynamic_partitions("customers", ["acme"]) == ["acme"]
    assert len(storage.latest()) == 1
    storage.close()
    assert _tables(storage_url) >= TABLES | V2_TABLES
