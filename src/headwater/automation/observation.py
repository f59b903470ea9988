"""Observing source assets: call their ``observe=`` functions and record what they return.

One run per round of observations: a plan of outside work run by the scheduling loop under the
run driver, like every run (``ASSET_OBSERVED`` per success, ``STEP_FAILED`` with the error per
failure). Used by ``headwater observe`` and by the daemon, which observes each source asset with
an ``observe_interval`` when it is due. A failed observation is due again at the next tick:
whether an asset is due is read from the event log, so a restarted daemon agrees.
"""

from __future__ import annotations

import time
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from headwater.definitions import Output
from headwater.errors import HeadwaterError
from headwater.events import AssetObserved, Event, EventType, RunRecord, StepFailedPayload
from headwater.execution.loop import PlanExecution
from headwater.execution.pools import InlinePool
from headwater.execution.recording import json_safe
from headwater.execution.run_driver import execute_run
from headwater.execution.step import RunSpec, StepOutcome
from headwater.graph import AssetGraph
from headwater.graph.plan import outside_plan
from headwater.keys import AssetKey
from headwater.storage import Storage
from headwater.tags import AUTOMATION, KIND

KIND_TAG = KIND
"""Run tag telling runs that record outside work (``observe``, ``report``) from materializations."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Observed:
    """A round of observations: its run, the events written and the errors of failed observations."""

    run: RunRecord
    events: list[Event]
    errors: list[str]

    def to_json(self) -> dict[str, Any]:
        """The run id, the keys observed and the error of each failed observation, by key."""
        return {
            "run_id": self.run.run_id,
            "observed": [e.step_key for e in self.events if e.type is EventType.ASSET_OBSERVED],
            "failed": {
                e.step_key: StepFailedPayload.from_data(e.data).error
                for e in self.events
                if e.type is EventType.STEP_FAILED
            },
        }


def outside_run(
    kind: str,
    keys: tuple[AssetKey, ...],
    select: str,
    partition: str | None,
    tags: Mapping[str, str] | None = None,
) -> RunRecord:
    """A new run of ``kind`` (observe, report) over ``keys``, to be added to storage and run."""
    return RunRecord(
        run_id=uuid.uuid4().hex,
        selection=select,
        asset_keys=keys,
        partition=partition,
        tags={KIND_TAG: kind, **(tags or {})},
    )


def outside_errors(execution: PlanExecution, events: Sequence[Event]) -> str | None:
    """Why a run of outside work failed: the errors of its failed steps, or None."""
    errors = [StepFailedPayload.from_data(e.data).error for e in events if e.type is EventType.STEP_FAILED]
    return "; ".join(errors) if errors else None


def observation_data(key: AssetKey, result: Any) -> AssetObserved:
    """The observation an ``observe=`` function returned; HeadwaterError for anything else."""
    if isinstance(result, Output):
        if result.data_version is None:
            raise HeadwaterError(
                f"the observe function of '{key}' returned hw.Output without data_version=; "
                "return the data version as a string, or hw.Output(None, data_version=..., metadata=...)"
            )
        metadata = json_safe(result.metadata) if result.metadata else {}
        return AssetObserved(data_version=str(result.data_version), metadata=metadata)
    if isinstance(result, (str, int)) and not isinstance(result, bool):
        return AssetObserved(data_version=str(result))
    raise HeadwaterError(
        f"the observe function of '{key}' returned {type(result).__name__}; return its data version as a "
        "string (e.g. a file's modification time or a table's row count), or "
        "hw.Output(None, data_version=..., metadata=...)"
    )


def observe_keys(
    storage: Storage,
    graph: AssetGraph,
    keys: tuple[AssetKey, ...],
    select: str,
    *,
    now: float | None = None,
    tags: Mapping[str, str] | None = None,
) -> Observed:
    """Call the ``observe=`` function of each of ``keys`` (in order) in one run, recording each outcome.

    A function that raises or returns something unusable is recorded as ``STEP_FAILED`` with the
    error (the run fails); the other observations are still recorded.
    """
    run = outside_run("observe", keys, select, None, tags)
    storage.add_run(run)
    plan = outside_plan(keys)

    def observe(step_key: str, spec: RunSpec) -> StepOutcome:
        event = _observe(run, graph, plan.steps[step_key].asset_keys[0], now)
        return StepOutcome(step_key=step_key, events=[event], logs="", failed=event.type is EventType.STEP_FAILED)

    events = execute_run(storage, run, plan, InlinePool(observe), RunSpec(run_id=run.run_id), failure=outside_errors)
    errors = [StepFailedPayload.from_data(e.data).error for e in events if e.type is EventType.STEP_FAILED]
    return Observed(run=storage.get_run(run.run_id) or run, events=events, errors=errors)


def _observe(run: RunRecord, graph: AssetGraph, key: AssetKey, now: float | None) -> Event:
    """The event of one observation: ASSET_OBSERVED, or STEP_FAILED with the error."""
    fn: Callable[..., Any] | None = graph.nodes[key].spec.observe
    try:
        if fn is None:
            raise HeadwaterError(f"source asset '{key}' has no observe= function; declare one to observe it")
        observed = observation_data(key, fn())
        return Event(
            run_id=run.run_id,
            type=EventType.ASSET_OBSERVED,
            timestamp=now if now is not None else time.time(),
            step_key=key.to_string(),
            asset_key=key,
            data=observed.to_data(),
        )
    except Exception as exc:
        message = (
            str(exc) if isinstance(exc, HeadwaterError) else f"observing '{key}' raised {type(exc).__name__}: {exc}"
        )
        return Event(
            run_id=run.run_id,
            type=EventType.STEP_FAILED,
            timestamp=now if now is not None else time.time(),
            step_key=key.to_string(),
            data=StepFailedPayload(
                error=message, traceback="".join(traceback.format_exception(exc)), asset_keys=(key,)
            ).to_data(),
        )


def due_observations(storage: Storage, graph: AssetGraph, now: float) -> tuple[AssetKey, ...]:
    """Source assets with an ``observe_interval`` to observe at ``now``, in graph order.

    Due: never observed, observed ``observe_interval`` or longer ago, or the last attempt failed
    (a failure is retried at the next tick instead of waiting a whole interval).
    """
    scheduled = [k for k in graph.keys if graph.nodes[k].spec.observe_interval is not None]
    if not scheduled:
        return ()
    observed = storage.latest("observation", scheduled)
    failed = storage.latest("failure", scheduled)
    due: list[AssetKey] = []
    for key in scheduled:
        interval = graph.nodes[key].spec.observe_interval or timedelta(0)
        last, failure = observed.get(key), failed.get(key)
        if last is None or (failure is not None and failure.id > last.id):
            due.append(key)  # never observed, or the last attempt failed: retry now
        elif now - last.event.timestamp >= interval.total_seconds():
            due.append(key)
    return tuple(due)


def observe_due(storage: Storage, graph: AssetGraph, now: float) -> Observed | None:
    """Observe the source assets that are due (one run for all of them), or return None if none is."""
    keys = due_observations(storage, graph, now)
    if not keys:
        return None
    selection = " ".join(k.to_string() for k in keys)
    return observe_keys(storage, graph, keys, selection, now=now, tags={AUTOMATION: "observe"})
