"""Retention: delete old finished runs (their events, step logs and queue rows) and old ticks (with
their condition evaluations), in batches of a bounded size.

The events that ``asset_latest`` and ``check_latest`` point at (each asset's latest materialization,
observation and failure, and each check's latest evaluation, per partition) are never deleted, nor
the runs they belong to, so asset status, check verdicts, lineage and the index tables stay
consistent. Never imports user code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, or_, select, union

from headwater.events import RunStatus
from headwater.storage.extension import StorageExtension
from headwater.storage.schema import (
    asset_latest,
    automation_evaluations,
    check_latest,
    events,
    run_workers,
    runs,
    step_logs,
    ticks,
)

_ACTIVE = (RunStatus.QUEUED.value, RunStatus.STARTED.value)


@dataclass(kw_only=True)
class PruneResult:
    """What one retention pass deleted."""

    runs: list[str] = field(default_factory=list)
    events: int = 0
    step_logs: int = 0
    ticks: int = 0
    evaluations: int = 0

    def to_json(self) -> dict[str, Any]:
        """Counts, for the CLI's ``--json`` and the daemon's log."""
        return {
            "runs": len(self.runs),
            "events": self.events,
            "step_logs": self.step_logs,
            "ticks": self.ticks,
            "evaluations": self.evaluations,
        }


class RetentionStore(StorageExtension):
    """Retention queries on a :class:`Storage`; each batch is one transaction."""

    def prune_runs(
        self, *, before: float | None, keep: int | None, batch_size: int, into: PruneResult | None = None
    ) -> PruneResult:
        """Delete finished runs created before ``before`` or beyond the ``keep`` most recent runs.

        A run holding an asset's latest event keeps that event and its run row; its other events
        and its logs go.
        """
        result = into or PruneResult()
        if before is None and keep is None:
            return result
        after_id = ""
        while True:
            batch = self._old_runs(before, keep, after_id, batch_size)
            if not batch:
                return result
            after_id = batch[-1]
            self._delete_runs(batch, result)

    def _old_runs(self, before: float | None, keep: int | None, after_id: str, limit: int) -> list[str]:
        finished = runs.c.status.not_in(_ACTIVE)
        stmt = select(runs.c.run_id).where(finished, runs.c.run_id > after_id)
        conditions = []
        if before is not None:
            conditions.append(runs.c.created_at < before)
        if keep is not None:
            newest = select(runs.c.created_at).order_by(runs.c.created_at.desc()).offset(keep - 1).limit(1)
            conditions.append(runs.c.created_at < newest.scalar_subquery())
        stmt = stmt.where(or_(*conditions))
        with self.storage._read("find runs to delete") as conn:
            return list(conn.execute(stmt.order_by(runs.c.run_id).limit(limit)).scalars())

    def _delete_runs(self, run_ids: Sequence[str], result: PruneResult) -> None:
        kept_events = union(
            select(asset_latest.c.event_id).where(asset_latest.c.run_id.in_(run_ids)),
            select(check_latest.c.event_id).where(check_latest.c.run_id.in_(run_ids)),
        )
        kept_runs = union(
            select(asset_latest.c.run_id).where(asset_latest.c.run_id.in_(run_ids)),
            select(check_latest.c.run_id).where(check_latest.c.run_id.in_(run_ids)),
        )
        with self.storage._write(f"delete {len(run_ids)} old runs") as conn:
            holding: set[str] = set(conn.execute(kept_runs).scalars())
            gone = [r for r in run_ids if r not in holding]
            deleted = conn.execute(delete(events).where(events.c.run_id.in_(run_ids), events.c.id.not_in(kept_events)))
            result.events += deleted.rowcount
            result.step_logs += conn.execute(delete(step_logs).where(step_logs.c.run_id.in_(run_ids))).rowcount
            if gone:
                conn.execute(delete(run_workers).where(run_workers.c.run_id.in_(gone)))
                conn.execute(delete(runs).where(runs.c.run_id.in_(gone)))
        result.runs.extend(gone)

    def prune_ticks(
        self, *, before: float | None, keep: int | None, batch_size: int, into: PruneResult | None = None
    ) -> PruneResult:
        """Delete ticks older than ``before`` or beyond each instigator's ``keep`` most recent, with
        the condition evaluations recorded in them (each asset's latest evaluation stays)."""
        result = into or PruneResult()
        if before is None and keep is None:
            return result
        oldest_kept = self._oldest_kept_ticks(keep) if keep is not None else {}
        while True:
            batch = self._old_ticks(before, oldest_kept, batch_size)
            if not batch:
                return result
            with self.storage._write(f"delete {len(batch)} old ticks") as conn:
                stmt = delete(automation_evaluations).where(automation_evaluations.c.tick_id.in_(batch))
                result.evaluations += conn.execute(stmt).rowcount
                result.ticks += conn.execute(delete(ticks).where(ticks.c.id.in_(batch))).rowcount

    def _oldest_kept_ticks(self, keep: int) -> dict[str, int]:
        """Per instigator with more than ``keep`` ticks, the id of the oldest tick to keep."""
        with self.storage._read("count ticks") as conn:
            names: list[str] = list(conn.execute(select(ticks.c.instigator).distinct()).scalars())
            out = {}
            for name in names:
                stmt = (
                    select(ticks.c.id)
                    .where(ticks.c.instigator == name)
                    .order_by(ticks.c.id.desc())
                    .offset(keep - 1)
                    .limit(1)
                )
                found = conn.execute(stmt).scalar()
                if found is not None:
                    out[name] = int(found)
        return out

    def _old_ticks(self, before: float | None, oldest_kept: dict[str, int], limit: int) -> list[int]:
        conditions = [and_(ticks.c.instigator == name, ticks.c.id < first) for name, first in oldest_kept.items()]
        if before is not None:
            conditions.append(ticks.c.timestamp < before)
        if not conditions:
            return []
        stmt = select(ticks.c.id).where(or_(*conditions)).order_by(ticks.c.id).limit(limit)
        with self.storage._read("find ticks to delete") as conn:
            return list(conn.execute(stmt).scalars())
