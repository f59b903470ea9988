"""Built-in sensors and the instance over partitioned assets: ``hw.asset_sensor`` fires for each new
materialization of a partition, and ``Instance.latest_materializations`` answers for partitioned
assets (the newest materialization of any partition)."""

from __future__ import annotations

import headwater as hw
from headwater.automation import Daemon
from headwater.storage.automation import AutomationStore
from headwater.storage.run_queue import RunQueueStore

days = hw.DailyPartitions(start="2026-01-01")


@hw.asset(partitions=days)
def events(context: hw.Context) -> str:
    return f"events {context.partition_key}"


@hw.asset(partitions=days)
def daily_summary(events: str) -> str:
    return events.upper()


@hw.asset
def totals() -> int:
    return 1


@hw.asset
def audit() -> int:
    return 1


def _queued(instance: hw.Instance) -> list[hw.RunRecord]:
    return [q.run for q in RunQueueStore(instance.storage).queue(launched=False)]


def test_asset_sensor_fires_for_each_new_partition(instance: hw.Instance) -> None:
    sensors = [
        hw.asset_sensor("events_to_summary", asset="events", select="daily_summary", interval=1),
        hw.asset_sensor("events_to_audit", asset="events", select="audit", interval=1),
    ]
    defs = hw.Definitions(assets=[events, daily_summary, audit], sensors=sensors)
    daemon = Daemon(instance.storage, defs, launch=False)
    daemon.tick(now=10.0)  # a new sensor watches from now on
    instance.materialize(defs, "events", partition="2026-01-02")
    instance.materialize(defs, "events", partition="2026-01-03")
    daemon.tick(now=20.0)
    queued = _queued(instance)
    # A partitioned selection runs each new partition; an unpartitioned one runs once for the newest.
    summary = sorted(r.partition or "" for r in queued if r.tags["headwater/sensor"] == "events_to_summary")
    assert summary == ["2026-01-02", "2026-01-03"]
    [audited] = [r for r in queued if r.tags["headwater/sensor"] == "events_to_audit"]
    assert audited.partition is None
    for run in queued:
        assert instance.materialize(defs, run.selection, partition=run.partition, run_id=run.run_id).success
    [tick] = AutomationStore(instance.storage).list_ticks("events_to_summary", limit=1)
    assert tick.status == "requested" and tick.data["partitions"] == ["2026-01-02", "2026-01-03"]
    daemon.tick(now=30.0)  # nothing new
    assert _queued(instance) == []


def test_latest_materializations_include_partitioned_assets(instance: hw.Instance) -> None:
    defs = hw.Definitions(assets=[events, totals])
    instance.materialize(defs, "totals")
    instance.materialize(defs, "events", partition="2026-01-02")
    instance.materialize(defs, "events", partition="2026-01-01")
    latest = instance.latest_materializations()
    assert set(latest) == {hw.AssetKey("events"), hw.AssetKey("totals")}
    assert latest[hw.AssetKey("events")].event.partition == "2026-01-01"  # the newest, not the last key
    assert set(instance.latest_materializations([hw.AssetKey("events")])) == {hw.AssetKey("events")}
