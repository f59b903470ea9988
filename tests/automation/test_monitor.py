"""The run monitor with real run processes: a killed worker's run is marked failed, naming every
asset of the step that was running (all outputs of a multi-asset); on the daemon's own host, as soon
as the process is gone rather than after the heartbeat timeout."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import headwater as hw
from headwater.automation import AutomationConfig, Daemon, DaemonConfig
from headwater.events import Event, EventType
from headwater.storage.run_queue import RunQueueStore

PROJECT = """
import os
import time
from pathlib import Path

import headwater as hw

@hw.asset
def first() -> int:
    return 1

@hw.multi_asset(outs={"left": None, "right": None})
def split(first: int) -> tuple[int, int]:
    Path(os.environ["HW_TEST_FLAG"]).write_text(str(os.getpid()))
    time.sleep(60)
    return first, first

defs = hw.Definitions(assets=[first, split])
"""


def _wait_for(path: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert process.poll() is None, "the run process exited early"
        assert time.monotonic() < deadline, "the run never reached the multi-asset step"
        time.sleep(0.05)


def _wait_for_start_of(instance: hw.Instance, step: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for active in RunQueueStore(instance.storage).running():
            started = instance.storage.get_events(active.run.run_id, types=[EventType.STEP_STARTED])
            if any(rec.event.step_key == step for rec in started):
                return
        time.sleep(0.02)
    raise AssertionError(f"the start of step '{step}' never reached the event log")


def test_a_killed_multi_asset_step_fails_every_output(instance: hw.Instance, tmp_path: Path) -> None:
    project = tmp_path / "defs.py"
    project.write_text(PROJECT)
    flag = tmp_path / "flag"
    config = instance.config
    assert config is not None
    env = {**os.environ, "HW_TEST_FLAG": str(flag), "HEADWATER_HOME": config.home}
    worker = subprocess.Popen(
        [sys.executable, "-m", "headwater.cli.main", "materialize", "-f", str(project)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(flag, worker)
        _wait_for_start_of(instance, "split")  # events are committed in groups: let the step's start land
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
    [running] = RunQueueStore(instance.storage).running()
    defs = hw.load_definitions(hw.find_location(file=str(project), project_dir=tmp_path))
    automation = AutomationConfig(daemon=DaemonConfig(heartbeat_timeout=5))
    summary = Daemon(instance.storage, defs, config=automation, launch=False).tick(now=time.time() + 60)
    run_id = running.run.run_id
    assert summary.failed_runs == [run_id]
    [failed_step] = instance.storage.get_events(run_id, types=[EventType.STEP_FAILED])
    assert failed_step.event.step_key == "split"
    assert failed_step.event.data["asset_keys"] == ["left", "right"]
    assert "stopped sending heartbeats" in failed_step.event.data["error"]
    failures = instance.storage.latest("failure")
    assert {hw.AssetKey("left"), hw.AssetKey("right")} <= set(failures)
    assert set(instance.latest_materializations()) == {hw.AssetKey("first")}


def _killed_run(instance: hw.Instance, tmp_path: Path) -> tuple[str, int, Path]:
    """A real `headwater materialize` killed -9 while its multi-asset step runs: (run id, its pid, project)."""
    project = tmp_path / "defs.py"
    project.write_text(PROJECT)
    flag = tmp_path / "flag"
    config = instance.config
    assert config is not None
    env = {**os.environ, "HW_TEST_FLAG": str(flag), "HEADWATER_HOME": config.home}
    worker = subprocess.Popen(
        [sys.executable, "-m", "headwater.cli.main", "materialize", "-f", str(project)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(flag, worker)
        _wait_for_start_of(instance, "split")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)  # reaped: the pid is gone, as when the shell that ran it reaps it
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
    [running] = RunQueueStore(instance.storage).running()
    return running.run.run_id, worker.pid, project


def test_a_run_killed_on_this_host_fails_at_the_next_tick(instance: hw.Instance, tmp_path: Path) -> None:
    run_id, pid, project = _killed_run(instance, tmp_path)
    defs = hw.load_definitions(hw.find_location(file=str(project), project_dir=tmp_path))
    daemon = Daemon(instance.storage, defs, launch=False)
    assert daemon.config.daemon.heartbeat_timeout == 120
    # a few seconds on, far inside the heartbeat timeout: the process's absence is what tells
    summary = daemon.tick(now=time.time() + 5)
    assert summary.failed_runs == [run_id]
    [failed_step] = instance.storage.get_events(run_id, types=[EventType.STEP_FAILED])
    assert failed_step.event.step_key == "split"
    assert failed_step.event.data["asset_keys"] == ["left", "right"]
    error = failed_step.event.data["error"]
    assert f"{socket.gethostname()}:{pid} is no longer running on this host" in error
    assert f"headwater runs reexecute {run_id} --from-failure" in error
    assert instance.storage.get_run(run_id).status is hw.RunStatus.FAILED
    assert set(instance.latest_materializations()) == {hw.AssetKey("first")}


def _started_run(instance: hw.Instance, worker: str, *, at: float) -> str:
    queue = RunQueueStore(instance.storage)
    run = hw.RunRecord(run_id=f"run-{worker.replace(':', '-')}", created_at=at)
    assert queue.enqueue(run, location=None)
    queue.claim(Event(run_id=run.run_id, type=EventType.RUN_STARTED, timestamp=at), worker)
    queue.heartbeat(run.run_id, worker, now=at)
    return run.run_id


def test_a_run_whose_pid_now_belongs_to_another_program_fails(instance: hw.Instance, tmp_path: Path) -> None:
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        # the run began (and last beat) before that program started, so its pid was reused
        reused = _started_run(instance, f"{socket.gethostname()}:{other.pid}", at=time.time() - 30)
        alive = _started_run(instance, f"{socket.gethostname()}:{os.getpid()}", at=time.time())
        elsewhere = _started_run(instance, "another-host:1", at=time.time())
        defs = hw.Definitions(assets=[])
        # every run's last heartbeat is 30 s old or more, inside the 120 s timeout
        summary = Daemon(instance.storage, defs, launch=False).tick(now=time.time() + 30)
    finally:
        other.kill()
        other.wait(10)
    assert summary.failed_runs == [reused]
    [failed] = instance.storage.get_events(reused, types=[EventType.RUN_FAILED])
    assert f"{other.pid} is now another program, started after the run" in failed.event.data["error"]
    # a live process, or one on another host, is left to the heartbeat timeout
    assert instance.storage.get_run(alive).status is hw.RunStatus.STARTED
    assert instance.storage.get_run(elsewhere).status is hw.RunStatus.STARTED
