"""Observations and reports: data made outside Headwater, recorded in the event log.

``observe`` calls the ``observe=`` functions of source assets and records ``ASSET_OBSERVED``
with the data version they return; ``report`` records a materialization or observation that
another system made. Both are runs of their own, so lineage and staleness include them.
"""

from __future__ import annotations

import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from headwater.definitions import Definitions, Output
from headwater.errors import HeadwaterError, SelectionError
from headwater.events import Event, EventType, RunRecord
from headwater.execution.step import json_safe
from headwater.graph import AssetGraph
from headwater.instance.provenance import inputs_map, latest_versions, version_of
from headwater.instance.result import RunResult
from headwater.keys import AssetKey, CoercibleToKey, to_key

if TYPE_CHECKING:
    from headwater.instance.instance import Instance

KIND_TAG = "headwater/kind"


def _start(instance: Instance, kind: str, keys: tuple[AssetKey, ...], select: str, partition: str | None) -> RunRecord:
    run = RunRecord(
        run_id=uuid.uuid4().hex, selection=select, asset_keys=keys, partition=partition, tags={KIND_TAG: kind}
    )
    instance.storage.add_run(run)
    instance.storage.store_events([Event(run_id=run.run_id, type=EventType.RUN_STARTED, data={"steps": len(keys)})])
    return run


def _finish(instance: Instance, run: RunRecord, events: list[Event], errors: list[str]) -> RunResult:
    if errors:
        end = Event(
            run_id=run.run_id, type=EventType.RUN_FAILED, timestamp=time.time(), data={"error": "; ".join(errors)}
        )
    else:
        end = Event(run_id=run.run_id, type=EventType.RUN_SUCCEEDED, timestamp=time.time())
    instance.storage.store_events([end])
    events.append(end)
    return RunResult(run=instance.storage.get_run(run.run_id) or run, events=tuple(events), io_managers={})


def _observation(key: AssetKey, result: Any) -> dict[str, Any]:
    """The event data of what an ``observe=`` function returned."""
    if isinstance(result, Output):
        if result.data_version is None:
            raise HeadwaterError(
                f"the observe function of '{key}' returned hw.Output without data_version=; "
                "return the data version as a string, or hw.Output(None, data_version=..., metadata=...)"
            )
        data: dict[str, Any] = {"data_version": str(result.data_version)}
        if result.metadata:
            data["metadata"] = json_safe(result.metadata)
        return data
    if isinstance(result, (str, int)) and not isinstance(result, bool):
        return {"data_version": str(result)}
    raise HeadwaterError(
        f"the observe function of '{key}' returned {type(result).__name__}; return its data version as a "
        "string (e.g. a file's modification time or a table's row count), or "
        "hw.Output(None, data_version=..., metadata=...)"
    )


def observe(instance: Instance, defs: Definitions, select: str | None = None) -> RunResult:
    """Call the ``observe=`` function of each selected source asset and record what it returned.

    A function that raises is recorded as a failed observation (``STEP_FAILED``) and the run
    fails; the other observations are still recorded, and the next call tries again.
    """
    graph = AssetGraph.from_definitions(defs)
    selected = graph.sort(instance.select(defs, select))
    keys = tuple(k for k in selected if graph.nodes[k].spec.observe is not None)
    if not keys:
        observable = [k.to_string() for k in graph.keys if graph.nodes[k].spec.observe is not None]
        raise SelectionError(
            f"none of the {len(selected)} selected asset(s) can be observed: declare "
            "hw.SourceAsset(key, observe=fn) for data made outside Headwater"
            + (f"; observable assets: {', '.join(observable)}" if observable else "")
        )
    run = _start(instance, "observe", keys, select or "*", None)
    events: list[Event] = []
    errors: list[str] = []
    for key in keys:
        fn: Callable[..., Any] = graph.nodes[key].spec.observe or _unreachable
        try:
            data = _observation(key, fn())
            event = Event(
                run_id=run.run_id, type=EventType.ASSET_OBSERVED, step_key=key.to_string(), asset_key=key, data=data
            )
        except Exception as exc:
            message = (
                str(exc) if isinstance(exc, HeadwaterError) else f"observing '{key}' raised {type(exc).__name__}: {exc}"
            )
            errors.append(message)
            event = Event(
                run_id=run.run_id,
                type=EventType.STEP_FAILED,
                step_key=key.to_string(),
                data={
                    "error": message,
                    "traceback": "".join(traceback.format_exception(exc)),
                    "asset_keys": [key.to_string()],
                },
            )
        instance.storage.store_events([event])
        events.append(event)
    return _finish(instance, run, events, errors)


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
    data: dict[str, Any] = {"reported": True}
    if defs is not None:
        graph = AssetGraph.from_definitions(defs)
        node = graph.node(asset_key)
        if node.spec.code_version is not None and not observation:
            data["code_version"] = node.spec.code_version
        if node.parents and not observation:
            records = latest_versions(instance.storage, node.parents, partition)
            versions = {k: v for k, r in records.items() if (v := version_of(r)) is not None}
            data.update(inputs_map(node.parents, versions))
    run = _start(instance, "report", (asset_key,), asset_key.to_string(), partition)
    data["data_version"] = str(data_version) if data_version is not None else f"{run.run_id}:report"
    if metadata:
        data["metadata"] = json_safe(metadata)
    kind = EventType.ASSET_OBSERVED if observation else EventType.ASSET_MATERIALIZED
    event = Event(
        run_id=run.run_id,
        type=kind,
        step_key=asset_key.to_string(),
        asset_key=asset_key,
        partition=partition,
        data=data,
    )
    instance.storage.store_events([event])
    return _finish(instance, run, [event], [])


def _unreachable() -> Any:
    raise HeadwaterError("internal error: a source asset without observe= was selected for observation")
