"""Turn run requests (from schedules, sensors and conditions) into QUEUED runs.

Run ids are derived from the tick (or the sensor's run key), so evaluating the same tick twice,
e.g. after the daemon restarted in the middle of it, queues no second run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict
from typing import Any

from headwater.definitions import CodeLocation
from headwater.errors import SelectionError
from headwater.events import RunRecord
from headwater.graph import AssetGraph
from headwater.graph.selection import select
from headwater.keys import AssetKey
from headwater.storage.run_queue import RunQueueStore
from headwater.tags import INSTIGATOR, PRIORITY, TICK, find_tag

_NAMESPACE = uuid.UUID("6c1c6f52-0d55-4d7a-9a44-8f1d3b7a0a11")

TICK_TAG = TICK
INSTIGATOR_TAG = INSTIGATOR


def run_id_for(idempotency_key: str) -> str:
    """The run id for a request: the same key always gives the same id."""
    return uuid.uuid5(_NAMESPACE, idempotency_key).hex


def location_json(location: CodeLocation | None) -> dict[str, Any] | None:
    """A code location as stored with a queued run."""
    return asdict(location) if location is not None else None


def priority_of(run_tags: Mapping[str, str], priority_tag: str, where: str) -> int:
    """The run's priority from its tag (0 without one); a reserved tag is read in either spelling."""
    found = find_tag(run_tags, priority_tag)
    if found is None:
        return 0
    value = run_tags[found]
    try:
        return int(value)
    except ValueError:
        raise SelectionError(
            f"{where}: tag {found}={value!r} must be a whole number (higher runs first), e.g. 10"
        ) from None


def run_keys(graph: AssetGraph, chosen: Collection[AssetKey]) -> tuple[AssetKey, ...]:
    """What a run of ``chosen`` materializes, as the plan will have it: every output of each selected
    asset's op, ops in topological order (without planning the steps)."""
    seen: set[str] = set()
    out: list[AssetKey] = []
    nodes = graph.nodes
    for key in graph.sort(chosen):
        op = nodes[key].spec.op
        if op is not None and op.name not in seen:
            seen.add(op.name)
            out.extend(op.keys)
    return tuple(out)


def queue_request(
    queue: RunQueueStore,
    graph: AssetGraph,
    location: CodeLocation | None,
    *,
    run_id: str,
    selection: str | None = None,
    keys: Collection[AssetKey] | None = None,
    partition: str | None = None,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    tags: Mapping[str, str] | None = None,
    priority_tag: str = PRIORITY,
    where: str = "run request",
    parent_run_id: str | None = None,
) -> RunRecord:
    """Queue a run of ``keys`` (or of ``selection``); an already-queued ``run_id`` is left as it is.

    ``parent_run_id`` names the run that this one re-executes."""
    chosen = frozenset(keys) if keys is not None else select(graph, selection)
    run_tags = dict(tags or {})
    text = selection if selection is not None else " ".join(sorted(k.to_string() for k in chosen))
    run = RunRecord(
        run_id=run_id,
        selection=text or "*",
        asset_keys=run_keys(graph, chosen),
        partition=partition,
        tags=run_tags,
        config={k: dict(v) for k, v in (config or {}).items()},
        parent_run_id=parent_run_id,
    )
    queue.enqueue(run, location=location_json(location), priority=priority_of(run_tags, priority_tag, where))
    return run


def run_queuer(
    queue: RunQueueStore,
    graph: AssetGraph,
    location: CodeLocation | None,
    *,
    priority_tag: str = PRIORITY,
    queued: list[str] | None = None,
) -> Callable[..., str]:
    """``queue_run(run_id_key=..., where=..., selection=/keys=, partition=, config=, tags=)`` -> run id:
    what schedules, sensors and conditions call to queue a run with an id derived from ``run_id_key``
    (each id is appended to ``queued`` when given)."""

    def queue_run(*, run_id_key: str, where: str, **request: Any) -> str:
        run = queue_request(
            queue, graph, location, run_id=run_id_for(run_id_key), priority_tag=priority_tag, where=where, **request
        )
        if queued is not None:
            queued.append(run.run_id)
        return run.run_id

    return queue_run
