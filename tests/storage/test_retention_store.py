"""Retention queries over SQLite and PostgreSQL: old runs go with their events and logs, except each
asset's latest events and the runs holding them; old ticks go per instigator with their evaluations."""

from __future__ import annotations

from headwater.events import Event, EventType, RunRecord
from headwater.keys import AssetKey
from headwater.storage import Storage
from headwater.storage.automation import AutomationStore, Evaluation
from headwater.storage.retention import RetentionStore


def _run(storage: Storage, run_id: str, created_at: float, keys: list[str]) -> None:
    storage.add_run(RunRecord(run_id=run_id, created_at=created_at))
    storage.store_events(
        [
            Event(run_id=run_id, type=EventType.RUN_STARTED, timestamp=created_at),
            *(
                Event(run_id=run_id, type=EventType.ASSET_MATERIALIZED, asset_key=AssetKey(k), timestamp=created_at)
                for k in keys
            ),
            Event(run_id=run_id, type=EventType.RUN_SUCCEEDED, timestamp=created_at + 1),
        ]
    )


def test_old_runs_go_except_latest_events(storage: Storage) -> None:
    _run(storage, "r1", 100.0, ["a", "b"])
    _run(storage, "r2", 200.0, ["a"])
    _run(storage, "r3", 300.0, ["a"])
    result = RetentionStore(storage).prune_runs(before=250.0, keep=None, batch_size=1)
    assert result.runs == ["r2"] and result.events == 3 + 3
    assert storage.get_run("r2") is None and storage.get_run("r1") is not None
    assert [r.event.asset_key for r in storage.get_events("r1")] == [AssetKey("b")]
    latest = storage.latest("materialization")
    assert {k.to_string(): r.event.run_id for k, r in latest.items()} == {"a": "r3", "b": "r1"}


def test_old_ticks_go_per_instigator(storage: Storage) -> None:
    store = AutomationStore(storage)
    for i in range(4):
        for name in ("one", "two"):
            tick, _ = store.start_tick(name, "sensor", f"{name}:{i}", timestamp=float(i))
            store.record_evaluations(
                tick.id, float(i), [Evaluation(asset_key=AssetKey(name), requested=False, detail={})]
            )
    result = RetentionStore(storage).prune_ticks(before=None, keep=3, batch_size=10)
    assert (result.ticks, result.evaluations) == (2, 2)
    assert [t.tick_key for t in store.list_ticks("one")] == ["one:3", "one:2", "one:1"]
    result = RetentionStore(storage).prune_ticks(before=3.0, keep=None, batch_size=1)
    assert result.ticks == 4 and [t.tick_key for t in store.list_ticks()] == ["two:3", "one:3"]
