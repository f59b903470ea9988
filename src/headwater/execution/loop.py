"""The one scheduling loop: submit every step whose parents are done, wait for
the first to finish, record its events, repeat.

Written against ``concurrent.futures``; executors only supply the pool. The
loop yields batches of events for its caller to append to storage; it never
writes them itself.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from typing import Any

from headwater.events import Event, EventType
from headwater.execution.step import RunSpec, StepOutcome
from headwater.graph.plan import Plan

Submit = Callable[[str], "Future[StepOutcome]"]


@dataclass(kw_only=True, slots=True)
class Batch:
    """Events to append in one transaction, and step logs to keep."""

    events: list[Event] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)


@dataclass(kw_only=True)
class PlanExecution:
    """Runs a plan through ``submit``; iterate it to drive the run.

    After iteration, ``failed``, ``skipped`` and ``canceled`` say how it went.
    """

    plan: Plan
    spec: RunSpec
    submit: Submit
    max_concurrent: int = 1
    is_canceled: Callable[[], bool] = lambda: False
    failed: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    succeeded: list[str] = field(default_factory=list)
    canceled: bool = False

    def __iter__(self) -> Iterator[Batch]:
        steps = self.plan.steps
        waiting = {key: set(step.upstream_steps) for key, step in steps.items()}
        children: dict[str, list[str]] = {key: [] for key in steps}
        for key, step in steps.items():
            for up in step.upstream_steps:
                children[up].append(key)
        ready = [key for key, ups in waiting.items() if not ups]
        for key in ready:
            del waiting[key]
        ready.reverse()  # pop() from the end keeps plan order
        running: dict[Future[StepOutcome], str] = {}
        batch = Batch()
        while ready or running:
            if not self.canceled and self.is_canceled():
                self.canceled = True
                self._skip_all(batch, ready, waiting, "the run was canceled")
            starting: list[str] = []
            while ready and len(running) + len(starting) < self.max_concurrent:
                starting.append(ready.pop())
            batch.events.extend(self._event(EventType.STEP_STARTED, key) for key in starting)
            if batch.events or batch.logs:
                yield batch
                batch = Batch()
            for key in starting:
                running[self.submit(key)] = key
            if not running:
                continue
            # Inline pools hand back finished futures: skip the waiter machinery for them.
            done = [f for f in running if f.done()] or wait(running, return_when=FIRST_COMPLETED)[0]
            for future in done:
                key = running.pop(future)
                outcome = self._outcome(key, future)
                batch.events.extend(outcome.events)
                if outcome.logs:
                    batch.logs.append((key, outcome.logs))
                if outcome.failed or outcome.blocked:
                    if outcome.failed:
                        self.failed.append(key)
                    else:
                        self.succeeded.append(key)
                        self.blocked.append(key)
                    why = "failed" if outcome.failed else "has a failed blocking check"
                    self._skip_downstream(batch, key, why, ready, waiting)
                    continue
                self.succeeded.append(key)
                if not any(e.type is EventType.ASSET_MATERIALIZED for e in outcome.events):
                    batch.events.append(self._event(EventType.STEP_SUCCEEDED, key))
                for child in children[key]:
                    ups = waiting.get(child)
                    if ups is None:
                        continue
                    ups.discard(key)
                    if not ups:
                        del waiting[child]
                        if not self.canceled:
                            ready.append(child)
        if batch.events or batch.logs:
            yield batch

    def _outcome(self, key: str, future: Future[StepOutcome]) -> StepOutcome:
        try:
            return future.result()
        except BaseException as exc:  # the pool itself failed (worker died, unpicklable input, ...)
            error = f"step '{key}' could not run in the executor: {type(exc).__name__}: {exc}"
            data = {"error": error, "traceback": "".join(traceback.format_exception(exc))}
            return StepOutcome(
                step_key=key, events=[self._event(EventType.STEP_FAILED, key, data)], logs="", failed=True
            )

    def _event(self, kind: EventType, key: str, data: dict[str, Any] | None = None) -> Event:
        """An event of step ``key``; failures and skips name the step's asset keys."""
        if kind in (EventType.STEP_FAILED, EventType.STEP_SKIPPED):
            data = {**(data or {}), "asset_keys": [k.to_string() for k in self.plan.steps[key].asset_keys]}
        return Event(run_id=self.spec.run_id, type=kind, step_key=key, partition=self.spec.partition, data=data or {})

    def _skip(self, batch: Batch, key: str, reason: str) -> None:
        self.skipped.append(key)
        batch.events.append(self._event(EventType.STEP_SKIPPED, key, {"reason": reason}))

    def _skip_downstream(
        self, batch: Batch, key: str, why: str, ready: list[str], waiting: dict[str, set[str]]
    ) -> None:
        downstream = self.plan.downstream_of(key)
        for child in self.plan.steps:
            if child in waiting and child in downstream:
                del waiting[child]
                self._skip(batch, child, f"upstream step '{key}' {why}")

    def _skip_all(self, batch: Batch, ready: list[str], waiting: dict[str, set[str]], reason: str) -> None:
        for key in [*reversed(ready), *waiting]:
            self._skip(batch, key, reason)
        ready.clear()
        waiting.clear()
