"""Launch queued runs as ``headwater materialize --run-id`` subprocesses under the ``[runs]`` limits:
at most ``max_concurrent`` at once, per-tag limits, higher ``headwater.priority`` first.

The launcher only starts processes; each run process records its own events and heartbeats.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from headwater.automation.config import RunsConfig
from headwater.storage.run_queue import QueuedRun, RunQueueStore


def command_for(run_id: str, location: Mapping[str, Any]) -> list[str]:
    """The command line that executes the queued run ``run_id`` of the code at ``location``."""
    where = ["-m", str(location["module"])] if location.get("module") else ["-f", str(location["file"])]
    attribute = str(location.get("attribute") or "defs")
    return [sys.executable, "-m", "headwater.cli.main", "materialize", *where, "-a", attribute, "--run-id", run_id]


def _tag_keys(run: QueuedRun, limits: Mapping[str, int]) -> list[str]:
    keys = []
    for name, value in run.run.tags.items():
        for candidate in (f"{name}={value}", name):
            if candidate in limits:
                keys.append(f"{candidate}|{value}" if candidate == name else candidate)
    return keys


def _limit_of(key: str, limits: Mapping[str, int]) -> int:
    return limits[key.split("|", 1)[0]]


class Launcher:
    """Starts queued runs while the limits allow; keeps the processes it started to reap them."""

    def __init__(
        self,
        queue: RunQueueStore,
        config: RunsConfig,
        *,
        env: Mapping[str, str] | None = None,
        log_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.queue = queue
        self.config = config
        self.env = {**os.environ, **(env or {})}
        self.log_dir = Path(log_dir) if log_dir is not None else None
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.host = socket.gethostname()

    def launch_queued(self) -> list[str]:
        """Launch as many waiting runs as the limits allow; returns their ids."""
        active = [*self.queue.running(), *self.queue.queue(launched=True)]
        limits = self.config.tag_limits
        counts = Counter(key for run in active for key in _tag_keys(run, limits))
        slots = self.config.max_concurrent - len(active)
        launched: list[str] = []
        for waiting in self.queue.queue(launched=False):
            if slots <= 0:
                break
            keys = _tag_keys(waiting, limits)
            if any(counts[key] >= _limit_of(key, limits) for key in keys):
                continue
            self.launch(waiting)
            counts.update(keys)
            slots -= 1
            launched.append(waiting.run.run_id)
        return launched

    def launch(self, waiting: QueuedRun) -> None:
        """Start the process of one queued run and record the launch."""
        run_id = waiting.run.run_id
        location = waiting.location or {}
        if not location:
            from headwater.events import Event, EventType

            error = (
                f"run {run_id} was queued without a code location, so no process can load its definitions; "
                "queue runs from definitions loaded with -m/-f (or hw.load_definitions)"
            )
            self.queue.storage.store_events([Event(run_id=run_id, type=EventType.RUN_FAILED, data={"error": error})])
            return
        sink: Any = subprocess.DEVNULL
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            sink = (self.log_dir / f"{run_id}.log").open("wb")
        try:
            process = subprocess.Popen(
                command_for(run_id, location),
                cwd=location.get("working_dir") or os.getcwd(),
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=sink,
                start_new_session=True,
            )
        finally:
            if sink is not subprocess.DEVNULL:
                sink.close()
        self.processes[run_id] = process
        self.queue.mark_launched(run_id, f"{self.host}:{process.pid}", now=time.time())

    def reap(self) -> dict[str, int]:
        """Collect processes that exited; returns their exit codes by run id."""
        done = {run_id: code for run_id, p in self.processes.items() if (code := p.poll()) is not None}
        for run_id in done:
            del self.processes[run_id]
        return done

    def wait(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for the processes started here (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        for process in list(self.processes.values()):
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                continue
        self.reap()
