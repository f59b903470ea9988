"""The Storage contract, run on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from headwater.errors import StorageError
from headwater.events import Event, EventType, RunRecord, RunStatus
from headwater.keys import AssetKey
from headwater.storage import LogRecord, Storage

A = AssetKey("mart", "revenue")
B = AssetKey("raw", "orders")


def materialized(key: AssetKey, run_id: str = "r1", partition: str | None = None, **data: object) -> Event:
    return Event(
        run_id=run_id,
        type=EventType.ASSET_MATERIALIZED,
        step_key=key.to_string(),
        asset_key=key,
        partition=partition,
        data=data,
    )


def test_events_round_trip_with_every_field(storage: Storage) -> None:
    full = Event(
        run_id="r1",
        type=EventType.ASSET_MATERIALIZED,
        timestamp=1767225600.123456,
        step_key="mart/revenue",
        asset_key=A,
        partition="2026-01-01",
        data={"metadata": {"rows": 3, "ratio": 0.5, "name": "Zürich ✓"}, "tags": [1, None, True]},
    )
    bare = Event(run_id="r1", type=EventType.RUN_STARTED, timestamp=1767225600.5)

    ids = storage.store_events([full, bare])

    records = storage.get_events("r1")
    assert [r.id for r in records] == ids
    assert records[0].event == full
    assert records[1].event == bare
    assert records[1].event.partition is None
    assert records[1].event.asset_key is None
    assert records[1].event.step_key is None
    assert records[1].event.data == {}


def test_store_events_returns_ascending_ids_in_batch_order(storage: Storage) -> None:
    first = storage.store_events([materialized(A, i=1), materialized(B, i=2), materialized(A, i=3)])
    second = storage.store_events([materialized(B, i=4)])

    ids = first + second
    assert len(ids) == 4
    assert ids == sorted(ids)
    assert len(set(ids)) == 4
    assert [r.event.data["i"] for r in storage.get_events("r1")] == [1, 2, 3, 4]
    assert storage.store_events([]) == []


def test_get_events_filters_by_run_after_id_limit_and_types(storage: Storage) -> None:
    ids = storage.store_events(
        [
            Event(run_id="r1", type=EventType.RUN_STARTED),
            materialized(A),
            Event(run_id="r2", type=EventType.RUN_STARTED),
            Event(run_id="r1", type=EventType.STEP_FAILED, step_key="raw/orders"),
            Event(run_id="r1", type=EventType.RUN_FAILED),
        ]
    )

    assert [r.id for r in storage.get_events("r1")] == [ids[0], ids[1], ids[3], ids[4]]
    assert [r.id for r in storage.get_events("r1", after_id=ids[1])] == [ids[3], ids[4]]
    assert [r.id for r in storage.get_events("r1", limit=2)] == [ids[0], ids[1]]
    failed = storage.get_events("r1", types=[EventType.STEP_FAILED, EventType.RUN_FAILED])
    assert [r.event.type for r in failed] == [EventType.STEP_FAILED, EventType.RUN_FAILED]
    assert storage.get_events("nope") == []


def test_add_and_get_run_round_trip(storage: Storage) -> None:
    run = RunRecord(
        run_id="r1",
        created_at=1767225600.25,
        selection="group:finance",
        asset_keys=(A, B),
        partition="2026-01-01",
        tags={"team": "finance"},
        config={"ops": {"limit": 10}},
        parent_run_id="r0",
    )
    storage.add_run(run)

    assert storage.get_run("r1") == run
    assert storage.get_run("missing") is None


def test_add_run_twice_names_the_run(storage: Storage) -> None:
    storage.add_run(RunRecord(run_id="r1"))
    with pytest.raises(StorageError, match=r"cannot add run 'r1' .* already exists; give each run a new id"):
        storage.add_run(RunRecord(run_id="r1"))


def test_run_events_update_the_run_in_the_same_call(storage: Storage) -> None:
    storage.add_run(RunRecord(run_id="r1", created_at=100.0))
    storage.add_run(RunRecord(run_id="r2", created_at=101.0))

    storage.store_events([Event(run_id="r1", type=EventType.RUN_STARTED, timestamp=110.0)])
    started = storage.get_run("r1")
    assert started is not None
    assert (started.status, started.started_at, started.finished_at) == (RunStatus.STARTED, 110.0, None)

    storage.store_events(
        [
            Event(run_id="r1", type=EventType.STEP_FAILED, timestamp=119.0, data={"error": "step boom"}),
            Event(run_id="r1", type=EventType.RUN_FAILED, timestamp=120.0, data={"error": "1 step failed"}),
        ]
    )
    failed = storage.get_run("r1")
    assert failed is not None
    assert failed.status is RunStatus.FAILED
    assert (failed.started_at, failed.finished_at, failed.error) == (110.0, 120.0, "1 step failed")

    storage.store_events(
        [
            Event(run_id="r2", type=EventType.RUN_STARTED, timestamp=130.0),
            Event(run_id="r2", type=EventType.RUN_SUCCEEDED, timestamp=131.0),
        ]
    )
    succeeded = storage.get_run("r2")
    assert succeeded is not None
    assert (succeeded.status, succeeded.started_at, succeeded.finished_at) == (RunStatus.SUCCEEDED, 130.0, 131.0)
    assert succeeded.error is None


def test_run_canceled_sets_status(storage: Storage) -> None:
    storage.add_run(RunRecord(run_id="r1"))
    storage.store_events([Event(run_id="r1", type=EventType.RUN_CANCELED, timestamp=5.0)])
    run = storage.get_run("r1")
    assert run is not None
    assert (run.status, run.finished_at) == (RunStatus.CANCELED, 5.0)


def test_list_runs_newest_first_with_paging_and_status_filter(storage: Storage) -> None:
    for i in range(5):
        storage.add_run(RunRecord(run_id=f"r{i}", created_at=1000.0 + i))
    storage.store_events(
        [
            Event(run_id="r1", type=EventType.RUN_SUCCEEDED),
            Event(run_id="r3", type=EventType.RUN_FAILED),
            Event(run_id="r4", type=EventType.RUN_STARTED),
        ]
    )

    assert [r.run_id for r in storage.list_runs()] == ["r4", "r3", "r2", "r1", "r0"]
    assert [r.run_id for r in storage.list_runs(limit=2)] == ["r4", "r3"]
    assert [r.run_id for r in storage.list_runs(limit=2, offset=2)] == ["r2", "r1"]
    finished = storage.list_runs(statuses=[RunStatus.SUCCEEDED, RunStatus.FAILED])
    assert [r.run_id for r in finished] == ["r3", "r1"]
    assert [r.run_id for r in storage.list_runs(statuses=[RunStatus.QUEUED])] == ["r2", "r0"]
    assert storage.list_runs(statuses=[]) == []


def test_latest_newer_materialization_replaces_older(storage: Storage) -> None:
    storage.store_events([materialized(A, run_id="r1", v=1), materialized(B, run_id="r1", v=1)])
    (newer,) = storage.store_events([materialized(A, run_id="r2", v=2)])

    latest = storage.latest()
    assert set(latest) == {A, B}
    assert latest[A].id == newer
    assert latest[A].event.run_id == "r2"
    assert latest[A].event.data == {"v": 2}
    assert latest[B].event.data == {"v": 1}


def test_latest_within_one_batch_keeps_the_last(storage: Storage) -> None:
    ids = storage.store_events([materialized(A, v=1), materialized(A, v=2)])
    assert storage.latest()[A].id == ids[1]


def test_latest_is_per_partition(storage: Storage) -> None:
    ids = storage.store_events(
        [
            materialized(A, partition="2026-01-01", v=1),
            materialized(A, partition="2026-01-02", v=2),
            materialized(A, v=3),
            materialized(A, partition="2026-01-01", v=4),
        ]
    )

    assert storage.latest(partition="2026-01-01")[A].id == ids[3]
    assert storage.latest(partition="2026-01-02")[A].id == ids[1]
    assert storage.latest()[A].id == ids[2]
    assert storage.latest(partition="2026-01-03") == {}
    by_partition = storage.latest_all_partitions(A)
    assert {p: r.id for p, r in by_partition.items()} == {
        "2026-01-01": ids[3],
        "2026-01-02": ids[1],
        "": ids[2],
    }
    assert storage.latest_all_partitions(B) == {}


def test_latest_failure_comes_from_step_failed_asset_keys(storage: Storage) -> None:
    (ok,) = storage.store_events([materialized(A)])
    (failed,) = storage.store_events(
        [
            Event(
                run_id="r2",
                type=EventType.STEP_FAILED,
                step_key="multi",
                partition="p1",
                data={"asset_keys": ["mart/revenue", "raw/orders"], "error": "boom"},
            )
        ]
    )

    failures = storage.latest("failure", partition="p1")
    assert {k: r.id for k, r in failures.items()} == {A: failed, B: failed}
    assert failures[A].event.data["error"] == "boom"
    assert storage.latest("failure") == {}
    assert storage.latest()[A].id == ok
    assert storage.latest_all_partitions(B, "failure")["p1"].id == failed


def test_step_failed_with_bad_asset_keys_names_the_event(storage: Storage) -> None:
    bad = Event(run_id="r1", type=EventType.STEP_FAILED, step_key="s", data={"asset_keys": "mart/revenue"})
    with pytest.raises(StorageError, match=r"event 1 of 1 \(step_failed in step 's' of run 'r1'\).*list"):
        storage.store_events([bad])
    assert storage.get_events("r1") == []


def test_latest_observation_is_its_own_kind(storage: Storage) -> None:
    (observed,) = storage.store_events(
        [Event(run_id="r1", type=EventType.ASSET_OBSERVED, asset_key=B, data={"data_version": "abc"})]
    )
    assert storage.latest() == {}
    assert storage.latest("observation")[B].id == observed
    assert storage.latest("observation")[B].event.data == {"data_version": "abc"}


def test_latest_filtered_by_keys(storage: Storage) -> None:
    c = AssetKey("c")
    storage.store_events([materialized(A), materialized(B), materialized(c)])

    assert set(storage.latest(keys=[A, c])) == {A, c}
    assert set(storage.latest(keys={B, AssetKey("unknown")})) == {B}
    assert storage.latest(keys=[]) == {}


def test_latest_with_many_keys(storage: Storage) -> None:
    keys = [AssetKey("k", str(i)) for i in range(2500)]
    storage.store_events([materialized(k) for k in keys])
    assert set(storage.latest(keys=keys)) == set(keys)


def test_latest_unknown_kind_is_an_error(storage: Storage) -> None:
    with pytest.raises(StorageError, match=r"unknown latest-event kind 'materialisation' \(did you mean 'materi"):
        storage.latest("materialisation")


def test_asset_events_newest_first_with_paging(storage: Storage) -> None:
    ids = storage.store_events([materialized(A, v=i) for i in range(5)])
    storage.store_events([materialized(B)])
    (observed,) = storage.store_events([Event(run_id="r1", type=EventType.ASSET_OBSERVED, asset_key=A)])

    page1 = storage.asset_events(A, limit=2)
    assert [r.id for r in page1] == [ids[4], ids[3]]
    page2 = storage.asset_events(A, limit=2, before_id=page1[-1].id)
    assert [r.id for r in page2] == [ids[2], ids[1]]
    assert [r.id for r in storage.asset_events(A, before_id=ids[1])] == [ids[0]]
    both = storage.asset_events(A, types=[EventType.ASSET_MATERIALIZED, EventType.ASSET_OBSERVED], limit=2)
    assert [r.id for r in both] == [observed, ids[4]]
    assert storage.asset_events(AssetKey("none")) == []


def test_logs_are_kept_in_order_per_run_and_step(storage: Storage) -> None:
    storage.store_logs("r1", "a", "first\n")
    storage.store_logs("r1", "b", "second\n")
    storage.store_logs("r1", "a", "")
    storage.store_logs("r2", "a", "other run\n")
    storage.store_logs("r1", "a", "third ✓\n")

    logs = storage.get_logs("r1")
    assert [(log.step_key, log.text) for log in logs] == [("a", "first\n"), ("b", "second\n"), ("a", "third ✓\n")]
    assert all(isinstance(log, LogRecord) and log.run_id == "r1" for log in logs)
    assert logs[0].timestamp <= logs[1].timestamp <= logs[2].timestamp
    assert [log.text for log in storage.get_logs("r1", "a")] == ["first\n", "third ✓\n"]
    assert storage.get_logs("r3") == []


def test_logs_do_not_appear_as_events(storage: Storage) -> None:
    storage.store_logs("r1", "a", "hello")
    assert storage.get_events("r1") == []


def test_a_batch_with_a_bad_event_stores_nothing(storage: Storage) -> None:
    storage.add_run(RunRecord(run_id="r1"))
    bad = materialized(A, run_id="r1", rows={1, 2})

    with pytest.raises(StorageError) as info:
        storage.store_events([Event(run_id="r1", type=EventType.RUN_STARTED), bad])

    message = str(info.value)
    assert "event 2 of 2 (asset_materialized of asset 'mart/revenue' in step 'mart/revenue'" in message
    assert "not JSON-serialisable" in message
    assert "Nothing from this batch was stored" in message
    assert storage.get_events("r1") == []
    assert storage.latest() == {}
    run = storage.get_run("r1")
    assert run is not None
    assert run.status is RunStatus.QUEUED


def test_url_is_printed_without_password(storage: Storage, storage_url: str) -> None:
    assert storage.url.startswith(storage_url.split(":", maxsplit=1)[0])
    assert repr(storage) == f"Storage({storage.url!r})"


def test_in_memory_storage_is_shared_by_threads() -> None:
    storage = Storage.in_memory()
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                storage.store_events([materialized(AssetKey(f"t{n}"), run_id=f"r{n}", i=i)])
                storage.latest()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sum(len(storage.get_events(f"r{n}")) for n in range(4)) == 200
    assert len(storage.latest()) == 4
    storage.close()


def test_open_sqlite_memory_url_gives_in_memory_storage() -> None:
    storage = Storage.open("sqlite://")
    storage.store_events([materialized(A)])
    assert set(storage.latest()) == {A}
    storage.close()
