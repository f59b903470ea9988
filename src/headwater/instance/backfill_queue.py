"""Backfills through the run queue, driven by the daemon: each run is queued once the runs it
depends on have succeeded, and the daemon launches it under the ``[runs]`` limits
(``max_concurrent``, tag limits such as ``headwater/backfill``).

``hand_to_daemon`` marks a backfill (new, or resumed with ``--queue``) as the daemon's; the daemon,
under its lease only, calls a ``BackfillDriver`` each tick, which steps every such backfill. The
submitting command only follows the stored record (``follow``). A canceled backfill cancels its runs
that have not started; one whose partitions no longer exist ends failed with the reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from headwater.definitions import Definitions
from headwater.errors import HeadwaterError
from headwater.instance.backfill import (
    BACKFILL_TAG,
    DRIVER,
    QUEUED,
    OnProgress,
    Tracker,
    cancel_queued_runs,
    driven_by_daemon,
    get_backfill,
    replan,
    run_outcome,
    settle_queued,
)
from headwater.storage.backfills import BackfillRecord, BackfillRun, BackfillStatus

if TYPE_CHECKING:
    from headwater.instance.core import InstanceCore

_FLUSH: Final = 100
"""Queued runs recorded on the backfill per transaction (a stopped process leaves at most this many unrecorded)."""
log = logging.getLogger(__name__)


class QueuedBackfill:
    """One pass over a stored backfill whose runs go through the run queue; ``step()`` advances it."""

    def __init__(
        self, instance: InstanceCore, defs: Definitions, backfill_id: str, *, on_progress: OnProgress | None = None
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
        if record.status is not BackfillStatus.CANCELING:  # a cancel asked for before this pass still holds
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
        try:
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
        finally:  # runs queued before a failure are recorded, so none is queued twice
            storage.record_backfill_runs(bid, submitted)
        if self.in_flight:
            return False
        tracker.finish()
        self.finished = True
        return True


def hand_to_daemon(
    instance: InstanceCore, defs: Definitions, backfill_id: str, *, check: bool = True
) -> BackfillRecord:
    """Make ``headwater daemon`` the driver of a backfill (new, or resumed: it runs what did not succeed).

    With ``check``, the backfill is first planned against ``defs`` so that partitions or assets
    gone since raise SelectionError here, leaving it as it was. A succeeded backfill is returned as is.
    """
    record = get_backfill(instance, backfill_id)
    if record.status is BackfillStatus.SUCCEEDED:
        return record
    if check:
        replan(instance, defs, record)
    request = {**record.request, DRIVER: "daemon"}
    instance.storage.update_backfill(record.backfill_id, request=request, status=BackfillStatus.REQUESTED, error=None)
    return get_backfill(instance, record.backfill_id)


class BackfillDriver:
    """The daemon's per-tick work on backfills: steps every unfinished backfill handed to the daemon.

    Each backfill's QueuedBackfill is kept between ticks while its stored record changes only by
    this driver's own steps; a record changed by anyone else (a resume, a cancel, another daemon
    that held the lease meanwhile) is planned again from storage, so nothing is queued twice.
    """

    def __init__(self, instance: InstanceCore, defs: Definitions) -> None:
        self.instance = instance
        self.defs = defs
        self._held: dict[str, tuple[QueuedBackfill, float]] = {}
        """Backfill id -> its pass and the ``updated_at`` its record had after that pass's last step."""

    def __call__(self, now: float) -> dict[str, Any] | None:
        """Advance each backfill once; returns what changed (for the tick summary), or None if none is active."""
        storage = self.instance.storage
        active = [r for r in storage.list_backfills(limit=None, unfinished=True) if driven_by_daemon(r)]
        for gone in set(self._held) - {r.backfill_id for r in active}:
            del self._held[gone]
        if not active:
            return None
        ended: dict[str, str] = {}
        errors: dict[str, str] = {}
        for record in active:
            bid = record.backfill_id
            held = self._held.pop(bid, None)
            try:
                backfill = held[0] if held is not None and held[1] == record.updated_at else None
                backfill = backfill or QueuedBackfill(self.instance, self.defs, bid)
                if backfill.step():
                    ended[bid] = get_backfill(self.instance, bid).status.value
                    continue
            except HeadwaterError as exc:  # it no longer plans (e.g. its dynamic partitions were deleted)
                storage.update_backfill(bid, status=BackfillStatus.FAILED, error=str(exc))
                ended[bid] = BackfillStatus.FAILED.value
                errors[bid] = str(exc)
                continue
            except Exception:  # storage busy or down: planned again from storage next tick
                log.exception("advancing backfill %s failed", bid[:8])
                continue
            self._held[bid] = (backfill, get_backfill(self.instance, bid).updated_at)
        return {"active": len(active), "ended": ended, "errors": errors}


def follow(
    instance: InstanceCore,
    backfill_id: str,
    on_poll: Callable[[BackfillRecord], None],
    *,
    poll: float = 0.5,
) -> BackfillRecord:
    """Read a backfill's stored record every ``poll`` seconds, passing it to ``on_poll``, until it
    ends; returns its final record. Advances nothing itself: the daemon does."""
    while True:
        record = get_backfill(instance, backfill_id)
        on_poll(record)
        if record.status.finished:
            return record
        time.sleep(poll)
