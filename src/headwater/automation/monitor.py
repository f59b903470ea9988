"""Run monitoring: a started run whose process stopped heartbeating (or, on this host, whose process
is gone), or a launched run that never started, is marked failed with the reason. Steps that were
running get a STEP_FAILED, so nothing half-written counts as materialized; finished steps keep their
materializations. A run marked failed while its own process still runs on this host has that process
stopped (SIGTERM, then SIGKILL), so nothing keeps working on a run the log calls dead.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from pathlib import Path

from headwater.errors import HeadwaterError, RunNotActive
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

STOP_GRACE = 5.0
"""Seconds a run process stopped with SIGTERM has to exit before it gets SIGKILL."""

_PROC = Path("/proc")


def dead_runs(
    queue: RunQueueStore,
    *,
    now: float,
    heartbeat_timeout: float,
    start_timeout: float,
    graph: AssetGraph | None = None,
    stop_grace: float | None = STOP_GRACE,
) -> list[str]:
    """Mark runs whose worker is gone as failed; returns their ids (``graph`` names each open step's
    assets, e.g. every output of a multi-asset step). A failed run whose own process still runs on this
    host is stopped after its failure is written (``stop_grace`` None: left running)."""
    failed = []
    for run in queue.running():
        last = max(run.heartbeat_at or 0.0, run.run.started_at or 0.0)
        if now - last > heartbeat_timeout:
            pid = own_process(run.worker, run.run.started_at) if stop_grace is not None else None
            silent = f"stopped sending heartbeats (last {now - last:.0f}s ago, timeout {heartbeat_timeout:.0f}s"
            if pid is None:
                reason = (
                    f"the run's process {silent}{_worker(run)}): it was killed or its machine was lost; re-run the "
                    "failed assets with `headwater materialize --select ...`"
                )
            else:
                reason = (
                    f"the run's process {run.worker} {silent}) while still running on this host (hung or "
                    f"paused): {_stopping(stop_grace)}; re-execute the failed steps with "
                    f"`headwater runs reexecute {run.run.run_id} --from-failure`"
                )
            _fail(queue.storage, run, reason, graph)
            failed.append(run.run.run_id)
            _stop(pid, run.run.started_at, stop_grace)
        elif now - last > GONE_AFTER and (gone := process_gone(run.worker, run.run.started_at)) is not None:
            reason = (
                f"the run's process {gone}: it was killed (e.g. kill -9) or crashed; re-execute the failed "
                f"steps with `headwater runs reexecute {run.run.run_id} --from-failure`"
            )
            _fail(queue.storage, run, reason, graph)
            failed.append(run.run.run_id)
    for run in queue.queue(launched=True):
        if run.launched_at is not None and now - run.launched_at > start_timeout:
            pid = own_process(run.worker, run.launched_at) if stop_grace is not None else None
            _fail(queue.storage, run, _not_started(run, now, start_timeout, pid, stop_grace), graph)
            failed.append(run.run.run_id)
            _stop(pid, run.launched_at, stop_grace)
    return failed


def _not_started(run: QueuedRun, now: float, start_timeout: float, pid: int | None, grace: float | None) -> str:
    """What happened to a launched run that did not start within ``start_timeout``, as far as this host can tell."""
    output = f"its output is in run-logs/{run.run.run_id}.log under HEADWATER_HOME"
    if pid is not None:
        return (
            f"the run's process {run.worker} was still running {now - (run.launched_at or now):.0f}s after its "
            f"launch without having started the run (start_timeout {start_timeout:.0f}s): it was held up before "
            f"the first step, loading the definitions or preparing the run; {_stopping(grace)}; {output}; "
            "queue the run again, or raise [runs] start_timeout"
        )
    gone = process_gone(run.worker, run.launched_at)
    if gone is not None:
        return (
            f"the run's process {gone} and never started the run: it failed before the first step, e.g. on "
            f"an import error in the definitions; {output}; fix it, then queue the run again"
        )
    return (
        f"the run's process{_worker(run)} did not start the run within {start_timeout:.0f}s of its "
        "launch; check the daemon's run logs for an import error, then queue the run again"
    )


def _stopping(grace: float | None) -> str:
    return f"the monitor stops it (SIGTERM, then SIGKILL after {grace or 0:g} s)"


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
    pid = _local_pid(worker)
    if pid is None:
        return None
    try:
        found = _stat(pid)
    except OSError:
        return None
    if found is None:
        return f"{worker} is no longer running on this host"
    state, began = found
    if state in ("Z", "X"):
        return f"{worker} has exited on this host"
    if started_at is not None and began is not None and began > started_at + 1.0:  # boot time: whole seconds
        return f"{worker} is gone from this host: pid {pid} is now another program, started after the run"
    return None


def own_process(worker: str | None, since: float | None) -> int | None:
    """The pid of ``worker`` (``host:pid``) when it is a live process of this host that began by ``since``
    (so the run's own, not a later program given the same pid) and this process may signal it."""
    pid = _local_pid(worker)
    if pid is None or since is None or pid == os.getpid():
        return None
    try:
        found = _stat(pid)
        if found is None or found[0] in ("Z", "X") or found[1] is None or found[1] > since + 1.0:
            return None
        os.kill(pid, 0)  # raises PermissionError for another user's process
    except OSError:
        return None
    return pid


def _stop(pid: int | None, since: float | None, grace: float | None) -> None:
    """SIGTERM the run's process (its process group when it leads one), then SIGKILL after ``grace``."""
    if pid is None or grace is None:
        return
    group = pid != os.getpgrp() and _leads_group(pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            (os.killpg if group else os.kill)(pid, sig)
        deadline = time.monotonic() + grace
        while own_process(f"{socket.gethostname()}:{pid}", since) == pid:
            if time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        else:
            return


def _leads_group(pid: int) -> bool:
    try:
        return os.getpgid(pid) == pid
    except OSError:
        return False


def _local_pid(worker: str | None) -> int | None:
    """The pid of ``worker`` when it names a process of this host and ``/proc`` can tell about it."""
    host, _, pid_text = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit() or not (_PROC / "self" / "stat").exists():
        return None
    return int(pid_text)


def _stat(pid: int) -> tuple[str, float | None] | None:
    """(state letter, start time in epoch seconds) of ``pid`` from ``/proc``; None when there is no such pid."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except FileNotFoundError:
        return None
    # The command name in parentheses may hold spaces: the fields that follow are state, ppid, ...
    fields = stat[stat.rindex(")") + 2 :].split()
    lines = (_PROC / "stat").read_text().splitlines()
    boot = next((float(line.split()[1]) for line in lines if line.startswith("btime ")), None)
    began = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK") if boot is not None else None
    return fields[0], began


def terminate(queue: RunQueueStore, run_id: str, *, graph: AssetGraph | None = None, grace: float = STOP_GRACE) -> str:
    """Stop the started run ``run_id`` now, inside a step too: record its open steps failed and the run
    canceled (unless it ended by itself meanwhile), then SIGTERM its process group (the run's process and
    what its steps started) and SIGKILL it after ``grace``. Returns the worker stopped.

    Raises:
        HeadwaterError: the run is not started, or its process is not one this host may signal.
    """
    found = next((run for run in queue.running() if run.run.run_id == run_id), None)
    if found is None:
        raise HeadwaterError(
            f"run '{run_id}' is not running, so there is no process to terminate: a queued run is canceled "
            f"with `headwater runs cancel {run_id}`, and a finished one has nothing left to stop"
        )
    queue.request_cancel(run_id)  # if it cannot be signalled, it still stops before its next step
    pid = own_process(found.worker, found.run.started_at)
    if pid is None:
        raise HeadwaterError(
            f"run '{run_id}' runs in process {found.worker or '(unknown)'}, which this server cannot signal "
            f"(another host or user, or this server itself): it was asked to cancel and stops before its next "
            "step; stop that process where it runs to end the current step now"
        )
    # Recorded first, as the monitor does: from then on the event log refuses the process's writes.
    reason = f"terminated on request: its process {found.worker} and the processes its steps started were stopped"
    _fail(queue.storage, found, reason, graph, end=EventType.RUN_CANCELED)
    _stop(pid, found.run.started_at, grace)
    return found.worker or str(pid)


def _worker(run: QueuedRun) -> str:
    return f" {run.worker}" if run.worker else ""


def _fail(
    storage: Storage, run: QueuedRun, reason: str, graph: AssetGraph | None, *, end: EventType = EventType.RUN_FAILED
) -> None:
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
    tail.append(Event(run_id=run_id, type=end, timestamp=now, data=RunEnded(error=reason).to_data()))
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
