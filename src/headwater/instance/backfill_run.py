"""Running a stored backfill in this process: up to N runs at once in threads, each as soon as the
runs it depends on have succeeded. (``headwater backfill --queue`` hands a backfill to the daemon
instead: see ``backfill_queue``.)
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from headwater.definitions import Definitions
from headwater.errors import HeadwaterError, SelectionError
from headwater.events import BackfillUnitState
from headwater.execution import capture
from headwater.graph.backfill_plan import BackfillUnit
from headwater.instance.backfill import (
    BACKFILL_TAG,
    DRIVER,
    OnProgress,
    Tracker,
    concurrency_limit,
    driven_by_daemon,
    get_backfill,
    replan,
    settle_queued,
)
from headwater.storage.backfills import BackfillRecord, BackfillStatus

if TYPE_CHECKING:
    from headwater.instance.instance import Instance


def run_backfill(
    instance: Instance,
    defs: Definitions,
    backfill_id: str,
    *,
    executor: Any = None,
    on_progress: OnProgress | None = None,
    max_concurrent: int = 1,
) -> BackfillRecord:
    """Run (or resume) a stored backfill until it ends or is canceled; returns its final record.

    Up to ``max_concurrent`` runs (capped by ``[runs] max_concurrent``) go at once, in threads of
    this process, each as soon as the runs it depends on have succeeded; a run whose upstream
    failed is skipped.
    """
    limit = concurrency_limit(instance, max_concurrent)
    record = get_backfill(instance, backfill_id)
    if record.status is BackfillStatus.SUCCEEDED:
        return record
    the_plan = replan(instance, defs, record)
    storage = instance.storage
    bid = record.backfill_id
    queued = settle_queued(storage, bid)
    if queued:
        raise SelectionError(
            f"backfill {bid[:8]} has {len(queued)} run(s) still in the run queue; follow them with "
            f"`headwater backfill resume {bid[:8]} --queue`, or cancel the backfill first"
        )
    if driven_by_daemon(record):
        if not record.status.finished:
            raise SelectionError(
                f"backfill {bid[:8]} is run by `headwater daemon`; follow it with `headwater backfill resume "
                f"{bid[:8]} --queue`, or cancel it (`headwater backfill cancel {bid[:8]}`) before running the rest here"
            )
        storage.update_backfill(bid, request={k: v for k, v in record.request.items() if k != DRIVER})
    storage.update_backfill(bid, status=BackfillStatus.RUNNING, error=None)
    tracker = Tracker(storage, record, the_plan, on_progress)

    def launch(unit: BackfillUnit) -> tuple[BackfillUnitState, str | None]:
        group = the_plan.groups[unit.group]
        try:
            result = instance.materialize(
                defs,
                " ".join(k.to_string() for k in group.keys),
                partition=unit.partitions[0] if len(unit.partitions) == 1 else None,
                partition_keys=unit.partitions if len(unit.partitions) > 1 else None,
                tags={BACKFILL_TAG: bid},
                executor=executor,
            )
        except HeadwaterError as exc:
            storage.update_backfill(bid, error=f"{unit.label or 'unpartitioned'}: {exc}")
            return BackfillUnitState.FAILED, None
        return (BackfillUnitState.SUCCEEDED if result.success else BackfillUnitState.FAILED), result.run_id

    running: dict[Future[tuple[BackfillUnitState, str | None]], BackfillUnit] = {}
    with ThreadPoolExecutor(max_workers=limit) as pool, capture.routed():
        while tracker.ready or running:
            while len(running) < limit and (unit := tracker.next_ready()) is not None:
                if limit == 1:
                    tracker.decide(unit, *launch(unit))  # no thread hop for the common sequential case
                else:
                    running[pool.submit(launch, unit)] = unit
            if running:
                for future in wait(running, return_when=FIRST_COMPLETED).done:
                    tracker.decide(running.pop(future), *future.result())
    tracker.finish()
    return get_backfill(instance, bid)
