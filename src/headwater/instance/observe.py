"""Observations and reports: data made outside Headwater, recorded in the event log.

``observe`` calls the ``observe=`` functions of source assets and records ``ASSET_OBSERVED``
with the data version they return; ``report`` records a materialization or observation that
another system made. Both are runs of their own, so lineage and staleness include them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headwater.automation.observation import observe_keys, outside_errors, outside_run
from headwater.definitions import Definitions
from headwater.errors import SelectionError
from headwater.events import AssetMaterialized, AssetObserved, Event, EventType, RunRecord
from headwater.execution.pools import InlinePool
from headwater.execution.recording import json_safe
from headwater.execution.run_driver import execute_run
from headwater.execution.step import RunSpec, StepOutcome
from headwater.graph.plan import outside_plan
from headwater.instance.result import RunResult
from headwater.keys import CoercibleToKey, to_key
from headwater.state.versions import consumed_inputs, latest_versions, version_of

if TYPE_CHECKING:
    from headwater.instance.instance import Instance


def _result(instance: Instance, run: RunRecord, events: list[Event]) -> RunResult:
    return RunResult(run=instance.storage.get_run(run.run_id) or run, events=tuple(events), io_managers={})


def observe(instance: Instance, defs: Definitions, select: str | None = None) -> RunResult:
    """Call the ``observe=`` function of each selected source asset and record what it returned.

    A function that raises is recorded as a failed observation (``STEP_FAILED``) and the run
    fails; the other observations are still recorded, and the next call tries again.
    """
    graph = instance.graph_for(defs)
    selected = graph.sort(instance.select(defs, select))
    keys = tuple(k for k in selected if graph.nodes[k].spec.observe is not None)
    if not keys:
        observable = [k.to_string() for k in graph.keys if graph.nodes[k].spec.observe is not None]
        raise SelectionError(
            f"none of the {len(selected)} selected asset(s) can be observed: declare "
            "hw.SourceAsset(key, observe=fn) for data made outside Headwater"
            + (f"; observable assets: {', '.join(observable)}" if observable else "")
        )
    found = observe_keys(instance.storage, graph, keys, select or "*")
    return _result(instance, found.run, found.events)


def report(
    instance: Instance,
    key: CoercibleToKey,
    *,
    data_version: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    partition: str | None = None,
    observation: bool = False,
    defs: Definitions | None = None,
) -> RunResult:
    """Record a materialization (or, with ``observation=True``, an observation) made by another system.

    With ``defs``, the key is checked against the graph and the materialization records the
    current data versions of its upstream assets as its inputs.
    """
    asset_key = to_key(key)
    code_version: str | None = None
    inputs: dict[str, str] | None = None
    left_out = 0
    if defs is not None:
        graph = instance.graph_for(defs)
        node = graph.node(asset_key)
        code_version = node.spec.code_version
        if node.parents and not observation:
            records = latest_versions(instance.storage, node.parents, partition)
            versions = {k: v for k, r in records.items() if (v := version_of(r)) is not None}
            inputs, left_out = consumed_inputs(node.parents, versions)
    run = outside_run("report", (asset_key,), asset_key.to_string(), partition)
    version = str(data_version) if data_version is not None else f"{run.run_id}:report"
    recorded = json_safe(metadata) if metadata else {}
    if observation:
        data = AssetObserved(data_version=version, metadata=recorded, reported=True).to_data()
    else:
        data = AssetMaterialized(
            data_version=version,
            code_version=code_version,
            metadata=recorded,
            inputs=inputs,
            inputs_left_out=left_out,
            reported=True,
        ).to_data()
    kind = EventType.ASSET_OBSERVED if observation else EventType.ASSET_MATERIALIZED
    event = Event(
        run_id=run.run_id,
        type=kind,
        step_key=asset_key.to_string(),
        asset_key=asset_key,
        partition=partition,
        data=data,
    )
    instance.storage.add_run(run)

    def record(step_key: str, spec: RunSpec) -> StepOutcome:
        return StepOutcome(step_key=step_key, events=[event], logs="")

    plan = outside_plan((asset_key,), partitioned=partition is not None)
    spec = RunSpec(run_id=run.run_id, partition=partition)
    events = execute_run(instance.storage, run, plan, InlinePool(record), spec, failure=outside_errors)
    return _result(instance, run, events)
