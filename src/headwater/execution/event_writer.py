"""Group commits for a run's events: one transaction for everything that arrived in
the last few milliseconds, instead of one per step.

A background thread flushes on a short interval, so a long step's start is in the
log within that interval even while the step holds the main thread. Every flush
is one transaction, so a crash never leaves half a batch behind. What running steps
of this process print or log is stored every ``LIVE_INTERVAL``, before they end.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Sequence

from headwater.events import Event, EventType
from headwater.execution import capture
from headwater.storage import Storage
from headwater.storage.run_queue import RunQueueStore

FLUSH_INTERVAL = 0.01
HEARTBEAT_INTERVAL = 0.5
"""Seconds between heartbeats, which also fetch cancel requests (never one query per step)."""
LIVE_INTERVAL = 0.2
"""Seconds between stores of the output running steps wrote so far (one row per step that wrote)."""


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
        self._next_live = time.monotonic() + LIVE_INTERVAL
        self._events: list[Event] = []
        self._logs: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # one flush at a time: batches are committed in order
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._flush_periodically, name="headwater-events", daemon=True)
        self._thread.start()

    def add(self, events: Sequence[Event], logs: Sequence[tuple[str, str]] = ()) -> None:
        """Queue events (and step logs) for the next flush."""
        self._raise_pending()
        with self._lock:
            self._events.extend(events)
            self._logs.extend(logs)

    def flush(self) -> None:
        """Write everything queued, in one transaction for the events; only while the run is still
        started (RunNotActive once it ended, and then nothing queued is written).

        Values are on disk before the materializations that record them: one sync of the
        machine's files per group commit that records any, not one per value (a tenth of the cost
        at a hundred values). A value renamed into place but lost with power before that sync has
        no event and is refused when read (its hash is not the recorded one).
        """
        with self._flushing:
            self._flush()

    def _flush(self) -> None:
        # Taken before the finished steps' logs: a step's last text (in its outcome) comes after.
        live = self._take_live()
        with self._lock:
            events, self._events = self._events, []
            logs, self._logs = self._logs, []
        # Logs first: a reader who sees the run's end event then finds every line of its steps.
        for step_key, text in [*live, *logs]:
            self.storage.store_logs(self.run_id, step_key, text)
        if events:
            if any(event.type is EventType.ASSET_MATERIALIZED for event in events):
                os.sync()
            self.storage.store_events(events, for_run=self.run_id)

    def _take_live(self) -> list[tuple[str, str]]:
        if threading.current_thread() is not self._thread or time.monotonic() < self._next_live:
            return []
        self._next_live = time.monotonic() + LIVE_INTERVAL
        return capture.take_live(self.run_id)

    def discard(self) -> None:
        """Stop the background thread and drop what is queued (the run is no longer this process's)."""
        self._stop.set()
        self._thread.join()
        with self._lock:
            self._events.clear()
            self._logs.clear()
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
