"""The run monitor with real run processes: a killed worker's run is marked failed, naming every
asset of the step that was running (all outputs of a multi-asset)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import headwater as hw
from headwater.automation import AutomationConfig, Daemon, DaemonConfig
from headwater.events import EventType
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
