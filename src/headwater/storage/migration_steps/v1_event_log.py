"""Schema version 1, frozen: the event log (schema_version, runs, events, asset_latest, step_logs)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Connection, Double, Index, Integer, MetaData, String, Table, Text

_metadata = MetaData()

# BIGINT on PostgreSQL; INTEGER PRIMARY KEY on SQLite so the id is the rowid.
_ID = BigInteger().with_variant(Integer(), "sqlite")

Table(
    "schema_version",
    _metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
)

Table(
    "runs",
    _metadata,
    Column("run_id", String(255), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("started_at", Double),
    Column("finished_at", Double),
    Column("selection", Text, nullable=False),
    Column("asset_keys", Text, nullable=False),
    Column("partition", String(255)),
    Column("tags", Text, nullable=False),
    Column("config", Text, nullable=False),
    Column("parent_run_id", String(255)),
    Column("error", Text),
    Index("ix_runs_created_at", "created_at"),
    Index("ix_runs_status", "status"),
)

Table(
    "events",
    _metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("run_id", String(255), nullable=False),
    Column("type", String(64), nullable=False),
    Column("timestamp", Double, nullable=False),
    Column("step_key", String(512)),
    Column("asset_key", String(512)),
    Column("partition", String(255)),
    Column("data", Text, nullable=False),
    Index("ix_events_run_id_id", "run_id", "id"),
    Index("ix_events_asset_key_type_id", "asset_key", "type", "id"),
)

Table(
    "asset_latest",
    _metadata,
    Column("asset_key", String(512), primary_key=True),
    Column("partition", String(255), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("event_id", _ID, nullable=False),
    Column("run_id", String(255), nullable=False),
    Column("timestamp", Double, nullable=False),
)

Table(
    "step_logs",
    _metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("run_id", String(255), nullable=False),
    Column("step_key", String(512), nullable=False),
    Column("timestamp", Double, nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_step_logs_run_id_id", "run_id", "id"),
)


def apply(conn: Connection) -> None:
    """Create the version-1 tables in an empty database."""
    _metadata.create_all(conn)
