"""Several processes writing one event log at once: nothing lost, no 'database is locked'."""

from __future__ import annotations

import multiprocessing
from typing import Any

from headwater.events import Event, EventType
from headwater.keys import AssetKey
from headwater.storage import Storage

WORKERS = 4
EVENTS_PER_WORKER = 200


def _write(url: str, worker: int, barrier: Any) -> list[int]:
    storage = Storage.open(url)
    barrier.wait(timeout=60)
    ids: list[int] = []
    try:
        for i in range(EVENTS_PER_WORKER):
            event = Event(
                run_id=f"run-{worker}",
                type=EventType.ASSET_MATERIALIZED,
                asset_key=AssetKey("shared"),
                partition=str(i % 3),
                data={"worker": worker, "i": i},
            )
            ids += storage.store_events([event])
    finally:
        storage.close()
    return ids


def test_processes_append_to_one_database_at_once(storage_url: str) -> None:
    Storage.open(storage_url).close()  # create the schema once; workers only open it
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(WORKERS)
        with context.Pool(WORKERS) as pool:
            results = pool.starmap(_write, [(storage_url, w, barrier) for w in range(WORKERS)])
            pool.close()
            pool.join()

    storage = Storage.open(storage_url)
    try:
        all_ids = [i for ids in results for i in ids]
        assert len(all_ids) == len(set(all_ids)) == WORKERS * EVENTS_PER_WORKER
        for worker, ids in enumerate(results):
            assert ids == sorted(ids)
            stored = storage.get_events(f"run-{worker}")
            assert [r.event.data["i"] for r in stored] == list(range(EVENTS_PER_WORKER))
            assert [r.id for r in stored] == ids
        latest = storage.latest_all_partitions(AssetKey("shared"))
        assert sorted(latest) == ["0", "1", "2"]
        newest = max(all_ids)
        assert newest in {r.id for r in latest.values()}
        for partition, record in latest.items():
            in_partition = [i for ids in results for n, i in enumerate(ids) if str(n % 3) == partition]
            assert record.id == max(in_partition)
    finally:
        storage.close()
