"""Re-executing a finished run: all of it again, or from failure (only what did not complete).

A re-execution is a new run whose ``parent_run_id`` names the run it repeats; it keeps that
run's partition (or range) and config. From failure, assets the parent materialized are not
run again: their stored values feed the steps that run. An asset whose blocking check failed
counts as not completed, so it runs again with the downstream its check held back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from headwater.definitions import Definitions
from headwater.definitions.partitions import RANGE_SEPARATOR, parse_partition_selection
from headwater.errors import SelectionError
from headwater.events import EventType, RunRecord
from headwater.graph import AssetGraph
from headwater.graph.reexecution import PARENT_TAG, ROOT_TAG, ReexecutionError, keys_to_rerun, reexecution_tags
from headwater.keys import AssetKey
from headwater.state.partition_status import key_context

__all__ = ["PARENT_TAG", "ROOT_TAG", "Reexecution", "ReexecutionError", "prepare", "reexecute"]

if TYPE_CHECKING:
    from headwater.execution.run_driver import OnBatch
    from headwater.instance.core import InstanceCore
    from headwater.instance.instance import Instance
    from headwater.instance.result import RunResult


@dataclass(frozen=True, kw_only=True)
class Reexecution:
    """What a re-execution runs: the parent run, a selection of its assets, and its partition(s)."""

    parent: RunRecord
    selection: str
    partition: str | None
    partition_keys: tuple[str, ...] | None

    def tags(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The parent's tags (less launch ids) with the parent and root run ids, then ``extra``."""
        return reexecution_tags(self.parent, extra)


def prepare(instance: InstanceCore, defs: Definitions, run_id: str, *, from_failure: bool = True) -> Reexecution:
    """Work out what re-executing ``run_id`` runs; raises ReexecutionError when it cannot."""
    storage = instance.storage
    parent = storage.get_run(run_id)
    if parent is None:
        raise ReexecutionError(f"no run with id '{run_id}' in {storage.url}: `headwater runs list` shows run ids")
    graph = instance.graph_for(defs)
    wanted_types = (EventType.ASSET_MATERIALIZED, EventType.CHECK_EVALUATED)
    events = [rec.event for rec in storage.get_events(run_id, types=wanted_types)]
    keys = keys_to_rerun(parent, events, graph, from_failure=from_failure)
    partition, partition_keys = _partitions(instance, graph, parent, keys)
    selection = ", ".join(key.to_string() for key in keys)
    return Reexecution(parent=parent, selection=selection, partition=partition, partition_keys=partition_keys)


def reexecute(
    instance: Instance,
    defs: Definitions,
    run_id: str,
    *,
    from_failure: bool = True,
    tags: Mapping[str, str] | None = None,
    executor: Any = None,
    on_batch: OnBatch | None = None,
) -> RunResult:
    """Run ``run_id`` again as a new run (see module doc); returns the new run's result."""
    plan = prepare(instance, defs, run_id, from_failure=from_failure)
    return instance.materialize(
        defs,
        plan.selection,
        partition=plan.partition,
        partition_keys=plan.partition_keys,
        config=plan.parent.config,
        tags=plan.tags(tags),
        executor=executor,
        on_batch=on_batch,
        parent_run_id=plan.parent.run_id,
    )


def _partitions(
    instance: InstanceCore, graph: AssetGraph, parent: RunRecord, keys: list[AssetKey]
) -> tuple[str | None, tuple[str, ...] | None]:
    """The parent's partition, or the keys of its range (read through the selected assets' partitions)."""
    label = parent.partition
    if label is None or RANGE_SEPARATOR not in label:
        return label, None
    definition = next((graph.nodes[k].spec.partitions for k in keys if graph.nodes[k].spec.partitions), None)
    if definition is None:
        raise SelectionError(
            f"run '{parent.run_id}' ran over partitions {label}, but none of the assets to re-run is partitioned "
            "any more; materialize them with --select instead"
        )
    ctx = key_context(instance.storage, graph)
    return None, tuple(parse_partition_selection(label, definition, ctx))
