"""Backfills through the run queue: runs queued once their upstream runs succeeded, launched by a
real daemon under ``[runs] max_concurrent``, progress following the runs, cancel and resume; the
daemon driving handed-over backfills by its ticks alone, under its lease."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import headwater as hw
from headwater.automation import AutomationConfig, Daemon
from headwater.automation.config import RunsConfig
from headwater.errors import SelectionError
from headwater.instance.backfill import BACKFILL_TAG, cancel_backfill, create_backfill, get_backfill
from headwater.instance.backfill_queue import BackfillDriver, QueuedBackfill, hand_to_daemon
from headwater.instance.backfill_run import run_backfill
from headwater.storage.backfills import BackfillStatus
from headwater.storage.run_queue import RunQueueStore

PROJECT = """
import headwater as hw

DAILY = hw.DailyPartitions(start="2026-01-01", end="2026-01-04")


@hw.asset(partitions=DAILY)
def raw(context: hw.Context) -> int:
    return int(context.partition_key[-2:])


@hw.asset(partitions=DAILY, backfill_policy="single_run")
def bulk(context: hw.Context, raw: dict[str, int]) -> dict[str, int]:
    return {key: raw[key] * 10 for key in context.partition_keys}


defs = hw.Definitions(assets=[raw, bulk])
"""


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "defs.py").write_text(PROJECT)
    yield tmp_path / ".headwater"


@pytest.fixture
def instance(home: Path) -> Iterator[hw.Instance]:
    config = hw.InstanceConfig(home=str(home), runs=RunsConfig(max_concurrent=1))
    with hw.Instance.from_config(config) as opened:
        yield opened


@pytest.fixture
def defs(home: Path) -> hw.Definitions:
    return hw.load_definitions(hw.find_location(file=home.parent / "defs.py"))


def _daemon(instance: hw.Instance, defs: hw.Definitions, home: Path) -> Daemon:
    config = AutomationConfig(runs=RunsConfig(max_concurrent=1))
    return Daemon(instance.storage, defs, config=config, env={"HEADWATER_HOME": str(home)}, log_dir=str(home / "logs"))


def test_queued_backfill_runs_through_the_daemon_one_at_a_time(
    instance: hw.Instance, defs: hw.Definitions, home: Path
) -> None:
    record, _ = create_backfill(instance, defs, None, mode="all")
    seen: list[tuple[int, int]] = []
    backfill = QueuedBackfill(instance, defs, record.backfill_id, on_progress=lambda p: seen.append((p.done, p.total)))
    assert not backfill.step()
    queue = RunQueueStore(instance.storage)
    waiting = queue.queue(launched=False)
    assert sorted(q.run.partition or "" for q in waiting) == ["2026-01-01", "2026-01-02", "2026-01-03"]
    assert {q.run.tags[BACKFILL_TAG] for q in waiting} == {record.backfill_id}
    assert get_backfill(instance, record.backfill_id).status is BackfillStatus.RUNNING

    daemon = _daemon(instance, defs, home)
    launched: list[int] = []
    for _ in range(12):
        summary = daemon.tick()
        launched.append(len(summary.launched_runs))
        assert daemon.launcher is not None
        daemon.launcher.wait(60)
        if backfill.step():
            break
    assert max(launched) == 1  # [runs] max_concurrent = 1: one run launched per tick
    final = get_backfill(instance, record.backfill_id)
    assert (final.status, final.total, final.succeeded, final.failed) == (BackfillStatus.SUCCEEDED, 4, 4, 0)
    assert seen[-1] == (4, 4)
    runs = {r.partition: r.status for r in instance.storage.list_runs()}
    assert runs == {
        "2026-01-01": hw.RunStatus.SUCCEEDED,
        "2026-01-02": hw.RunStatus.SUCCEEDED,
        "2026-01-03": hw.RunStatus.SUCCEEDED,
        "2026-01-01...2026-01-03": hw.RunStatus.SUCCEEDED,  # the single-run range, queued after its days
    }


def test_cancel_cancels_queued_runs_and_resume_finishes_in_process(instance: hw.Instance, defs: hw.Definitions) -> None:
    record, _ = create_backfill(instance, defs, "raw", mode="partitions", partitions="2026-01-01...2026-01-02")
    backfill = QueuedBackfill(instance, defs, record.backfill_id)
    assert not backfill.step()
    with pytest.raises(
        SelectionError,
        match=rf"backfill {record.backfill_id[:8]} has 2 run\(s\) still in the run queue; follow them with "
        rf"`headwater backfill resume {record.backfill_id[:8]} --queue`, or cancel the backfill first",
    ):
        run_backfill(instance, defs, record.backfill_id)
    assert cancel_backfill(instance, record.backfill_id).status is BackfillStatus.CANCELING
    assert {r.status for r in instance.storage.list_runs()} == {hw.RunStatus.CANCELED}
    assert backfill.step()
    canceled = get_backfill(instance, record.backfill_id)
    assert (canceled.status, canceled.succeeded, canceled.failed) == (BackfillStatus.CANCELED, 0, 2)
    resumed = run_backfill(instance, defs, record.backfill_id)
    assert (resumed.status, resumed.succeeded, resumed.failed) == (BackfillStatus.SUCCEEDED, 2, 0)


def test_in_process_backfill_keeps_to_runs_max_concurrent(instance: hw.Instance) -> None:
    lock = threading.Lock()
    active = {"now": 0, "most": 0}

    @hw.asset(partitions=hw.StaticPartitions(["a", "b", "c", "d"]))
    def tracked(context: hw.Context) -> str:
        with lock:
            active["now"] += 1
            active["most"] = max(active["most"], active["now"])
        time.sleep(0.05)  # runs that were allowed to overlap would overlap here
        with lock:
            active["now"] -= 1
        return str(context.partition_key)

    defs: Any = hw.Definitions(assets=[tracked])
    record, _ = create_backfill(instance, defs, None, mode="all")
    final = run_backfill(instance, defs, record.backfill_id, max_concurrent=4)
    assert (final.succeeded, active["most"]) == (4, 1)


def test_runs_that_ended_after_the_follower_stopped_count_on_resume(
    instance: hw.Instance, defs: hw.Definitions
) -> None:
    record, _ = create_backfill(instance, defs, "raw", mode="partitions", partitions="2026-01-01...2026-01-02")
    assert not QueuedBackfill(instance, defs, record.backfill_id).step()  # queues both, then the process stops
    for waiting in RunQueueStore(instance.storage).queue(launched=False):  # what the daemon's runs would do
        run = waiting.run
        assert instance.materialize(defs, run.selection, partition=run.partition, run_id=run.run_id).success
    resumed = run_backfill(instance, defs, record.backfill_id)
    assert (resumed.status, resumed.succeeded, resumed.failed) == (BackfillStatus.SUCCEEDED, 2, 0)
    assert len(instance.storage.list_runs()) == 2  # nothing ran twice
    shown = {r.partition: (r.status, r.run_id is not None) for r in instance.storage.backfill_runs(record.backfill_id)}
    assert shown == {"2026-01-01": ("succeeded", True), "2026-01-02": ("succeeded", True)}


# -- driven by the daemon ------------------------------------------------------------------------------

DYNAMIC = """
import headwater as hw


@hw.asset(partitions=hw.DynamicPartitions("customers"))
def profile(context: hw.Context) -> str:
    return str(context.partition_key)


defs = hw.Definitions(assets=[profile])
"""


def _driven(instance: hw.Instance, defs: hw.Definitions, owner: str = "first") -> Daemon:
    """A daemon that queues but does not launch: the test runs its queued runs in this process."""
    return Daemon(
        instance.storage,
        defs,
        owner=owner,
        launch=False,
        extra_work={"backfills": BackfillDriver(instance, defs)},
    )


def _run_queued(instance: hw.Instance, defs: hw.Definitions) -> list[str]:
    """Run what the daemon queued (as its run processes would); returns the partitions run."""
    done = []
    for waiting in RunQueueStore(instance.storage).queue(launched=False):
        run = waiting.run
        assert instance.materialize(defs, run.selection, partition=run.partition, run_id=run.run_id).success
        done.append(run.partition or "")
    return done


def test_daemon_ticks_alone_run_a_queued_backfill_in_dependency_order(
    instance: hw.Instance, defs: hw.Definitions
) -> None:
    record, _ = create_backfill(instance, defs, None, mode="all")
    handed = hand_to_daemon(instance, defs, record.backfill_id, check=False)
    assert (handed.status, handed.request["driver"]) == (BackfillStatus.REQUESTED, "daemon")
    daemon = _driven(instance, defs)
    waves: list[list[str]] = []
    summaries = []
    for _ in range(6):
        summaries.append(daemon.tick().extra.get("backfills"))
        ran = _run_queued(instance, defs)
        if ran:
            waves.append(sorted(ran))
        if get_backfill(instance, record.backfill_id).status.finished:
            break
    # the three days first; the single run over the range only once all three succeeded
    assert waves == [["2026-01-01", "2026-01-02", "2026-01-03"], ["2026-01-01...2026-01-03"]]
    final = get_backfill(instance, record.backfill_id)
    assert (final.status, final.succeeded, final.failed) == (BackfillStatus.SUCCEEDED, 4, 0)
    assert summaries[0] == {"active": 1, "ended": {}, "errors": {}}
    assert summaries[-1] == {"active": 1, "ended": {record.backfill_id: "succeeded"}, "errors": {}}
    assert daemon.tick().extra == {}  # nothing left to drive
    assert len(instance.storage.list_runs()) == 4  # nothing queued twice


def test_cancel_stops_a_backfill_the_daemon_drives(instance: hw.Instance, defs: hw.Definitions) -> None:
    record, _ = create_backfill(instance, defs, None, mode="all")
    hand_to_daemon(instance, defs, record.backfill_id, check=False)
    daemon = _driven(instance, defs)
    daemon.tick()
    queued = RunQueueStore(instance.storage).queue(launched=False)
    first = queued[0].run
    assert instance.materialize(defs, first.selection, partition=first.partition, run_id=first.run_id).success
    assert cancel_backfill(instance, record.backfill_id).status is BackfillStatus.CANCELING
    daemon.tick()
    final = get_backfill(instance, record.backfill_id)
    assert (final.status, final.succeeded, final.failed) == (BackfillStatus.CANCELED, 1, 2)
    assert RunQueueStore(instance.storage).queue(launched=False) == []
    assert len(instance.storage.list_runs()) == 3  # the range run over the days was never queued
    daemon.tick()
    assert get_backfill(instance, record.backfill_id).status is BackfillStatus.CANCELED


def test_only_the_daemon_holding_the_lease_advances_backfills(instance: hw.Instance, defs: hw.Definitions) -> None:
    record, _ = create_backfill(instance, defs, None, mode="all")
    hand_to_daemon(instance, defs, record.backfill_id, check=False)
    first, second = _driven(instance, defs, "first"), _driven(instance, defs, "second")
    start = time.time()
    assert first.tick(start).acted
    assert sorted(_run_queued(instance, defs)) == ["2026-01-01", "2026-01-02", "2026-01-03"]
    waiting = second.tick(start + 1)
    assert (waiting.acted, waiting.lease_owner) == (False, "first")
    assert RunQueueStore(instance.storage).queue(launched=False) == []  # the range run waits for "first"
    assert {r.status for r in instance.storage.backfill_runs(record.backfill_id)} == {"queued"}
    # "first" stops renewing; once its lease expired "second" takes over, then "first" again later
    ttl = first.config.daemon.lease_ttl
    assert second.tick(start + 2 * ttl).acted
    assert _run_queued(instance, defs) == ["2026-01-01...2026-01-03"]
    assert first.tick(start + 4 * ttl).acted  # its kept state is stale: it reads the backfill again
    final = get_backfill(instance, record.backfill_id)
    assert (final.status, final.succeeded) == (BackfillStatus.SUCCEEDED, 4)
    assert len(instance.storage.list_runs()) == 4


def test_a_backfill_whose_partitions_were_deleted_ends_failed_with_the_reason(
    instance: hw.Instance, home: Path
) -> None:
    (home.parent / "dynamic.py").write_text(DYNAMIC)
    defs = hw.load_definitions(hw.find_location(file=home.parent / "dynamic.py"))
    instance.add_dynamic_partitions("customers", ["acme", "globex"])
    record, _ = create_backfill(instance, defs, None, mode="all")
    hand_to_daemon(instance, defs, record.backfill_id, check=False)
    instance.delete_dynamic_partitions("customers", ["globex"])
    message = (
        f"backfill {record.backfill_id[:8]} covers partitions of asset 'profile' that no longer exist: globex "
        "(DynamicPartitions 'customers' now has 'acme'); add them back (e.g. `headwater partitions add NAME KEY`) "
        "and resume, or cancel it and start a new one; the backfill is left as it was"
    )
    with pytest.raises(SelectionError) as raised:  # resuming with --queue checks first
        hand_to_daemon(instance, defs, record.backfill_id)
    assert str(raised.value) == message
    summary = _driven(instance, defs).tick()
    assert summary.extra["backfills"] == {
        "active": 1,
        "ended": {record.backfill_id: "failed"},
        "errors": {record.backfill_id: message},
    }
    failed = get_backfill(instance, record.backfill_id)
    assert (failed.status, failed.error, failed.total, failed.done) == (BackfillStatus.FAILED, message, 2, 0)
    assert instance.storage.list_runs() == []
    instance.add_dynamic_partitions("customers", ["globex"])  # put back: a resume runs it in full
    resumed = run_backfill(instance, defs, record.backfill_id)
    assert (resumed.status, resumed.succeeded, resumed.request.get("driver")) == (BackfillStatus.SUCCEEDED, 2, None)


def test_in_process_resume_refuses_a_backfill_the_daemon_drives(instance: hw.Instance, defs: hw.Definitions) -> None:
    record, _ = create_backfill(instance, defs, "raw", mode="partitions", partitions="2026-01-01")
    bid = record.backfill_id[:8]
    hand_to_daemon(instance, defs, record.backfill_id)
    with pytest.raises(SelectionError) as raised:
        run_backfill(instance, defs, record.backfill_id)
    assert str(raised.value) == (
        f"backfill {bid} is run by `headwater daemon`; follow it with `headwater backfill resume {bid} --queue`, "
        f"or cancel it (`headwater backfill cancel {bid}`) before running the rest here"
    )
    assert get_backfill(instance, record.backfill_id).status is BackfillStatus.REQUESTED


def test_build_daemon_launches_the_runs_of_a_queued_backfill(
    instance: hw.Instance, defs: hw.Definitions, home: Path
) -> None:
    from headwater.instance.daemon import build_daemon

    record, _ = create_backfill(instance, defs, "raw", mode="partitions", partitions="2026-01-01...2026-01-02")
    hand_to_daemon(instance, defs, record.backfill_id, check=False)
    daemon = build_daemon(instance, defs)
    try:
        for _ in range(8):
            daemon.tick()
            daemon.launcher.wait(60)
            if get_backfill(instance, record.backfill_id).status.finished:
                break
    finally:
        daemon.queue.release_lease("daemon", daemon.owner)
        daemon.launcher.close()
    final = get_backfill(instance, record.backfill_id)
    assert (final.status, final.succeeded) == (BackfillStatus.SUCCEEDED, 2)
    runs = {r.partition: (r.status, r.tags[BACKFILL_TAG]) for r in instance.storage.list_runs()}
    assert runs == {
        "2026-01-01": (hw.RunStatus.SUCCEEDED, record.backfill_id),
        "2026-01-02": (hw.RunStatus.SUCCEEDED, record.backfill_id),
    }
