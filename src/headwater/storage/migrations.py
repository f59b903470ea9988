"""Versioned schema migrations: create a fresh event log, check a database's version, upgrade old ones.

Owns the ``schema_version`` row and the ordered ``MIGRATIONS``; it never opens connections
itself and never decides *when* to migrate (``Storage.open(migrate=...)`` and ``headwater migrate`` do).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection, delete, insert, inspect, select, text

from headwater.errors import SchemaVersionError
from headwater.events import CheckEvaluated, EventType
from headwater.storage import schema

CURRENT_SCHEMA_VERSION: Final = 5
"""The schema version this Headwater creates (the version of the last built-in migration)."""

# Any constant works; it only has to be the same in every process that migrates.
_PG_MIGRATION_LOCK: Final = 7_171_117_114


@dataclass(frozen=True, kw_only=True, slots=True)
class Migration:
    """One step of the schema: ``apply`` takes a database at ``version - 1`` to ``version``.

    ``apply`` runs inside the transaction that also records the new version, so a failure leaves
    the database at its old version.
    """

    version: int
    description: str
    apply: Callable[[Connection], None]


def _create_initial_schema(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=list(schema.V1_TABLES))


def _add_partitions_and_backfills(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=list(schema.V2_TABLES))


def _add_automation(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=list(schema.V3_TABLES))


def _add_pool_slots(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=list(schema.V4_TABLES))


def _add_check_latest(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=list(schema.V5_TABLES))
    checks = schema.events
    stmt = (
        select(checks.c.id, checks.c.run_id, checks.c.timestamp, checks.c.asset_key, checks.c.partition, checks.c.data)
        .where(checks.c.type == EventType.CHECK_EVALUATED.value, checks.c.asset_key.is_not(None))
        .order_by(checks.c.id)
    )
    latest: dict[tuple[str, str, str], dict[str, object]] = {}
    for row in conn.execute(stmt):
        verdict = CheckEvaluated.from_data(json.loads(row.data))
        place = (row.asset_key, verdict.check, row.partition or "")
        latest[place] = {
            "asset_key": row.asset_key,
            "check_name": verdict.check,
            "partition": row.partition or "",
            "event_id": row.id,
            "run_id": row.run_id,
            "timestamp": row.timestamp,
            "outcome": verdict.outcome.value,
            "blocking": int(verdict.blocking),
        }
    if latest:
        conn.execute(insert(schema.check_latest), list(latest.values()))


MIGRATIONS: list[Migration] = [
    Migration(version=1, description="create the event log tables", apply=_create_initial_schema),
    Migration(
        version=2,
        description="add the dynamic_partitions, backfills and backfill_runs tables",
        apply=_add_partitions_and_backfills,
    ),
    Migration(
        version=3,
        description="add the automation tables (instigators, ticks, evaluations, daemon lease, run queue)",
        apply=_add_automation,
    ),
    Migration(
        version=4,
        description="add the pool_slots table (steps running per concurrency pool)",
        apply=_add_pool_slots,
    ),
    Migration(
        version=5,
        description="add the check_latest table (the latest verdict of every check), filled from the events",
        apply=_add_check_latest,
    ),
]
"""Every migration in version order. A new database is created from ``schema`` directly and
stamped with the latest version; these steps only upgrade databases made by older releases."""


def latest_version() -> int:
    """The schema version this code expects (the last migration's)."""
    return MIGRATIONS[-1].version


def read_version(conn: Connection) -> int | None:
    """The database's schema version, or None when it holds no Headwater tables yet."""
    if not inspect(conn).has_table(schema.schema_version.name):
        found = [t for t in schema.metadata.tables if inspect(conn).has_table(t)]
        if found:
            raise SchemaVersionError(
                f"the database has Headwater tables ({', '.join(sorted(found))}) but no schema_version "
                "table: it was damaged or made by something else; point the storage URL at an empty "
                "database or restore a backup"
            )
        return None
    version = conn.execute(select(schema.schema_version.c.version)).scalar()
    if version is None:
        raise SchemaVersionError(
            "the database's schema_version table is empty: the database was damaged; "
            "restore a backup or point the storage URL at an empty database"
        )
    return int(version)


def check_version(version: int, where: str) -> None:
    """Raise SchemaVersionError unless ``version`` is the one this code expects."""
    needed = latest_version()
    if version < needed:
        raise SchemaVersionError(
            f"the event log at {where} has schema version {version}, this Headwater needs {needed}: "
            "run `headwater migrate` to upgrade it (back it up first; older Headwater releases "
            "cannot read it afterwards)"
        )
    if version > needed:
        raise SchemaVersionError(
            f"the event log at {where} has schema version {version}, which was created by a newer "
            f"Headwater (this one knows versions up to {needed}): upgrade Headwater "
            "(`pip install -U headwater`) to use it"
        )


def upgrade(conn: Connection, where: str) -> list[Migration]:
    """Bring the database to the latest version inside the caller's write transaction.

    An empty database gets the latest schema at once; an older one gets each pending migration.
    Returns the migrations applied. Raises SchemaVersionError for a newer database.
    """
    if conn.dialect.name == "postgresql":
        # Serialise concurrent openers; SQLite's BEGIN IMMEDIATE already does this.
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    version = read_version(conn)
    if version is None:
        schema.metadata.create_all(conn)
        _stamp(conn, latest_version())
        return []
    if version > latest_version():
        check_version(version, where)
    pending = [m for m in MIGRATIONS if m.version > version]
    for migration in pending:
        migration.apply(conn)
        _stamp(conn, migration.version)
    return pending


def _stamp(conn: Connection, version: int) -> None:
    conn.execute(delete(schema.schema_version))
    conn.execute(insert(schema.schema_version).values(version=version))
