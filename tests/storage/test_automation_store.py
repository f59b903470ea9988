"""Automation tables over SQLite and PostgreSQL: the version-3 migration, instigator state, idempotent
ticks, condition evaluations, the daemon lease and the run queue."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from headwater.events import Event, EventType, RunRecord, RunStatus
from headwater.keys import AssetKey
from headwater.storage import Storage, migrations, schema
from headwater.storage.automation import AutomationStore, Evaluation
from headwater.storage.run_queue import RunQueueStore

AUTOMATION_VERSION = 3
AUTOMATION_TABLES = {t.name for t in schema.V3_TABLES}


def test_automation_migration_upgrades_an_older_database(storage_url: str) -> None:
    engine = create_engine(storage_url)
    with engine.begin() as conn:
        newer = AUTOMATION_TABLES | {t.name for t in (*schema.V4_TABLES, *schema.V5_TABLES, *schema.V6_TABLES)}
        older = [t for t in schema.metadata.sorted_tables if t.name not in newer]
        schema.metadata.create_all(conn, tables=older)
        conn.execute(text(f"INSERT INTO schema_version (version) VALUES ({AUTOMATION_VERSION - 1})"))
    engine.dispose()
    storage = Storage.open(storage_url, migrate=True)
    storage.store_events([Event(run_id="r", type=EventType.ASSET_MATERIALIZED, asset_key=AssetKey("a"))])
    applied = storage.migrate()
    assert any("automation tables" in line for line in applied[-4:-3])
    assert "add the pool_slots table" in applied[-3]
    assert "add the check_latest table" in applied[-2]
    assert "add the users and api_tokens tables" in applied[-1]
    assert storage.schema_version() == migrations.latest_version() >= AUTOMATION_VERSION
    AutomationStore(storage).set_enabled("nightly", "schedule", False)
    assert AutomationStore(storage).instigator_states()["nightly"].enabled is False
    assert len(storage.latest()) == 1
    storage.close()
    engine = create_engine(storage_url)
    assert set(inspect(engine).get_table_names()) >= AUTOMATION_TABLES
    engine.dispose()


def test_instigator_state_and_idempotent_ticks(storage: Storage) -> None:
    store = AutomationStore(storage)
    store.save_instigator("s", "sensor", cursor="5", last_tick_at=10.0)
    store.set_enabled("s", "sensor", False)
    state = store.instigator_states()["s"]
    assert (state.enabled, state.cursor, state.last_tick_at) == (False, "5", 10.0)

    tick, created = store.start_tick("s", "sensor", "sensor:s:1", timestamp=11.0)
    again, created_again = store.start_tick("s", "sensor", "sensor:s:1", timestamp=12.0)
    assert created and not created_again and again.id == tick.id
    store.finish_tick(tick.id, status="requested", run_ids=["r1"], cursor="6", data={"requests": 1})
    [listed] = store.list_ticks("s")
    assert (listed.status, listed.run_ids, listed.cursor, listed.data) == ("requested", ("r1",), "6", {"requests": 1})


def test_evaluations_keep_history_of_changes_and_the_latest(storage: Storage) -> None:
    store = AutomationStore(storage)
    a, b = AssetKey("a"), AssetKey("b")
    store.record_evaluations(1, 100.0, [Evaluation(asset_key=a, requested=True, detail={"v": True}, run_id="r")])
    store.record_evaluations(2, 200.0, [Evaluation(asset_key=b, requested=False, detail={"v": False})], [a])
    states = store.asset_automation_states()
    assert (states[a].evaluated_at, states[a].last_requested_at, states[a].last_run_id) == (200.0, 100.0, "r")
    assert states[b].requested is False and states[b].last_requested_at is None
    assert [e["tick_id"] for e in store.evaluations(a)] == [1]


def test_failed_checks_since_the_latest_materialization(storage: Storage) -> None:
    a = AssetKey("a")

    def check(passed: bool) -> Event:
        return Event(run_id="r", type=EventType.CHECK_EVALUATED, asset_key=a, data={"passed": passed, "name": "c"})

    def failed_keys() -> set[AssetKey]:
        return {v.asset_key for v in storage.check_verdicts() if v.failed}

    storage.store_events([Event(run_id="r", type=EventType.ASSET_MATERIALIZED, asset_key=a), check(False)])
    assert failed_keys() == {a}
    storage.store_events([Event(run_id="r", type=EventType.ASSET_MATERIALIZED, asset_key=a), check(True)])
    assert failed_keys() == set()


def test_one_lease_holder_at_a_time(storage: Storage) -> None:
    queue = RunQueueStore(storage)
    assert queue.acquire_lease("daemon", "one", ttl=10, now=100.0)
    assert not queue.acquire_lease("daemon", "two", ttl=10, now=105.0)
    assert queue.acquire_lease("daemon", "one", ttl=10, now=105.0)
    assert queue.acquire_lease("daemon", "two", ttl=10, now=116.0)  # expired: taken over
    assert queue.lease_owner("daemon") == ("two", 126.0)
    queue.release_lease("daemon", "two")
    assert queue.lease_owner("daemon") is None


def test_queue_launch_heartbeat_and_cancel(storage: Storage) -> None:
    queue = RunQueueStore(storage)
    low = RunRecord(run_id="low", created_at=1.0, asset_keys=(AssetKey("a"),))
    high = RunRecord(run_id="high", created_at=2.0, asset_keys=(AssetKey("b"),))
    assert queue.enqueue(low, location={"module": "m"}, priority=0)
    assert queue.enqueue(high, location=None, priority=5)
    assert not queue.enqueue(high, location=None)
    assert [q.run.run_id for q in queue.queue(launched=False)] == ["high", "low"]
    assert queue.in_progress_keys() == {AssetKey("a"), AssetKey("b")}
    queue.mark_launched("high", "host:1", now=3.0)
    assert [q.run.run_id for q in queue.queue(launched=False)] == ["low"]
    [launched] = queue.queue(launched=True)
    assert (launched.launched_at, launched.worker, launched.location) == (3.0, "host:1", None)

    storage.store_events([Event(run_id="high", type=EventType.RUN_STARTED, timestamp=4.0)])
    assert not queue.heartbeat("high", "host:1", now=5.0)
    queue.request_cancel("high")
    assert queue.heartbeat("high", "host:1", now=6.0)
    assert queue.cancel_requested("high") and not queue.cancel_requested("low")
    [running] = queue.running()
    assert (running.run.status, running.heartbeat_at) == (RunStatus.STARTED, 6.0)
    storage.store_events([Event(run_id="high", type=EventType.RUN_SUCCEEDED, timestamp=7.0)])
    assert [r.run_id for r in queue.finished_runs_since(6.5)] == ["high"]
    assert queue.count_runs() == 2
