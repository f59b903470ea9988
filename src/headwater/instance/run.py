"""Drive one run: write its start, feed the scheduling loop's batches to
storage, and always write how it ended, even when the process is interrupted.
"""

from __future__ import annotations

import contextlib
import time
import traceback
from collections.abc import Callable
from dataclasses import replace

from headwater.events import Event, EventType, RunRecord
from headwater.execution import capture
from headwater.execution.loop import Batch, PlanExecution
from headwater.execution.pools import StepPool
from headwater.execution.slots import StepSlots
from headwater.execution.step import RunSpec
from headwater.graph.plan import Plan
from headwater.instance.event_writer import EventWriter
from headwater.storage import Storage

OnBatch = Callable[[Batch], None]


def execute_run(
    storage: Storage,
    run: RunRecord,
    plan: Plan,
    pool: StepPool,
    spec: RunSpec,
    *,
    on_batch: OnBatch | None = None,
    is_canceled: Callable[[], bool] = lambda: False,
    slots: StepSlots | None = None,
) -> list[Event]:
    """Run ``plan`` as ``run``; returns every event written. The run ends failed on any error.

    ``slots`` limits how many steps of a pool run at once; the loop asks it before submitting one.
    """
    events: list[Event] = []
    subsets = plan.subsets
    if subsets:
        spec = replace(spec, subsets=subsets)
    writer = EventWriter(storage, run.run_id)

    def write(batch_events: list[Event], logs: list[tuple[str, str]] | None = None) -> None:
        writer.add(batch_events, logs or ())
        events.extend(batch_events)

    write([Event(run_id=run.run_id, type=EventType.RUN_STARTED, data={"steps": len(plan.steps)})])
    execution = PlanExecution(
        plan=plan,
        spec=spec,
        submit=lambda key: pool.submit(key, spec),
        max_concurrent=pool.max_workers,
        is_canceled=lambda: writer.cancel_requested or is_canceled(),
        slots=slots,
    )
    started: set[str] = set()
    try:
        with capture.routed():
            for batch in execution:
                write(batch.events, batch.logs)
                for event in batch.events:
                    if event.type is EventType.STEP_STARTED and event.step_key:
                        started.add(event.step_key)
                    elif event.step_key:
                        started.discard(event.step_key)
                if on_batch is not None:
                    on_batch(batch)
    except BaseException as exc:
        reason = f"the run was interrupted: {type(exc).__name__}: {exc}".rstrip(": ")
        tail = [
            Event(
                run_id=run.run_id,
                type=EventType.STEP_FAILED,
                step_key=key,
                data={"error": reason, "asset_keys": [k.to_string() for k in plan.steps[key].asset_keys]},
            )
            for key in sorted(started)
        ]
        tail.append(
            Event(
                run_id=run.run_id,
                type=EventType.RUN_FAILED,
                data={"error": reason, "traceback": "".join(traceback.format_exception(exc))},
            )
        )
        # The original error matters more than a storage failure while recording it.
        with contextlib.suppress(Exception):
            write(tail)
            writer.close()
        raise
    if execution.canceled:
        end = EventType.RUN_CANCELED
        data = {"error": "canceled"}
    elif execution.failed or execution.skipped:
        end = EventType.RUN_FAILED
        data = {"error": _failure_summary(execution)}
    else:
        end = EventType.RUN_SUCCEEDED
        data = {}
    write([Event(run_id=run.run_id, type=end, timestamp=time.time(), data=data)])
    writer.close()
    return events


def _failure_summary(execution: PlanExecution) -> str:
    """One line on why the run failed: failed steps, blocking checks, skipped steps."""
    parts = []
    if execution.failed:
        parts.append(f"{len(execution.failed)} step(s) failed ({', '.join(execution.failed)})")
    if execution.blocked:
        parts.append(f"a blocking check failed on {', '.join(execution.blocked)}")
    if execution.skipped:
        parts.append(f"{len(execution.skipped)} downstream step(s) skipped")
    return "; ".join(parts)
