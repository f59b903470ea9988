"""``hw.Instance``: the composition root joining configuration, storage, IO and executors.

It plans and runs materializations for user definitions and answers questions
about runs and assets by querying storage.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from headwater.definitions import DaskExecutor, Definitions, MultiprocessExecutor
from headwater.errors import ConfigError, SelectionError
from headwater.events import EventType, RunRecord
from headwater.execution.env import build_env, teardown_resources
from headwater.execution.pools import InProcessPool, MultiprocessPool, StepPool, multiprocess_pool
from headwater.execution.step import RunSpec, validate_config
from headwater.graph import AssetGraph
from headwater.graph.plan import Plan, plan
from headwater.graph.selection import select
from headwater.instance.check_run import check_run
from headwater.instance.config import InstanceConfig, load_config
from headwater.instance.observe import observe, report
from headwater.instance.partitioned import prepare
from headwater.instance.pool_limits import PoolSlots
from headwater.instance.provenance import ProvenancePool
from headwater.instance.result import RunResult
from headwater.instance.run import OnBatch, execute_run
from headwater.io import FilesystemIOManager, InMemoryIOManager, IOManager
from headwater.keys import AssetKey, CoercibleToKey, to_key
from headwater.state.history import CheckEvaluation, MetadataPoint, check_history, metadata_history
from headwater.state.lineage import Why, explain
from headwater.state.status import AssetStatus
from headwater.storage import Storage


class Instance:
    """Storage for runs and events, plus where asset values live.

    Build one with ``Instance.get()`` (project configuration), ``Instance.from_config``
    or ``Instance.ephemeral()`` (in memory, for tests).
    """

    def __init__(self, storage: Storage, io_manager: IOManager, *, config: InstanceConfig | None = None) -> None:
        self.storage = storage
        self.io_manager = io_manager
        self.config = config
        self._pools: dict[tuple[Any, ...], MultiprocessPool] = {}

    @classmethod
    def ephemeral(cls) -> Instance:
        """An instance in memory: nothing is written to disk."""
        return cls(Storage.in_memory(), InMemoryIOManager())

    @classmethod
    def from_config(cls, config: InstanceConfig, *, migrate: bool = False) -> Instance:
        """An instance for ``config`` (creating the SQLite folder when needed)."""
        url = config.storage_url
        if url.startswith("sqlite:///"):
            Path(config.home).mkdir(parents=True, exist_ok=True)
        return cls(Storage.open(url, migrate=migrate), FilesystemIOManager(config.io_dir), config=config)

    @classmethod
    def get(cls, project_dir: str | os.PathLike[str] | None = None, *, migrate: bool = False) -> Instance:
        """The instance configured for a project folder (default: the current directory)."""
        return cls.from_config(load_config(project_dir), migrate=migrate)

    def close(self) -> None:
        """Stop worker pools and release the database."""
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        self.storage.close()

    def __enter__(self) -> Instance:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # planning -----------------------------------------------------------------------------------

    def plan(self, defs: Definitions, select_text: str | None = None) -> Plan:
        """The plan for a selection of ``defs``."""
        graph = AssetGraph.from_definitions(defs)
        return plan(graph, self.select(defs, select_text))

    def select(self, defs: Definitions, select_text: str | None = None) -> frozenset[AssetKey]:
        """The keys of ``defs`` selected by ``select_text`` (``status:`` and ``changed:`` included)."""
        graph = AssetGraph.from_definitions(defs)
        return select(graph, select_text, predicates=AssetStatus(self.storage, graph).predicates())

    def _check_inputs(self, defs: Definitions, the_plan: Plan, partition: str | None) -> None:
        graph = AssetGraph.from_definitions(defs)
        missing: dict[AssetKey, list[str]] = {}
        for key in sorted(the_plan.external_inputs):
            if graph.nodes[key].spec.is_source:
                continue
            manager = defs.io_managers.get(graph.nodes[key].spec.io_manager, self.io_manager)
            if isinstance(manager, IOManager) and not manager.exists(key, partition):
                missing[key] = sorted(s.key for s in the_plan.steps.values() if key in s.external_inputs)
        if missing:
            lines = "; ".join(f"'{key}' (needed by {', '.join(steps)})" for key, steps in missing.items())
            first = next(iter(missing.values()))[0]
            raise SelectionError(
                f"{len(missing)} upstream asset(s) outside the selection have no stored value: {lines}; "
                f"add them to the selection (e.g. --select '+{first}') or materialize them first"
            )

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
        return InProcessPool(build_env(defs, self.io_manager)), True

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
    ) -> RunResult:
        """Materialize the selected assets of ``defs`` in a new run and wait for it.

        ``partition`` runs one partition; ``partition_keys`` runs a range of them at once.
        Unpartitioned assets in the selection run unpartitioned. ``run_id`` executes that queued run.
        """
        the_plan = self.plan(defs, select)
        run_config = _normalise_config(config)
        graph = AssetGraph.from_definitions(defs)
        unknown = sorted(set(run_config) - set(graph.ops))
        if unknown:
            raise ConfigError(
                f"run config names {', '.join(unknown)}, which is not an asset computed in these "
                f"definitions; config keys are asset keys such as {next(iter(graph.ops), 'orders')!r}"
            )
        for step in the_plan.steps.values():
            validate_config(step.op, run_config)
        io_for = lambda key: _io_for(defs, graph, key, self.io_manager)  # noqa: E731
        partitioned = prepare(self.storage, graph, the_plan, partition, partition_keys, io_for)
        if partitioned is None:
            self._check_inputs(defs, the_plan, partition)
        else:
            partition = partitioned.label
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
        spec = RunSpec(run_id=run.run_id, partition=partition, config=run_config)
        if partitioned is not None:
            spec = replace(
                spec,
                partition=partitioned.partition,
                partition_keys=partitioned.partition_keys,
                inputs=partitioned.inputs,
            )
        try:
            stamped = ProvenancePool.for_run(pool, graph, self.storage, the_plan.asset_keys, partition)
            pools = self.config.runs.pools if self.config is not None else {}
            slots = PoolSlots.for_run(graph, self.storage, pools, run.run_id)
            events = execute_run(self.storage, run, the_plan, stamped, spec, on_batch=on_batch, slots=slots)
        finally:
            if owned and isinstance(pool, InProcessPool):
                teardown_resources(pool.env.resources)
            elif owned:
                pool.close()
        final = self.storage.get_run(run.run_id) or run
        io_by_key = {key: _io_for(defs, graph, key, self.io_manager) for key in the_plan.asset_keys}
        return RunResult(run=final, events=tuple(events), io_managers=io_by_key)

    def submit_run(
        self,
        defs: Definitions,
        select: str | None = None,
        *,
        partition: str | None = None,
        config: Mapping[str, Mapping[str, Any]] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> RunRecord:
        """Queue a run for the daemon to launch (under the ``[runs]`` limits); returns it at once."""
        from headwater.instance.queue import submit_run

        return submit_run(self, defs, select, partition=partition, config=config, tags=tags)

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

    def cancel_run(self, run_id: str) -> None:
        """Ask a run to stop: its process sees the request within a second and skips what is left."""
        from headwater.events import Event, RunStatus
        from headwater.storage.run_queue import RunQueueStore

        RunQueueStore(self.storage).request_cancel(run_id)
        run = self.storage.get_run(run_id)
        if run is not None and run.status is RunStatus.QUEUED:  # not started: nothing will poll the request
            self.storage.store_events([Event(run_id=run_id, type=EventType.RUN_CANCELED, data={"error": "canceled"})])

    # queries ------------------------------------------------------------------------------------

    def add_dynamic_partitions(self, name: str, keys: Sequence[str]) -> list[str]:
        """Add keys to the ``hw.DynamicPartitions(name)`` set; returns the keys that were new."""
        from headwater.definitions.partitions import check_partition_key

        checked = [check_partition_key(k, f"dynamic partitions '{name}'") for k in keys]
        return self.storage.add_dynamic_partitions(name, checked)

    def delete_dynamic_partitions(self, name: str, keys: Sequence[str]) -> list[str]:
        """Remove keys from the ``hw.DynamicPartitions(name)`` set; returns the keys that were present."""
        return self.storage.delete_dynamic_partitions(name, list(keys))

    def latest_materializations(self, keys: Iterable[AssetKey] | None = None) -> dict[AssetKey, Any]:
        """Latest materialization event record per asset key."""
        return self.storage.latest("materialization", list(keys) if keys is not None else None)

    def run_events(self, run_id: str) -> list[Any]:
        """All events of a run."""
        return self.storage.get_events(run_id)

    def failed_step_errors(self, run_id: str) -> list[str]:
        """Error messages of a run's failed steps."""
        return [str(r.event.data.get("error")) for r in self.storage.get_events(run_id, types=[EventType.STEP_FAILED])]

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
        """Record a materialization (or observation) made outside Headwater, so lineage and staleness include it."""
        return report(
            self,
            key,
            data_version=data_version,
            metadata=metadata,
            partition=partition,
            observation=observation,
            defs=defs,
        )

    def status(self, defs: Definitions, partition: str | None = None) -> AssetStatus:
        """Fresh, stale or missing, with reasons, for every asset of ``defs`` (``.states``, ``.state(key)``)."""
        return AssetStatus(self.storage, AssetGraph.from_definitions(defs), partition)

    def why(self, defs: Definitions, key: CoercibleToKey, depth: int = 3) -> Why:
        """Why ``key`` has its current value: the run that made it and the inputs it consumed, ``depth`` levels up."""
        graph = AssetGraph.from_definitions(defs)
        return explain(self.storage, graph, graph.node(to_key(key)).key, depth)

    def metadata_history(self, key: CoercibleToKey, name: str, *, limit: int = 100) -> list[MetadataPoint]:
        """Numeric values of metadata ``name`` over ``key``'s last ``limit`` materializations, oldest first."""
        return metadata_history(self.storage, to_key(key), name, limit=limit)

    def check_history(self, key: CoercibleToKey, check: str | None = None, *, limit: int = 50) -> list[CheckEvaluation]:
        """Evaluations of ``key``'s checks (or of the check named ``check``), newest first."""
        return check_history(self.storage, to_key(key), check, limit=limit)


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
