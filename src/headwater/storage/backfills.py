"""Dynamic partition keys, backfill records and their runs, and per-partition status ids.

SQL for the version-2 tables, run on a connection the caller's transaction owns; ``Storage``
exposes these as methods. Never imports user code.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Connection, delete, insert, select, text, update

from headwater.keys import AssetKey
from headwater.storage.rows import dump_json
from headwater.storage.schema import asset_latest, backfill_runs, backfills, dynamic_partitions


class BackfillStatus(StrEnum):
    """Lifecycle of a backfill."""

    REQUESTED = "requested"
    RUNNING = "running"
    CANCELING = "canceling"
    CANCELED = "canceled"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        """Whether nothing more will run unless it is resumed."""
        return self in (BackfillStatus.CANCELED, BackfillStatus.SUCCEEDED, BackfillStatus.FAILED)


@dataclass(frozen=True, kw_only=True, slots=True)
class BackfillRecord:
    """A stored backfill: what it runs (``request``) and how far it got."""

    backfill_id: str
    status: BackfillStatus = BackfillStatus.REQUESTED
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    selection: str = "*"
    request: Mapping[str, Any] = field(default_factory=dict)
    total: int = 0
    succeeded: int = 0
    failed: int = 0
    error: str | None = None

    @property
    def done(self) -> int:
        """Runs finished, successful or not."""
        return self.succeeded + self.failed

    def to_json(self) -> dict[str, Any]:
        """The backfill as JSON for the CLI and the HTTP API, with ``progress`` (runs ended / total, 0 to 1)."""
        return {
            "backfill_id": self.backfill_id,
            "status": self.status.value,
            "finished": self.status.finished,
            "selection": self.selection,
            "mode": self.request.get("mode"),
            "partitions": self.request.get("partitions"),
            "total": self.total,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "progress": self.done / self.total if self.total else 1.0,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "error": self.error,
            "left_out": list(self.request.get("left_out", [])),
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class BackfillRun:
    """One planned run of a backfill: its position, partition(s), run id once launched, status."""

    unit: int
    partition: str | None
    run_id: str | None
    status: str


def row_to_backfill(row: Any) -> BackfillRecord:
    """A BackfillRecord from a ``backfills`` row."""
    return BackfillRecord(
        backfill_id=row.backfill_id,
        status=BackfillStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        selection=row.selection,
        request=json.loads(row.request),
        total=row.total,
        succeeded=row.succeeded,
        failed=row.failed,
        error=row.error,
    )


def backfill_to_row(record: BackfillRecord) -> dict[str, Any]:
    """The ``backfills`` row of ``record``."""
    return {
        "backfill_id": record.backfill_id,
        "status": record.status.value,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "selection": record.selection,
        "request": dump_json(dict(record.request)),
        "total": record.total,
        "succeeded": record.succeeded,
        "failed": record.failed,
        "error": record.error,
    }


def add_dynamic(conn: Connection, name: str, keys: Sequence[str]) -> list[str]:
    """Add the keys not yet present (in order); return those added."""
    table = dynamic_partitions
    present: set[str] = set(conn.execute(select(table.c.partition_key).where(table.c.name == name)).scalars())
    added = [k for k in dict.fromkeys(keys) if k not in present]
    if added:
        now = time.time()
        conn.execute(insert(table), [{"name": name, "partition_key": k, "created_at": now} for k in added])
    return added


def delete_dynamic(conn: Connection, name: str, keys: Sequence[str]) -> list[str]:
    """Remove the keys present; return those removed."""
    table = dynamic_partitions
    present: set[str] = set(conn.execute(select(table.c.partition_key).where(table.c.name == name)).scalars())
    removed = [k for k in dict.fromkeys(keys) if k in present]
    if removed:
        conn.execute(delete(table).where(table.c.name == name, table.c.partition_key.in_(removed)))
    return removed


def read_dynamic(conn: Connection, name: str | None) -> dict[str, list[str]]:
    """Keys per dynamic partitions name, in the order added."""
    table = dynamic_partitions
    stmt = select(table.c.name, table.c.partition_key).order_by(table.c.id)
    if name is not None:
        stmt = stmt.where(table.c.name == name)
    out: dict[str, list[str]] = {}
    for row in conn.execute(stmt):
        out.setdefault(row.name, []).append(row.partition_key)
    return out


def partition_ids(conn: Connection, key: AssetKey) -> dict[str, dict[str, int]]:
    """kind -> partition -> latest event id, from the ``asset_latest`` index of one asset."""
    stmt = select(asset_latest.c.kind, asset_latest.c.partition, asset_latest.c.event_id).where(
        asset_latest.c.asset_key == key.to_string()
    )
    out: dict[str, dict[str, int]] = {}
    # One fetch of plain tuples: iterating the result row by row costs more than the query itself.
    rows = cast("list[tuple[str, str, int]]", conn.execute(stmt).all())
    for kind, partition, event_id in rows:
        found = out.get(kind)
        if found is None:
            found = out[kind] = {}
        found[partition] = event_id
    return out


def update_backfill(conn: Connection, backfill_id: str, values: Mapping[str, Any]) -> None:
    """Set columns of one backfill (and its ``updated_at``); ``request`` is a mapping, stored as JSON."""
    row = {
        k: (v.value if isinstance(v, StrEnum) else dump_json(dict(v)) if k == "request" else v)
        for k, v in values.items()
    }
    row["updated_at"] = time.time()
    conn.execute(update(backfills).where(backfills.c.backfill_id == backfill_id).values(row))


# Plain statements built once: a backfill records a run every few milliseconds, and building
# SQLAlchemy expressions each time would cost more than executing them.
_DELETE_RUN = text("DELETE FROM backfill_runs WHERE backfill_id = :backfill_id AND unit = :unit")
_INSERT_RUN = text(
    "INSERT INTO backfill_runs (backfill_id, unit, run_id, partition, status) "
    "VALUES (:backfill_id, :unit, :run_id, :partition, :status)"
)
_COUNT_RUNS = text("SELECT status, count(*) FROM backfill_runs WHERE backfill_id = :backfill_id GROUP BY status")
_SET_PROGRESS = text(
    "UPDATE backfills SET succeeded = :succeeded, failed = :failed, updated_at = :now WHERE backfill_id = :backfill_id"
)
_STATUS = text("SELECT status FROM backfills WHERE backfill_id = :backfill_id")


def record_runs(conn: Connection, backfill_id: str, planned: Sequence[BackfillRun]) -> None:
    """Insert or replace the state of planned runs, and recount the backfill's progress once."""
    if not planned:
        return
    conn.execute(_DELETE_RUN, [{"backfill_id": backfill_id, "unit": run.unit} for run in planned])
    rows = [
        {
            "backfill_id": backfill_id,
            "unit": run.unit,
            "run_id": run.run_id,
            "partition": run.partition,
            "status": run.status,
        }
        for run in planned
    ]
    conn.execute(_INSERT_RUN, rows)
    counts: dict[str, int] = {row[0]: row[1] for row in conn.execute(_COUNT_RUNS, {"backfill_id": backfill_id})}
    failed = counts.get("failed", 0) + counts.get("skipped", 0)
    progress = {"succeeded": counts.get("succeeded", 0), "failed": failed, "now": time.time()}
    conn.execute(_SET_PROGRESS, {**progress, "backfill_id": backfill_id})


def read_status(conn: Connection, backfill_id: str) -> BackfillStatus | None:
    """Only the status of a backfill (a cheap check made before each of its runs)."""
    value = conn.execute(_STATUS, {"backfill_id": backfill_id}).scalar()
    return None if value is None else BackfillStatus(value)


def read_runs(conn: Connection, backfill_id: str) -> list[BackfillRun]:
    """Every recorded run of a backfill, by unit."""
    stmt = select(backfill_runs).where(backfill_runs.c.backfill_id == backfill_id).order_by(backfill_runs.c.unit)
    return [
        BackfillRun(unit=r.unit, partition=r.partition, run_id=r.run_id, status=r.status) for r in conn.execute(stmt)
    ]
