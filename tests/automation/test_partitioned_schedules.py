"""Partitioned schedules: a schedule of time-partitioned assets runs the latest complete partition
at each tick (the clock is pinned through ``Daemon.tick(now=...)``)."""

from __future__ import annotations

from datetime import UTC, datetime

import headwater as hw
from headwater.automation import Daemon
from headwater.storage.automation import AutomationStore
from headwater.storage.run_queue import RunQueueStore


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@hw.asset(partitions=hw.DailyPartitions(start="2026-01-01"))
def events() -> int:
    return 1


@hw.asset(partitions=hw.HourlyPartitions(start="2026-01-01-00:00"))
def clicks() -> int:
    return 1


@hw.asset(partitions=hw.StaticPartitions(["eu", "us"]))
def regions() -> int:
    return 1


def _queued(instance: hw.Instance) -> list[hw.RunRecord]:
    return [q.run for q in RunQueueStore(instance.storage).queue(launched=False)]


def test_daily_schedule_after_midnight_runs_yesterday(instance: hw.Instance) -> None:
    nightly = hw.Schedule("nightly", cron="10 0 * * *", select="events")
    daemon = Daemon(instance.storage, hw.Definitions(assets=[events], schedules=[nightly]), launch=False)
    daemon.tick(now=_at("2026-03-04T12:00:00"))
    daemon.tick(now=_at("2026-03-05T00:10:02"))
    [run] = _queued(instance)
    assert (run.selection, run.partition) == ("events", "2026-03-04")
    [tick] = AutomationStore(instance.storage).list_ticks("nightly")
    assert tick.data["partition"] == "2026-03-04"
    # The next night targets the next day.
    daemon.tick(now=_at("2026-03-06T00:10:01"))
    assert sorted(r.partition or "" for r in _queued(instance)) == ["2026-03-04", "2026-03-05"]


def test_hourly_schedule_runs_the_hour_that_just_ended(instance: hw.Instance) -> None:
    hourly = hw.Schedule("hourly", cron="5 * * * *", select="clicks")
    daemon = Daemon(instance.storage, hw.Definitions(assets=[clicks], schedules=[hourly]), launch=False)
    daemon.tick(now=_at("2026-02-01T08:30:00"))
    daemon.tick(now=_at("2026-02-01T09:05:00"))
    [run] = _queued(instance)
    assert run.partition == "2026-02-01-08:00"


def test_a_given_partition_wins_and_static_partitions_need_one(instance: hw.Instance) -> None:
    fixed = hw.Schedule("fixed", cron="0 * * * *", select="events", partition="2026-01-02")
    unsure = hw.Schedule("unsure", cron="0 * * * *", select="regions")
    defs = hw.Definitions(assets=[events, regions], schedules=[fixed, unsure])
    daemon = Daemon(instance.storage, defs, launch=False)
    daemon.tick(now=_at("2026-03-04T12:30:00"))
    daemon.tick(now=_at("2026-03-04T13:00:00"))
    [run] = _queued(instance)
    assert run.partition == "2026-01-02"
    [failed] = AutomationStore(instance.storage).list_ticks("unsure")
    assert failed.status == "failed"
    assert failed.error == (
        "DefinitionError: schedule 'unsure': select='regions' is partitioned by "
        f"{regions.partitions.describe()}, which has no latest partition in time; give partition= a key "  # type: ignore[union-attr]
        "or a function of the tick time returning one"
    )


def test_no_complete_partition_yet(instance: hw.Instance) -> None:
    early = hw.Schedule("early", cron="10 0 * * *", select="events")
    daemon = Daemon(instance.storage, hw.Definitions(assets=[events], schedules=[early]), launch=False)
    daemon.tick(now=_at("2025-12-31T12:00:00"))
    daemon.tick(now=_at("2026-01-01T00:10:00"))
    [failed] = AutomationStore(instance.storage).list_ticks("early")
    assert failed.error is not None and "no partition of" in failed.error
    assert "is complete at the tick 2026-01-01 00:10 UTC; start the schedule after the first partition ends" in (
        failed.error
    )
