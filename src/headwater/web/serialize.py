"""JSON shapes of runs, events and step timelines, shared by the API, the pages and the CLI's
``runs list|show --json``.

Derived from records only (no definitions needed), so a run page works even when the
project's code no longer loads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from headwater.events import (
    CheckEvaluated,
    CheckOutcome,
    EventRecord,
    EventType,
    RunEnded,
    RunRecord,
    StepFailedPayload,
    StepSkipped,
)
from headwater.keys import AssetKey
from headwater.tags import launched_by

_LEVELS = {
    EventType.STEP_FAILED: "error",
    EventType.RUN_FAILED: "error",
    EventType.STEP_SKIPPED: "warning",
    EventType.RUN_CANCELED: "warning",
}


def run_json(run: RunRecord) -> dict[str, Any]:
    """A run record as JSON, with its duration in seconds (None while it runs) and who or what
    launched it (``user:NAME``, ``schedule:NAME``, ...; None for a command or script)."""
    return {**run.to_json(), "launched_by": launched_by(run.tags)}


class StepEventLike(Protocol):
    """What ``steps_json`` reads of an event (an ``Event`` or a ``queries.StepEvent``)."""

    @property
    def type(self) -> EventType: ...
    @property
    def step_key(self) -> str | None: ...
    @property
    def timestamp(self) -> float: ...
    @property
    def asset_key(self) -> AssetKey | None: ...
    @property
    def data(self) -> Mapping[str, Any]: ...


def level_of(kind: EventType, data: Mapping[str, Any]) -> str:
    """An event's log level: error for failures (and failed error-severity checks), warning for
    skips, cancels and failed warning checks, else info."""
    if kind is EventType.CHECK_EVALUATED:
        outcome = CheckEvaluated.from_data(data).outcome
        if outcome is not CheckOutcome.PASSED:
            return "error" if outcome is CheckOutcome.FAILED else "warning"
    return _LEVELS.get(kind, "info")


def event_json(record: EventRecord) -> dict[str, Any]:
    """An event as JSON, with a log level (error for failures, warning for skips, else info)."""
    event = record.event
    check = CheckEvaluated.from_data(event.data).check if event.type is EventType.CHECK_EVALUATED else None
    level = level_of(event.type, event.data)
    return {
        "id": record.id,
        "run_id": event.run_id,
        "type": event.type.value,
        "level": level,
        "timestamp": event.timestamp,
        "step_key": event.step_key,
        "asset_key": event.asset_key.to_string() if event.asset_key is not None else None,
        "partition": event.partition,
        "check": check,
        "data": dict(event.data),
    }


def steps_json(events: Iterable[StepEventLike]) -> list[dict[str, Any]]:
    """One entry per step, in start order: status, start and end times, assets, error and traceback."""
    steps: dict[str, dict[str, Any]] = {}
    for event in events:
        key = event.step_key
        if key is None:
            continue
        step = steps.setdefault(
            key,
            {"step": key, "status": "queued", "start": None, "end": None, "assets": [], "error": None, "traceback": ""},
        )
        if event.type is EventType.STEP_STARTED:
            step["start"] = event.timestamp
            step["status"] = "running"
        elif event.type in (EventType.ASSET_MATERIALIZED, EventType.ASSET_OBSERVED):
            step["status"] = "succeeded"
            step["end"] = event.timestamp
            if event.asset_key is not None:
                step["assets"].append(event.asset_key.to_string())
        elif event.type is EventType.STEP_SUCCEEDED:
            step["status"] = "succeeded"
            step["end"] = event.timestamp
        elif event.type is EventType.STEP_FAILED:
            step["status"] = "failed"
            step["end"] = event.timestamp
            failure = StepFailedPayload.from_data(event.data)
            step["error"] = failure.error
            step["traceback"] = failure.traceback or ""
        elif event.type is EventType.STEP_SKIPPED:
            skipped = StepSkipped.from_data(event.data)
            step["end"] = event.timestamp
            if skipped.unchanged:  # memoized: its stored values stand, so the step counts as done
                step["status"] = "unchanged"
                step["assets"].extend(value.asset_key.to_string() for value in skipped.reused)
            else:
                step["status"] = "skipped"
                step["error"] = skipped.reason
        elif event.type is EventType.CHECK_EVALUATED:
            result = CheckEvaluated.from_data(event.data)
            if not result.passed:
                step.setdefault("failed_checks", []).append(result.check)
    return list(steps.values())


def run_detail_json(run: RunRecord, events: Sequence[StepEventLike], event_count: int) -> dict[str, Any]:
    """A run with its steps and errors (with tracebacks) from its ``events`` (of which it has ``event_count``).

    ``events`` need ``data`` only for failed and skipped steps, checks and a failed run.
    """
    steps = steps_json(events)
    errors: list[dict[str, Any]] = [
        {"step": s["step"], "error": s["error"], "traceback": s["traceback"]} for s in steps if s["status"] == "failed"
    ]
    for event in events:
        if event.type is EventType.RUN_FAILED:
            ended = RunEnded.from_data(event.data)
            if ended.traceback:
                errors.append({"step": None, "error": ended.error, "traceback": ended.traceback})
    return {**run_json(run), "steps": steps, "errors": errors, "event_count": event_count}
