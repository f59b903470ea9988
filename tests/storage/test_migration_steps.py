"""Frozen migration steps over SQLite and PostgreSQL: a version-1 database migrated step by step has
exactly the schema of a new one, and the steps never read the latest table definitions."""

from __future__ import annotations

import ast
import inspect as pyinspect
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text

from headwater.events import CheckEvaluated, Event, EventType
from headwater.keys import AssetKey
from headwater.storage import Storage, migrations
from headwater.storage.rows import event_to_row

Schema = dict[str, dict[str, Any]]


def _read_schema(url: str, schema: str | None = None) -> Schema:
    """Every table's columns (name, type class, nullable, primary key) and indexes (name, columns, unique)."""
    engine = create_engine(url)
    try:
        found = inspect(engine)
        out: Schema = {}
        for table in sorted(found.get_table_names(schema=schema)):
            primary = set(found.get_pk_constraint(table, schema=schema)["constrained_columns"])
            out[table] = {
                "columns": [
                    (c["name"], type(c["type"]).__name__, c["nullable"], c["name"] in primary)
                    for c in found.get_columns(table, schema=schema)
                ],
                "indexes": sorted(
                    (str(i["name"]), tuple(str(c) for c in i["column_names"]), bool(i["unique"]))
                    for i in found.get_indexes(table, schema=schema)
                ),
            }
        return out
    finally:
        engine.dispose()


def _version_1_database(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        migrations.MIGRATIONS[0].apply(conn)
        conn.execute(text("INSERT INTO schema_version (version) VALUES (1)"))
    engine.dispose()


def test_a_version_1_database_migrated_step_by_step_has_the_schema_of_a_new_one(
    storage_url: str, tmp_path: Path
) -> None:
    _version_1_database(storage_url)
    assert set(_read_schema(storage_url)) == {"schema_version", "runs", "events", "asset_latest", "step_logs"}
    upgraded = Storage.open(storage_url, migrate=True)
    assert upgraded.migrate() == [m.description for m in migrations.MIGRATIONS[1:]]
    assert upgraded.schema_version() == migrations.latest_version()
    upgraded.close()

    if storage_url.startswith("sqlite"):
        fresh_url, fresh_schema = f"sqlite:///{tmp_path / 'fresh.db'}", None
    else:
        # A second schema of the same database: the same server and version for both sides.
        engine = create_engine(storage_url)
        with engine.begin() as conn:
            conn.execute(text("CREATE SCHEMA fresh"))
        engine.dispose()
        fresh_url, fresh_schema = f"{storage_url}?options=-csearch_path%3Dfresh", "fresh"
    Storage.open(fresh_url).close()

    migrated, fresh = _read_schema(storage_url), _read_schema(fresh_url, fresh_schema)
    assert set(migrated) == set(fresh)
    for table in sorted(fresh):
        assert migrated[table] == fresh[table], table


def _insert_event(conn: Any, event: Event) -> None:
    conn.execute(
        text(
            "INSERT INTO events (run_id, type, timestamp, step_key, asset_key, partition, data) "
            "VALUES (:run_id, :type, :timestamp, :step_key, :asset_key, :partition, :data)"
        ),
        event_to_row(event, 1, 1),
    )


def test_the_version_5_step_fills_check_latest_from_the_stored_events(storage_url: str) -> None:
    def evaluated(check: str, passed: bool, *, partition: str | None = None, run_id: str = "r1") -> Event:
        data = CheckEvaluated(check=check, passed=passed, blocking=True).to_data()
        key = AssetKey("a")
        return Event(run_id=run_id, type=EventType.CHECK_EVALUATED, asset_key=key, partition=partition, data=data)

    engine = create_engine(storage_url)
    with engine.begin() as conn:
        for migration in migrations.MIGRATIONS[:4]:
            migration.apply(conn)
        conn.execute(text("INSERT INTO schema_version (version) VALUES (4)"))
        _insert_event(conn, evaluated("positive", False))
        _insert_event(conn, evaluated("positive", True, run_id="r2"))
        _insert_event(conn, evaluated("positive", False, partition="2024-01-01"))
        _insert_event(conn, evaluated("unique", False))
        _insert_event(conn, Event(run_id="r2", type=EventType.RUN_SUCCEEDED, data={"check": "not a check"}))
    engine.dispose()

    storage = Storage.open(storage_url, migrate=True)
    assert storage.migrate() == [m.description for m in migrations.MIGRATIONS[4:]]
    storage.close()
    engine = create_engine(storage_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT asset_key, check_name, partition, run_id, outcome, blocking, event_id FROM check_latest")
        ).all()
    engine.dispose()
    assert sorted(tuple(row) for row in rows) == [
        ("a", "positive", "", "r2", "passed", 1, 2),
        ("a", "positive", "2024-01-01", "r1", "failed", 1, 3),
        ("a", "unique", "", "r1", "failed", 1, 4),
    ]


def test_no_migration_step_reads_the_latest_schema() -> None:
    from headwater.storage import migration_steps

    modules = sorted(Path(pyinspect.getfile(migration_steps)).parent.glob("*.py"))
    assert len(modules) == migrations.latest_version() + 1  # one module per version and the package
    assert {m.apply.__module__ for m in migrations.MIGRATIONS} <= {
        f"{migration_steps.__name__}.{p.stem}" for p in modules
    }
    for path in modules:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = {a.name for a in node.names}
                if isinstance(node, ast.ImportFrom):
                    names = {node.module or "", *(f"{node.module}.{name}" for name in names)}
                assert "headwater.storage.schema" not in names, f"{path.name}:{node.lineno} imports the latest schema"
