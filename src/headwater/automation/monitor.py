"""Run monitoring: a started run whose process stopped heartbeating (or, on this host, whose process
is gone), or a launched run that never started, is marked failed with the reason. Steps that were
running get a STEP_FAILED, so nothing half-written counts as materialized; finished steps keep their
materializations.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from pathlib import Path

from headwater.errors import RunNotActive
from headwater.events import STEP_END_TYPES, Event, EventType, RunEnded, RunStatus, StepFailedPayload
from headwater.graph import AssetGraph
from headwater.keys import AssetKey
from headwater.storage import Storage
from headwater.storage.run_queue import QueuedRun, RunQueueStore

_STEP_EVENTS = (EventType.STEP_STARTED, EventType.ASSET_MATERIALIZED, *STEP_END_TYPES)

GONE_AFTER = 2.0
"""Seconds without a heartbeat before a run whose process is gone from this host is failed. The run
process beats every 0.5 s, so a live one that only looks gone (a container with the same host name
but its own process ids) never goes this long, and is left to the heartbeat timeout."""

_PROC = Path("/proc")


def dead_runs(
    queue: RunQueueStore,
    *,
    now: float,
    heartbeat_timeout: float,
    start_timeout: float,
    graph: AssetGraph | None = None,
) -> list[str]:
    """Mark runs whose worker is gone as failed; returns their ids (``graph`` names each open step's
    assets, e.g. every output of a multi-asset step)."""
    failed = []
    for run in queue.running():
        last = max(run.heartbeat_at or 0.0, run.run.started_at or 0.0)
        if now - last > heartbeat_timeout:
            reason = (
                f"the run's process stopped sending heartbeats (last {now - last:.0f}s ago, timeout "
                f"{heartbeat_timeout:.0f}s{_worker(run)}): it was killed or its machine was lost; re-run the "
                "failed assets with `headwater materialize --select ...`"
            )
            _fail(queue.storage, run, reason, graph)
            failed.append(run.run.run_id)
        elif now - last > GONE_AFTER and (gone := process_gone(run.worker, run.run.started_at)) is not None:
            reason = (
                f"the run's process {gone}: it was killed (e.g. kill -9) or crashed; re-execute the failed "
                f"steps with `headwater runs reexecute {run.run.run_id} --from-failure`"
            )
            _fail(queue.storage, run, reason, graph)
            failed.append(run.run.run_id)
    for run in queue.queue(launched=True):
        if run.launched_at is not None and now - run.launched_at > start_timeout:
            reason = (
                f"the run's process{_worker(run)} did not start the run within {start_timeout:.0f}s of its "
                "launch; check the daemon's run logs for an import error, then queue the run again"
            )
            _fail(queue.storage, run, reason, graph)
            failed.append(run.run.run_id)
    return failed


def fail_exited(queue: RunQueueStore, exited: dict[str, int], graph: AssetGraph | None = None) -> list[str]:
    """Runs whose launched process exited without ending the run are marked failed at once."""
    failed: list[str] = []
    if not exited:
        return failed
    for run in [*queue.running(), *queue.queue(launched=True)]:
        code = exited.get(run.run.run_id)
        if code is not None:
            reason = f"the run's process{_worker(run)} exited with code {code} before the run ended"
            _fail(queue.storage, run, reason, graph)
            failed.append(run.run.run_id)
    return failed


def process_gone(worker: str | None, started_at: float | None) -> str | None:
    """How the run's process ``worker`` (``host:pid``) is known to be gone from this host, or None
    when it still runs or this host cannot tell (another host, or no ``/proc``: the timeout decides)."""
    host, _, pid_text = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit() or not (_PROC / "self" / "stat").exists():
        return None
    try:
        stat = (_PROC / pid_text / "stat").read_text()
    except FileNotFoundError:
        return f"{worker} is no longer running on this host"
    except OSError:
        return None
    # The command name in parentheses may hold spaces: the fields that follow are state, ppid, ...
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return f"{worker} has exited on this host"
    lines = (_PROC / "stat").read_text().splitlines()
    boot = next((float(line.split()[1]) for line in lines if line.startswith("btime ")), None)
    if started_at is not None and boot is not None:
        began = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
        if began > started_at + 1.0:  # the boot time is in whole seconds
            return f"{worker} is gone from this host: pid {pid_text} is now another program, started after the run"
    return None


def _worker(run: QueuedRun) -> str:
    return f" {run.worker}" if run.worker else ""


def _fail(storage: Storage, run: QueuedRun, reason: str, graph: AssetGraph | None) -> None:
    run_id = run.run.run_id
    open_steps: set[str] = set()
    materialized: set[str] = set()
    for record in storage.get_events(run_id, types=_STEP_EVENTS):
        event = record.event
        if event.type is EventType.ASSET_MATERIALIZED and event.asset_key is not None:
            materialized.add(event.asset_key.to_string())
        if event.step_key is None:
            continue
        if event.type is EventType.STEP_STARTED:
            open_steps.add(event.step_key)
        elif event.type in STEP_END_TYPES:
            open_steps.discard(event.step_key)
    now = time.time()
    tail = []
    for step in sorted(open_steps):
        keys = [k for k in _step_keys(step, run, graph) if k.to_string() not in materialized]
        if not keys:
            continue  # every output was stored before the process died
        partitioned = graph is not None and keys[0] in graph.nodes and graph.spec(keys[0]).partitions is not None
        tail.append(
            Event(
                run_id=run_id,
                type=EventType.STEP_FAILED,
                step_key=step,
                partition=run.run.partition if partitioned else None,
                timestamp=now,
                data=StepFailedPayload(error=reason, asset_keys=tuple(keys)).to_data(),
            )
        )
    tail.append(Event(run_id=run_id, type=EventType.RUN_FAILED, timestamp=now, data=RunEnded(error=reason).to_data()))
    if run.run.status is not RunStatus.STARTED:
        storage.store_events(tail)
        return
    with contextlib.suppress(RunNotActive):  # the run ended by itself meanwhile: its own end stands
        storage.store_events(tail, for_run=run_id)


def _step_keys(step: str, run: QueuedRun, graph: AssetGraph | None) -> list[AssetKey]:
    """The assets the run computes in ``step``: every output of its op (a step is named by its op)."""
    op = graph.ops.get(step) if graph is not None else None
    in_run = set(run.run.asset_keys)
    if op is not None:
        return [k for k in op.keys if k in in_run or not in_run]
    return [k for k in run.run.asset_keys if k.to_string() == step]
