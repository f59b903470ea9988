"""Schema version 4, frozen: the pool_slots table (steps running per concurrency pool)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Connection, Double, Index, Integer, MetaData, String, Table

_metadata = MetaData()

_ID = BigInteger().with_variant(Integer(), "sqlite")

Table(
    "pool_slots",
    _metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("pool", String(255), nullable=False),
    Column("run_id", String(255), nullable=False),
    Column("step_key", String(512), nullable=False),
    Column("acquired_at", Double, nullable=False),
    Index("ix_pool_slots_pool", "pool"),
)


def apply(conn: Connection) -> None:
    """Add the version-4 table to a version-3 database."""
    _metadata.create_all(conn)
