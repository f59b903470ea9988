"""Schema version 5, frozen: the check_latest table (the latest verdict of every check), filled
from the CHECK_EVALUATED events already stored.

Verdicts are read with ``CheckEvaluated.from_data``, the one reader of stored check payloads, so
the backfill judges old events exactly as the event writer judges new ones.
"""

from __future__ import annotations

import json

from sqlalchemy import BigInteger, Column, Connection, Double, Integer, MetaData, String, Table, column, insert, select
from sqlalchemy import table as table_clause

from headwater.events import CheckEvaluated, EventType

_metadata = MetaData()

_ID = BigInteger().with_variant(Integer(), "sqlite")

_check_latest = Table(
    "check_latest",
    _metadata,
    Column("asset_key", String(512), primary_key=True),
    Column("check_name", String(255), primary_key=True),
    Column("partition", String(255), primary_key=True),  # '' for unpartitioned
    Column("event_id", _ID, nullable=False),
    Column("run_id", String(255), nullable=False),
    Column("timestamp", Double, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("blocking", Integer, nullable=False),
)

# The columns of ``events`` (as at version 1) that the backfill reads; not created here.
_events = table_clause(
    "events",
    column("id"),
    column("run_id"),
    column("type"),
    column("timestamp"),
    column("asset_key"),
    column("partition"),
    column("data"),
)


def apply(conn: Connection) -> None:
    """Add ``check_latest`` to a version-4 database and fill it with each check's latest evaluation."""
    _metadata.create_all(conn)
    e = _events.c
    stmt = (
        select(e.id, e.run_id, e.timestamp, e.asset_key, e.partition, e.data)
        .where(e.type == EventType.CHECK_EVALUATED.value, e.asset_key.is_not(None))
        .order_by(e.id)
    )
    latest: dict[tuple[str, str, str], dict[str, object]] = {}
    for row in conn.execute(stmt):
        verdict = CheckEvaluated.from_data(json.loads(row.data))
        place = (row.asset_key, verdict.check, row.partition or "")
        # Rows come in id order, so a later evaluation of the same check replaces an earlier one.
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
        conn.execute(insert(_check_latest), list(latest.values()))
