"""One tick of a named schedule or sensor on demand (``headwater automation tick NAME --at TIME``):
evaluated at the chosen time and, unless it is a dry run, queued and recorded as the daemon does.

A schedule's tick is keyed by its tick time and a sensor's requests by their run keys, so ticking
by hand and the daemon never queue the same run twice.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import datetime
from typing import Any

from headwater.automation.config import PRIORITY_TAG
from headwater.automation.evaluate import (
    describe_time,
    evaluate_sensor,
    find_schedule,
    find_sensor,
    moment,
)
from headwater.automation.requests import run_queuer
from headwater.automation.schedules import run_tick, tick_request
from headwater.automation.sensors import tick_sensor
from headwater.automation.switches import instigator_kind
from headwater.definitions import Definitions, RunRequest
from headwater.definitions.cron import latest_tick
from headwater.graph import AssetGraph
from headwater.storage import Storage
from headwater.storage.automation import AutomationStore
from headwater.storage.run_queue import RunQueueStore


class _Storage:
    """An event log to read, in the shape ``evaluate_sensor`` takes."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage


def tick_now(
    storage: Storage,
    defs: Definitions,
    name: str,
    *,
    at: datetime | None,
    dry_run: bool,
    priority_tag: str = PRIORITY_TAG,
) -> dict[str, Any]:
    """Evaluate ``name`` at ``at`` (default now) and queue its requests unless ``dry_run``; returns
    ``{"kind", "name", "at", "tick", "requests", "run_ids", "cursor", "skip_reason", "error"}``."""
    kind = instigator_kind(defs, name, listed_by="`headwater automation schedules` and `sensors` list them")
    store = AutomationStore(storage)
    now = time.time()
    out: dict[str, Any] = {"kind": kind, "name": name, "tick": None, "run_ids": [], "cursor": None, "error": None}
    out["skip_reason"] = None
    queued: list[str] = []
    graph = AssetGraph.from_definitions(defs)
    queue_run = run_queuer(RunQueueStore(storage), graph, defs.location, priority_tag=priority_tag, queued=queued)
    if kind == "schedule":
        schedule = find_schedule(defs, name)
        when = moment(at if at is not None else now, schedule.timezone)
        tick_time = latest_tick(schedule.cron, schedule.timezone, when)
        out["at"], out["tick"] = describe_time(when, schedule.timezone), describe_time(tick_time, schedule.timezone)
        requests = [tick_request(schedule, tick_time, graph, defs.jobs)]
        if not dry_run:
            tick = run_tick(store, schedule, tick_time, now, queue_run, graph=graph, jobs=defs.jobs)
            if tick is not None:
                out["error"] = next(t for t in store.list_ticks(name, limit=5) if t.id == tick.id).error
    else:
        sensor = find_sensor(defs, name)
        when = moment(at if at is not None else now)
        out["at"] = describe_time(when)
        state = store.instigator_states().get(name)
        cursor = state.cursor if state is not None else None
        if dry_run:
            result = evaluate_sensor(defs, name, at=when, cursor=cursor, instance=_Storage(storage))
            requests, out["cursor"], out["skip_reason"] = list(result.run_requests), result.cursor, result.skip_reason
        else:  # the sensor's code runs once: the tick evaluates it and queues what it requested
            tick, outcome = tick_sensor(storage, sensor, state, when, queue_run, graph=graph, jobs=defs.jobs)
            # The daemon counts the interval from when the sensor was last evaluated, not from --at.
            saved = store.instigator_states()[name]
            store.save_instigator(name, "sensor", cursor=saved.cursor, last_tick_at=now)
            out["error"] = next(t for t in store.list_ticks(name, limit=5) if t.id == tick.id).error
            out["cursor"] = saved.cursor
            requests = outcome.requests if outcome is not None else []
            out["skip_reason"] = outcome.skip_reason if outcome is not None else None
    out["requests"] = [_request_json(r) for r in requests]
    out["run_ids"] = queued
    return out


def _request_json(request: RunRequest) -> dict[str, Any]:
    found = asdict(request)
    found["tags"] = dict(request.tags)
    found["config"] = {k: dict(v) for k, v in (request.config or {}).items()}
    return found
