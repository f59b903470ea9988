"""Per-pool step limits: a step of an asset with ``pool="name"`` takes a slot of that pool in the
event log before it starts and gives it back when it ends, so at most ``[runs.pools] name = N``
such steps run at once across every run and process sharing the event log.

This is the scheduling loop's slot hook over :class:`PoolSlotStore`; the loop asks it before it
submits a limited step, and while the pool is full the step waits in line and the loop goes on.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from headwater.execution.slots import Release
from headwater.graph import AssetGraph
from headwater.storage import Storage
from headwater.storage.pool_slots import PoolSlotStore


class PoolSlots:
    """The slots of one run's steps in the event log (a :class:`~headwater.execution.slots.StepSlots`)."""

    def __init__(self, store: PoolSlotStore, limits: Mapping[str, tuple[str, int]], run_id: str) -> None:
        self.store = store
        self.limits = limits  # op name -> (pool, limit)
        self.run_id = run_id

    @classmethod
    def for_run(cls, graph: AssetGraph, storage: Storage, pools: Mapping[str, int], run_id: str) -> PoolSlots | None:
        """The slots of run ``run_id`` under ``pools`` (pool name -> steps at once); None when no op is limited."""
        limits = {
            name: (op.pool, pools[op.pool])
            for name, op in graph.ops.items()
            if op.pool is not None and op.pool in pools
        }
        return cls(PoolSlotStore(storage), limits, run_id) if limits else None

    def pool_of(self, step_key: str) -> str | None:
        limit = self.limits.get(step_key)
        return None if limit is None else limit[0]

    def try_acquire(self, step_key: str) -> Release | None:
        pool, limit = self.limits[step_key]
        slot = self.store.try_acquire(pool, limit, run_id=self.run_id, step_key=step_key)
        return None if slot is None else functools.partial(self.store.release, slot)
