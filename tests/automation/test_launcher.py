"""The launcher with real run processes: a running daemon launches a queued run between ticks (the
queue poll) into a spare process that had already loaded the definitions, and stops its spares."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import headwater as hw
from headwater.automation import AutomationConfig, Daemon, DaemonConfig, RunsConfig
from headwater.automation.launcher import Launcher

PROJECT = """
import headwater as hw

@hw.asset
def one() -> int:
    return 1

defs = hw.Definitions(assets=[one])
"""


def _wait(predicate: Callable[[], object], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _spares(launcher: Launcher) -> list[Any]:
    return [spare for spares in launcher.spares.values() for spare in spares]


def _daemon(instance: hw.Instance, tmp_path: Path, spares: int) -> tuple[Daemon, hw.Definitions]:
    project = tmp_path / "defs.py"
    project.write_text(PROJECT)
    defs = hw.load_definitions(hw.find_location(file=str(project), project_dir=tmp_path))
    config = AutomationConfig(daemon=DaemonConfig(interval=600, queue_poll=0.05), runs=RunsConfig(spare_workers=spares))
    assert instance.config is not None
    env = {"HEADWATER_HOME": instance.config.home, "HEADWATER_STORAGE_URL": instance.config.storage_url}
    return Daemon(instance.storage, defs, config=config, env=env, log_dir=str(tmp_path / "logs")), defs


def test_a_queued_run_goes_to_a_spare_process_between_ticks(instance: hw.Instance, tmp_path: Path) -> None:
    daemon, defs = _daemon(instance, tmp_path, spares=1)
    launcher = daemon.launcher
    assert launcher is not None
    stop = threading.Event()
    thread = threading.Thread(target=daemon.run, args=(stop,))
    thread.start()
    try:
        _wait(lambda: any(launcher.spares.values()), "a spare process")
        [[spare]] = launcher.spares.values()
        # The daemon ticked once at start and ticks next in 10 minutes: only the queue poll can launch it.
        queued = instance.submit_run(defs)
        _wait(lambda: instance.storage.get_run(queued.run_id).status.finished, "the run")  # type: ignore[union-attr]
        run = instance.storage.get_run(queued.run_id)
        assert run is not None and run.status is hw.RunStatus.SUCCEEDED
        assert launcher.processes[queued.run_id] is spare.process
        launcher.wait(60)  # the run's process exits just after the run ends
        assert (tmp_path / "logs" / f"{queued.run_id}.log").is_file()
        # A new spare replaces the one used.
        _wait(lambda: any(s.process is not spare.process for s in _spares(launcher)), "a new spare")
        spares = [s.process for s in _spares(launcher)]
    finally:
        stop.set()
        thread.join(60)
    assert not thread.is_alive()
    assert spares and all(p.poll() == 0 for p in spares)  # stopped with the daemon, without running anything
    assert [p.name for p in (tmp_path / "logs").iterdir() if p.name.startswith("spare-")] == []


def test_without_spares_each_run_gets_a_new_process(instance: hw.Instance, tmp_path: Path) -> None:
    daemon, defs = _daemon(instance, tmp_path, spares=0)
    stop = threading.Event()
    thread = threading.Thread(target=daemon.run, args=(stop,))
    thread.start()
    try:
        queued = instance.submit_run(defs)
        _wait(lambda: instance.storage.get_run(queued.run_id).status.finished, "the run")  # type: ignore[union-attr]
        assert daemon.launcher is not None and daemon.launcher.spares == {}
        daemon.launcher.wait(60)
        run = instance.storage.get_run(queued.run_id)
        assert run is not None and run.status is hw.RunStatus.SUCCEEDED
    finally:
        stop.set()
        thread.join(60)
