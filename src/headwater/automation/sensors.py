"""Evaluate sensors: call user sensor functions, or run the built-in ones (new materializations of
an asset, finished runs, files in a folder), and queue the runs they request.

A sensor's cursor is stored only when its tick succeeds, so a failing sensor sees the same events
again next time. Run ids come from the request's ``run_key`` (or the tick), so nothing runs twice.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from headwater.automation.alert_delivery import post_json
from headwater.automation.config import AlertsConfig
from headwater.automation.event_log_view import EventLogReader, multi_asset_requests
from headwater.automation.schedules import QueueRun
from headwater.definitions import RunRequest, SensorContext, SensorResult, SensorSpec, run_status_sensor
from headwater.definitions.job import Job, find_job
from headwater.definitions.partitions import DynamicPartitionsRequest
from headwater.errors import DefinitionError
from headwater.events import EventRecord, EventType, RunStatus
from headwater.graph import AssetGraph
from headwater.graph.selection import select
from headwater.keys import AssetKey
from headwater.storage import Storage
from headwater.storage.automation import AutomationStore, InstigatorState, TickRecord
from headwater.storage.run_queue import RunQueueStore
from headwater.tags import FILE, SENSOR, TRIGGER_RUN

ALERTS = logging.getLogger("headwater.alerts")


@dataclass(kw_only=True)
class SensorOutcome:
    """Requests and the next cursor of one evaluation, with notes for the tick record."""

    requests: list[RunRequest] = field(default_factory=list)
    cursor: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    partition_changes: list[DynamicPartitionsRequest] = field(default_factory=list)
    skip_reason: str | None = None
    """Why the sensor requested nothing, as it said (also kept in ``data`` for the tick record)."""


ALERTS_SENSOR = "headwater.alerts"
"""The name of the run-status sensor that ``[alerts]`` in headwater.toml adds."""


def alert_sensors(alerts: AlertsConfig) -> list[SensorSpec]:
    """The run-status sensor configured by ``[alerts]`` (none when alerts go nowhere)."""
    if not alerts.enabled:
        return []
    return [run_status_sensor(ALERTS_SENSOR, status=alerts.on, webhook=alerts.webhook, interval=alerts.interval)]


def is_due(sensor: SensorSpec, state: InstigatorState | None, now: float) -> bool:
    """Whether ``interval`` seconds passed since the sensor's last tick."""
    return state is None or state.last_tick_at is None or now - state.last_tick_at >= sensor.interval


def tick_sensor(
    storage: Storage,
    sensor: SensorSpec,
    state: InstigatorState | None,
    now: float,
    queue_run: QueueRun,
    *,
    graph: AssetGraph | None = None,
    jobs: Sequence[Job] = (),
    waited: float = 0.0,
) -> tuple[TickRecord, SensorOutcome | None]:
    """Evaluate one sensor and queue its requests; returns the tick recorded and the outcome with its
    requests as queued (None when the evaluation or the queuing failed).

    The tick's data keeps ``evaluation``: its ``duration`` and its ``lag``, the seconds between when the
    sensor was due (its last tick plus its interval) and when its evaluation started, counting the
    ``waited`` seconds the daemon's tick spent before reaching it.
    """
    store = AutomationStore(storage)
    cursor = state.cursor if state is not None else None
    tick_key = f"sensor:{sensor.name}:{int(now * 1000)}"
    tick, _ = store.start_tick(sensor.name, "sensor", tick_key, timestamp=now)
    due = state.last_tick_at + sensor.interval if state is not None and state.last_tick_at is not None else now
    lag = max(0.0, now - due) + waited
    started = time.perf_counter()
    took: float | None = None
    try:
        outcome = evaluate(storage, sensor, cursor, state, now, graph, jobs=jobs)
        took = time.perf_counter() - started
        for change in outcome.partition_changes:
            added = storage.add_dynamic_partitions(change.name, change.add) if change.add else []
            deleted = storage.delete_dynamic_partitions(change.name, change.delete) if change.delete else []
            outcome.data.setdefault("dynamic_partitions", []).append(
                {"name": change.name, "added": added, "deleted": deleted}
            )
        run_ids = []
        targets = [targeted(sensor, request, jobs) for request in outcome.requests]
        for index, target in enumerate(targets):
            key = f"sensor:{sensor.name}:run_key:{target.run_key}" if target.run_key else f"{tick_key}:{index}"
            run_ids.append(
                queue_run(
                    run_id_key=key,
                    selection=target.select,
                    partition=target.partition,
                    config=target.config,
                    tags=target.tags,
                    where=f"sensor '{sensor.name}'",
                )
            )
    except Exception as exc:
        error = f"sensor '{sensor.name}' failed: {type(exc).__name__}: {exc}"
        took = round(took if took is not None else time.perf_counter() - started, 4)
        data = {"traceback": _trace(exc)}
        store.finish_tick(
            tick.id, status="failed", cursor=cursor, error=error, data=data, duration=took, lag=round(lag, 4)
        )
        store.save_instigator(sensor.name, "sensor", cursor=cursor, last_tick_at=now)
        return tick, None
    status = "requested" if run_ids else "skipped"
    store.finish_tick(
        tick.id,
        status=status,
        run_ids=run_ids,
        cursor=outcome.cursor,
        data=outcome.data,
        duration=round(took or 0.0, 4),
        lag=round(lag, 4),
    )
    store.save_instigator(sensor.name, "sensor", cursor=outcome.cursor, last_tick_at=now)
    return tick, replace(outcome, requests=targets)


def targeted(sensor: SensorSpec, request: RunRequest, jobs: Sequence[Job] = ()) -> RunRequest:
    """``request`` as queued: its selection (else the sensor's, or its job's with the job's tags and
    config) and the sensor's tags."""
    tags = {**sensor.tags, **request.tags, SENSOR: sensor.name}
    select, config = request.select or sensor.select, request.config
    if request.select is None and sensor.job is not None:
        job = find_job(jobs, sensor.job, where=f"sensor '{sensor.name}'")
        select, config, tags = job.select, config if config is not None else job.config, job.run_tags(tags)
    return replace(request, select=select, config=config, tags=tags)


def _trace(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def evaluate(
    storage: Storage,
    sensor: SensorSpec,
    cursor: str | None,
    state: InstigatorState | None,
    now: float,
    graph: AssetGraph | None,
    *,
    alert: bool = True,
    jobs: Sequence[Job] = (),
) -> SensorOutcome:
    """Call the sensor (or run the built-in one) at ``now`` from ``cursor``; queues nothing. With
    ``alert=False`` a run-status sensor neither posts to its webhook nor logs."""
    if sensor.kind == "function":
        context = SensorContext(
            name=sensor.name,
            cursor=cursor,
            last_tick_at=state.last_tick_at if state else None,
            now=now,
            instance=EventLogReader(storage),
        )
        result = sensor.fn(context) if sensor.wants_context else sensor.fn()  # type: ignore[misc]
        return _normalise(sensor, result, cursor)
    if sensor.kind == "asset_materialized":
        selection = sensor.select
        if selection is None and sensor.job is not None:
            selection = find_job(jobs, sensor.job, where=f"sensor '{sensor.name}'").select
        return _asset_materialized(storage, sensor, cursor, graph, selection)
    if sensor.kind == "multi_asset":
        requests, next_cursor, notes = multi_asset_requests(storage, sensor, cursor)
        return SensorOutcome(requests=requests, cursor=next_cursor, data=dict(notes))
    if sensor.kind == "run_status":
        return _run_status(storage, sensor, cursor, now, alert=alert)
    return _files(sensor, cursor)


def _normalise(sensor: SensorSpec, result: Any, cursor: str | None) -> SensorOutcome:
    if result is None:
        return SensorOutcome(cursor=cursor)
    if isinstance(result, RunRequest):
        return SensorOutcome(requests=[result], cursor=cursor)
    if isinstance(result, SensorResult):
        data = {"skip_reason": result.skip_reason} if result.skip_reason else {}
        next_cursor = result.cursor if result.cursor is not None else cursor
        return SensorOutcome(
            requests=list(result.run_requests),
            cursor=next_cursor,
            data=data,
            partition_changes=list(result.dynamic_partitions_requests),
            skip_reason=result.skip_reason or None,
        )
    if isinstance(result, (list, tuple)) and all(isinstance(r, RunRequest) for r in result):
        return SensorOutcome(requests=list(result), cursor=cursor)
    raise DefinitionError(
        f"sensor '{sensor.name}' ({sensor.site}) returned {type(result).__name__} {result!r}: return "
        "hw.SensorResult(run_requests=[...], cursor=...), a list of hw.RunRequest, one hw.RunRequest or None"
    )


def _asset_materialized(
    storage: Storage, sensor: SensorSpec, cursor: str | None, graph: AssetGraph | None, selection: str | None
) -> SensorOutcome:
    assert sensor.asset is not None  # set by hw.asset_sensor
    latest = storage.latest_of_any_partition("materialization", [sensor.asset]).get(sensor.asset)
    if cursor is None:  # a new sensor reacts to materializations from now on
        return SensorOutcome(cursor=str(latest.id if latest is not None else 0))
    seen = int(cursor)
    if latest is None or latest.id <= seen:
        return SensorOutcome(cursor=cursor)
    data: dict[str, Any] = {"event_id": latest.id}
    if latest.event.partition is None or not _selects_partitioned(graph, selection):
        request = RunRequest(run_key=f"{sensor.asset}:{latest.id}", tags={TRIGGER_RUN: latest.event.run_id})
        return SensorOutcome(requests=[request], cursor=str(latest.id), data=data)
    # A partitioned selection runs every partition materialized since the cursor (its newest event each).
    newest: dict[str, EventRecord] = {}
    for record in new_materializations(storage, sensor.asset, after=seen):
        if record.event.partition is not None:
            newest.setdefault(record.event.partition, record)
    requests = [
        RunRequest(
            partition=partition,
            run_key=f"{sensor.asset}:{partition}:{record.id}",
            tags={TRIGGER_RUN: record.event.run_id},
        )
        for partition, record in sorted(newest.items(), key=lambda item: item[1].id)
    ]
    data["partitions"] = [r.partition for r in requests]
    return SensorOutcome(requests=requests, cursor=str(latest.id), data=data)


def new_materializations(storage: Storage, key: AssetKey, *, after: int, page: int = 500) -> list[EventRecord]:
    """Materializations of ``key`` (any partition) with an event id above ``after``, newest first."""
    found: list[EventRecord] = []
    before: int | None = None
    while True:
        batch = storage.asset_events(key, types=(EventType.ASSET_MATERIALIZED,), limit=page, before_id=before)
        fresh = [r for r in batch if r.id > after]
        found.extend(fresh)
        if len(fresh) < len(batch) or len(batch) < page:
            return found
        before = batch[-1].id


def _selects_partitioned(graph: AssetGraph | None, selection: str | None) -> bool:
    """Whether ``selection`` has partitioned assets (without the graph: assumed so)."""
    if graph is None:
        return True
    return any(graph.spec(key).partitions is not None for key in select(graph, selection))


def _run_status(storage: Storage, sensor: SensorSpec, cursor: str | None, now: float, *, alert: bool) -> SensorOutcome:
    if cursor is None:
        return SensorOutcome(cursor=repr(now), data={"note": "watching runs that finish from now on"})
    wanted = RunStatus.FAILED if sensor.run_status == "failure" else RunStatus.SUCCEEDED
    finished = RunQueueStore(storage).finished_runs_since(float(cursor))
    next_cursor = repr(finished[-1].finished_at) if finished else cursor
    matching = [run for run in finished if run.status is wanted]
    requests = []
    alerts = []
    for run in matching:
        found = {"run_id": run.run_id, "status": run.status.value, "error": run.error, "selection": run.selection}
        alerts.append(found)
        if alert:
            ALERTS.warning("run %s %s: %s", run.run_id, run.status.value, run.error or "")
            if sensor.webhook:
                post_json(sensor.webhook, found)
        if sensor.select or sensor.job:
            requests.append(RunRequest(run_key=f"run:{run.run_id}", tags={TRIGGER_RUN: run.run_id}))
    return SensorOutcome(requests=requests, cursor=next_cursor, data={"runs": alerts})


def _files(sensor: SensorSpec, cursor: str | None) -> SensorOutcome:
    folder = Path(sensor.folder or ".")
    if not folder.is_dir():
        raise DefinitionError(
            f"file sensor '{sensor.name}': folder {folder} does not exist or is not a folder; create it or "
            "fix folder= in hw.file_sensor(...)"
        )
    seen: dict[str, float] = json.loads(cursor) if cursor else {}
    current = {str(p): p.stat().st_mtime for p in sorted(folder.glob(sensor.pattern)) if p.is_file()}
    changed = [path for path, mtime in current.items() if seen.get(path) != mtime]
    requests = [RunRequest(run_key=f"file:{path}:{current[path]}", tags={FILE: path}) for path in changed]
    return SensorOutcome(requests=requests, cursor=json.dumps(current, sort_keys=True), data={"files": changed})
