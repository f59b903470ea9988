"""``not_updated_within`` and ``expected_by``: true while an expected upstream update has not arrived,
so they can drive a run (here) or an alert (test_alert_incidents)."""

from __future__ import annotations

import time
from datetime import timedelta

import headwater as hw
from headwater.automation import Daemon
from headwater.automation.conditions import detail_tree
from headwater.storage.automation import AutomationStore

C = hw.AutomationCondition


@hw.asset
def feed() -> int:
    return 1


def _requested(instance: hw.Instance, daemon: Daemon, now: float, key: str) -> bool:
    daemon.tick(now=now)
    [latest, *_] = AutomationStore(instance.storage).evaluations(hw.AssetKey(key))
    return bool(latest["requested"])


def test_not_updated_within_requests_a_run_while_the_update_is_missing(instance: hw.Instance) -> None:
    @hw.asset(automation=C.not_updated_within(timedelta(hours=1)) & ~C.check_failed())
    def fallback(feed: int) -> int:
        return feed

    defs = hw.Definitions(assets=[feed, fallback])
    daemon = Daemon(instance.storage, defs, launch=False)
    now = time.time()
    assert _requested(instance, daemon, now, "fallback")  # feed never arrived
    hw.materialize(defs, "feed", instance=instance)
    assert not _requested(instance, daemon, now + 60, "fallback")
    assert _requested(instance, daemon, now + 2 * 3600, "fallback")  # an hour passed without an update
    [latest, *_] = AutomationStore(instance.storage).evaluations(hw.AssetKey("fallback"))
    tree = detail_tree(latest["detail"])
    assert tree["children"][0] == {"condition": "not_updated_within(1:00:00)", "true": True}


def test_expected_by_holds_after_a_tick_that_no_update_preceded(instance: hw.Instance) -> None:
    @hw.asset(automation=C.expected_by("0 * * * *"))
    def report(feed: int) -> int:
        return feed

    defs = hw.Definitions(assets=[feed, report])
    daemon = Daemon(instance.storage, defs, launch=False)
    made = hw.materialize(defs, "feed", instance=instance)
    assert made.success
    updated = time.time()
    assert not _requested(instance, daemon, updated, "report")  # the update came before this hour's tick
    assert _requested(instance, daemon, updated + 2 * 3600, "report")  # a whole hour's tick passed without one


def test_absence_on_a_partitioned_asset_and_on_an_asset_without_upstream(instance: hw.Instance) -> None:
    @hw.asset(partitions=hw.DailyPartitions(start="2026-01-01"), automation=C.not_updated_within(timedelta(hours=1)))
    def daily(context: hw.Context, feed: int) -> str:
        return context.partition_key

    @hw.asset(automation=C.not_updated_within(timedelta(hours=1)))
    def alone() -> int:
        return 1

    defs = hw.Definitions(assets=[feed, daily, alone])
    daemon = Daemon(instance.storage, defs, launch=False)
    now = time.time()
    assert _requested(instance, daemon, now, "daily") and _requested(instance, daemon, now + 1, "alone")
    hw.materialize(defs, "feed alone", instance=instance)
    assert not _requested(instance, daemon, now + 60, "daily")
    assert not _requested(instance, daemon, now + 61, "alone")  # without upstream, its own update counts
    assert C.not_updated_within(timedelta(hours=1)) == C.not_updated_within(timedelta(minutes=60))
    assert C.expected_by("0 9 * * *").describe() == "expected_by('0 9 * * *')"
