"""Storage methods for dynamic partitions, backfills and partition status, mixed into ``Storage``.

Kept apart from ``sql`` so each module stays one concept; the SQL itself is in ``backfills``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from headwater.errors import StorageError
from headwater.keys import AssetKey
from headwater.storage import backfills as bf
from headwater.storage.schema import backfill_runs, backfills, runs


class PartitionStore:
    """Dynamic partition keys, backfill records and their runs, per-partition latest event ids."""

    _write: Callable[[str], AbstractContextManager[Connection]]
    _read: Callable[[str], AbstractContextManager[Connection]]

    def add_dynamic_partitions(self, name: str, keys: Sequence[str]) -> list[str]:
        """Add keys to the dynamic partitions ``name``; return those that were new."""
        with self._write(f"add dynamic partitions to '{name}'") as conn:
            return bf.add_dynamic(conn, name, keys)

    def delete_dynamic_partitions(self, name: str, keys: Sequence[str]) -> list[str]:
        """Remove keys from the dynamic partitions ``name``; return those that were present."""
        with self._write(f"delete dynamic partitions of '{name}'") as conn:
            return bf.delete_dynamic(conn, name, keys)

    def dynamic_partitions(self, name: str | None = None) -> dict[str, list[str]]:
        """Keys of every dynamic partitions set (or of ``name``), in the order they were added."""
        with self._read("read dynamic partitions") as conn:
            return bf.read_dynamic(conn, name)

    def partition_event_ids(self, key: AssetKey) -> dict[str, dict[str, int]]:
        """Latest event id per kind and partition of ``key`` (one indexed query, no JSON parsing)."""
        with self._read("read partition status") as conn:
            return bf.partition_ids(conn, key)

    def add_backfill(self, record: bf.BackfillRecord) -> None:
        """Store a new backfill. Raises StorageError if its id is taken."""
        try:
            with self._write(f"add backfill '{record.backfill_id}'") as conn:
                conn.execute(insert(backfills), bf.backfill_to_row(record))
        except IntegrityError as exc:
            raise StorageError(
                f"cannot add backfill '{record.backfill_id}': a backfill with that id already exists; give each "
                "backfill a new id (e.g. uuid.uuid4().hex)"
            ) from exc

    def get_backfill(self, backfill_id: str) -> bf.BackfillRecord | None:
        """The backfill with this id (or the only one starting with it), or None."""
        stmt = select(backfills).where(backfills.c.backfill_id.startswith(backfill_id, autoescape=True)).limit(2)
        with self._read("read a backfill") as conn:
            rows = conn.execute(stmt).all()
        exact = [r for r in rows if r.backfill_id == backfill_id]
        if exact or len(rows) == 1:
            return bf.row_to_backfill((exact or rows)[0])
        return None

    def list_backfills(self, *, limit: int | None = 50, unfinished: bool = False) -> list[bf.BackfillRecord]:
        """Backfills, newest first (``limit=None``: all; ``unfinished``: only those requested, running or canceling)."""
        stmt = select(backfills).order_by(backfills.c.created_at.desc()).limit(limit)
        if unfinished:
            stmt = stmt.where(backfills.c.status.not_in([s.value for s in bf.BackfillStatus if s.finished]))
        with self._read("list backfills") as conn:
            return [bf.row_to_backfill(row) for row in conn.execute(stmt)]

    def update_backfill(self, backfill_id: str, **values: Any) -> None:
        """Set fields of a backfill (``status``, ``error``, ``total``, ...)."""
        with self._write(f"update backfill '{backfill_id}'") as conn:
            bf.update_backfill(conn, backfill_id, values)

    def record_backfill_run(self, backfill_id: str, run: bf.BackfillRun) -> None:
        """Record the state of one of a backfill's runs and its progress counts, in one transaction."""
        self.record_backfill_runs(backfill_id, [run])

    def record_backfill_runs(self, backfill_id: str, planned: Sequence[bf.BackfillRun]) -> None:
        """Record the state of several of a backfill's runs and its progress counts, in one transaction."""
        with self._write(f"record runs of backfill '{backfill_id}'") as conn:
            bf.record_runs(conn, backfill_id, planned)

    def backfill_status(self, backfill_id: str) -> bf.BackfillStatus | None:
        """The status of a backfill (exact id), or None."""
        with self._read("read a backfill status") as conn:
            return bf.read_status(conn, backfill_id)

    def backfill_runs(self, backfill_id: str) -> list[bf.BackfillRun]:
        """The recorded runs of a backfill, by position in its plan."""
        with self._read("read backfill runs") as conn:
            return bf.read_runs(conn, backfill_id)

    def backfill_run_statuses(self, backfill_id: str, status: str) -> dict[str, tuple[int, str | None, str]]:
        """Run id -> (unit, partition, run status) of the backfill's runs recorded with ``status`` (one query)."""
        bf_runs = backfill_runs.c
        stmt = (
            select(bf_runs.run_id, bf_runs.unit, bf_runs.partition, runs.c.status)
            .select_from(backfill_runs.join(runs, runs.c.run_id == bf_runs.run_id))
            .where(bf_runs.backfill_id == backfill_id, bf_runs.status == status)
        )
        with self._read("read the runs of a backfill") as conn:
            return {row.run_id: (row.unit, row.partition, row.status) for row in conn.execute(stmt)}
