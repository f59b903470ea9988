"""The tables of the event log, declared once on one MetaData for SQLite and PostgreSQL.

Owns table, column and index definitions at the latest schema version; it runs no SQL and
does not migrate (see ``migrations``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# BIGINT on PostgreSQL; INTEGER PRIMARY KEY on SQLite so the id is the rowid (fast, autoincrementing).
_Id = BigInteger().with_variant(Integer(), "sqlite")

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(255), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("started_at", Double),
    Column("finished_at", Double),
    Column("selection", Text, nullable=False),
    Column("asset_keys", Text, nullable=False),  # JSON list of "a/b" strings
    Column("partition", String(255)),
    Column("tags", Text, nullable=False),  # JSON object
    Column("config", Text, nullable=False),  # JSON object
    Column("parent_run_id", String(255)),
    Column("error", Text),
    Index("ix_runs_created_at", "created_at"),
    Index("ix_runs_status", "status"),
)

events = Table(
    "events",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("run_id", String(255), nullable=False),
    Column("type", String(64), nullable=False),
    Column("timestamp", Double, nullable=False),
    Column("step_key", String(512)),
    Column("asset_key", String(512)),  # "a/b"
    Column("partition", String(255)),
    Column("data", Text, nullable=False),  # compact JSON object
    Index("ix_events_run_id_id", "run_id", "id"),
    Index("ix_events_asset_key_type_id", "asset_key", "type", "id"),
)

asset_latest = Table(
    "asset_latest",
    metadata,
    Column("asset_key", String(512), primary_key=True),
    Column("partition", String(255), primary_key=True),  # '' for unpartitioned
    Column("kind", String(32), primary_key=True),  # materialization | observation | failure
    Column("event_id", _Id, nullable=False),
    Column("run_id", String(255), nullable=False),
    Column("timestamp", Double, nullable=False),
)

step_logs = Table(
    "step_logs",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("run_id", String(255), nullable=False),
    Column("step_key", String(512), nullable=False),
    Column("timestamp", Double, nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_step_logs_run_id_id", "run_id", "id"),
)
