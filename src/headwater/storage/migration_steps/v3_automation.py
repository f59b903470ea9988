"""Schema version 3, frozen: the automation tables (instigators, ticks, automation_evaluations,
asset_automation, daemon_leases, run_workers)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Connection, Double, Index, Integer, MetaData, String, Table, Text

_metadata = MetaData()

_ID = BigInteger().with_variant(Integer(), "sqlite")

Table(
    "instigators",
    _metadata,
    Column("name", String(255), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("enabled", Integer),
    Column("cursor", Text),
    Column("last_tick_at", Double),
    Column("updated_at", Double, nullable=False),
)

Table(
    "ticks",
    _metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("instigator", String(255), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("tick_key", String(512), nullable=False),
    Column("timestamp", Double, nullable=False),
    Column("scheduled_at", Double),
    Column("status", String(32), nullable=False),
    Column("run_ids", Text, nullable=False),
    Column("cursor", Text),
    Column("error", Text),
    Column("data", Text, nullable=False),
    Index("ux_ticks_tick_key", "tick_key", unique=True),
    Index("ix_ticks_instigator_id", "instigator", "id"),
    Index("ix_ticks_timestamp", "timestamp"),
)

Table(
    "automation_evaluations",
    _metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("tick_id", BigInteger, nullable=False),
    Column("asset_key", String(512), nullable=False),
    Column("timestamp", Double, nullable=False),
    Column("requested", Integer, nullable=False),
    Column("run_id", String(255)),
    Column("detail", Text, nullable=False),
    Index("ix_automation_evaluations_asset_key_id", "asset_key", "id"),
    Index("ix_automation_evaluations_tick_id", "tick_id"),
)

Table(
    "asset_automation",
    _metadata,
    Column("asset_key", String(512), primary_key=True),
    Column("evaluated_at", Double, nullable=False),
    Column("requested", Integer, nullable=False),
    Column("detail", Text, nullable=False),
    Column("last_requested_at", Double),
    Column("last_run_id", String(255)),
)

Table(
    "daemon_leases",
    _metadata,
    Column("name", String(255), primary_key=True),
    Column("owner", String(255), nullable=False),
    Column("acquired_at", Double, nullable=False),
    Column("expires_at", Double, nullable=False),
)

Table(
    "run_workers",
    _metadata,
    Column("run_id", String(255), primary_key=True),
    Column("location", Text),
    Column("priority", Integer, nullable=False),
    Column("queued_at", Double),
    Column("launched_at", Double),
    Column("heartbeat_at", Double),
    Column("cancel_requested_at", Double),
    Column("worker", String(255)),
)


def apply(conn: Connection) -> None:
    """Add the version-3 tables to a version-2 database."""
    _metadata.create_all(conn)
