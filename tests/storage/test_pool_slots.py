"""Pool slots over SQLite and PostgreSQL: at most ``limit`` taken per pool, given back on release,
and slots of runs that ended stop counting."""

from __future__ import annotations

from headwater.events import Event, EventType, RunRecord
from headwater.storage import Storage
from headwater.storage.pool_slots import PoolSlotStore


def test_slots_up_to_the_limit(storage: Storage) -> None:
    for run_id in ("r1", "r2"):
        storage.add_run(RunRecord(run_id=run_id))
        storage.store_events([Event(run_id=run_id, type=EventType.RUN_STARTED)])
    slots = PoolSlotStore(storage)
    first = slots.try_acquire("warehouse", 2, run_id="r1", step_key="a")
    second = slots.try_acquire("warehouse", 2, run_id="r2", step_key="b")
    assert first is not None and second is not None
    assert slots.try_acquire("warehouse", 2, run_id="r2", step_key="c") is None
    assert slots.try_acquire("other", 1, run_id="r2", step_key="c") is not None  # pools count apart
    assert slots.in_use() == {"warehouse": 2, "other": 1}
    slots.release(first)
    assert slots.try_acquire("warehouse", 2, run_id="r2", step_key="c") is not None
    # r2 dies and is marked failed: its slots no longer count and are cleared.
    storage.store_events([Event(run_id="r2", type=EventType.RUN_FAILED, data={"error": "killed"})])
    assert slots.in_use() == {}
    assert slots.try_acquire("warehouse", 1, run_id="r1", step_key="d") is not None
