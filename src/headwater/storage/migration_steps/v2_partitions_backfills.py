"""Schema version 2, frozen: the dynamic_partitions, backfills and backfill_runs tables."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Connection, Double, Index, Integer, MetaData, String, Table, Text

_metadata = MetaData()

_ID = BigInteger().with_variant(Integer(), "sqlite")

Table(
    "dynamic_partitions",
    _metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False),
    Column("partition_key", String(255), nullable=False),
    Column("created_at", Double, nullable=False),
    Index("ux_dynamic_partitions_name_key", "name", "partition_key", unique=True),
)

Table(
    "backfills",
    _metadata,
    Column("backfill_id", String(255), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    Column("selection", Text, nullable=False),
    Column("request", Text, nullable=False),
    Column("total", Integer, nullable=False),
    Column("succeeded", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("error", Text),
    Index("ix_backfills_created_at", "created_at"),
)

Table(
    "backfill_runs",
    _metadata,
    Column("backfill_id", String(255), primary_key=True),
    Column("unit", Integer, primary_key=True, autoincrement=False),
    Column("run_id", String(255)),
    Column("partition", String(255)),
    Column("status", String(32), nullable=False),
)


def apply(conn: Connection) -> None:
    """Add the version-2 tables to a version-1 database."""
    _metadata.create_all(conn)
