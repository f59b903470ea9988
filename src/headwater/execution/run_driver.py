"""One run's lifecycle, the same for every kind of run (materialize, check-only, observe, report),
and ``execute_run``, which runs a plan through the scheduling loop under it.

The driver claims the run and writes its start (one conditional update: of several processes given
the same queued run, one runs it), hands what its steps produce to the group-commit writer (whose
background thread also sends heartbeats and picks up cancel requests), and always writes how the
run ended: succeeded, failed with the reason, canceled, or interrupted (an exception in the run's
own process, recorded with its traceback, with every step it had started marked failed). The steps
run in the pool the caller gives (the executor's, or the inline check-only and observe pools); the
driver never runs user code itself.
"""

from __future__ import annotations

import contextlib
import logging
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Self

from headwater.errors import RunNotActive
from headwater.events import Event, EventType, RunEnded, RunRecord, RunStarted, StepFailedPayload
from headwater.execution import capture
from headwater.execution.event_writer import EventWriter, worker_name
from headwater.execution.loop import Batch, PlanExecution
from headwater.execution.pools import StepPool
from headwater.execution.publish import Publisher
from headwater.execution.slots import StepSlots
from headwater.execution.step import RunSpec, StepOutcome
from headwater.graph import AssetGraph
from headwater.graph.plan import Plan
from headwater.io import IOManager
from headwater.keys import AssetKey
from headwater.storage import Storage
from headwater.storage.run_queue import RunQueueStore

log = logging.getLogger("headwater.run")


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
        started = self._run_event(EventType.RUN_STARTED, RunStarted(steps=len(self.steps)).to_data())
        # The claim: of several processes given this run, exactly one gets past this line.
        RunQueueStore(self.storage).claim(started, worker_name())
        self.events.append(started)
        if self._writer is None:
            self._writer = EventWriter(self.storage, self.run.run_id)
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
        if isinstance(exc, RunNotActive):  # the run ended without this process: it records nothing more
            writer.discard()
            log.warning("%s", exc)
            return
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


OnBatch = Callable[[Batch], None]


@dataclass(frozen=True, kw_only=True)
class PublishTarget:
    """What a run needs to publish staged values: the graph (which assets wait for checks) and the
    IO manager of each asset in the run's process."""

    graph: AssetGraph
    io_for: Callable[[AssetKey], IOManager]


def execute_run(
    storage: Storage,
    run: RunRecord,
    plan: Plan,
    pool: StepPool,
    spec: RunSpec,
    *,
    on_batch: OnBatch | None = None,
    is_canceled: Callable[[], bool] = lambda: False,
    slots: StepSlots | None = None,
    on_outcome: Callable[[StepOutcome], StepOutcome] | None = None,
    failure: Callable[[PlanExecution, Sequence[Event]], str | None] | None = None,
    recorded_for: Callable[[str, str | None], Mapping[tuple[AssetKey, str | None], str]] | None = None,
    reuse: Callable[[str], StepOutcome | None] | None = None,
    publish: PublishTarget | None = None,
) -> list[Event]:
    """Run ``plan`` as ``run`` through the scheduling loop; returns every event written.

    The run's lifecycle (start, group commits, heartbeat and cancel, interruption, end) is the
    ``RunDriver``'s. The loop's hooks: ``slots`` limits how many steps of a pool run at once (asked
    before a step is submitted); ``on_outcome`` sees each step's outcome first (provenance stamping).
    ``failure`` says why the run failed, from the loop and the events written (None: it succeeded);
    by default, failed and skipped steps. ``recorded_for`` gives a step, as it is submitted, the
    value hashes recorded for the upstream values it loads (``RunSpec.recorded``). ``reuse`` is asked
    about each step before it is submitted: an outcome (memoization's "unchanged") replaces running it.
    ``publish`` (the graph and each asset's IO manager) publishes the values steps stage.
    """
    subsets = plan.subsets
    if subsets:
        spec = replace(spec, subsets=subsets)
    steps = {key: step.asset_keys for key, step in plan.steps.items()}
    with RunDriver(storage, run, steps) as driver:
        publisher = (
            Publisher(publish.graph, plan, publish.io_for, driver.write, driver.writer.flush)
            if publish is not None and publish.graph.publishing.after_checks
            else None
        )

        def submit(key: str) -> Future[StepOutcome]:
            step_spec = spec
            if recorded_for is not None:
                step_spec = replace(step_spec, recorded=recorded_for(key, spec.partition))
            if publisher is not None:
                step_spec = replace(step_spec, staged=publisher.staged_inputs())
            return pool.submit(key, step_spec)

        execution = PlanExecution(
            plan=plan,
            spec=spec,
            submit=submit,
            publisher=publisher,
            max_concurrent=pool.max_workers,
            is_canceled=lambda: driver.cancel_requested or is_canceled(),
            slots=slots,
            on_outcome=on_outcome,
            reuse=reuse,
        )
        with capture.routed():
            for batch in execution:
                driver.write(batch.events, batch.logs)
                if on_batch is not None:
                    on_batch(batch)
        if execution.canceled:
            driver.end(canceled=True)
        elif (error := (failure or _failed_steps)(execution, driver.events)) is not None:
            driver.end(error=error)
    return driver.events


def _failed_steps(execution: PlanExecution, events: Sequence[Event]) -> str | None:
    return _failure_summary(execution) if execution.failed or execution.skipped or execution.held else None


def _failure_summary(execution: PlanExecution) -> str:
    """One line on why the run failed: failed steps, blocking checks, skipped steps."""
    parts = []
    if execution.failed:
        parts.append(f"{len(execution.failed)} step(s) failed ({', '.join(execution.failed)})")
    if execution.blocked:
        parts.append(f"a blocking check failed on {', '.join(execution.blocked)}")
    if execution.held:
        parts.append(f"the new value(s) of {', '.join(execution.held)} held back (`headwater assets staged`)")
    if execution.skipped:
        parts.append(f"{len(execution.skipped)} downstream step(s) skipped")
    return "; ".join(parts)
