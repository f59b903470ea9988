"""The instance's core: its storage, where asset values live and its configuration, with everything
that needs no step execution (selection, the run queue, cancel, dynamic partitions, status, lineage
and history). ``Instance`` adds running; the web process holds only an ``InstanceCore``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Self

from headwater.definitions import Definitions
from headwater.errors import SelectionError
from headwater.events import EventType, RunRecord, StepFailedPayload
from headwater.graph import AssetGraph
from headwater.graph.plan import Plan, plan
from headwater.graph.selection import select
from headwater.instance.config import InstanceConfig, load_config
from headwater.instance.staged import find_held, settle
from headwater.io import FilesystemIOManager, InMemoryIOManager, IOManager
from headwater.keys import AssetKey, CoercibleToKey, to_key
from headwater.state.history import CheckEvaluation, MetadataPoint, check_history, metadata_history
from headwater.state.lineage import Why, explain
from headwater.state.staged import HeldValue, held_values
from headwater.state.status import AssetStatus
from headwater.storage import Storage

_GRAPHS_KEPT = 4
"""How many definitions' graphs an instance keeps: a process rarely holds more than one or two."""


class InstanceCore:
    """Storage for runs and events, plus where asset values live: everything but running steps."""

    def __init__(self, storage: Storage, io_manager: IOManager, *, config: InstanceConfig | None = None) -> None:
        self.storage = storage
        self.io_manager = io_manager
        self.config = config
        # The graphs of the definitions this instance was given lately: most callers pass the same
        # Definitions to every call, and building a graph costs a thousand times a plan. Keyed by
        # identity with the Definitions kept alive, so an id is never reused while its entry lives.
        self._graphs: dict[int, tuple[Definitions, AssetGraph]] = {}

    def close(self) -> None:
        """Release the database."""
        self.storage.close()

    @classmethod
    def ephemeral(cls) -> Self:
        """An instance in memory: nothing is written to disk."""
        return cls(Storage.in_memory(), InMemoryIOManager())

    @classmethod
    def from_config(cls, config: InstanceConfig, *, migrate: bool = False) -> Self:
        """An instance for ``config`` (creating the SQLite folder when needed)."""
        url = config.storage_url
        if url.startswith("sqlite:///"):
            Path(config.home).mkdir(parents=True, exist_ok=True)
        return cls(Storage.open(url, migrate=migrate), FilesystemIOManager(config.io_dir), config=config)

    @classmethod
    def get(cls, project_dir: str | os.PathLike[str] | None = None, *, migrate: bool = False) -> Self:
        """The instance configured for a project folder (default: the current directory)."""
        return cls.from_config(load_config(project_dir), migrate=migrate)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def graph_for(self, defs: Definitions) -> AssetGraph:
        """The validated graph of ``defs``, built once per Definitions object while it is in use."""
        entry = self._graphs.get(id(defs))
        if entry is not None and entry[0] is defs:
            return entry[1]
        graph = AssetGraph.from_definitions(defs)
        if len(self._graphs) >= _GRAPHS_KEPT:
            del self._graphs[next(iter(self._graphs))]  # the oldest
        self._graphs[id(defs)] = (defs, graph)
        return graph

    def plan(self, defs: Definitions, select_text: str | None = None) -> Plan:
        """The plan for a selection of ``defs``."""
        graph = self.graph_for(defs)
        return plan(graph, self.select(defs, select_text))

    def select(self, defs: Definitions, select_text: str | None = None) -> frozenset[AssetKey]:
        """The keys of ``defs`` selected by ``select_text`` (``status:`` and ``changed:`` included)."""
        graph = self.graph_for(defs)
        return select(graph, select_text, predicates=AssetStatus(self.storage, graph).predicates())

    def _check_inputs(self, defs: Definitions, the_plan: Plan, partition: str | None) -> None:
        graph = self.graph_for(defs)
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

    def cancel_run(self, run_id: str) -> None:
        """Ask a run to stop: its process sees the request within a second and skips what is left."""
        from headwater.events import Event, RunEnded, RunStatus
        from headwater.storage.run_queue import RunQueueStore

        RunQueueStore(self.storage).request_cancel(run_id)
        run = self.storage.get_run(run_id)
        if run is not None and run.status is RunStatus.QUEUED:  # not started: nothing will poll the request
            self.storage.store_events(
                [Event(run_id=run_id, type=EventType.RUN_CANCELED, data=RunEnded(error="canceled").to_data())]
            )

    def add_dynamic_partitions(self, name: str, keys: Sequence[str]) -> list[str]:
        """Add keys to the ``hw.DynamicPartitions(name)`` set; returns the keys that were new."""
        from headwater.definitions.partitions import check_partition_key

        checked = [check_partition_key(k, f"dynamic partitions '{name}'") for k in keys]
        return self.storage.add_dynamic_partitions(name, checked)

    def delete_dynamic_partitions(self, name: str, keys: Sequence[str]) -> list[str]:
        """Remove keys from the ``hw.DynamicPartitions(name)`` set; returns the keys that were present."""
        return self.storage.delete_dynamic_partitions(name, list(keys))

    def latest_materializations(self, keys: Iterable[AssetKey] | None = None) -> dict[AssetKey, Any]:
        """Latest materialization event record per asset key (of any partition for partitioned assets)."""
        return self.storage.latest_of_any_partition("materialization", list(keys) if keys is not None else None)

    def run_events(self, run_id: str) -> list[Any]:
        """All events of a run."""
        return self.storage.get_events(run_id)

    def failed_step_errors(self, run_id: str) -> list[str]:
        """Error messages of a run's failed steps."""
        failed = self.storage.get_events(run_id, types=[EventType.STEP_FAILED])
        return [StepFailedPayload.from_data(r.event.data).error for r in failed]

    def status(self, defs: Definitions, partition: str | None = None) -> AssetStatus:
        """Fresh, stale or missing, with reasons, for every asset of ``defs`` (``.states``, ``.state(key)``)."""
        return AssetStatus(self.storage, self.graph_for(defs), partition)

    def staged(self, defs: Definitions, key: CoercibleToKey | None = None) -> list[HeldValue]:
        """The values held back by their checks (of ``key``, or of every asset published after checks)."""
        graph = self.graph_for(defs)
        keys = [graph.node(to_key(key)).key] if key is not None else graph.sort(graph.publishing.after_checks)
        return held_values(self.storage, keys)

    def settle_staged(
        self,
        defs: Definitions,
        key: CoercibleToKey,
        *,
        publish: bool,
        run_id: str | None = None,
        partition: str | None = None,
        reason: str | None = None,
        by: str | None = None,
    ) -> HeldValue:
        """Publish a held-back value of ``key`` anyway (``publish=True``) or discard it; returns it."""
        graph = self.graph_for(defs)
        asset = graph.node(to_key(key)).key
        held = find_held(self.storage, asset, run_id=run_id, partition=partition)

        def io_for(k: AssetKey) -> IOManager:
            manager = defs.io_managers.get(graph.nodes[k].spec.io_manager, self.io_manager)
            return manager if isinstance(manager, IOManager) else self.io_manager

        settle(self.storage, io_for, held, publish=publish, reason=reason, by=by)
        return held

    def why(self, defs: Definitions, key: CoercibleToKey, depth: int = 3) -> Why:
        """Why ``key`` has its current value: the run that made it and the inputs it consumed, ``depth`` levels up."""
        graph = self.graph_for(defs)
        return explain(self.storage, graph, graph.node(to_key(key)).key, depth)

    def metadata_history(self, key: CoercibleToKey, name: str, *, limit: int = 100) -> list[MetadataPoint]:
        """Numeric values of metadata ``name`` over ``key``'s last ``limit`` materializations, oldest first."""
        return metadata_history(self.storage, to_key(key), name, limit=limit)

    def check_history(self, key: CoercibleToKey, check: str | None = None, *, limit: int = 50) -> list[CheckEvaluation]:
        """Evaluations of ``key``'s checks (or of the check named ``check``), newest first."""
        return check_history(self.storage, to_key(key), check, limit=limit)
