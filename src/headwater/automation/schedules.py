"""Tick schedules: find the cron ticks due since the last evaluation and queue a run for each one the
missed-tick policy keeps. Each tick has an idempotency key (schedule name and tick time)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from headwater.definitions import Schedule
from headwater.definitions.cron import ticks_between
from headwater.storage.automation import AutomationStore, InstigatorState, TickRecord

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


def tick_schedule(
    store: AutomationStore,
    schedule: Schedule,
    state: InstigatorState | None,
    now: float,
    queue_run: QueueRun,
    *,
    grace: float,
) -> list[TickRecord]:
    """Evaluate one schedule: queue the runs of its due ticks; returns the ticks recorded."""
    if state is None or state.last_tick_at is None:
        # A new schedule starts from now: it does not run ticks from before it existed.
        store.save_instigator(schedule.name, "schedule", cursor=None, last_tick_at=now)
        return []
    due, dropped = due_ticks(schedule, state.last_tick_at, now, grace)
    recorded = []
    for tick_time in due:
        tick_key = f"schedule:{schedule.name}:{int(tick_time)}"
        tick, created = store.start_tick(schedule.name, "schedule", tick_key, timestamp=now, scheduled_at=tick_time)
        if not created and tick.status != "started":
            continue  # done before a restart
        when = datetime.fromtimestamp(tick_time, ZoneInfo(schedule.timezone))
        try:
            run_id = queue_run(
                run_id_key=tick_key,
                selection=schedule.select,
                partition=schedule.partition_for(when),
                config=schedule.config,
                tags={**schedule.tags, "headwater.schedule": schedule.name},
                where=f"schedule '{schedule.name}'",
            )
        except Exception as exc:
            store.finish_tick(tick.id, status="failed", error=f"{type(exc).__name__}: {exc}")
        else:
            data = {"tick": when.isoformat(), "missed_ticks_dropped": dropped}
            store.finish_tick(tick.id, status="requested", run_ids=[run_id], data=data)
        recorded.append(tick)
    store.save_instigator(schedule.name, "schedule", cursor=state.cursor, last_tick_at=now)
    return recorded
