"""A run the monitor marks failed while its own process still runs on this host has that process
stopped (SIGTERM, then SIGKILL), and the failure says what happened; a process that only holds a
reused pid, or one on another host, is never signalled."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import headwater as hw
from headwater.automation.config import RunsConfig
from headwater.automation.launcher import Launcher
from headwater.automation.monitor import dead_runs
from headwater.events import Event, EventType
from headwater.storage.run_queue import RunQueueStore

HOST = socket.gethostname()

SLOW_IMPORT = """
import os
import time
from pathlib import Path

import headwater as hw

Path(os.environ["HW_TEST_FLAG"]).write_text("importing")
time.sleep(600)  # held up before the run starts, as a run preparing years of partitions was

@hw.asset
def never() -> int:
    return 1

defs = hw.Definitions(assets=[never])
"""

IGNORES_SIGTERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(600)"
)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def _wait_for(path: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert process.poll() is None, "the run process exited early"
        assert time.monotonic() < deadline, "the run process never began importing the definitions"
        time.sleep(0.05)


def _error(instance: hw.Instance, run_id: str) -> str:
    record = instance.storage.get_run(run_id)
    assert record is not None and record.status is hw.RunStatus.FAILED
    return " ".join((record.error or "").split())


def test_a_launched_run_held_up_before_it_starts_is_failed_and_its_process_stopped(
    instance: hw.Instance, tmp_path: Path
) -> None:
    project = tmp_path / "defs.py"
    project.write_text(SLOW_IMPORT)
    flag = tmp_path / "flag"
    config = instance.config
    assert config is not None
    queue = RunQueueStore(instance.storage)
    assert queue.enqueue(hw.RunRecord(run_id="held"), location={"file": str(project), "working_dir": str(tmp_path)})
    env = {"HW_TEST_FLAG": str(flag), "HEADWATER_HOME": config.home}
    launcher = Launcher(queue, RunsConfig(), env=env, log_dir=tmp_path / "run-logs")
    [waiting] = queue.queue(launched=False)
    launcher.launch(waiting)
    process = launcher.processes["held"]
    try:
        _wait_for(flag, process)
        failed = dead_runs(queue, now=time.time() + 61, heartbeat_timeout=120, start_timeout=60)
        assert failed == ["held"]
        assert process.wait(10) == -signal.SIGTERM  # stopped by the monitor, not left running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    error = _error(instance, "held")
    assert re.search(
        rf"the run's process {HOST}:{process.pid} was still running 6\ds after its launch without having", error
    )
    assert "(start_timeout 60s): it was held up before the first step, loading the definitions or preparing" in error
    assert "the monitor stops it (SIGTERM, then SIGKILL after 5 s)" in error
    assert "run-logs/held.log under HEADWATER_HOME" in error
    assert "import error" not in error


def test_a_hung_run_that_ignores_sigterm_gets_sigkill(
    instance: hw.Instance, processes: list[subprocess.Popen[bytes]]
) -> None:
    stubborn = subprocess.Popen([sys.executable, "-c", IGNORES_SIGTERM], stdout=subprocess.PIPE)
    processes.append(stubborn)
    assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"
    queue = RunQueueStore(instance.storage)
    worker = f"{HOST}:{stubborn.pid}"
    started = time.time()
    assert queue.enqueue(hw.RunRecord(run_id="hung", created_at=started), location=None)
    queue.claim(Event(run_id="hung", type=EventType.RUN_STARTED, timestamp=started), worker)
    failed = dead_runs(queue, now=started + 200, heartbeat_timeout=120, start_timeout=60, stop_grace=0.5)
    assert failed == ["hung"]
    assert stubborn.wait(10) == -signal.SIGKILL
    error = _error(instance, "hung")
    assert f"the run's process {worker} stopped sending heartbeats (last 200s ago, timeout 120s)" in error
    assert "while still running on this host (hung or paused): the monitor stops it (SIGTERM, then SIGKILL" in error
    assert "headwater runs reexecute hung --from-failure" in error


def test_a_program_holding_a_reused_pid_is_left_alone(
    instance: hw.Instance, processes: list[subprocess.Popen[bytes]]
) -> None:
    queue = RunQueueStore(instance.storage)
    launched = time.time() - 30
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])  # started after the launch
    processes.append(other)
    assert queue.enqueue(hw.RunRecord(run_id="reused"), location=None)
    queue.mark_launched("reused", f"{HOST}:{other.pid}", now=launched)
    assert queue.enqueue(hw.RunRecord(run_id="remote"), location=None)
    queue.mark_launched("remote", "another-host:1", now=launched)
    assert sorted(dead_runs(queue, now=launched + 61, heartbeat_timeout=120, start_timeout=60)) == ["remote", "reused"]
    time.sleep(0.2)
    assert other.poll() is None
    assert f"pid {other.pid} is now another program, started after the run and never started the run" in _error(
        instance, "reused"
    )
    assert "did not start the run within 60s of its launch" in _error(instance, "remote")


def test_a_launched_process_that_exited_is_said_to_have_failed_before_the_first_step(instance: hw.Instance) -> None:
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait(10)  # reaped: the pid is gone
    queue = RunQueueStore(instance.storage)
    assert queue.enqueue(hw.RunRecord(run_id="exited"), location=None)
    launched = time.time()
    queue.mark_launched("exited", f"{HOST}:{done.pid}", now=launched)
    assert dead_runs(queue, now=launched + 61, heartbeat_timeout=120, start_timeout=60) == ["exited"]
    error = _error(instance, "exited")
    assert f"{HOST}:{done.pid} is no longer running on this host and never started the run" in error
    assert "it failed before the first step, e.g. on an import error in the definitions" in error
    assert os.path.exists("/proc/self/stat")
