"""A queued run executes once, and a run declared dead stays dead: real run processes on SQLite and
PostgreSQL. Two processes given the same queued run race to claim it (one conditional update), and a
run process paused past the heartbeat timeout (SIGSTOP), marked failed by the monitor, then resumed
(SIGCONT) writes nothing more."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import headwater as hw
from headwater.automation.monitor import dead_runs
from headwater.errors import RunNotActive
from headwater.events import Event, EventType, RunStatus
from headwater.storage import Storage
from headwater.storage.run_queue import RunQueueStore

PROJECT = """
import os
import time
from pathlib import Path

import headwater as hw


@hw.asset
def first() -> int:
    return 1


@hw.asset
def paused(first: int) -> int:
    Path(os.environ["READY_FILE"]).write_text("ready")
    time.sleep(float(os.environ.get("STEP_SECONDS", "0.5")))
    return first + 1


@hw.asset
def after(paused: int) -> int:
    return paused + 1


defs = hw.Definitions(assets=[first, paused, after])
"""


def _wait(predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def _project(tmp_path: Path, storage_url: str, **extra: str) -> tuple[dict[str, str], list[str]]:
    (tmp_path / "defs.py").write_text(PROJECT)
    env = {
        **os.environ,
        "HEADWATER_HOME": str(tmp_path / ".headwater"),
        "HEADWATER_STORAGE_URL": storage_url,
        "READY_FILE": str(tmp_path / "ready"),
        **extra,
    }
    return env, [sys.executable, "-m", "headwater.cli.main", "materialize", "-f", "defs.py"]


def test_a_second_claim_of_a_run_is_refused_naming_the_holder(storage: Storage) -> None:
    storage.add_run(hw.RunRecord(run_id="r1"))
    queue = RunQueueStore(storage)
    queue.claim(Event(run_id="r1", type=EventType.RUN_STARTED), "host-a:1")
    with pytest.raises(RunNotActive) as second:
        queue.claim(Event(run_id="r1", type=EventType.RUN_STARTED), "host-b:2")
    assert str(second.value) == "run 'r1' is already being run by host-a:1; this process leaves it to that one"
    assert second.value.holder == "host-a:1"
    assert [r.event.type for r in storage.get_events("r1")] == [EventType.RUN_STARTED]
    storage.store_events([Event(run_id="r1", type=EventType.RUN_SUCCEEDED)])
    with pytest.raises(RunNotActive, match="run 'r1' is succeeded, not queued: each queued run executes once"):
        queue.claim(Event(run_id="r1", type=EventType.RUN_STARTED), "host-b:2")
    with pytest.raises(RunNotActive, match="run 'nope' is not in the event log"):
        queue.claim(Event(run_id="nope", type=EventType.RUN_STARTED), "host-b:2")


def test_a_finished_runs_status_never_changes_again(storage: Storage) -> None:
    storage.add_run(hw.RunRecord(run_id="r1"))
    storage.store_events([Event(run_id="r1", type=EventType.RUN_STARTED)])
    storage.store_events([Event(run_id="r1", type=EventType.RUN_FAILED, data={"error": "declared dead"})])
    storage.store_events([Event(run_id="r1", type=EventType.RUN_SUCCEEDED)])  # a late writer
    storage.store_events([Event(run_id="r1", type=EventType.RUN_STARTED)])
    run = storage.get_run("r1")
    assert run is not None and run.status is RunStatus.FAILED and run.error == "declared dead"
    with pytest.raises(RunNotActive, match="run 'r1' was marked failed \\(declared dead\\) while this process"):
        storage.store_events([Event(run_id="r1", type=EventType.RUN_SUCCEEDED)], for_run="r1")


def test_two_processes_given_one_queued_run_run_it_once(tmp_path: Path, storage_url: str) -> None:
    env, materialize = _project(tmp_path, storage_url)
    queued = subprocess.run(
        [*materialize, "--queue", "--json"], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    run_id = json.loads(queued.stdout)["run_id"]
    both = [
        subprocess.Popen([*materialize, "--run-id", run_id], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120)[1] for process in both]
    assert [process.returncode for process in both] == [0, 0], outputs
    left = [out for out in outputs if "is already being run by" in out]
    assert len(left) == 1, outputs  # the other one ran it
    storage = Storage.open(storage_url)
    types = [r.event.type for r in storage.get_events(run_id)]
    run = storage.get_run(run_id)
    storage.close()
    assert types.count(EventType.RUN_STARTED) == 1
    assert types.count(EventType.ASSET_MATERIALIZED) == 3
    assert run is not None and run.status is RunStatus.SUCCEEDED


def test_a_run_declared_dead_while_paused_writes_nothing_more(tmp_path: Path, storage_url: str) -> None:
    env, materialize = _project(tmp_path, storage_url, STEP_SECONDS="1.0")
    process = subprocess.Popen(materialize, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        storage = Storage.open(storage_url)
        queue = RunQueueStore(storage)
        _wait(lambda: len(queue.running()) == 1)
        (run_id,) = [r.run.run_id for r in queue.running()]

        def paused_started() -> bool:  # its start is in the log, so first's materialization is too
            started = storage.get_events(run_id, types=[EventType.STEP_STARTED])
            return any(r.event.step_key == "paused" for r in started)

        _wait(paused_started)
        os.kill(process.pid, signal.SIGSTOP)
        # The monitor, as if the heartbeat timeout had passed while the process was stopped, leaving
        # the process running as a monitor on another host would (on this one it stops it).
        assert dead_runs(queue, now=time.time() + 1000, heartbeat_timeout=120, start_timeout=60, stop_grace=None) == [
            run_id
        ]
        storage.close()
        os.kill(process.pid, signal.SIGCONT)
        err = process.communicate(timeout=120)[1]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert process.returncode != 0
    assert f"run '{run_id}' was marked failed" in " ".join(err.split()), err
    storage = Storage.open(storage_url)
    run = storage.get_run(run_id)
    records = storage.get_events(run_id)
    storage.close()
    assert run is not None and run.status is RunStatus.FAILED
    failed_at = next(r.id for r in records if r.event.type is EventType.RUN_FAILED)
    assert [r.event.type for r in records if r.id > failed_at] == []  # nothing after the monitor's end
    made = [r.event.asset_key for r in records if r.event.type is EventType.ASSET_MATERIALIZED]
    assert made == [hw.AssetKey("first")]  # paused and after never recorded


def test_the_monitor_leaves_a_run_that_ended_by_itself_alone(storage: Storage) -> None:
    storage.add_run(hw.RunRecord(run_id="r1"))
    RunQueueStore(storage).claim(Event(run_id="r1", type=EventType.RUN_STARTED), "host-a:1")
    [seen] = RunQueueStore(storage).running()  # what the monitor read, before the run ended
    storage.store_events([Event(run_id="r1", type=EventType.RUN_SUCCEEDED)], for_run="r1")
    from headwater.automation.monitor import _fail

    _fail(storage, seen, "the run's process stopped sending heartbeats", None)
    assert [r.event.type for r in storage.get_events("r1")] == [EventType.RUN_STARTED, EventType.RUN_SUCCEEDED]
    run = storage.get_run("r1")
    assert run is not None and run.status is RunStatus.SUCCEEDED
