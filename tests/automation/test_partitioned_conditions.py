"""Asset conditions on partitioned assets request partitions: the latest time window of a
time-partitioned asset (and the windows whose upstream partitions changed), and each static key that
needs it. The daemon queues one run per partition, and those runs succeed."""

from __future__ import annotations

from datetime import UTC, datetime

import headwater as hw
from headwater.automation import Daemon
from headwater.storage.automation import AutomationStore
from headwater.storage.run_queue import RunQueueStore


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


monthly = hw.MonthlyPartitions(start="2025-10-01")
regions = hw.StaticPartitions(["eu", "us"])


@hw.asset(partitions=monthly, automation=hw.eager())
def sales(context: hw.Context) -> str:
    return f"sales {context.partition_key}"


@hw.asset(partitions=monthly, automation=hw.eager())
def sales_report(sales: str) -> str:
    return sales.upper()


@hw.asset(partitions=regions, automation=hw.eager())
def stores(context: hw.Context) -> str:
    return f"stores {context.partition_key}"


DEFS = hw.Definitions(assets=[sales, sales_report, stores])


def _run_queued(instance: hw.Instance) -> list[hw.RunRecord]:
    """Execute every queued run in this process, as the launcher's run process would."""
    ran = []
    for queued in RunQueueStore(instance.storage).queue(launched=False):
        run = queued.run
        result = instance.materialize(DEFS, run.selection, partition=run.partition, run_id=run.run_id)
        assert result.success, result.run.error
        ran.append(result.run)
    return ran


def _requested(runs: list[hw.RunRecord]) -> list[tuple[str | None, tuple[str, ...]]]:
    return sorted((run.partition, tuple(sorted(k.to_string() for k in run.asset_keys))) for run in runs)


def test_eager_requests_the_latest_month_and_every_static_key(instance: hw.Instance) -> None:
    daemon = Daemon(instance.storage, DEFS, launch=False)
    summary = daemon.tick(now=_at("2026-01-15T12:00:00"))
    assert summary.requested_assets == 3
    ran = _run_queued(instance)
    # The latest complete month of the monthly assets (together: sales_report reads sales), each region alone.
    assert _requested(ran) == [
        ("2025-12-01", ("sales", "sales_report")),
        ("eu", ("stores",)),
        ("us", ("stores",)),
    ]
    assert all(run.status is hw.RunStatus.SUCCEEDED for run in ran)
    assert instance.io_manager.load(hw.AssetKey("sales_report"), "2025-12-01") == "SALES 2025-12-01"
    [tick] = AutomationStore(instance.storage).list_ticks("asset_automation")
    assert tick.data["partitions"] == {"sales": ["2025-12-01"], "sales_report": ["2025-12-01"], "stores": ["eu", "us"]}

    # Nothing is missing or changed now: the next tick requests nothing.
    assert daemon.tick(now=_at("2026-01-15T12:01:00")).requested_assets == 0
    assert RunQueueStore(instance.storage).queue(launched=False) == []

    # A new month ends: only that month is requested.
    daemon.tick(now=_at("2026-02-01T00:05:00"))
    assert _requested(_run_queued(instance)) == [("2026-01-01", ("sales", "sales_report"))]


def test_eager_follows_an_upstream_partition_that_changed(instance: hw.Instance) -> None:
    daemon = Daemon(instance.storage, DEFS, launch=False)
    daemon.tick(now=_at("2026-01-15T12:00:00"))
    _run_queued(instance)
    # An older month of sales is rematerialized by hand: its report (and only it) follows.
    instance.materialize(DEFS, "sales", partition="2025-10-01")
    instance.materialize(DEFS, "stores", partition="us")
    daemon.tick(now=_at("2026-01-15T12:10:00"))
    ran = _run_queued(instance)
    assert _requested(ran) == [("2025-10-01", ("sales_report",))]
    assert instance.io_manager.load(hw.AssetKey("sales_report"), "2025-10-01") == "SALES 2025-10-01"


def test_a_static_key_added_to_a_missing_set_is_requested_alone(instance: hw.Instance) -> None:
    instance.materialize(DEFS, "stores", partition="eu")
    Daemon(instance.storage, hw.Definitions(assets=[stores]), launch=False).tick(now=_at("2026-01-15T12:00:00"))
    [queued] = RunQueueStore(instance.storage).queue(launched=False)
    assert (queued.run.partition, [k.to_string() for k in queued.run.asset_keys]) == ("us", ["stores"])


@hw.asset(
    partitions=hw.MultiPartitions({"day": hw.DailyPartitions(start="2026-01-01"), "region": regions}),
    automation=hw.on_missing(),
)
def visits(context: hw.Context) -> str:
    return context.partition_key


def test_multi_partitions_request_the_latest_day_of_each_region(instance: hw.Instance) -> None:
    Daemon(instance.storage, hw.Definitions(assets=[visits]), launch=False).tick(now=_at("2026-03-04T12:00:00"))
    runs = [q.run for q in RunQueueStore(instance.storage).queue(launched=False)]
    assert sorted(r.partition or "" for r in runs) == ["2026-03-03|eu", "2026-03-03|us"]
