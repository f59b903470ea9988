"""Backfills through the run queue: runs queued once their upstream runs succeeded, launched by a
real daemon under ``[runs] max_concurrent``, progress following the runs, cancel and resume."""

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
from headwater.instance.backfill import BACKFILL_TAG, cancel_backfill, create_backfill, get_backfill, run_backfill
from headwater.instance.backfill_queue import QueuedBackfill
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
