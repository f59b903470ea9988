"""Automatic run retries: a failed run with retries left is queued again, from failure.

``[runs] max_retries`` in headwater.toml sets the default; a run's ``headwater/max_retries`` tag
overrides it. The retry is a new QUEUED run whose parent is the failed run; it runs only the
assets the failed run did not complete. Its run id is derived from the failed run's, so looking
at the same failure twice (e.g. after a daemon restart) queues one retry. Runs that were
canceled are never retried, nor are failures of code locations the daemon does not serve.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from headwater.automation.requests import location_json, priority_of
from headwater.definitions import CodeLocation
from headwater.errors import SelectionError
from headwater.events import EventType, RunRecord, RunStatus
from headwater.graph import AssetGraph
from headwater.graph.plan import plan
from headwater.graph.reexecution import ReexecutionError, keys_to_rerun, reexecution_tags
from headwater.storage import Storage
from headwater.storage.run_queue import RunQueueStore
from headwater.tags import MAX_RETRIES, PRIORITY, RETRY_NUMBER, find_tag, tag_value

MAX_RETRIES_TAG = MAX_RETRIES
RETRY_NUMBER_TAG = RETRY_NUMBER
_NAMESPACE = uuid.UUID("0e6f0b7e-3f41-4c38-9d0e-5a7c2f1d9b42")
_LOOK_AT = 200
"""Most recent failed runs considered per tick."""


def retry_run_id(failed_run_id: str) -> str:
    """The id of the retry of ``failed_run_id`` (the same every time)."""
    return uuid.uuid5(_NAMESPACE, failed_run_id).hex


def max_retries_of(run: RunRecord, default: int) -> int:
    """The run's retry budget: its tag, else ``default``."""
    spelled = find_tag(run.tags, MAX_RETRIES_TAG)
    if spelled is None:
        return default
    value = run.tags[spelled]
    try:
        found = int(value)
    except ValueError:
        raise SelectionError(
            f"run '{run.run_id}': tag {spelled}={value!r} must be a whole number of retries, e.g. 2"
        ) from None
    return max(found, 0)


def retry_failed_runs(
    storage: Storage,
    graph: AssetGraph,
    location: CodeLocation | None,
    *,
    default_max_retries: int = 0,
    priority_tag: str = PRIORITY,
) -> list[RunRecord]:
    """Queue a retry of each recent failed run that has retries left and none queued yet; returns them."""
    queue = RunQueueStore(storage)
    queued: list[RunRecord] = []
    for run in storage.list_runs(limit=_LOOK_AT, statuses=[RunStatus.FAILED]):
        retry = _retry_of(storage, graph, run, default_max_retries)
        if retry is None:
            continue
        priority = priority_of(retry.tags, priority_tag, f"retry of run '{run.run_id}'")
        if queue.enqueue(retry, location=location_json(location), priority=priority):
            queued.append(retry)
    return queued


def _retry_of(storage: Storage, graph: AssetGraph, run: RunRecord, default: int) -> RunRecord | None:
    try:
        budget = max_retries_of(run, default)
    except SelectionError:
        return None  # a bad tag only stops retries of that run; `headwater runs show` shows the tag
    number = int(tag_value(run.tags, RETRY_NUMBER_TAG) or 0)
    if number >= budget or storage.get_run(retry_run_id(run.run_id)) is not None:
        return None
    wanted = (EventType.ASSET_MATERIALIZED, EventType.CHECK_EVALUATED)
    events = [rec.event for rec in storage.get_events(run.run_id, types=wanted)]
    try:
        keys = keys_to_rerun(run, events, graph, from_failure=True)
    except ReexecutionError:
        return None  # nothing left to run, or its assets are gone from the code
    steps = plan(graph, frozenset(keys))
    return RunRecord(
        run_id=retry_run_id(run.run_id),
        selection=", ".join(k.to_string() for k in keys),
        asset_keys=steps.asset_keys,
        partition=run.partition,
        tags=reexecution_tags(run, {RETRY_NUMBER_TAG: str(number + 1)}),
        config=_copy(run.config),
        parent_run_id=run.run_id,
    )


def _copy(config: Mapping[str, object]) -> dict[str, object]:
    return {k: dict(v) if isinstance(v, Mapping) else v for k, v in config.items()}
