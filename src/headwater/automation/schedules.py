"""Tick schedules: find the cron ticks due since the last evaluation and queue a run for each one the
missed-tick policy keeps. Each tick has an idempotency key (schedule name and tick time).

A schedule of time-partitioned assets without ``partition=`` runs the latest partition that is
complete at the tick: a daily schedule at 00:10 runs yesterday's partition.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from headwater.definitions import RunRequest, Schedule
from headwater.definitions.cron import ticks_between
from headwater.definitions.job import Job, find_job
from headwater.definitions.partitions import KeyContext, TimeWindowPartitions
from headwater.errors import DefinitionError
from headwater.graph import AssetGraph
from headwater.graph.selection import select
from headwater.storage.automation import AutomationStore, InstigatorState, TickRecord
from headwater.tags import SCHEDULE

QueueRun = Callable[..., str]
"""``queue_run(run_id=..., selection=..., partition=..., config=..., tags=..., where=...)`` -> run id."""


def due_ticks(schedule: Schedule, last: float, now: float, grace: float) -> tuple[list[float], int]:
    """Tick times to run and how many missed ticks the policy dropped."""
    due = ticks_between(schedule.cron, schedule.timezone, last, now, limit=100)
    if schedule.missed_ticks == "all" or not due:
        return due, 0
    if schedule.missed_ticks == "skip":
        keep = [t for t in due[-1:] if now - t <= grace]
        return keep, len(due) - len(keep)
    return due[-1:], len(due) - 1


def latest_complete_partition(
    graph: AssetGraph, schedule: Schedule, tick_time: float, selection: str | None = None
) -> str | None:
    """The partition a tick of ``schedule`` (running ``selection``: its own or its job's) without
    ``partition=`` runs: None for unpartitioned assets, the latest partition complete at
    ``tick_time`` for time-partitioned ones."""
    where = f"schedule '{schedule.name}'"
    selection = selection if selection is not None else schedule.select
    specs = [graph.spec(k) for k in select(graph, selection)]
    found = {spec.partitions for spec in specs if spec.partitions is not None}
    if not found:
        return None
    if len(found) > 1:
        raise DefinitionError(
            f"{where}: select={selection!r} has assets with different partitions "
            f"({', '.join(sorted(p.describe() for p in found))}), so no one partition fits "
            "every tick; split the schedule by partitions, or give partition= a key or a function of the tick time"
        )
    [partitions] = found
    if not isinstance(partitions, TimeWindowPartitions):
        raise DefinitionError(
            f"{where}: select={selection!r} is partitioned by {partitions.describe()}, which has no "
            "latest partition in time; give partition= a key or a function of the tick time returning one"
        )
    keys = partitions.keys(KeyContext(now=datetime.fromtimestamp(tick_time, UTC)))
    if not len(keys):
        raise DefinitionError(
            f"{where}: no partition of {partitions.describe()} is complete at the tick "
            f"{datetime.fromtimestamp(tick_time, UTC):%Y-%m-%d %H:%M} UTC; start the schedule after the first "
            "partition ends"
        )
    return keys[-1]


def tick_schedule(
    store: AutomationStore,
    schedule: Schedule,
    state: InstigatorState | None,
    now: float,
    queue_run: QueueRun,
    *,
    grace: float,
    graph: AssetGraph | None = None,
    jobs: Sequence[Job] = (),
) -> list[TickRecord]:
    """Evaluate one schedule: queue the runs of its due ticks; returns the ticks recorded."""
    if state is None or state.last_tick_at is None:
        # A new schedule starts from now: it does not run ticks from before it existed.
        store.save_instigator(schedule.name, "schedule", cursor=None, last_tick_at=now)
        return []
    due, dropped = due_ticks(schedule, state.last_tick_at, now, grace)
    recorded = []
    for tick_time in due:
        tick = run_tick(store, schedule, tick_time, now, queue_run, graph=graph, jobs=jobs, dropped=dropped)
        if tick is not None:
            recorded.append(tick)
    store.save_instigator(schedule.name, "schedule", cursor=state.cursor, last_tick_at=now)
    return recorded


def tick_request(
    schedule: Schedule, tick_time: float, graph: AssetGraph | None, jobs: Sequence[Job] = ()
) -> RunRequest:
    """The run the tick of ``schedule`` at ``tick_time`` requests (its ``run_key`` names the tick);
    a schedule of a job runs the job's selection with its tags and config."""
    when = datetime.fromtimestamp(tick_time, ZoneInfo(schedule.timezone))
    selection, config = schedule.select, schedule.config
    tags = {**schedule.tags, SCHEDULE: schedule.name}
    if schedule.job is not None:
        job = find_job(jobs, schedule.job, where=f"schedule '{schedule.name}'")
        selection, config, tags = job.select, config if config is not None else job.config, job.run_tags(tags)
    partition = schedule.partition_for(when)
    if schedule.partition is None and graph is not None:
        partition = latest_complete_partition(graph, schedule, tick_time, selection)
    return RunRequest(
        select=selection,
        partition=partition,
        config=config,
        tags=tags,
        run_key=f"schedule:{schedule.name}:{int(tick_time)}",
    )


def run_tick(
    store: AutomationStore,
    schedule: Schedule,
    tick_time: float,
    now: float,
    queue_run: QueueRun,
    *,
    graph: AssetGraph | None,
    jobs: Sequence[Job] = (),
    dropped: int = 0,
) -> TickRecord | None:
    """Record the tick of ``schedule`` at ``tick_time`` and queue its run (once: a tick done before a
    restart is left as it is, and None is returned)."""
    tick_key = f"schedule:{schedule.name}:{int(tick_time)}"
    tick, created = store.start_tick(schedule.name, "schedule", tick_key, timestamp=now, scheduled_at=tick_time)
    if not created and tick.status != "started":
        return None
    when = datetime.fromtimestamp(tick_time, ZoneInfo(schedule.timezone))
    try:
        request = tick_request(schedule, tick_time, graph, jobs)
        run_id = queue_run(
            run_id_key=tick_key,
            selection=request.select,
            partition=request.partition,
            config=request.config,
            tags=request.tags,
            where=f"schedule '{schedule.name}'",
        )
    except Exception as exc:
        store.finish_tick(tick.id, status="failed", error=f"{type(exc).__name__}: {exc}")
    else:
        data = {"tick": when.isoformat(), "missed_ticks_dropped": dropped, "partition": request.partition}
        store.finish_tick(tick.id, status="requested", run_ids=[run_id], data=data)
    return tick
