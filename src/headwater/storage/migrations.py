"""Versioned schema migrations: create a fresh event log, check a database's version, upgrade old ones.

Owns the ``schema_version`` row and the ordered ``MIGRATIONS``, whose DDL is frozen per version in
``migration_steps``; it never opens connections itself and never decides *when* to migrate
(``Storage.open(migrate=...)`` and ``headwater migrate`` do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection, delete, insert, inspect, select, text

from headwater.errors import SchemaVersionError
from headwater.storage import schema
from headwater.storage.migration_steps import (
    v1_event_log,
    v2_partitions_backfills,
    v3_automation,
    v4_pool_slots,
    v5_check_latest,
    v6_users,
)

CURRENT_SCHEMA_VERSION: Final = 6
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


MIGRATIONS: list[Migration] = [
    Migration(version=1, description="create the event log tables", apply=v1_event_log.apply),
    Migration(
        version=2,
        description="add the dynamic_partitions, backfills and backfill_runs tables",
        apply=v2_partitions_backfills.apply,
    ),
    Migration(
        version=3,
        description="add the automation tables (instigators, ticks, evaluations, daemon lease, run queue)",
        apply=v3_automation.apply,
    ),
    Migration(
        version=4,
        description="add the pool_slots table (steps running per concurrency pool)",
        apply=v4_pool_slots.apply,
    ),
    Migration(
        version=5,
        description="add the check_latest table (the latest verdict of every check), filled from the events",
        apply=v5_check_latest.apply,
    ),
    Migration(
        version=6,
        description="add the users and api_tokens tables (users, roles and personal API tokens)",
        apply=v6_users.apply,
    ),
]
"""Every migration in version order. Each step is frozen in ``migration_steps`` with the tables as
they were at its version, so what it does never changes with ``schema``. A new database is created
from ``schema`` directly and stamped with the latest version; these steps only upgrade databases
made by older releases (a test checks that both roads give the same schema)."""


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
