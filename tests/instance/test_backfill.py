"""Backfills: planning groups and units, running in dependency order, progress, cancel, resume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import headwater as hw
from headwater.definitions.partitions import KeyContext
from headwater.errors import SelectionError
from headwater.instance.backfill import cancel_backfill, create_backfill, get_backfill
from headwater.instance.backfill_run import run_backfill
from headwater.state.partition_status import partition_status
from headwater.storage.backfills import BackfillStatus

DAILY = hw.DailyPartitions(start="2026-01-01", end="2026-01-15")
WEEKLY = hw.WeeklyPartitions(start="2026-01-01", end="2026-01-15")
CALLS: list[str] = []


@hw.asset(partitions=DAILY)
def raw(context: hw.Context) -> str:
    CALLS.append(f"raw {context.partition_key}")
    if context.partition_key == "2026-01-07" and "fail" in CALLS:
        raise RuntimeError("source down")
    return f"raw-{context.partition_key}"


@hw.asset(partitions=DAILY)
def clean(raw: str) -> str:
    return raw.upper()


@hw.asset(partitions=WEEKLY)
def weekly(clean: dict[str, str]) -> int:
    CALLS.append("weekly")
    return len(clean)


@hw.asset
def report(weekly: dict[str, int]) -> int:
    return sum(weekly.values())


@hw.asset(partitions=DAILY, backfill_policy="single_run")
def bulk(context: hw.Context, clean: Any) -> dict[str, int]:
    CALLS.append(f"bulk {len(context.partition_keys)}")
    return dict.fromkeys(context.partition_keys, 1)


DEFS = hw.Definitions(assets=[raw, clean, weekly, report, bulk])


@pytest.fixture
def instance(tmp_path: Path) -> Any:
    CALLS.clear()
    inst = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path)))
    yield inst
    inst.close()


def test_backfill_runs_everything_in_order_and_records_progress(instance: Any) -> None:
    record, _ = create_backfill(instance, DEFS, None, mode="all")
    seen: list[int] = []
    final = run_backfill(instance, DEFS, record.backfill_id[:8], on_progress=lambda p: seen.append(p.done))
    assert final.status is BackfillStatus.SUCCEEDED, final.error
    assert (final.total, final.succeeded, final.failed) == (17, 17, 0)
    assert seen == list(range(1, 18))
    assert CALLS.count("weekly") == 1 and "bulk 14" in CALLS
    status = partition_status(instance.storage, hw.AssetGraph.from_definitions(DEFS), "clean", KeyContext())
    assert status.counts["materialized"] == 14 and len(status.ranges) == 1
    runs = instance.storage.list_runs(limit=100)
    assert all(r.tags.get("headwater/backfill") == final.backfill_id for r in runs)
    assert {r.partition for r in runs} >= {"2026-01-01", "2026-01-01...2026-01-14", None}


def test_failed_partition_skips_its_downstream_and_resume_finishes(instance: Any) -> None:
    CALLS.append("fail")
    record, _ = create_backfill(
        instance, DEFS, "raw clean weekly", mode="partitions", partitions="2026-01-05...2026-01-11"
    )
    final = run_backfill(instance, DEFS, record.backfill_id)
    assert final.status is BackfillStatus.FAILED
    assert (final.succeeded, final.failed) == (6, 2)  # 2026-01-07 failed, the week was skipped
    runs = {r.partition: r.status for r in instance.storage.backfill_runs(final.backfill_id)}
    assert runs["2026-01-07"] == "failed" and runs["2026-01-05"] == "skipped"
    graph = hw.AssetGraph.from_definitions(DEFS)
    status = partition_status(instance.storage, graph, "raw", KeyContext())
    assert [r.to_json() for r in status.ranges if r.status == "failed"] == [
        {"status": "failed", "start": "2026-01-07", "end": "2026-01-07", "count": 1}
    ]
    CALLS.remove("fail")
    before = CALLS.count("raw 2026-01-05")
    resumed = run_backfill(instance, DEFS, final.backfill_id)
    assert resumed.status is BackfillStatus.SUCCEEDED
    assert (resumed.succeeded, resumed.failed) == (8, 0)
    assert CALLS.count("raw 2026-01-05") == before  # succeeded runs are not repeated


def test_missing_and_failed_modes(instance: Any) -> None:
    hw.materialize(DEFS, "raw clean", partition="2026-01-02", instance=instance)
    record, the_plan = create_backfill(instance, DEFS, "raw clean", mode="missing")
    assert record.total == 13 and "2026-01-02" not in the_plan.groups[0].partition_keys
    with pytest.raises(SelectionError, match="nothing to backfill: no failed partitions of the selected assets"):
        create_backfill(instance, DEFS, "raw clean", mode="failed")


def test_cancel_and_errors(instance: Any) -> None:
    record, _ = create_backfill(instance, DEFS, "raw", mode="partitions", partitions="2026-01-01...2026-01-03")
    assert cancel_backfill(instance, record.backfill_id).status is BackfillStatus.CANCELED
    assert instance.storage.backfill_runs(record.backfill_id) == []
    stopped = run_backfill(
        instance, DEFS, record.backfill_id, on_progress=lambda p: cancel_backfill(instance, p.backfill_id)
    )
    assert (stopped.status, stopped.succeeded) == (BackfillStatus.CANCELED, 1)  # stops after the run in flight
    assert run_backfill(instance, DEFS, record.backfill_id).succeeded == 3  # resume runs the rest
    with pytest.raises(SelectionError, match=r"2026-01-03\.\.\.2026-01-01 starts after it ends"):
        create_backfill(instance, DEFS, "raw", mode="partitions", partitions="2026-01-03...2026-01-01")
    with pytest.raises(SelectionError, match=r"partition '2026-02-01' is not a partition of asset 'raw'"):
        create_backfill(instance, DEFS, "raw", mode="partitions", partitions="2026-02-01")
    with pytest.raises(SelectionError, match=r"no backfill 'nope'; recent backfills: "):
        get_backfill(instance, "nope")
    done, _ = create_backfill(instance, DEFS, "raw", mode="partitions", partitions="2026-01-01")
    run_backfill(instance, DEFS, done.backfill_id)
    with pytest.raises(SelectionError, match="already succeeded"):
        cancel_backfill(instance, done.backfill_id)


def test_deleted_dynamic_partition_is_reported_and_state_kept(instance: Any) -> None:
    customers = hw.DynamicPartitions("customers")

    @hw.asset(partitions=customers)
    def profile(context: hw.Context) -> str:
        return str(context.partition_key)

    defs = hw.Definitions(assets=[profile])
    instance.add_dynamic_partitions("customers", ["acme", "globex"])
    record, _ = create_backfill(instance, defs, None, mode="all")
    instance.delete_dynamic_partitions("customers", ["globex"])
    with pytest.raises(
        SelectionError, match=r"partitions of asset 'profile' that no longer exist: globex .*add them back"
    ):
        run_backfill(instance, defs, record.backfill_id)
    assert get_backfill(instance, record.backfill_id).status is BackfillStatus.REQUESTED
    instance.add_dynamic_partitions("customers", ["globex"])
    assert run_backfill(instance, defs, record.backfill_id).status is BackfillStatus.SUCCEEDED


def test_runs_go_concurrently_up_to_the_limit_in_dependency_order(instance: Any) -> None:
    import threading
    import time

    lock = threading.Lock()
    active = {"now": 0, "most": 0}
    finished: list[str] = []

    @hw.asset(partitions=DAILY)
    def slow(context: hw.Context) -> str:
        with lock:
            active["now"] += 1
            active["most"] = max(active["most"], active["now"])
        time.sleep(0.05)
        with lock:
            active["now"] -= 1
            finished.append(str(context.partition_key))
        return str(context.partition_key)

    @hw.asset(partitions=WEEKLY)
    def summary(slow: dict[str, str]) -> int:
        finished.append("summary")
        return len(slow)

    defs = hw.Definitions(assets=[slow, summary])
    record, _ = create_backfill(instance, defs, None, mode="all")
    final = run_backfill(instance, defs, record.backfill_id, max_concurrent=3)
    assert (final.status, final.succeeded) == (BackfillStatus.SUCCEEDED, 15)
    assert active["most"] == 3
    week = ["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09", "2026-01-10", "2026-01-11"]
    assert max(finished.index(day) for day in week) < finished.index("summary")
    with pytest.raises(SelectionError, match="max_concurrent must be 1 or more, got 0"):
        run_backfill(instance, defs, record.backfill_id, max_concurrent=0)


def test_a_monthly_asset_runs_only_for_months_inside_the_daily_range(instance: Any) -> None:
    daily = hw.DailyPartitions(start="2026-01-01", end="2026-06-01")

    @hw.asset(partitions=daily)
    def events(context: hw.Context) -> int:
        return 1

    @hw.asset(partitions=hw.MonthlyPartitions(start="2026-01-01", end="2026-06-01"))
    def month(events: dict[str, int]) -> int:
        return sum(events.values())

    defs = hw.Definitions(assets=[events, month])
    record, the_plan = create_backfill(instance, defs, None, mode="partitions", partitions="2026-01-10...2026-03-31")
    assert [(g.partition_keys[0], len(g.partition_keys)) for g in the_plan.groups] == [
        ("2026-01-10", 81),
        ("2026-02-01", 2),  # January starts before the range: not selected; February and March are whole
    ]
    assert record.request["left_out"] == []
    record, the_plan = create_backfill(instance, defs, None, mode="partitions", partitions="2026-01-01...2026-03-15")
    assert list(the_plan.groups[1].partition_keys) == ["2026-01-01", "2026-02-01"]
    assert record.request["left_out"] == [
        "asset 'month': 2026-03-01 left out: it reads 'events' partitions 2026-03-01...2026-03-31, not all in the "
        "backfilled range (2026-01-01...2026-03-15); widen --partitions to whole windows to include it"
    ]
    final = run_backfill(instance, defs, record.backfill_id)
    assert (final.status, final.total, final.succeeded) == (BackfillStatus.SUCCEEDED, 74 + 2, 76)
    assert hw.materialize(defs, "month", partition="2026-02-01", instance=instance).value_of("month") == 28


def test_resume_after_a_dynamic_partition_was_deleted_names_the_keys_and_keeps_progress(instance: Any) -> None:
    from headwater.instance.backfill_queue import QueuedBackfill

    broken = {"initech"}

    @hw.asset(partitions=hw.DynamicPartitions("customers"))
    def profile(context: hw.Context) -> str:
        if context.partition_key in broken:
            raise RuntimeError("no export")
        return str(context.partition_key)

    defs = hw.Definitions(assets=[profile])
    instance.add_dynamic_partitions("customers", ["acme", "globex", "initech"])
    record, _ = create_backfill(instance, defs, None, mode="all")
    failed = run_backfill(instance, defs, record.backfill_id)
    assert (failed.status, failed.succeeded, failed.failed) == (BackfillStatus.FAILED, 2, 1)
    runs_before = instance.storage.backfill_runs(record.backfill_id)
    instance.delete_dynamic_partitions("customers", ["initech"])
    message = (
        rf"backfill {record.backfill_id[:8]} covers partitions of asset 'profile' that no longer exist: initech "
        r"\(DynamicPartitions 'customers' now has 'acme', 'globex'\); add them back \(e.g. `headwater partitions add "
        r"NAME KEY`\) and resume, or cancel it and start a new one; the backfill is left as it was"
    )
    with pytest.raises(SelectionError, match=message):
        run_backfill(instance, defs, record.backfill_id)
    with pytest.raises(SelectionError, match=message):
        QueuedBackfill(instance, defs, record.backfill_id)
    kept = get_backfill(instance, record.backfill_id)
    assert (kept.status, kept.succeeded, kept.failed, kept.total) == (BackfillStatus.FAILED, 2, 1, 3)
    assert instance.storage.backfill_runs(record.backfill_id) == runs_before
    instance.add_dynamic_partitions("customers", ["initech"])
    broken.clear()
    resumed = run_backfill(instance, defs, record.backfill_id)
    assert (resumed.status, resumed.succeeded, resumed.failed) == (BackfillStatus.SUCCEEDED, 3, 0)


def test_bad_ranges_name_the_keys_and_what_is_valid(instance: Any) -> None:
    @hw.asset(partitions=hw.MonthlyPartitions(start="2026-01-01", end="2026-06-01"))
    def month() -> int:
        return 1

    defs = hw.Definitions(assets=[month, raw])
    with pytest.raises(
        SelectionError,
        match=r"partition range 2026-03-15\.\.\.2026-01-10 starts after it ends: write the earlier date first "
        r"\(2026-01-10\.\.\.2026-03-15\)",
    ):
        create_backfill(instance, defs, "month", mode="partitions", partitions="2026-03-15...2026-01-10")
    with pytest.raises(
        SelectionError,
        match=r"partition '2026-13-01' is not a partition of asset 'raw' \(DailyPartitions from 2026-01-01 to before "
        r"2026-01-15 00:00 \(UTC\)\) \(did you mean '2026-01-01' .*\?\); keys are written like '2026-01-01' "
        r"\(format '%Y-%m-%d'\); valid keys: "
        r"'2026-01-01' \.\.\. '2026-01-14' \(14 keys\)",
    ):
        create_backfill(instance, defs, "raw", mode="partitions", partitions="2026-13-01")
    with pytest.raises(
        SelectionError,
        match=r"partition range '2026-01-01\.\.\.2026-01-02' needs the selected partitioned assets to share one "
        r"partitions definition; they have 2",
    ):
        instance.materialize(defs, "month raw", partition="2026-01-01...2026-01-02")
