"""Run monitoring: a started run whose process stopped heartbeating, or a launched run that never
started, is marked failed with the reason. Steps that were running get a STEP_FAILED, so nothing
half-written counts as materialized; finished steps keep their materializations.
"""

from __future__ import annotations

import time

from headwater.events import STEP_END_TYPES, Event, EventType
from headwater.storage import Storage
from headwater.storage.run_queue import QueuedRun, RunQueueStore

_STEP_EVENTS = (EventType.STEP_STARTED, EventType.ASSET_MATERIALIZED, *STEP_END_TYPES)


def dead_runs(queue: RunQueueStore, *, now: float, heartbeat_timeout: float, start_timeout: float) -> list[str]:
    """Mark runs whose worker is gone as failed; returns their ids."""
    failed = []
    for run in queue.running():
        last = max(run.heartbeat_at or 0.0, run.run.started_at or 0.0)
        if now - last > heartbeat_timeout:
            reason = (
                f"the run's process stopped sending heartbeats (last {now - last:.0f}s ago, timeout "
                f"{heartbeat_timeout:.0f}s{_worker(run)}): it was killed or its machine was lost; re-run the "
                "failed assets with `headwater materialize --select ...`"
            )
            _fail(queue.storage, run, reason)
            failed.append(run.run.run_id)
    for run in queue.queue(launched=True):
        if run.launched_at is not None and now - run.launched_at > start_timeout:
            reason = (
                f"the run's process{_worker(run)} did not start the run within {start_timeout:.0f}s of its "
                "launch; check the daemon's run logs for an import error, then queue the run again"
            )
            _fail(queue.storage, run, reason)
            failed.append(run.run.run_id)
    return failed


def fail_exited(queue: RunQueueStore, exited: dict[str, int]) -> list[str]:
    """Runs whose launched process exited without ending the run are marked failed at once."""
    failed: list[str] = []
    if not exited:
        return failed
    for run in [*queue.running(), *queue.queue(launched=True)]:
        code = exited.get(run.run.run_id)
        if code is not None:
            reason = f"the run's process{_worker(run)} exited with code {code} before the run ended"
            _fail(queue.storage, run, reason)
            failed.append(run.run.run_id)
    return failed


def _worker(run: QueuedRun) -> str:
    return f" {run.worker}" if run.worker else ""


def _fail(storage: Storage, run: QueuedRun, reason: str) -> None:
    run_id = run.run.run_id
    open_steps: dict[str, list[str]] = {}
    for record in storage.get_events(run_id, types=_STEP_EVENTS):
        event = record.event
        if event.step_key is None:
            continue
        if event.type is EventType.STEP_STARTED:
            open_steps[event.step_key] = []
        elif event.type in STEP_END_TYPES or event.type is EventType.ASSET_MATERIALIZED:
            open_steps.pop(event.step_key, None)
    now = time.time()
    tail = [
        Event(
            run_id=run_id,
            type=EventType.STEP_FAILED,
            step_key=step,
            timestamp=now,
            data={"error": reason, "asset_keys": [k.to_string() for k in run.run.asset_keys if k.to_string() == step]},
        )
        for step in sorted(open_steps)
    ]
    tail.append(Event(run_id=run_id, type=EventType.RUN_FAILED, timestamp=now, data={"error": reason}))
    storage.store_events(tail)
