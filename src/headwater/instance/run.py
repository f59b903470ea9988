"""A materialization run: the scheduling loop's batches fed to the run's driver, which writes its
start and always writes how it ended, even when the process is interrupted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from headwater.events import Event, RunRecord
from headwater.execution import capture
from headwater.execution.loop import Batch, PlanExecution
from headwater.execution.pools import StepPool
from headwater.execution.run_driver import RunDriver
from headwater.execution.slots import StepSlots
from headwater.execution.step import RunSpec, StepOutcome
from headwater.graph.plan import Plan
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
    on_outcome: Callable[[StepOutcome], StepOutcome] | None = None,
    failure: Callable[[PlanExecution, Sequence[Event]], str | None] | None = None,
) -> list[Event]:
    """Run ``plan`` as ``run`` through the scheduling loop; returns every event written.

    The run's lifecycle (start, group commits, heartbeat and cancel, interruption, end) is the
    ``RunDriver``'s. The loop's hooks: ``slots`` limits how many steps of a pool run at once (asked
    before a step is submitted); ``on_outcome`` sees each step's outcome first (provenance stamping).
    ``failure`` says why the run failed, from the loop and the events written (None: it succeeded);
    by default, failed and skipped steps.
    """
    subsets = plan.subsets
    if subsets:
        spec = replace(spec, subsets=subsets)
    steps = {key: step.asset_keys for key, step in plan.steps.items()}
    with RunDriver(storage, run, steps) as driver:
        execution = PlanExecution(
            plan=plan,
            spec=spec,
            submit=lambda key: pool.submit(key, spec),
            max_concurrent=pool.max_workers,
            is_canceled=lambda: driver.cancel_requested or is_canceled(),
            slots=slots,
            on_outcome=on_outcome,
        )
        with capture.routed():
            for batch in execution:
                driver.write(batch.events, batch.logs)
                if on_batch is not None:
                    on_batch(batch)
        if execution.canceled:
            driver.end(canceled=True)
        elif (error := (failure or _failed_steps)(execution, driver.events)) is not None:
            driver.end(error=error)
    return driver.events


def _failed_steps(execution: PlanExecution, events: Sequence[Event]) -> str | None:
    return _failure_summary(execution) if execution.failed or execution.skipped else None


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
