"""One run's lifecycle, the same for every kind of run (materialize, check-only, observe, report).

The driver writes the run's start, hands what its steps produce to the group-commit writer (whose
background thread also sends heartbeats and picks up cancel requests), and always writes how the
run ended: succeeded, failed with the reason, canceled, or interrupted (an exception in the run's
own process, recorded with its traceback, with every step it had started marked failed). What
runs the steps (the scheduling loop, a check or observe pass) is the caller's; the driver never
runs user code itself.
"""

from __future__ import annotations

import contextlib
import time
import traceback
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Self

from headwater.events import Event, EventType, RunEnded, RunRecord, RunStarted, StepFailedPayload
from headwater.execution.event_writer import EventWriter
from headwater.keys import AssetKey
from headwater.storage import Storage


class RunDriver:
    """Drives ``run`` as a context manager: ``with RunDriver(...) as driver: driver.write(...)``.

    ``steps`` maps each planned step to the assets it makes, so an interruption can name them.
    Leaving the block normally without calling :meth:`end` ends the run succeeded.
    """

    def __init__(
        self,
        storage: Storage,
        run: RunRecord,
        steps: Mapping[str, Sequence[AssetKey]],
        *,
        writer: EventWriter | None = None,
    ) -> None:
        self.storage = storage
        self.run = run
        self.steps = steps
        self.events: list[Event] = []
        """Every event this driver wrote, in order."""
        self.ended: Event | None = None
        self._writer = writer
        self._running: set[str] = set()

    def __enter__(self) -> Self:
        if self._writer is None:
            self._writer = EventWriter(self.storage, self.run.run_id)
        self.write([self._run_event(EventType.RUN_STARTED, RunStarted(steps=len(self.steps)).to_data())])
        return self

    @property
    def writer(self) -> EventWriter:
        """The group-commit writer (started when the block is entered)."""
        if self._writer is None:
            raise RuntimeError("RunDriver.writer is used outside its `with` block")
        return self._writer

    @property
    def cancel_requested(self) -> bool:
        """Whether someone asked this run to stop (seen at the writer's last heartbeat)."""
        return self._writer is not None and self._writer.cancel_requested

    def write(self, events: Sequence[Event], logs: Sequence[tuple[str, str]] = ()) -> None:
        """Queue events (and step logs) for the next group commit, keeping track of running steps."""
        self.writer.add(events, logs)
        self.events.extend(events)
        for event in events:
            if event.step_key is None:
                continue
            if event.type is EventType.STEP_STARTED:
                self._running.add(event.step_key)
            else:
                self._running.discard(event.step_key)

    def end(self, *, error: str | None = None, canceled: bool = False) -> Event:
        """Write the run's end: canceled, failed with ``error``, or succeeded; returns the event."""
        if canceled:
            kind, data = EventType.RUN_CANCELED, RunEnded(error=error or "canceled").to_data()
        elif error is not None:
            kind, data = EventType.RUN_FAILED, RunEnded(error=error).to_data()
        else:
            kind, data = EventType.RUN_SUCCEEDED, {}
        event = self._run_event(kind, data)
        self.write([event])
        self.ended = event
        return event

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        writer = self.writer
        if exc is None:
            if self.ended is None:
                self.end()
            writer.close()
            return
        reason = f"the run was interrupted: {type(exc).__name__}: {exc}".rstrip(": ")
        tail = [
            Event(
                run_id=self.run.run_id,
                type=EventType.STEP_FAILED,
                step_key=key,
                data=StepFailedPayload(error=reason, asset_keys=tuple(self.steps.get(key, ()))).to_data(),
            )
            for key in sorted(self._running)
        ]
        if self.ended is None:
            traced = "".join(traceback.format_exception(exc))
            tail.append(self._run_event(EventType.RUN_FAILED, RunEnded(error=reason, traceback=traced).to_data()))
        # The original error matters more than a storage failure while recording it.
        with contextlib.suppress(Exception):
            self.write(tail)
            writer.close()

    def _run_event(self, kind: EventType, data: Mapping[str, object]) -> Event:
        return Event(run_id=self.run.run_id, type=kind, timestamp=time.time(), data=dict(data))
