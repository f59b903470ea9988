"""``hw.Instance``: the composition root joining configuration, storage, IO and executors.

It plans and runs materializations for user definitions and answers questions
about runs and assets by querying storage.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from headwater.definitions import DaskExecutor, Definitions, MultiprocessExecutor
from headwater.errors import ConfigError
from headwater.events import RunRecord
from headwater.execution.env import build_env, teardown_resources
from headwater.execution.pools import InProcessPool, MultiprocessPool, StepPool, multiprocess_pool
from headwater.execution.publish import check_staging
from headwater.execution.recording import json_safe
from headwater.execution.run_driver import OnBatch, PublishTarget, execute_run
from headwater.execution.step import RunSpec, validate_config
from headwater.graph import AssetGraph
from headwater.instance.check_run import check_run
from headwater.instance.config import InstanceConfig
from headwater.instance.core import InstanceCore
from headwater.instance.memo import Memo, memoized_keys
from headwater.instance.observe import observe
from headwater.instance.partitioned import prepare
from headwater.instance.pool_limits import PoolSlots
from headwater.instance.provenance import Provenance
from headwater.instance.reporting import record_report
from headwater.instance.result import RunResult
from headwater.io import IOManager
from headwater.keys import AssetKey, CoercibleToKey
from headwater.storage import Storage


class Instance(InstanceCore):
    """Storage for runs and events, plus where asset values live, and the runs that write them.

    Build one with ``Instance.get()`` (project configuration), ``Instance.from_config``
    or ``Instance.ephemeral()`` (in memory, for tests).
    """

    def __init__(self, storage: Storage, io_manager: IOManager, *, config: InstanceConfig | None = None) -> None:
        super().__init__(storage, io_manager, config=config)
        self._pools: dict[tuple[Any, ...], MultiprocessPool] = {}

    def close(self) -> None:
        """Stop worker pools and release the database."""
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        self.storage.close()

    # planning -----------------------------------------------------------------------------------

    def _pool(self, defs: Definitions, executor: Any) -> tuple[StepPool, bool]:
        configured = self.config.executor if self.config is not None else None
        spec = executor if executor is not None else (configured and configured.spec()) or defs.executor
        if isinstance(spec, DaskExecutor):
            from headwater.execution.dask_pool import dask_pool

            if spec.address is None and configured is not None and configured.dask_address:
                spec = replace(spec, address=configured.dask_address)
            return dask_pool(defs, spec, self.io_manager), True  # a local cluster lives for one run
        if isinstance(spec, MultiprocessExecutor):
            location = defs.location
            key = (location, spec.max_workers)
            pool = self._pools.get(key)
            if pool is None:
                pool = multiprocess_pool(defs, spec, self.io_manager)
                self._pools[key] = pool
            return pool, False
        return InProcessPool(build_env(defs, self.io_manager, self.graph_for(defs))), True

    # running ------------------------------------------------------------------------------------

    def materialize(
        self,
        defs: Definitions,
        select: str | None = None,
        *,
        partition: str | None = None,
        config: Mapping[str, Mapping[str, Any]] | None = None,
        tags: Mapping[str, str] | None = None,
        executor: Any = None,
        on_batch: OnBatch | None = None,
        partition_keys: Sequence[str] | None = None,
        run_id: str | None = None,
        parent_run_id: str | None = None,
        memoize: bool | None = None,
    ) -> RunResult:
        """Materialize the selected assets of ``defs`` in a new run and wait for it.

        ``partition`` runs one partition; ``partition_keys`` runs a range of them at once.
        Unpartitioned assets in the selection run unpartitioned. ``run_id`` executes that queued run.
        ``memoize=True`` reuses unchanged values of every asset with a code version (unless the asset
        says ``memoize=False``), ``False`` runs everything, None follows the assets and ``defs``.
        """
        the_plan = self.plan(defs, select)
        run_config = _normalise_config(config)
        graph = self.graph_for(defs)
        unknown = sorted(set(run_config) - set(graph.ops))
        if unknown:
            raise ConfigError(
                f"run config names {', '.join(unknown)}, which is not an asset computed in these "
                f"definitions; config keys are asset keys such as {next(iter(graph.ops), 'orders')!r}"
            )
        for step in the_plan.steps.values():
            if step.op is not None:
                validate_config(step.op, run_config)
        io_for = lambda key: _io_for(defs, graph, key, self.io_manager)  # noqa: E731
        check_staging(graph, the_plan, io_for)
        partitioned = prepare(self.storage, graph, the_plan, partition, partition_keys, io_for)
        if partitioned is None:
            self._check_inputs(defs, the_plan, partition)
        else:
            partition = partitioned.label
        # A range of partitions runs as one step per asset: reusing it is a later slice.
        ranged = partitioned is not None and partitioned.partition_keys is not None
        memoized = memoized_keys(graph, the_plan.asset_keys, defs.memoize, memoize, io_for) if not ranged else set()
        run = RunRecord(
            run_id=run_id or uuid.uuid4().hex,
            selection=select or "*",
            asset_keys=the_plan.asset_keys,
            partition=partition,
            tags=dict(tags or {}),
            config=run_config,
            parent_run_id=parent_run_id,
        )
        pool, owned = self._pool(defs, executor)
        if run_id is None or self.storage.get_run(run_id) is None:
            self.storage.add_run(run)
        if partitioned is not None:
            partitioned.log_notes(self.storage, run.run_id)
        spec = RunSpec(run_id=run.run_id, partition=partition, config=run_config)
        if partitioned is not None:
            spec = replace(
                spec,
                partition=partitioned.partition,
                partition_keys=partitioned.partition_keys,
                inputs=partitioned.inputs,
            )
        try:
            reads = partitioned.reads if partitioned is not None else None
            provenance = Provenance.for_run(graph, self.storage, the_plan.asset_keys, partition, reads)
            pools = self.config.runs.pools if self.config is not None else {}
            slots = PoolSlots.for_run(graph, self.storage, pools, run.run_id)
            memo = Memo.for_run(
                graph, self.storage, the_plan, provenance, memoized, run_id=run.run_id, partition=spec.partition
            )
            events = execute_run(
                self.storage,
                run,
                the_plan,
                pool,
                spec,
                on_batch=on_batch,
                slots=slots,
                on_outcome=provenance.stamp,
                recorded_for=provenance.recorded_for,
                reuse=memo.reuse if memo is not None else None,
                publish=PublishTarget(graph=graph, io_for=io_for),
            )
        finally:
            if owned and isinstance(pool, InProcessPool):
                teardown_resources(pool.env.resources)
            elif owned:
                pool.close()
        final = self.storage.get_run(run.run_id) or run
        io_by_key = {key: _io_for(defs, graph, key, self.io_manager) for key in the_plan.asset_keys}
        return RunResult(run=final, events=tuple(events), io_managers=io_by_key)

    def reexecute(
        self,
        defs: Definitions,
        run_id: str,
        *,
        from_failure: bool = True,
        tags: Mapping[str, str] | None = None,
        executor: Any = None,
        on_batch: OnBatch | None = None,
    ) -> RunResult:
        """Run ``run_id`` again as a new run: from failure (what it did not complete) or all of it."""
        from headwater.instance.reexecute import reexecute

        return reexecute(self, defs, run_id, from_failure=from_failure, tags=tags, executor=executor, on_batch=on_batch)

    # queries ------------------------------------------------------------------------------------

    def run_checks(
        self,
        defs: Definitions,
        select: str | None = None,
        *,
        partition: str | None = None,
        names: Sequence[str] | None = None,
    ) -> RunResult:
        """Evaluate the checks of the selected assets against their stored values, in a run of their own."""
        return check_run(self, defs, select, partition=partition, names=names)

    def observe(self, defs: Definitions, select: str | None = None) -> RunResult:
        """Call the ``observe=`` functions of the selected source assets and record their data versions."""
        return observe(self, defs, select)

    def report(
        self,
        key: CoercibleToKey,
        *,
        data_version: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        partition: str | None = None,
        observation: bool = False,
        defs: Definitions | None = None,
    ) -> RunResult:
        """Record a materialization (or observation) made outside Headwater, so lineage and staleness
        include it: a run of kind ``report`` (``headwater.instance.reporting``). With ``defs``, the key
        and partition are checked against the graph and a materialization records the current data
        versions of its upstream assets as its inputs."""
        run, events = record_report(
            self,
            key,
            data_version=data_version,
            metadata=json_safe(metadata) if metadata else None,
            partition=partition,
            observation=observation,
            defs=defs,
        )
        return RunResult(run=run, events=tuple(events), io_managers={})


def _io_for(defs: Definitions, graph: AssetGraph, key: AssetKey, default: IOManager) -> IOManager:
    manager = defs.io_managers.get(graph.nodes[key].spec.io_manager)
    return manager if isinstance(manager, IOManager) else default


def _normalise_config(config: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    if not config:
        return {}
    if not isinstance(config, Mapping):
        raise ConfigError("run config must be a mapping of asset key -> settings")
    out: dict[str, dict[str, Any]] = {}
    for key, value in config.items():
        if not isinstance(value, Mapping):
            raise ConfigError(f"run config for '{key}' must be a mapping of field -> value, got {type(value).__name__}")
        out[AssetKey.parse(key).to_string()] = dict(value)
    return out
