"""Launch queued runs as ``headwater materialize --run-id`` subprocesses under the ``[runs]`` limits:
at most ``max_concurrent`` at once, per-tag limits, higher ``headwater/priority`` first.

The launcher only starts processes; each run process records its own events and heartbeats. A
running daemon keeps spare processes per code location (started with ``--run-id -``: Headwater
imported, definitions loaded, event log open) and hands a queued run to one by writing its id on the
spare's stdin, so the run starts in milliseconds instead of the second a new process takes.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from headwater.automation.config import RunsConfig
from headwater.storage.run_queue import QueuedRun, RunQueueStore


def run_log_dir(home: str) -> Path:
    """Where the run processes launched for the instance at ``home`` write their output (the
    daemon's launcher and the web server's alike)."""
    return Path(home) / "run-logs"


def command_for(run_id: str, location: Mapping[str, Any]) -> list[str]:
    """The command line that executes the queued run ``run_id`` of the code at ``location``."""
    where = ["-m", str(location["module"])] if location.get("module") else ["-f", str(location["file"])]
    attribute = str(location.get("attribute") or "defs")
    return [sys.executable, "-m", "headwater.cli.main", "materialize", *where, "-a", attribute, "--run-id", run_id]


SPARE = "-"
"""The ``--run-id`` of a spare process: it reads its run id from stdin once ready."""
SPARE_RETRY = 30.0
"""Seconds before starting spares again for a location whose spare exited without a run (e.g. an
import error: the run's own process then reports it)."""
log = logging.getLogger("headwater.daemon")


@dataclass(kw_only=True)
class _Spare:
    process: subprocess.Popen[bytes]
    log: Path | None
    started: float


def _location_key(location: Mapping[str, Any]) -> str:
    return json.dumps(dict(location), sort_keys=True)


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
        self.spares: dict[str, list[_Spare]] = {}
        self._retired: list[subprocess.Popen[bytes]] = []
        self._spare_failed_at: dict[str, float] = {}

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
            from headwater.events import Event, EventType, RunEnded

            error = (
                f"run {run_id} was queued without a code location, so no process can load its definitions; "
                "queue runs from definitions loaded with -m/-f (or hw.load_definitions)"
            )
            self.queue.storage.store_events(
                [Event(run_id=run_id, type=EventType.RUN_FAILED, data=RunEnded(error=error).to_data())]
            )
            return
        process = self._hand_to_spare(run_id, location)
        if process is None:
            process = self._start(command_for(run_id, location), location, self._log_path(run_id))
        self.processes[run_id] = process
        self.queue.mark_launched(run_id, f"{self.host}:{process.pid}", now=time.time())

    def _log_path(self, name: str) -> Path | None:
        if self.log_dir is None:
            return None
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return self.log_dir / f"{name}.log"

    def _start(
        self, command: list[str], location: Mapping[str, Any], log_path: Path | None, stdin: Any = subprocess.DEVNULL
    ) -> subprocess.Popen[bytes]:
        sink: IO[bytes] | int = subprocess.DEVNULL if log_path is None else log_path.open("wb")
        try:
            return subprocess.Popen(
                command,
                cwd=location.get("working_dir") or os.getcwd(),
                env=self.env,
                stdin=stdin,
                stdout=sink,
                stderr=sink,
                start_new_session=True,
            )
        finally:
            if not isinstance(sink, int):
                sink.close()

    # -- spare processes ---------------------------------------------------------------------------

    def keep_spares(self, location: Mapping[str, Any], now: float | None = None) -> None:
        """Have ``[runs] spare_workers`` live, young enough spare processes for ``location``."""
        now = time.time() if now is None else now
        key = _location_key(location)
        live = []
        for spare in self.spares.get(key, []):
            if spare.process.poll() is not None:
                self._spare_failed_at[key] = now
                log.warning("a spare run process exited (code %s); see %s", spare.process.returncode, spare.log)
            elif now - spare.started > self.config.spare_max_age:
                self._retire(spare)
            else:
                live.append(spare)
        self.spares[key] = live
        if now - self._spare_failed_at.get(key, float("-inf")) < SPARE_RETRY:
            return
        while len(live) < self.config.spare_workers:
            log_path = self._log_path(f"spare-{uuid.uuid4().hex}")
            process = self._start(command_for(SPARE, location), location, log_path, subprocess.PIPE)
            live.append(_Spare(process=process, log=log_path, started=now))

    def _hand_to_spare(self, run_id: str, location: Mapping[str, Any]) -> subprocess.Popen[bytes] | None:
        spares = self.spares.get(_location_key(location), [])
        while spares:
            spare = spares.pop(0)
            if spare.process.poll() is not None or spare.process.stdin is None:
                continue
            try:
                spare.process.stdin.write(f"{run_id}\n".encode())
                spare.process.stdin.close()
            except OSError:  # it died just now: try the next one
                continue
            if spare.log is not None:
                spare.log.replace(spare.log.with_name(f"{run_id}.log"))
            return spare.process
        return None

    def _retire(self, spare: _Spare) -> None:
        """Stop an unused spare: with its stdin closed it exits without running anything."""
        if spare.process.stdin is not None:
            spare.process.stdin.close()
        self._retired.append(spare.process)
        if spare.log is not None:
            spare.log.unlink(missing_ok=True)

    def close(self, timeout: float = 10.0) -> None:
        """Stop every spare (runs already handed out keep running)."""
        for process in self.processes.values():
            process.poll()  # collects the exit status of runs that ended
        for spares in self.spares.values():
            for spare in spares:
                self._retire(spare)
        self.spares.clear()
        deadline = time.monotonic() + timeout
        for process in self._retired:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._retired.clear()

    def reap(self) -> dict[str, int]:
        """Collect processes that exited; returns their exit codes by run id."""
        self._retired = [p for p in self._retired if p.poll() is None]
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
