"""A multiprocess worker killed with SIGKILL fails only its own step; steps on healthy workers finish."""

import os
import signal
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import headwater as hw
from headwater.events import EventType

PROJECT = """
import os
import time
from pathlib import Path
import headwater as hw

SYNC = Path(os.environ["HW_TEST_SYNC"])


def _note(name: str, text: str = "") -> None:
    part = SYNC / f".{name}.part"
    part.write_text(text)
    part.rename(SYNC / name)  # whole, so the test never reads half a pid


def _wait_for(name: str) -> None:
    for _ in range(3000):  # the test creates it (or kills this process) long before
        if (SYNC / name).exists():
            return
        time.sleep(0.02)
    raise RuntimeError(f"{name} never appeared")


def _killed_here(name: str) -> int:
    if (SYNC / name).exists():  # the first attempt was killed: this is the retry
        return 1
    _note(name, str(os.getpid()))
    _wait_for("never")  # blocks until the test kills this worker
    return 0


@hw.asset
def victim() -> int:
    return _killed_here("victim.pid")


@hw.asset(retry=hw.Retry(max_retries=1))
def retried() -> int:
    return _killed_here("retried.pid")


@hw.asset
def healthy() -> int:
    _note(f"healthy.{os.getpid()}")
    _wait_for("go")
    return os.getpid()


@hw.asset
def later(healthy: int) -> int:
    return os.getpid()


defs = hw.Definitions(assets=[victim, retried, healthy, later], executor=hw.MultiprocessExecutor(max_workers=2))
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, hw.Instance, Path]]:
    sync = tmp_path / "sync"
    sync.mkdir()
    monkeypatch.setenv("HW_TEST_SYNC", str(sync))  # workers spawn later and inherit it
    path = tmp_path / "project.py"
    path.write_text(textwrap.dedent(PROJECT))
    defs = hw.load_definitions(hw.find_location(file=path))
    instance = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path / "home")))
    yield defs, instance, sync
    instance.close()


def _kill_during(instance: hw.Instance, defs: Any, select: str, sync: Path, pid_file: str) -> tuple[Any, int]:
    """Run ``select`` in a thread; SIGKILL the worker that wrote ``pid_file`` while ``healthy`` runs on the other."""
    results: list[Any] = []
    runner = threading.Thread(target=lambda: results.append(instance.materialize(defs, select)))
    runner.start()
    try:
        _until(lambda: (sync / pid_file).exists() and any(sync.glob("healthy.*")))
        pid = int((sync / pid_file).read_text())
        os.kill(pid, signal.SIGKILL)
        # healthy's first attempt never ends (it waits for "go"): it finishes only if the pool runs it again
        _until(lambda: len(list(sync.glob("healthy.*"))) > 1 or not runner.is_alive())
    finally:
        (sync / "go").touch()
        runner.join()
    return results[0], pid


def _until(condition: Any) -> None:
    for _ in range(1500):
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("the run never got there")


def test_only_the_step_on_the_killed_worker_fails(project: Any) -> None:
    defs, instance, sync = project
    result, killed = _kill_during(instance, defs, "victim healthy later", sync, "victim.pid")
    failed = result.of_type(EventType.STEP_FAILED)
    assert [e.step_key for e in failed] == ["victim"]
    error = failed[0].data["error"]
    assert "could not run in the executor" in error
    assert f"worker process {killed} running step 'victim' died" in error
    assert "hw.Retry" in error and "headwater runs reexecute" in error
    latest = instance.storage.latest("materialization")
    assert hw.AssetKey("healthy") in latest and hw.AssetKey("later") in latest
    assert hw.AssetKey("victim") not in latest
    # later steps ran on replacement workers
    assert result.value_of("later") != killed
    assert result.value_of("healthy") != killed
    assert instance.materialize(defs, "healthy later").success


def test_the_step_on_the_killed_worker_retries_under_its_policy(project: Any) -> None:
    defs, instance, sync = project
    result, _ = _kill_during(instance, defs, "retried healthy", sync, "retried.pid")
    assert result.success, result.events
    assert [e.step_key for e in result.of_type(EventType.STEP_RETRYING)] == ["retried"]
    assert result.value_of("retried") == 1
    assert not result.of_type(EventType.STEP_FAILED)
