"""The run queue in the event log: queued runs with their code location, launches, heartbeats,
cancel requests, the daemon lease and requests for an early tick.

Owns the ``run_workers`` and ``daemon_leases`` queries; each method is one transaction and none is
called per step (the run process heartbeats from its event writer's thread). Never imports user code.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from headwater.errors import RunNotActive
from headwater.events import Event, RunRecord, RunStatus
from headwater.keys import AssetKey
from headwater.storage.extension import StorageExtension
from headwater.storage.rows import dump_json, row_to_run, run_to_row
from headwater.storage.schema import daemon_leases, run_workers, runs

WAKE = "headwater/wake"
"""The ``daemon_leases`` row that is not a lease but a request for an early tick."""


@dataclass(frozen=True, kw_only=True, slots=True)
class QueuedRun:
    """A run waiting in (or launched from) the queue, with where its code lives."""

    run: RunRecord
    location: dict[str, Any] | None
    priority: int
    queued_at: float | None
    launched_at: float | None
    heartbeat_at: float | None
    worker: str | None


class RunQueueStore(StorageExtension):
    """Run-queue queries on a :class:`Storage` (shares its engine, lock and error messages)."""

    # -- lease -------------------------------------------------------------------------------------

    def acquire_lease(self, name: str, owner: str, *, ttl: float, now: float | None = None) -> bool:
        """Take or renew the lease ``name`` for ``ttl`` seconds; False while another owner holds it."""
        now = time.time() if now is None else now
        values = {"owner": owner, "acquired_at": now, "expires_at": now + ttl}
        stmt = (
            update(daemon_leases)
            .where(
                daemon_leases.c.name == name,
                or_(daemon_leases.c.owner == owner, daemon_leases.c.expires_at < now),
            )
            .values(values)
        )
        try:
            with self.storage._write("take the daemon lease") as conn:
                if conn.execute(stmt).rowcount:
                    return True
                if conn.execute(select(daemon_leases.c.name).where(daemon_leases.c.name == name)).first():
                    return False
                conn.execute(insert(daemon_leases).values(name=name, **values))
                return True
        except IntegrityError:
            return False  # another daemon inserted it first

    def release_lease(self, name: str, owner: str) -> None:
        """Give the lease up (only if ``owner`` holds it)."""
        with self.storage._write("release the daemon lease") as conn:
            conn.execute(delete(daemon_leases).where(daemon_leases.c.name == name, daemon_leases.c.owner == owner))

    def lease_owner(self, name: str) -> tuple[str, float] | None:
        """Who holds the lease and until when."""
        with self.storage._read("read the daemon lease") as conn:
            row = conn.execute(select(daemon_leases).where(daemon_leases.c.name == name)).first()
        return (row.owner, row.expires_at) if row is not None else None

    # -- wake-ups ----------------------------------------------------------------------------------

    def wake_daemon(self, reason: str, *, now: float | None = None) -> None:
        """Ask the daemon to tick now instead of at its next interval (a report arrived, say): the
        ``daemon_leases`` row named ``WAKE`` holds when and why it was last asked."""
        now = time.time() if now is None else now
        values = {"name": WAKE, "owner": reason[:255], "acquired_at": now, "expires_at": now}
        with self.storage._write("wake the daemon") as conn:
            conn.execute(self._upsert(daemon_leases, ["name"], values, ["owner", "acquired_at", "expires_at"]))

    def woken_at(self) -> float | None:
        """When the daemon was last asked to tick now (one primary-key read, cheap to poll)."""
        with self.storage._read("look for a wake-up") as conn:
            found = conn.execute(select(daemon_leases.c.acquired_at).where(daemon_leases.c.name == WAKE)).scalar()
        return float(found) if found is not None else None

    # -- run queue ---------------------------------------------------------------------------------

    def enqueue(self, run: RunRecord, *, location: dict[str, Any] | None, priority: int = 0) -> bool:
        """Add a QUEUED run with its code location; False if a run with this id already exists."""
        worker = {
            "run_id": run.run_id,
            "location": dump_json(location) if location is not None else None,
            "priority": priority,
            "queued_at": run.created_at,
        }
        try:
            with self.storage._write(f"queue run '{run.run_id}'") as conn:
                conn.execute(insert(runs), run_to_row(run))
                conn.execute(insert(run_workers), worker)
        except IntegrityError:
            return False
        return True

    def queue(self, *, launched: bool | None = None) -> list[QueuedRun]:
        """Queued runs (not yet launched, launched, or both), highest priority then oldest first."""
        stmt = (
            select(runs, *_WORKER_COLUMNS)
            .select_from(runs.join(run_workers, run_workers.c.run_id == runs.c.run_id))
            .where(runs.c.status == RunStatus.QUEUED.value)
            .order_by(run_workers.c.priority.desc(), runs.c.created_at, runs.c.run_id)
        )
        if launched is not None:
            column = run_workers.c.launched_at
            stmt = stmt.where(column.is_not(None) if launched else column.is_(None))
        with self.storage._read("read the run queue") as conn:
            return [_queued(row) for row in conn.execute(stmt)]

    def has_waiting(self) -> bool:
        """Whether a queued run waits to be launched (one small query, cheap to poll)."""
        stmt = (
            select(run_workers.c.run_id)
            .select_from(run_workers.join(runs, run_workers.c.run_id == runs.c.run_id))
            .where(run_workers.c.launched_at.is_(None), runs.c.status == RunStatus.QUEUED.value)
            .limit(1)
        )
        with self.storage._read("look for queued runs") as conn:
            return conn.execute(stmt).first() is not None

    def running(self) -> list[QueuedRun]:
        """Started runs with their worker rows (if any)."""
        stmt = (
            select(runs, *_WORKER_COLUMNS)
            .select_from(runs.outerjoin(run_workers, run_workers.c.run_id == runs.c.run_id))
            .where(runs.c.status == RunStatus.STARTED.value)
        )
        with self.storage._read("read running runs") as conn:
            return [_queued(row) for row in conn.execute(stmt)]

    def mark_launched(self, run_id: str, worker: str, *, now: float | None = None) -> None:
        """Note that a queued run's process was started."""
        stmt = update(run_workers).where(run_workers.c.run_id == run_id)
        with self.storage._write(f"mark run '{run_id}' launched") as conn:
            conn.execute(stmt.values(launched_at=time.time() if now is None else now, worker=worker))

    def claim(self, started: Event, worker: str) -> None:
        """Start the queued run of ``started`` (its RUN_STARTED event) in the process ``worker``.

        One conditional update (queued -> started) in the same transaction as the event and the
        worker's first heartbeat, so of several processes given the same run exactly one runs it.
        Raises RunNotActive (with ``holder``, when another process runs it) for a run not queued.
        """
        run_id = started.run_id
        batch = self.storage._writer.prepare([started])
        with self.storage._write(f"claim run '{run_id}'") as conn:
            claim = update(runs).where(runs.c.run_id == run_id, runs.c.status == RunStatus.QUEUED.value)
            if conn.execute(claim.values(status=RunStatus.STARTED.value, started_at=started.timestamp)).rowcount:
                self.storage._writer.write(conn, batch)
                values = {"run_id": run_id, "priority": 0, "heartbeat_at": time.time(), "worker": worker}
                conn.execute(self._upsert(run_workers, ["run_id"], values, ["heartbeat_at", "worker"]))
                return
            found = conn.execute(
                select(runs.c.status, run_workers.c.worker)
                .select_from(runs.outerjoin(run_workers, run_workers.c.run_id == runs.c.run_id))
                .where(runs.c.run_id == run_id)
            ).first()
        if found is None:
            raise RunNotActive(
                f"run '{run_id}' is not in the event log at {self.storage.url}: add it (as queued) before "
                "running it, or run without --run-id to start a new run"
            )
        if found.status == RunStatus.STARTED.value:
            holder = found.worker or "another process"
            raise RunNotActive(
                f"run '{run_id}' is already being run by {holder}; this process leaves it to that one",
                holder=holder,
            )
        raise RunNotActive(
            f"run '{run_id}' is {found.status}, not queued: each queued run executes once; "
            f"re-execute it with `headwater runs reexecute {run_id}`"
        )

    def heartbeat(self, run_id: str, worker: str, *, now: float | None = None) -> bool:
        """Record that the run's process is alive; returns whether it should stop: a cancel was requested,
        or the run already ended (the monitor marked it failed while the process was paused or cut off)."""
        values = {
            "run_id": run_id,
            "priority": 0,
            "heartbeat_at": time.time() if now is None else now,
            "worker": worker,
        }
        with self.storage._write("record a run heartbeat") as conn:
            conn.execute(self._upsert(run_workers, ["run_id"], values, ["heartbeat_at", "worker"]))
            stmt = (
                select(run_workers.c.cancel_requested_at, runs.c.status)
                .select_from(run_workers.outerjoin(runs, runs.c.run_id == run_workers.c.run_id))
                .where(run_workers.c.run_id == run_id)
            )
            row = conn.execute(stmt).first()
        if row is None:
            return False
        ended = row.status is not None and row.status not in (RunStatus.QUEUED.value, RunStatus.STARTED.value)
        return row.cancel_requested_at is not None or ended

    def request_cancel(self, run_id: str) -> None:
        """Ask the run's process to stop (it polls the request with its heartbeat)."""
        values = {"run_id": run_id, "priority": 0, "cancel_requested_at": time.time()}
        with self.storage._write(f"request cancellation of run '{run_id}'") as conn:
            conn.execute(self._upsert(run_workers, ["run_id"], values, ["cancel_requested_at"]))

    def cancel_requested(self, run_id: str) -> bool:
        """Whether someone asked this run to stop."""
        stmt = select(run_workers.c.cancel_requested_at).where(run_workers.c.run_id == run_id)
        with self.storage._read("read a cancel request") as conn:
            return conn.execute(stmt).scalar() is not None

    def in_progress_keys(self) -> frozenset[AssetKey]:
        """Asset keys of every queued or started run (one query)."""
        stmt = select(runs.c.asset_keys).where(runs.c.status.in_([RunStatus.QUEUED.value, RunStatus.STARTED.value]))
        with self.storage._read("read runs in progress") as conn:
            rows: list[str] = list(conn.execute(stmt).scalars().all())
        return frozenset(AssetKey.parse(k) for text in rows for k in json.loads(text))

    def finished_runs_since(self, after: float, *, limit: int = 1000) -> list[RunRecord]:
        """Runs that finished after ``after`` (a timestamp), oldest first."""
        stmt = select(runs).where(runs.c.finished_at > after).order_by(runs.c.finished_at, runs.c.run_id).limit(limit)
        with self.storage._read("read finished runs") as conn:
            return [row_to_run(row) for row in conn.execute(stmt)]

    def count_runs(self) -> int:
        """How many runs the event log holds."""
        with self.storage._read("count runs") as conn:
            return int(conn.execute(select(func.count()).select_from(runs)).scalar_one())


_WORKER_COLUMNS = (
    run_workers.c.location.label("w_location"),
    run_workers.c.priority.label("w_priority"),
    run_workers.c.queued_at.label("w_queued_at"),
    run_workers.c.launched_at.label("w_launched_at"),
    run_workers.c.heartbeat_at.label("w_heartbeat_at"),
    run_workers.c.worker.label("w_worker"),
)


def _queued(row: Any) -> QueuedRun:
    return QueuedRun(
        run=row_to_run(row),
        location=json.loads(row.w_location) if row.w_location else None,
        priority=row.w_priority or 0,
        queued_at=row.w_queued_at,
        launched_at=row.w_launched_at,
        heartbeat_at=row.w_heartbeat_at,
        worker=row.w_worker,
    )
