"""Backfills through the run queue: each run is queued for the daemon, which launches it under the
``[runs]`` limits (``max_concurrent``, tag limits such as ``headwater/backfill``), once the runs it
depends on have succeeded.

The submitting process follows the queued runs into the backfill's progress and status; a canceled
backfill cancels its runs that have not started. Runs still queued when that process stops are
followed again by ``headwater backfill resume --queue``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Final

from headwater.definitions import Definitions
from headwater.instance.backfill import (
    BACKFILL_TAG,
    QUEUED,
    OnProgress,
    Tracker,
    cancel_queued_runs,
    get_backfill,
    replan,
    run_outcome,
    settle_queued,
)
from headwater.storage.backfills import BackfillRecord, BackfillRun, BackfillStatus

if TYPE_CHECKING:
    from headwater.instance.instance import Instance

_FLUSH: Final = 100
"""Queued runs recorded on the backfill per transaction (a stopped process leaves at most this many unrecorded)."""


class QueuedBackfill:
    """One pass over a stored backfill whose runs go through the run queue; ``step()`` advances it."""

    def __init__(
        self, instance: Instance, defs: Definitions, backfill_id: str, *, on_progress: OnProgress | None = None
    ) -> None:
        record = get_backfill(instance, backfill_id)
        self.instance = instance
        self.defs = defs
        self.record = record
        self.finished = record.status is BackfillStatus.SUCCEEDED
        if self.finished:
            return
        self.plan = replan(instance, defs, record)
        storage = instance.storage
        storage.update_backfill(record.backfill_id, status=BackfillStatus.RUNNING, error=None)
        self.in_flight = settle_queued(storage, record.backfill_id)
        self.tracker = Tracker(storage, record, self.plan, on_progress, in_flight=frozenset(self.in_flight.values()))

    def step(self) -> bool:
        """Queue the runs that became ready and record those that ended; True once the backfill ended."""
        if self.finished:
            return True
        tracker, storage, bid = self.tracker, self.instance.storage, self.record.backfill_id
        for run_id, (position, _, status) in storage.backfill_run_statuses(bid, QUEUED).items():
            outcome = run_outcome(status)
            if outcome is not None:
                self.in_flight.pop(run_id, None)
                tracker.decide(self.plan.units[position], outcome, run_id)
        if tracker.check_canceled():
            cancel_queued_runs(self.instance, bid)
        submitted: list[BackfillRun] = []
        while (unit := tracker.next_ready(check=False)) is not None:
            group = self.plan.groups[unit.group]
            run = self.instance.submit_run(
                self.defs,
                " ".join(k.to_string() for k in group.keys),
                partition=unit.label,
                tags={BACKFILL_TAG: bid},
            )
            submitted.append(BackfillRun(unit=unit.index, partition=unit.label, run_id=run.run_id, status=QUEUED))
            self.in_flight[run.run_id] = unit.index
            if len(submitted) == _FLUSH:
                storage.record_backfill_runs(bid, submitted)
                submitted = []
        storage.record_backfill_runs(bid, submitted)
        if self.in_flight:
            return False
        tracker.finish()
        self.finished = True
        return True

    def run(self, *, poll: float = 0.5) -> BackfillRecord:
        """Step every ``poll`` seconds until the backfill ends; returns its final record."""
        while not self.step():
            time.sleep(poll)
        return get_backfill(self.instance, self.record.backfill_id)
