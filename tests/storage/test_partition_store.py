"""Dynamic partitions, backfill records and per-partition status ids, on SQLite and PostgreSQL."""

from __future__ import annotations

from headwater.events import Event, EventType
from headwater.keys import AssetKey
from headwater.storage import Storage
from headwater.storage.backfills import BackfillRecord, BackfillRun, BackfillStatus


def test_dynamic_partitions_keep_order_and_ignore_repeats(storage: Storage) -> None:
    assert storage.add_dynamic_partitions("customers", ["b", "a", "b"]) == ["b", "a"]
    assert storage.add_dynamic_partitions("customers", ["a", "c"]) == ["c"]
    assert storage.add_dynamic_partitions("regions", ["us"]) == ["us"]
    assert storage.dynamic_partitions() == {"customers": ["b", "a", "c"], "regions": ["us"]}
    assert storage.delete_dynamic_partitions("customers", ["a", "zzz"]) == ["a"]
    assert storage.dynamic_partitions("customers") == {"customers": ["b", "c"]}


def test_backfill_records_and_progress(storage: Storage) -> None:
    record = BackfillRecord(backfill_id="bf1234", selection="orders", request={"units": 3}, total=3)
    storage.add_backfill(record)
    assert storage.get_backfill("bf12") == record
    assert storage.get_backfill("nope") is None
    storage.update_backfill("bf1234", status=BackfillStatus.RUNNING)
    storage.record_backfill_run("bf1234", BackfillRun(unit=0, partition="2026-01-01", run_id="r0", status="started"))
    storage.record_backfill_run("bf1234", BackfillRun(unit=0, partition="2026-01-01", run_id="r0", status="succeeded"))
    storage.record_backfill_run("bf1234", BackfillRun(unit=1, partition="2026-01-02", run_id="r1", status="failed"))
    stored = storage.get_backfill("bf1234")
    assert stored is not None
    assert (stored.status, stored.succeeded, stored.failed, stored.done) == (BackfillStatus.RUNNING, 1, 1, 2)
    assert [(r.unit, r.status) for r in storage.backfill_runs("bf1234")] == [(0, "succeeded"), (1, "failed")]
    assert [b.backfill_id for b in storage.list_backfills()] == ["bf1234"]


def test_unfinished_backfills_and_a_new_request(storage: Storage) -> None:
    for n, status in enumerate(BackfillStatus):
        storage.add_backfill(BackfillRecord(backfill_id=f"bf{n}", status=status, created_at=float(n)))
    unfinished = storage.list_backfills(limit=None, unfinished=True)
    assert [b.status for b in unfinished] == [
        BackfillStatus.CANCELING,
        BackfillStatus.RUNNING,
        BackfillStatus.REQUESTED,
    ]
    storage.update_backfill("bf0", request={"mode": "all", "driver": "daemon"})
    stored = storage.get_backfill("bf0")
    assert stored is not None and stored.request == {"mode": "all", "driver": "daemon"}


def test_partition_event_ids(storage: Storage) -> None:
    key = AssetKey("orders")
    ids = storage.store_events(
        [
            Event(run_id="r", type=EventType.ASSET_MATERIALIZED, asset_key=key, partition="2026-01-01"),
            Event(run_id="r", type=EventType.STEP_FAILED, partition="2026-01-02", data={"asset_keys": ["orders"]}),
        ]
    )
    assert storage.partition_event_ids(key) == {
        "materialization": {"2026-01-01": ids[0]},
        "failure": {"2026-01-02": ids[1]},
    }
