"""Run retries: a failed run with retries left is queued again from failure, once per failure."""

from __future__ import annotations

import time

import pytest

import headwater as hw
from headwater.automation.retries import (
    MAX_RETRIES_TAG,
    RETRY_NUMBER_TAG,
    max_retries_of,
    retry_failed_runs,
    retry_run_id,
)
from headwater.definitions import CodeLocation
from headwater.errors import SelectionError
from headwater.graph import AssetGraph
from headwater.instance.reexecute import PARENT_TAG, ROOT_TAG

STATE = {"broken": True}


@hw.asset
def raw() -> int:
    return 1


@hw.asset
def clean(raw: int) -> int:
    if STATE["broken"]:
        raise RuntimeError("the source is down")
    return raw + 1


@hw.asset
def report(clean: int) -> int:
    return clean * 2


DEFS = hw.Definitions(assets=[raw, clean, report])
LOCATION = CodeLocation(module=__name__, attribute="DEFS")


def test_failed_run_is_queued_again_from_failure_until_the_budget_is_spent(instance: hw.Instance) -> None:
    STATE["broken"] = True
    graph = AssetGraph.from_definitions(DEFS)
    first = instance.materialize(DEFS, tags={MAX_RETRIES_TAG: "2", "team": "data"})
    assert not first.success
    (retry,) = retry_failed_runs(instance.storage, graph, LOCATION)
    assert retry.run_id == retry_run_id(first.run_id) and retry.parent_run_id == first.run_id
    assert [k.to_string() for k in retry.asset_keys] == ["clean", "report"]  # 'raw' succeeded: not run again
    assert retry.tags[RETRY_NUMBER_TAG] == "1" and retry.tags[PARENT_TAG] == first.run_id
    assert retry.tags["team"] == "data"
    stored = instance.storage.get_run(retry.run_id)
    assert stored is not None and stored.status is hw.RunStatus.QUEUED and stored.parent_run_id == first.run_id
    assert retry_failed_runs(instance.storage, graph, LOCATION) == []  # the same failure queues one retry

    second = instance.materialize(DEFS, retry.selection, tags=retry.tags, run_id=retry.run_id)  # fails again
    assert not second.success and second.run_id == retry.run_id
    (third,) = retry_failed_runs(instance.storage, graph, LOCATION)
    assert third.tags[RETRY_NUMBER_TAG] == "2" and third.tags[ROOT_TAG] == first.run_id
    STATE["broken"] = False
    done = instance.materialize(DEFS, third.selection, tags=third.tags, run_id=third.run_id)
    assert done.success and done.value_of("report") == 4
    assert retry_failed_runs(instance.storage, graph, LOCATION) == []


def test_budget_from_config_and_no_retry_for_canceled_or_exhausted_runs(instance: hw.Instance) -> None:
    STATE["broken"] = True
    graph = AssetGraph.from_definitions(DEFS)
    failed = instance.materialize(DEFS)
    assert retry_failed_runs(instance.storage, graph, LOCATION) == []  # default budget: no retries
    (retry,) = retry_failed_runs(instance.storage, graph, LOCATION, default_max_retries=1)
    assert retry.parent_run_id == failed.run_id
    again = instance.materialize(DEFS, retry.selection, tags=retry.tags, run_id=retry.run_id)
    assert not again.success
    assert retry_failed_runs(instance.storage, graph, LOCATION, default_max_retries=1) == []  # budget spent
    STATE["broken"] = False


def test_bad_retry_tag_says_what_to_write() -> None:
    run = hw.RunRecord(run_id="r1", tags={MAX_RETRIES_TAG: "many"})
    with pytest.raises(SelectionError, match=r"run 'r1': tag headwater.max_retries='many' must be a whole number"):
        max_retries_of(run, 0)
    assert max_retries_of(hw.RunRecord(run_id="r2"), 3) == 3


def test_the_daemon_queues_retries_with_the_configured_budget(instance: hw.Instance) -> None:
    from headwater.automation import AutomationConfig, Daemon
    from headwater.automation.config import RunsConfig

    STATE["broken"] = True
    failed = instance.materialize(DEFS)
    located = hw.Definitions(assets=list(DEFS.assets), location=LOCATION)
    default = Daemon(instance.storage, located, launch=False)
    assert default.tick().retried_runs == []  # [runs] max_retries defaults to 0
    default.queue.release_lease("daemon", default.owner)
    config = AutomationConfig(runs=RunsConfig(max_retries=1))
    summary = Daemon(instance.storage, located, config=config, launch=False).tick()
    assert summary.retried_runs == [retry_run_id(failed.run_id)]
    queued = instance.storage.get_run(retry_run_id(failed.run_id))
    assert queued is not None and queued.status is hw.RunStatus.QUEUED and queued.parent_run_id == failed.run_id
    STATE["broken"] = False


def test_extra_tick_work_runs_under_the_lease(instance: hw.Instance) -> None:
    from headwater.automation import Daemon

    seen: list[float] = []

    def work(now: float) -> dict[str, int]:
        seen.append(now)
        return {"advanced": 1}

    summary = Daemon(instance.storage, DEFS, launch=False, extra_work={"backfills": work}).tick(now=1000.0)
    assert seen == [1000.0] and summary.extra == {"backfills": {"advanced": 1}}
    other = Daemon(instance.storage, DEFS, launch=False, extra_work={"backfills": work}).tick(now=1001.0)
    assert not other.acted and seen == [1000.0]  # a second daemon without the lease does nothing


def test_extra_work_also_runs_between_ticks(instance: hw.Instance) -> None:
    import threading

    from headwater.automation import AutomationConfig, Daemon
    from headwater.automation.config import DaemonConfig

    calls: list[float] = []
    stop = threading.Event()
    config = AutomationConfig(daemon=DaemonConfig(interval=600))
    daemon = Daemon(instance.storage, DEFS, config=config, extra_work={"count": calls.append})
    worker = threading.Thread(target=daemon.run, args=(stop,))
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while len(calls) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(30)
    assert len(calls) >= 3  # one in the tick, then every second although the next tick is 10 minutes away


def test_a_run_over_a_partition_range_is_retried_over_the_same_range(instance: hw.Instance) -> None:
    days = hw.DailyPartitions(start="2026-01-01", end="2026-01-10")
    broken = {"on": True}

    @hw.asset(partitions=days, backfill_policy="single_run")
    def daily(context: hw.Context) -> dict[str, int]:
        return dict.fromkeys(context.partition_keys, 1)

    @hw.asset(partitions=days, backfill_policy="single_run")
    def after(context: hw.Context, daily: dict[str, int]) -> dict[str, int]:
        if broken["on"]:
            raise ValueError("not yet")
        return {key: value + 1 for key, value in daily.items()}

    defs = hw.Definitions(assets=[daily, after])
    keys = ["2026-01-02", "2026-01-03", "2026-01-04"]
    failed = instance.materialize(defs, partition_keys=keys, tags={MAX_RETRIES_TAG: "1"})
    assert not failed.success and failed.run.partition == "2026-01-02...2026-01-04"
    (retry,) = retry_failed_runs(instance.storage, AssetGraph.from_definitions(defs), LOCATION)
    assert retry.partition == failed.run.partition and retry.selection == "after"
    broken["on"] = False
    done = instance.materialize(defs, retry.selection, partition=retry.partition, run_id=retry.run_id, tags=retry.tags)
    assert done.success and done.run.partition == "2026-01-02...2026-01-04"
    assert instance.io_manager.load(hw.AssetKey("after"), "2026-01-03") == 2
