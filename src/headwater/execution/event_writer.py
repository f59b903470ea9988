"""Group commits for a run's events: one transaction for everything that arrived in
the last few milliseconds, instead of one per step.

A background thread flushes on a short interval, so a long step's start is in the
log within that interval even while the step holds the main thread. Every flush
is one transaction, so a crash never leaves half a batch behind; the values staged
by the steps whose events a flush committed are published right after it.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Sequence

from headwater.events import Event
from headwater.io.base import Staged, discard_all, publish_all
from headwater.storage import Storage
from headwater.storage.run_queue import RunQueueStore

FLUSH_INTERVAL = 0.01
HEARTBEAT_INTERVAL = 0.5
"""Seconds between heartbeats, which also fetch cancel requests (never one query per step)."""


def worker_name() -> str:
    """This process as the run queue names a run's worker: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


class EventWriter:
    """Buffers events and step logs, and appends them to storage in group commits."""

    def __init__(
        self,
        storage: Storage,
        run_id: str,
        *,
        interval: float = FLUSH_INTERVAL,
        heartbeat: float = HEARTBEAT_INTERVAL,
    ) -> None:
        self.storage = storage
        self.run_id = run_id
        self.interval = interval
        self.heartbeat = heartbeat
        self.cancel_requested = False
        self._queue = RunQueueStore(storage)
        self._worker = worker_name()
        self._next_beat = time.monotonic() + heartbeat
        self._events: list[Event] = []
        self._logs: list[tuple[str, str]] = []
        self._staged: list[Staged] = []
        self._discarded: list[Staged] = []
        self._added = 0
        self.published = 0
        """The number of the last :meth:`add` whose staged values are published."""
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # one flush at a time: values are published in commit order
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._flush_periodically, name="headwater-events", daemon=True)
        self._thread.start()

    def add(
        self,
        events: Sequence[Event],
        logs: Sequence[tuple[str, str]] = (),
        staged: Sequence[Staged] = (),
        discarded: Sequence[Staged] = (),
    ) -> int:
        """Queue events (and step logs) for the next flush; returns the number of this addition.

        ``staged`` values are published once the flush that commits these events is done (and
        discarded if it fails); ``discarded`` ones, whose events were dropped, are removed then.
        """
        self._raise_pending()
        with self._lock:
            self._events.extend(events)
            self._logs.extend(logs)
            self._staged.extend(staged)
            self._discarded.extend(discarded)
            self._added += 1
            return self._added

    def flush(self) -> None:
        """Write everything queued, in one transaction for the events; only while the run is still
        started (RunNotActive once it ended, and then nothing queued is written). Then publish the
        values staged by the steps whose events were committed."""
        with self._flushing:
            with self._lock:
                events, self._events = self._events, []
                logs, self._logs = self._logs, []
                staged, self._staged = self._staged, []
                discarded, self._discarded = self._discarded, []
                upto = self._added
            if discarded:
                discard_all(discarded)
            try:
                if events:
                    self.storage.store_events(events, for_run=self.run_id)
            except BaseException:
                discard_all(staged)  # not recorded: the stored values stay as they were
                raise
            for step_key, text in logs:
                self.storage.store_logs(self.run_id, step_key, text)
            # Committed: now the values those events describe may replace the stored ones.
            if staged:
                publish_all(staged)
            self.published = upto

    def discard(self) -> None:
        """Stop the background thread and drop what is queued (the run is no longer this process's)."""
        self._stop.set()
        self._thread.join()
        with self._lock:
            self._events.clear()
            self._logs.clear()
            dropped = [*self._staged, *self._discarded]
            self._staged.clear()
            self._discarded.clear()
        discard_all(dropped)
        self._error = None

    def close(self) -> None:
        """Stop the background thread and write what is left."""
        self._stop.set()
        self._thread.join()
        self._raise_pending()
        self.flush()

    def _flush_periodically(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.flush()
                if time.monotonic() >= self._next_beat:
                    self.beat()
            except BaseException as exc:  # reported to the run's thread on its next call
                self._error = exc
                return

    def beat(self) -> None:
        """Tell the daemon's monitor this run's process is alive, and learn whether it should stop
        (a cancel request, or the run ended without it)."""
        self._next_beat = time.monotonic() + self.heartbeat
        if self._queue.heartbeat(self.run_id, self._worker):
            self.cancel_requested = True

    def _raise_pending(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
