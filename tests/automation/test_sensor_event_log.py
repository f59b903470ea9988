"""Sensors see the event log: ``context.instance`` (a read-only view: latest materializations, runs,
an asset's events) and ``hw.multi_asset_sensor`` with a cursor per asset (``require="any"`` or ``"all"``)."""

from __future__ import annotations

import json

import pytest

import headwater as hw
from headwater.automation import Daemon
from headwater.storage.automation import AutomationStore
from headwater.storage.run_queue import RunQueueStore


@hw.asset
def orders() -> int:
    return 1


@hw.asset
def customers() -> int:
    return 2


@hw.asset(partitions=hw.StaticPartitions(["eu", "us"]))
def stores() -> int:
    return 3


@hw.asset
def report() -> int:
    return 4


def _queued(instance: hw.Instance, sensor: str) -> list[hw.RunRecord]:
    runs = [q.run for q in RunQueueStore(instance.storage).queue(launched=False)]
    return [r for r in runs if r.tags.get("headwater/sensor") == sensor]


def test_a_sensor_reads_materializations_and_runs(instance: hw.Instance) -> None:
    seen: dict[str, object] = {}

    @hw.sensor(select="report", interval=1)
    def watcher(context: hw.SensorContext) -> hw.SensorResult:
        assert context.instance is not None
        latest = context.instance.latest_materializations(["orders", "stores"])
        seen["latest"] = {k.to_string(): r.event.partition for k, r in latest.items()}
        seen["runs"] = len(context.instance.runs(status="succeeded"))
        seen["events"] = [r.event.partition for r in context.instance.materializations("stores")]
        seen["after"] = context.instance.materializations("stores", after_id=latest[hw.AssetKey("stores")].id)
        seen["has_no_writes"] = not hasattr(context.instance, "store_events")
        return hw.SensorResult(skip_reason="looked")

    defs = hw.Definitions(assets=[orders, customers, stores, report], sensors=[watcher])
    instance.materialize(defs, "orders")
    instance.materialize(defs, "stores", partition="eu")
    instance.materialize(defs, "stores", partition="us")
    Daemon(instance.storage, defs, launch=False).tick(now=10.0)
    assert seen == {
        "latest": {"orders": None, "stores": "us"},
        "runs": 3,
        "events": ["us", "eu"],
        "after": [],
        "has_no_writes": True,
    }
    # The helper gives the same view of an instance.
    found = hw.evaluate_sensor(defs, "watcher", at=20.0, instance=instance)
    assert found.skip_reason == "looked"


def test_the_view_refuses_an_unknown_run_status(instance: hw.Instance) -> None:
    @hw.sensor(select="report")
    def bad(context: hw.SensorContext) -> None:
        assert context.instance is not None
        context.instance.runs(status="failure")

    defs = hw.Definitions(assets=[report], sensors=[bad])
    with pytest.raises(hw.DefinitionError) as raised:
        hw.evaluate_sensor(defs, "bad", at=0, instance=instance)
    assert str(raised.value) == (
        "context.instance.runs(status='failure'): use one of 'queued', 'started', 'succeeded', 'failed', 'canceled'"
    )


def test_multi_asset_sensor_any_and_all(instance: hw.Instance) -> None:
    sensors = [
        hw.multi_asset_sensor("either", assets=["orders", "customers"], select="report", interval=1),
        hw.multi_asset_sensor("both", assets=["orders", "customers"], select="report", require="all", interval=1),
    ]
    defs = hw.Definitions(assets=[orders, customers, report], sensors=sensors)
    daemon = Daemon(instance.storage, defs, launch=False)
    daemon.tick(now=10.0)  # new sensors react from now on
    instance.materialize(defs, "orders")
    daemon.tick(now=20.0)
    assert len(_queued(instance, "either")) == 1 and _queued(instance, "both") == []
    [waiting] = AutomationStore(instance.storage).list_ticks("both", limit=1)
    assert waiting.data == {"new": ["orders"], "waiting_for": ["customers"]}
    daemon.tick(now=30.0)  # nothing new: no second run
    assert len(_queued(instance, "either")) == 1
    instance.materialize(defs, "customers")
    daemon.tick(now=40.0)
    assert len(_queued(instance, "either")) == 2
    [both] = _queued(instance, "both")
    assert both.selection == "report"
    state = AutomationStore(instance.storage).instigator_states()["both"]
    cursor = json.loads(state.cursor or "{}")
    assert set(cursor) == {"orders", "customers"} and all(v > 0 for v in cursor.values())
    daemon.tick(now=50.0)
    assert len(_queued(instance, "both")) == 1


def test_multi_asset_sensor_errors() -> None:
    with pytest.raises(hw.DefinitionError) as raised:
        hw.multi_asset_sensor("m", assets=["orders"], select="report", require="most")
    assert str(raised.value) == (
        "multi_asset_sensor 'm': require='most' must be 'any' (a new materialization of any asset) or 'all' (of each)"
    )
    with pytest.raises(hw.DefinitionError) as raised:
        hw.multi_asset_sensor("m", assets="orders", select="report")
    assert str(raised.value) == (
        "multi_asset_sensor 'm': assets= must be a list of asset keys, e.g. assets=['orders', 'customers']"
    )
