"""The run queue's launcher in ``headwater web`` while no daemon runs, so UI launches start without
one: on a background thread it does what the lease-holding daemon does with the queue, with the same
code (``automation.launcher.Launcher.launch_queued`` under ``[runs]`` limits, then the daemon's
``BackfillDriver``), under the same daemon lease.

The web server neither starts a daemon of its own (that would tick schedules and sensors) nor keeps
the lease: when runs wait (or a backfill handed to the daemon is unfinished) and nobody holds the
lease, it takes it, does one pass, and gives it back. A running daemon renews the lease every tick,
so beside one (``headwater dev``) the web server never launches, and since every launch happens
under the one lease no run is launched twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from headwater.automation import monitor
from headwater.automation.config import DAEMON_LEASE as LEASE
from headwater.automation.launcher import Launcher, run_log_dir
from headwater.graph import AssetGraph
from headwater.instance.backfill import driven_by_daemon
from headwater.instance.backfill_queue import BackfillDriver
from headwater.instance.config import InstanceConfig
from headwater.instance.core import InstanceCore
from headwater.storage import Storage
from headwater.storage.run_queue import RunQueueStore
from headwater.web.project import Loaded, ProjectUnavailable

_BACKFILL_POLL = 1.0
"""Seconds between looks for unfinished backfills handed to the daemon (as the daemon between ticks)."""
_HELD_POLL = 1.0
"""Seconds between passes while every waiting run is held by the limits."""
_KEPT = 1000
"""Run ids kept in ``QueueLauncher.launched``."""
log = logging.getLogger("headwater.web")


class QueueLauncher:
    """Launches queued runs and advances queued backfills from the web process while no daemon does."""

    def __init__(
        self,
        storage: Storage,
        config: InstanceConfig,
        *,
        loaded: Callable[[], Loaded],
        instance: Callable[[], InstanceCore],
    ) -> None:
        self.queue = RunQueueStore(storage)
        self.config = config
        self.owner = f"web:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        env = {"HEADWATER_HOME": config.home, "HEADWATER_STORAGE_URL": config.storage_url}
        self.launcher = Launcher(self.queue, config.runs, env=env, log_dir=run_log_dir(config.home))
        self.launched: list[str] = []
        """Ids of the runs this web process launched (the last ``_KEPT``), oldest first."""
        self._loaded = loaded
        self._instance = instance
        self._driver: tuple[int, BackfillDriver] | None = None
        self._backfills_at = float("-inf")
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Do a pass every ``[daemon] queue_poll`` seconds on a background thread until ``close()``."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="headwater-web-queue", daemon=True)
            self._thread.start()

    def run_pass(self) -> list[str]:
        """Reap the run processes started here, then, if work waits and no one holds the daemon lease,
        launch what the limits allow and step the queued backfills; returns the runs launched."""
        return self._pass()[0]

    def close(self, timeout: float = 10.0) -> None:
        """Stop the thread and wait a little for the runs launched here (they keep running if they take
        longer, recording their own end)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            self.launcher.wait(timeout)
            self.launcher.close()
            self.queue.release_lease(LEASE, self.owner)

    def _loop(self) -> None:
        poll = self.config.daemon.queue_poll
        wait = poll
        while not self._stop.wait(wait):
            try:
                launched, waiting = self._pass()
                # Runs waiting but none launched: held by the limits, or a daemon launches them.
                wait = max(poll, _HELD_POLL) if waiting and not launched else poll
            except Exception:  # storage busy or the project not loadable: the next pass retries
                log.exception("launching queued runs from the web server failed")

    def _pass(self) -> tuple[list[str], bool]:
        """The runs launched, and whether runs were waiting."""
        with self._lock:  # the thread's passes and a caller's never overlap
            exited = self.launcher.reap()
            if exited:
                monitor.fail_exited(self.queue, exited, self._graph())
            backfills = self._backfills_due()
            waiting = self.queue.has_waiting()
            if not (backfills or waiting) or self._daemon_holds_lease():
                return [], waiting
            if not self.queue.acquire_lease(LEASE, self.owner, ttl=self.config.daemon.lease_ttl):
                return [], waiting
            try:
                launched = self.launcher.launch_queued()
                if backfills:
                    self._step_backfills()
                    launched += self.launcher.launch_queued()  # the runs it queued start now
            finally:
                self.queue.release_lease(LEASE, self.owner)
            self.launched += launched
            del self.launched[:-_KEPT]
            if launched:
                log.info("launched %d queued runs (no daemon is running)", len(launched))
            return launched, waiting

    def _daemon_holds_lease(self) -> bool:
        holder = self.queue.lease_owner(LEASE)
        return holder is not None and holder[0] != self.owner and holder[1] >= time.time()

    def _backfills_due(self) -> bool:
        """Whether a backfill handed to the daemon is unfinished (looked up once a second)."""
        now = time.monotonic()
        if now - self._backfills_at < _BACKFILL_POLL:
            return False
        self._backfills_at = now
        unfinished = self.queue.storage.list_backfills(limit=None, unfinished=True)
        return any(driven_by_daemon(record) for record in unfinished)

    def _step_backfills(self) -> None:
        try:
            loaded = self._loaded()
        except ProjectUnavailable:  # every page shows why; the backfills wait for code that loads
            return
        if self._driver is None or self._driver[0] != loaded.version:  # the code changed: plan from storage
            self._driver = (loaded.version, BackfillDriver(self._instance(), loaded.defs))
        self._driver[1](time.time())

    def _graph(self) -> AssetGraph | None:
        try:
            return self._loaded().graph
        except Exception:  # the project does not load: fail the runs without naming their steps' assets
            return None
