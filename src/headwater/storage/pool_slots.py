"""Concurrency pools in the event log: a slot row per step running in a pool, taken before the step
starts and given back when it ends, so ``[runs.pools]`` limits hold across runs and processes.

Slots of runs that ended (finished, or marked failed by the monitor after their process died) do not
count and are cleared when a slot is taken. Never imports user code.
"""

from __future__ import annotations

import time

from sqlalchemy import delete, func, insert, select, text

from headwater.events import RunStatus
from headwater.storage.extension import StorageExtension
from headwater.storage.schema import pool_slots, runs

# A run's status turns STARTED when its event writer stores RUN_STARTED, possibly after its first step
# took a slot: slots of queued runs count too.
_ACTIVE = (RunStatus.QUEUED.value, RunStatus.STARTED.value)


class PoolSlotStore(StorageExtension):
    """Pool slot queries on a :class:`Storage`; taking a slot is one serialised transaction."""

    def try_acquire(self, pool: str, limit: int, *, run_id: str, step_key: str) -> int | None:
        """Take a slot of ``pool`` if fewer than ``limit`` are in use; returns its id, or None when full."""
        started = select(runs.c.run_id).where(runs.c.status.in_(_ACTIVE))
        with self.storage._write(f"take a slot of pool '{pool}'") as conn:
            if self._postgres:  # SQLite's BEGIN IMMEDIATE already serialises writers
                conn.execute(text("LOCK TABLE pool_slots IN SHARE ROW EXCLUSIVE MODE"))
            conn.execute(delete(pool_slots).where(pool_slots.c.run_id.not_in(started)))
            used = conn.execute(select(func.count()).select_from(pool_slots).where(pool_slots.c.pool == pool))
            if int(used.scalar_one()) >= limit:
                return None
            values = {"pool": pool, "run_id": run_id, "step_key": step_key, "acquired_at": time.time()}
            slot: int = conn.execute(insert(pool_slots).values(values).returning(pool_slots.c.id)).scalar_one()
            return slot

    def release(self, slot: int) -> None:
        """Give a slot back."""
        with self.storage._write("give back a pool slot") as conn:
            conn.execute(delete(pool_slots).where(pool_slots.c.id == slot))

    def in_use(self) -> dict[str, int]:
        """Slots in use per pool (for display and tests)."""
        started = select(runs.c.run_id).where(runs.c.status.in_(_ACTIVE))
        stmt = (
            select(pool_slots.c.pool, func.count()).where(pool_slots.c.run_id.in_(started)).group_by(pool_slots.c.pool)
        )
        with self.storage._read("read pool slots") as conn:
            return {str(row[0]): int(row[1]) for row in conn.execute(stmt)}
