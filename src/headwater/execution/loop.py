"""The one scheduling loop: submit every step whose parents are done, wait for
the first to finish, record its events, repeat.

Written against ``concurrent.futures``; executors only supply the pool. The
loop yields batches of events for its caller to append to storage; it never
writes them itself. Failed steps with an ``hw.Retry`` policy go back in line
after their delay; others skip their downstream. A step whose pool slot is taken
waits in line while the loop goes on with the rest, trying again on a short poll.
"""

from __future__ import annotations

import heapq
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field, replace
from typing import Any

from headwater.events import Event, EventType, StepFailedPayload, StepRetrying, StepSkipped, StepStarted
from headwater.execution.publish import Publisher, Settled
from headwater.execution.slots import SLOT_POLL_MAX, SLOT_POLL_START, Release, StepSlots
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

    After iteration, ``failed``, ``blocked``, ``skipped`` and ``canceled`` say how it went.
    """

    plan: Plan
    spec: RunSpec
    submit: Submit
    max_concurrent: int = 1
    is_canceled: Callable[[], bool] = lambda: False
    slots: StepSlots | None = None
    on_outcome: Callable[[StepOutcome], StepOutcome] | None = None
    """Sees each step's outcome before the loop does (e.g. to stamp provenance on its events)."""
    reuse: Callable[[str], StepOutcome | None] | None = None
    """Asked once per step as it becomes ready: an outcome (its stored values stand, memoization) means
    the step is not submitted; that outcome is recorded and its downstream goes on as after a success."""
    publisher: Publisher | None = None
    """Publishes the values steps staged (``publish="after_checks"``) once their checks passed: their
    downstream waits for it; a value held back skips its downstream."""
    failed: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    succeeded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    """Steps whose staged values were held back: a blocking check failed, or their publish group did not pass."""
    canceled: bool = False
    _waiting: dict[str, set[str]] = field(default_factory=dict)
    _ready: list[str] = field(default_factory=list)
    _running: dict[Future[StepOutcome], str] = field(default_factory=dict)
    _delayed: list[tuple[float, str]] = field(default_factory=list)
    _attempts: dict[str, int] = field(default_factory=dict)
    _parked: list[tuple[str, str]] = field(default_factory=list)  # (step, pool) whose pool was full, oldest first
    _full: set[str] = field(default_factory=set)  # pools that refused a slot since the last poll
    _slot_poll_at: float = 0.0
    _slot_wait: float = SLOT_POLL_START
    _taken: dict[str, Release] = field(default_factory=dict)  # slots of steps about to be submitted
    _holding: dict[Future[StepOutcome], Release] = field(default_factory=dict)
    _asked: set[str] = field(default_factory=set)  # steps ``reuse`` was asked about

    def __iter__(self) -> Iterator[Batch]:
        steps = self.plan.steps
        children: dict[str, list[str]] = {key: [] for key in steps}
        for key, step in steps.items():
            self._waiting[key] = set(step.upstream_steps)
            for up in step.upstream_steps:
                children[up].append(key)
        self._ready = [key for key, ups in self._waiting.items() if not ups]
        for key in self._ready:
            del self._waiting[key]
        self._ready.reverse()  # pop() from the end keeps plan order
        batch = Batch()
        try:
            yield from self._drive(batch, children)
        finally:
            for release in self._taken.values():  # taken, but the loop stopped before submitting
                release()
            self._taken.clear()

    def _drive(self, batch: Batch, children: dict[str, list[str]]) -> Iterator[Batch]:
        while self._ready or self._running or self._delayed or self._parked:
            if not self.canceled and self.is_canceled():
                self.canceled = True
                self._skip_all(batch, "the run was canceled")
            self._release_due()
            if self.reuse is not None:
                self._reuse_ready(self.reuse, batch, children)
            starting = self._starting()
            batch.events.extend(self._started(key) for key in starting)
            if batch.events or batch.logs:
                yield batch
                batch = Batch()
            submit = self.submit if self.slots is None else self._submit
            for key in starting:
                self._running[submit(key)] = key
            passed: list[tuple[str, StepOutcome]] = []
            for key, outcome in self._finished():
                if outcome.logs:
                    batch.logs.append((key, outcome.logs))
                retrying = self._retry(key, outcome)
                if retrying is not None:
                    batch.events.append(retrying)
                    continue
                publishing = bool(outcome.staged) and not (outcome.failed or outcome.blocked)
                if publishing and self.publisher is not None:
                    # Its checks are recorded after the publication: they are verdicts on the published value.
                    batch.events.extend(e for e in outcome.events if e.type is not EventType.CHECK_EVALUATED)
                else:
                    batch.events.extend(outcome.events)
                if outcome.failed or outcome.blocked:
                    self._on_failure(batch, key, outcome)
                    continue
                self.succeeded.append(key)
                if not any(e.type is EventType.ASSET_MATERIALIZED for e in outcome.events):
                    batch.events.append(self._event(EventType.STEP_SUCCEEDED, key))
                if publishing and self.publisher is not None:
                    passed.append((key, outcome))
                    continue
                self._release_children(key, children)
            if passed and self.publisher is not None:
                yield batch  # the staged values and their checks are recorded before any publication
                batch = Batch()
                for key, outcome in passed:
                    self._settle(batch, self.publisher.passed(key, outcome), children)
        if self.publisher is not None:
            self._settle(batch, self.publisher.unfinished(), children)
        if batch.events or batch.logs:
            yield batch

    def _settle(self, batch: Batch, settled: Settled, children: dict[str, list[str]]) -> None:
        """Go on from published steps; skip the downstream of steps whose values were held back."""
        for key in settled.published:
            self._release_children(key, children)
        for key, group_steps in settled.waiting:  # steps of its group read its staged values meanwhile
            self._release_children(key, {key: [c for c in children.get(key, ()) if c in group_steps]})
        for key, reason in settled.held:
            self.held.append(key)
            self._skip_downstream(batch, key, reason)

    def _release_children(self, key: str, children: dict[str, list[str]]) -> None:
        for child in children[key]:
            ups = self._waiting.get(child)
            if ups is None or key not in ups:
                continue
            ups.discard(key)
            if not ups:
                del self._waiting[child]
                self._ready.append(child)

    def _reuse_ready(
        self, reuse: Callable[[str], StepOutcome | None], batch: Batch, children: dict[str, list[str]]
    ) -> None:
        """Record the ready steps whose values stand as unchanged, and go on with what they release."""
        while any(key not in self._asked for key in self._ready):
            pending, self._ready = self._ready, []
            kept: list[str] = []
            for key in pending:
                if key in self._asked:
                    kept.append(key)
                    continue
                self._asked.add(key)
                outcome = reuse(key)
                if outcome is None:
                    kept.append(key)
                    continue
                batch.events.extend(outcome.events)
                self.unchanged.append(key)
                self._release_children(key, children)
            self._ready = kept + self._ready

    def _starting(self) -> list[str]:
        """Steps to submit now, up to the free workers: waiting ones first, when their poll is due."""
        room = self.max_concurrent - len(self._running)
        starting: list[str] = []
        if self._parked and time.monotonic() >= self._slot_poll_at:
            self._full.clear()
            parked, self._parked = self._parked, []
            for key, pool in parked:
                if len(starting) < room and self._take_slot(key, pool):
                    starting.append(key)
                else:
                    self._parked.append((key, pool))
            self._slot_poll_at = time.monotonic() + self._slot_wait
            self._slot_wait = min(self._slot_wait * 2, SLOT_POLL_MAX) if self._parked else SLOT_POLL_START
        while self._ready and len(starting) < room:
            key = self._ready.pop()
            needs = self.slots.pool_of(key) if self.slots is not None else None
            if needs is None or self._take_slot(key, needs):
                starting.append(key)
                continue
            if not self._parked:
                self._slot_poll_at = time.monotonic() + self._slot_wait
            self._parked.append((key, needs))
        return starting

    def _take_slot(self, key: str, pool: str) -> bool:
        """Take the step's slot unless its pool refused one since the last poll (one query per full pool)."""
        if pool in self._full or self.slots is None:
            return False
        release = self.slots.try_acquire(key)
        if release is None:
            self._full.add(pool)
            return False
        self._taken[key] = release
        return True

    def _submit(self, key: str) -> Future[StepOutcome]:
        release = self._taken.pop(key, None)
        if release is None:
            return self.submit(key)
        once = _once(release)
        try:
            future = self.submit(key)
        except BaseException:
            once()
            raise
        # Given back as soon as the step ends, even when the loop is not there to see it.
        future.add_done_callback(lambda _: once())
        self._holding[future] = once
        return future

    def _finished(self) -> list[tuple[str, StepOutcome]]:
        """Wait for at least one running step (or the next retry's or slot poll's time) and collect outcomes."""
        wake = self._delayed[0][0] if self._delayed else None
        if self._parked and (wake is None or self._slot_poll_at < wake):
            wake = self._slot_poll_at  # the next try for a full pool's slot
        if not self._running:
            if wake is not None and not self._ready:
                time.sleep(max(0.0, wake - time.monotonic()))
            return []
        # Inline pools hand back finished futures: skip the waiter machinery for them.
        done = [f for f in self._running if f.done()]
        if not done:
            timeout = max(0.0, wake - time.monotonic()) if wake is not None else None
            done = list(wait(self._running, timeout=timeout, return_when=FIRST_COMPLETED)[0])
        finished = []
        for future in done:
            key = self._running.pop(future)
            release = self._holding.pop(future, None) if self._holding else None
            if release is not None:
                # The done callback may not have run yet: give the slot back before trying for it again.
                release()
                self._slot_poll_at = 0.0
                self._slot_wait = SLOT_POLL_START
            finished.append((key, self._outcome(key, future)))
        return finished

    def _retry(self, key: str, outcome: StepOutcome) -> Event | None:
        """If the step's retry policy allows, queue it again and return the notice that replaces its failure."""
        op = self.plan.steps[key].op
        retry = op.retry if op is not None else None
        attempt = self._attempts.get(key, 0) + 1
        if not outcome.failed or retry is None or attempt > retry.max_retries or self.canceled:
            return None
        failure = next(e for e in outcome.events if e.type is EventType.STEP_FAILED)
        self._attempts[key] = attempt
        delay = retry.wait_before(attempt)
        heapq.heappush(self._delayed, (time.monotonic() + delay, key))
        notice = StepRetrying.after(
            StepFailedPayload.from_data(failure.data), attempt=attempt, max_retries=retry.max_retries, delay=delay
        )
        return replace(failure, type=EventType.STEP_RETRYING, data=notice.to_data())

    def _on_failure(self, batch: Batch, key: str, outcome: StepOutcome) -> None:
        if outcome.failed:
            self.failed.append(key)
        else:
            self.succeeded.append(key)
            self.blocked.append(key)
        why = "failed" if outcome.failed else "has a failed blocking check"
        if outcome.staged and self.publisher is not None:
            self.held.append(key)  # its new values stay staged: the run did not make them current
        self._skip_downstream(batch, key, f"upstream step '{key}' {why}")
        if self.publisher is not None:
            settled = self.publisher.failed(key, self.plan.steps[key].asset_keys, why)
            self._settle(batch, settled, {})

    def _skip_downstream(self, batch: Batch, key: str, reason: str) -> None:
        downstream = self.plan.downstream_of(key)
        for child in self.plan.steps:
            if child in self._waiting and child in downstream:
                del self._waiting[child]
                self._skip(batch, child, reason)

    def _release_due(self) -> None:
        now = time.monotonic()
        while self._delayed and self._delayed[0][0] <= now:
            self._ready.append(heapq.heappop(self._delayed)[1])

    def _outcome(self, key: str, future: Future[StepOutcome]) -> StepOutcome:
        try:
            outcome = future.result()
        except BaseException as exc:  # the pool itself failed (worker died, unpicklable input, ...)
            error = f"step '{key}' could not run in the executor: {type(exc).__name__}: {exc}"
            data = StepFailedPayload(
                error=error,
                traceback="".join(traceback.format_exception(exc)),
                asset_keys=self.plan.steps[key].asset_keys,
            ).to_data()
            return StepOutcome(
                step_key=key, events=[self._event(EventType.STEP_FAILED, key, data)], logs="", failed=True
            )
        return self.on_outcome(outcome) if self.on_outcome is not None else outcome

    def _started(self, key: str) -> Event:
        attempt = self._attempts.get(key)
        return self._event(EventType.STEP_STARTED, key, StepStarted(attempt=attempt).to_data())

    def _event(self, kind: EventType, key: str, data: dict[str, Any] | None = None) -> Event:
        """An event of step ``key`` with ``data`` (a payload's ``to_data()``)."""
        partition = self.spec.partition if self.plan.steps[key].partitioned else None
        return Event(run_id=self.spec.run_id, type=kind, step_key=key, partition=partition, data=data or {})

    def _skip(self, batch: Batch, key: str, reason: str) -> None:
        self.skipped.append(key)
        skipped = StepSkipped(reason=reason, asset_keys=self.plan.steps[key].asset_keys)
        batch.events.append(self._event(EventType.STEP_SKIPPED, key, skipped.to_data()))
        if self.publisher is not None:  # its publish group cannot be whole any more
            self._settle(batch, self.publisher.failed(key, self.plan.steps[key].asset_keys, "was skipped"), {})

    def _skip_all(self, batch: Batch, reason: str) -> None:
        for key, pool in self._parked:
            self._skip(batch, key, f"{reason} while the step waited for a slot of pool '{pool}'")
        pending = [*reversed(self._ready), *(key for _, key in sorted(self._delayed)), *self._waiting]
        for key in pending:
            self._skip(batch, key, reason)
        self._parked.clear()
        self._full.clear()
        self._ready.clear()
        self._delayed.clear()
        self._waiting.clear()


def _once(release: Release) -> Release:
    """``release`` made safe to call from the loop and from the pool's completion callback: it runs once."""
    lock = threading.Lock()

    def run() -> None:
        if lock.acquire(blocking=False):
            release()

    return run
