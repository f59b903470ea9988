"""Re-executing a finished run: all of it again, or from failure (only what did not complete).

A re-execution is a new run whose ``parent_run_id`` names the run it repeats; it keeps that
run's partition (or range) and config. From failure, assets the parent materialized are not
run again: their stored values feed the steps that run. An asset whose blocking check failed
counts as not completed, so it runs again with the downstream its check held back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from headwater.definitions import Definitions
from headwater.definitions.partitions import RANGE_SEPARATOR, parse_partition_selection
from headwater.errors import HeadwaterError, SelectionError
from headwater.events import Event, EventType, RunRecord, RunStatus
from headwater.graph import AssetGraph
from headwater.instance.partitioned import key_context
from headwater.keys import AssetKey

if TYPE_CHECKING:
    from headwater.instance.instance import Instance
    from headwater.instance.result import RunResult
    from headwater.instance.run import OnBatch

PARENT_TAG = "headwater.parent_run"
ROOT_TAG = "headwater.root_run"
"""Tags a re-execution carries: the run it repeats and the first run of the chain."""


class ReexecutionError(HeadwaterError):
    """A run cannot be re-executed as asked."""


def completed_keys(events: Iterable[Event]) -> frozenset[AssetKey]:
    """Assets a run materialized, less those whose blocking error-severity check failed."""
    done: set[AssetKey] = set()
    held: set[AssetKey] = set()
    for event in events:
        if event.asset_key is None:
            continue
        if event.type is EventType.ASSET_MATERIALIZED:
            done.add(event.asset_key)
        elif event.type is EventType.CHECK_EVALUATED and _held_back(event.data):
            held.add(event.asset_key)
    return frozenset(done - held)


def _held_back(data: Mapping[str, Any]) -> bool:
    return bool(data.get("blocking")) and not data.get("passed") and data.get("severity", "error") != "warn"


def keys_to_rerun(run: RunRecord, events: Iterable[Event], graph: AssetGraph, *, from_failure: bool) -> list[AssetKey]:
    """The parent's assets to run again, in the parent's order; raises ReexecutionError when none or unknown."""
    if not run.status.finished:
        raise ReexecutionError(
            f"run '{run.run_id}' is {run.status.value}: only a finished run can be re-executed; "
            f"wait for it, or cancel it with `headwater runs cancel {run.run_id}`"
        )
    wanted = list(run.asset_keys)
    if from_failure:
        if run.status is RunStatus.SUCCEEDED:
            raise ReexecutionError(
                f"run '{run.run_id}' succeeded, so there is no failure to re-execute from; "
                "re-execute it without --from-failure to run all of it again"
            )
        done = completed_keys(events)
        wanted = [key for key in wanted if key not in done]
        if not wanted:
            raise ReexecutionError(
                f"run '{run.run_id}' materialized every asset it selected; "
                "re-execute it without --from-failure to run all of it again"
            )
    gone = [key.to_string() for key in wanted if key not in graph.nodes]
    if gone:
        raise ReexecutionError(
            f"run '{run.run_id}' selected asset(s) that are no longer defined: {', '.join(gone)}; "
            "re-execute a run of the current definitions, or materialize what is left with --select"
        )
    return wanted


@dataclass(frozen=True, kw_only=True)
class Reexecution:
    """What a re-execution runs: the parent run, a selection of its assets, and its partition(s)."""

    parent: RunRecord
    selection: str
    partition: str | None
    partition_keys: tuple[str, ...] | None

    def tags(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The parent's tags (less launch ids) with the parent and root run ids, then ``extra``."""
        inherited = {k: v for k, v in self.parent.tags.items() if not k.startswith("headwater.launch")}
        root = self.parent.tags.get(ROOT_TAG, self.parent.run_id)
        return {**inherited, PARENT_TAG: self.parent.run_id, ROOT_TAG: root, **(extra or {})}


def prepare(instance: Instance, defs: Definitions, run_id: str, *, from_failure: bool = True) -> Reexecution:
    """Work out what re-executing ``run_id`` runs; raises ReexecutionError when it cannot."""
    storage = instance.storage
    parent = storage.get_run(run_id)
    if parent is None:
        raise ReexecutionError(f"no run with id '{run_id}' in {storage.url}: `headwater runs list` shows run ids")
    graph = AssetGraph.from_definitions(defs)
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
    instance: Instance, graph: AssetGraph, parent: RunRecord, keys: list[AssetKey]
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
