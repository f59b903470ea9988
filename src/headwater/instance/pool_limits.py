"""Per-pool step limits: a step of an asset with ``pool="name"`` takes a slot of that pool in the
event log before it starts and gives it back when it ends, so at most ``[runs.pools] name = N``
such steps run at once across every run and process sharing the event log.

The wrapper blocks the run's scheduling loop while the pool is full: simple, and it cannot deadlock,
because slots are given back when steps end (from the pool's completion callback), not by the loop.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import Future

from headwater.errors import RunFailed
from headwater.execution.pools import StepPool
from headwater.execution.step import RunSpec, StepOutcome
from headwater.graph import AssetGraph
from headwater.storage import Storage
from headwater.storage.pool_slots import PoolSlotStore
from headwater.storage.run_queue import RunQueueStore

POLL_START = 0.02
POLL_MAX = 0.5


class PoolLimitedPool(StepPool):
    """Wraps a run's pool: steps of limited pools wait for a free slot before they are submitted."""

    def __init__(self, inner: StepPool, limits: Mapping[str, tuple[str, int]], store: PoolSlotStore) -> None:
        self.inner = inner
        self.max_workers = inner.max_workers
        self.limits = limits  # op name -> (pool, limit)
        self.store = store

    @classmethod
    def wrap(cls, inner: StepPool, graph: AssetGraph, storage: Storage, pools: Mapping[str, int]) -> StepPool:
        """``inner`` limited by ``pools`` (pool name -> steps at once); unchanged when no op is limited."""
        limits = {
            name: (op.pool, pools[op.pool])
            for name, op in graph.ops.items()
            if op.pool is not None and op.pool in pools
        }
        return cls(inner, limits, PoolSlotStore(storage)) if limits else inner

    def submit(self, op_name: str, spec: RunSpec) -> Future[StepOutcome]:
        limit = self.limits.get(op_name)
        if limit is None:
            return self.inner.submit(op_name, spec)
        slot = self._acquire(*limit, run_id=spec.run_id, step_key=op_name)
        try:
            future = self.inner.submit(op_name, spec)
        except BaseException:
            self.store.release(slot)
            raise
        future.add_done_callback(lambda _: self.store.release(slot))
        return future

    def _acquire(self, pool: str, limit: int, *, run_id: str, step_key: str) -> int:
        wait = POLL_START
        while True:
            slot = self.store.try_acquire(pool, limit, run_id=run_id, step_key=step_key)
            if slot is not None:
                return slot
            if wait >= POLL_MAX and RunQueueStore(self.store.storage).cancel_requested(run_id):
                raise RunFailed(
                    f"the run was canceled while step '{step_key}' waited for a slot of pool '{pool}' "
                    f"({limit} at once, set by [runs.pools] in headwater.toml)"
                )
            time.sleep(wait)
            wait = min(wait * 2, POLL_MAX)

    def close(self) -> None:
        self.inner.close()
