"""Schedules (missed-tick policy, idempotent ticks), sensors (cursors, built-ins) and the lease."""

from __future__ import annotations

import json
from pathlib import Path

import headwater as hw
from headwater.automation import Daemon
from headwater.storage.automation import AutomationStore
from headwater.storage.run_queue import RunQueueStore

HOUR = 3600.0
START = 1_000 * 24 * HOUR  # a midnight (UTC)


@hw.asset
def orders() -> int:
    return 1


def _queued(instance: hw.Instance) -> list[hw.RunRecord]:
    return [q.run for q in RunQueueStore(instance.storage).queue(launched=False)]


def test_schedule_runs_the_latest_missed_tick_once(instance: hw.Instance) -> None:
    nightly = hw.Schedule("nightly", cron="0 2 * * *", select="orders", tags={"team": "data"})
    defs = hw.Definitions(assets=[orders], schedules=[nightly])
    daemon = Daemon(instance.storage, defs, launch=False)
    assert daemon.tick(now=START).ticks == 0  # a new schedule starts from now
    # The daemon was down for three days: one run, for the latest 02:00.
    summary = daemon.tick(now=START + 3 * 24 * HOUR + 5 * HOUR)
    assert summary.ticks == 1
    [run] = _queued(instance)
    assert (run.selection, run.tags["team"], run.tags["headwater/schedule"]) == ("orders", "data", "nightly")
    [tick] = AutomationStore(instance.storage).list_ticks("nightly")
    assert tick.status == "requested" and tick.run_ids == (run.run_id,)
    assert tick.data["missed_ticks_dropped"] == 3 and tick.data["tick"].endswith("02:00:00+00:00")
    assert daemon.tick(now=START + 3 * 24 * HOUR + 6 * HOUR).ticks == 0


def test_a_restarted_tick_queues_no_second_run(instance: hw.Instance) -> None:
    hourly = hw.Schedule("hourly", cron="0 * * * *", select="orders", missed_ticks="all")
    defs = hw.Definitions(assets=[orders], schedules=[hourly])
    store = AutomationStore(instance.storage)
    store.save_instigator("hourly", "schedule", cursor=None, last_tick_at=START)
    Daemon(instance.storage, defs, launch=False).tick(now=START + 2 * HOUR + 1)
    assert len(_queued(instance)) == 2
    # A daemon that died after queuing but before saving its state evaluates the same ticks again.
    store.save_instigator("hourly", "schedule", cursor=None, last_tick_at=START)
    Daemon(instance.storage, defs, launch=False).tick(now=START + 2 * HOUR + 2)
    assert len(_queued(instance)) == 2


def test_sensor_requests_and_cursor(instance: hw.Instance) -> None:
    seen: list[str | None] = []

    @hw.sensor(select="orders", interval=10)
    def counter(context: hw.SensorContext) -> hw.SensorResult:
        seen.append(context.cursor)
        count = int(context.cursor or 0) + 1
        return hw.SensorResult(run_requests=[hw.RunRequest(run_key=str(count))], cursor=str(count))

    defs = hw.Definitions(assets=[orders], sensors=[counter])
    daemon = Daemon(instance.storage, defs, launch=False)
    daemon.tick(now=100.0)
    daemon.tick(now=105.0)  # not due yet
    daemon.tick(now=111.0)
    assert seen == [None, "1"]
    assert len(_queued(instance)) == 2
    assert AutomationStore(instance.storage).instigator_states()["counter"].cursor == "2"


def test_failing_sensor_keeps_its_cursor_and_records_the_error(instance: hw.Instance) -> None:
    @hw.sensor(interval=1)
    def broken() -> None:
        raise ValueError("the bucket is gone")

    daemon = Daemon(instance.storage, hw.Definitions(assets=[orders], sensors=[broken]), launch=False)
    daemon.tick(now=10.0)
    [tick] = AutomationStore(instance.storage).list_ticks("broken")
    assert tick.status == "failed"
    assert tick.error == "sensor 'broken' failed: ValueError: the bucket is gone"


def test_builtin_sensors(instance: hw.Instance, tmp_path: Path) -> None:
    @hw.asset
    def report(orders: int) -> int:
        return orders

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    sensors = [
        hw.asset_sensor("orders_changed", asset="orders", select="report", interval=1),
        hw.file_sensor("drops", folder=str(inbox), pattern="*.csv", select="orders", interval=1),
        hw.run_status_sensor("failures", status="failure", interval=1),
    ]
    defs = hw.Definitions(assets=[orders, report], sensors=sensors)
    daemon = Daemon(instance.storage, defs, launch=False)
    daemon.tick(now=10.0)
    assert _queued(instance) == []
    hw.materialize(defs, "orders", instance=instance)
    (inbox / "a.csv").write_text("x")
    (inbox / "skip.txt").write_text("x")
    daemon.tick(now=20.0)
    runs = {run.tags["headwater/sensor"]: run for run in _queued(instance)}
    assert runs["orders_changed"].selection == "report"
    assert runs["drops"].tags["headwater/file"] == str(inbox / "a.csv")
    daemon.tick(now=30.0)
    assert len(_queued(instance)) == 2


def test_run_failure_sensor_alerts(instance: hw.Instance, caplog: object) -> None:
    @hw.asset
    def broken() -> int:
        raise RuntimeError("no")

    defs = hw.Definitions(assets=[broken], sensors=[hw.run_status_sensor("alerts", status="failure", interval=1)])
    daemon = Daemon(instance.storage, defs, launch=False)
    import time

    daemon.tick(now=time.time() - 1)
    result = hw.materialize(defs, instance=instance)
    daemon.tick(now=time.time() + 5)
    [tick, _first] = AutomationStore(instance.storage).list_ticks("alerts")
    assert [r["run_id"] for r in tick.data["runs"]] == [result.run_id]
    assert json.dumps(tick.data)


def test_only_one_daemon_acts(instance: hw.Instance) -> None:
    defs = hw.Definitions(assets=[orders])
    one = Daemon(instance.storage, defs, launch=False, owner="one")
    two = Daemon(instance.storage, defs, launch=False, owner="two")
    assert one.tick(now=100.0).acted
    waiting = two.tick(now=101.0)
    assert not waiting.acted and waiting.lease_owner == "one"
    assert one.run(max_ticks=1) == 1  # run() releases the lease when it stops
    assert two.tick().acted


def test_switched_off_schedule_does_not_tick(instance: hw.Instance) -> None:
    hourly = hw.Schedule("hourly", cron="0 * * * *", select="orders")
    store = AutomationStore(instance.storage)
    store.save_instigator("hourly", "schedule", cursor=None, last_tick_at=START)
    store.set_enabled("hourly", "schedule", False)
    Daemon(instance.storage, hw.Definitions(assets=[orders], schedules=[hourly]), launch=False).tick(now=START + HOUR)
    assert _queued(instance) == []
