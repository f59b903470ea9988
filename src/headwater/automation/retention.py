"""Apply ``[retention]`` limits at a point in time: old finished runs and old ticks are deleted in
batches (each asset's latest events are kept; see ``headwater.storage.retention``)."""

from __future__ import annotations

from headwater.automation.config import RetentionConfig
from headwater.storage import Storage
from headwater.storage.retention import PruneResult, RetentionStore

DAY = 86_400.0


def prune(storage: Storage, limits: RetentionConfig, now: float) -> PruneResult:
    """Delete what ``limits`` no longer keeps at ``now``; returns what was deleted."""
    store = RetentionStore(storage)
    result = PruneResult()
    runs_before = now - limits.runs_days * DAY if limits.runs_days is not None else None
    ticks_before = now - limits.ticks_days * DAY if limits.ticks_days is not None else None
    store.prune_runs(before=runs_before, keep=limits.keep_runs, batch_size=limits.batch_size, into=result)
    store.prune_ticks(before=ticks_before, keep=limits.keep_ticks, batch_size=limits.batch_size, into=result)
    return result
