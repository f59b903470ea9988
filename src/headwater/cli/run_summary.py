"""Per-asset outcomes of a run, derived from its events only (no definitions needed).

Used after ``materialize`` and by ``runs show``; knows the event vocabulary, not storage.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from headwater.events import (
    AssetMaterialized,
    AssetObserved,
    CheckEvaluated,
    Event,
    EventType,
    StepFailedPayload,
    StepSkipped,
)


@dataclass(kw_only=True)
class AssetOutcome:
    """What happened to one asset (or one asset-less step) in a run."""

    key: str
    step: str
    status: str = "not run"
    started: float | None = None
    ended: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    checks: list[tuple[str, bool]] = field(default_factory=list)
    error: str | None = None

    @property
    def duration(self) -> float | None:
        """Seconds from the step's start to this asset's end event."""
        if self.started is None or self.ended is None:
            return None
        return max(0.0, self.ended - self.started)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "asset": self.key,
            "step": self.step,
            "status": self.status,
            "duration": self.duration,
            "metadata": self.metadata,
            "checks": [{"name": name, "passed": passed} for name, passed in self.checks],
            "error": self.error,
        }


@dataclass(kw_only=True)
class StepFailure:
    """A failed step: its error message and traceback."""

    step: str
    error: str
    traceback: str = ""


@dataclass(kw_only=True)
class RunOutcome:
    """Outcomes per asset in the order they happened, and the failures."""

    assets: dict[str, AssetOutcome] = field(default_factory=dict)
    failures: list[StepFailure] = field(default_factory=list)

    def rows(self) -> list[AssetOutcome]:
        """Outcomes in the order first seen."""
        return list(self.assets.values())


def _asset_keys(event: Event) -> list[str]:
    if event.asset_key is not None:
        return [event.asset_key.to_string()]
    payload = event.payload()
    keys = payload.asset_keys if isinstance(payload, StepFailedPayload | StepSkipped) else ()
    return [k.to_string() for k in keys] if keys else [event.step_key or "?"]


def summarise(events: Iterable[Event], expected: Iterable[str] = ()) -> RunOutcome:
    """Fold a run's events into per-asset outcomes; ``expected`` keys start as "not run"."""
    out = RunOutcome()
    started: dict[str, float] = {}

    def outcome(key: str, step: str) -> AssetOutcome:
        found = out.assets.get(key)
        if found is None:
            found = out.assets[key] = AssetOutcome(key=key, step=step)
        return found

    for key in expected:
        outcome(key, key)
    for event in events:
        step = event.step_key or ""
        if event.type is EventType.STEP_STARTED:
            started[step] = event.timestamp
            continue
        if event.type is EventType.CHECK_EVALUATED and event.asset_key is not None:
            row = outcome(event.asset_key.to_string(), step)
            result = CheckEvaluated.from_data(event.data)
            row.checks.append((result.check or "?", result.passed))
            continue
        status = {
            EventType.ASSET_MATERIALIZED: "materialized",
            EventType.ASSET_STAGED: "held back",  # a materialization follows when it is published
            EventType.ASSET_OBSERVED: "observed",
            EventType.STEP_SUCCEEDED: "succeeded",
            EventType.STEP_FAILED: "failed",
            EventType.STEP_SKIPPED: "skipped",
        }.get(event.type)
        if status is None:
            continue
        payload = event.payload()
        if isinstance(payload, StepSkipped) and payload.unchanged:
            status = "unchanged"  # not run: the stored values stand (memoization)
        error = (
            payload.error
            if isinstance(payload, StepFailedPayload)
            else payload.reason
            if isinstance(payload, StepSkipped) and not payload.unchanged
            else None
        )
        for key in _asset_keys(event):
            row = outcome(key, step)
            row.step = step or row.step
            row.status = status
            row.started = started.get(step)
            row.ended = event.timestamp
            if isinstance(payload, AssetMaterialized | AssetObserved) and payload.metadata:
                row.metadata = dict(payload.metadata)
            row.error = str(error) if error else None
        if isinstance(payload, StepFailedPayload):
            out.failures.append(StepFailure(step=step, error=str(error or "failed"), traceback=payload.traceback or ""))
    return out


def finished_step(event: Event) -> str | None:
    """The step key if ``event`` ends a step (a materialization counts: success is implicit)."""
    if event.type in (
        EventType.ASSET_MATERIALIZED,
        EventType.ASSET_OBSERVED,
        EventType.STEP_SUCCEEDED,
        EventType.STEP_FAILED,
        EventType.STEP_SKIPPED,
    ):
        return event.step_key
    return None


def outcome_table(outcome: RunOutcome) -> Any:
    """A Rich table: asset, status, duration, checks, metadata."""
    from headwater.cli import output

    grid = output.table("asset", "status", "duration", "checks", "metadata")
    for row in outcome.rows():
        passed = sum(1 for _, ok in row.checks if ok)
        checks = f"{passed}/{len(row.checks)} passed" if row.checks else ""
        grid.add_row(
            output.text(row.key),
            output.text(row.status, output.STATUS_STYLES.get(row.status)),
            output.text(output.duration(row.duration)),
            output.text(checks, None if passed == len(row.checks) else "red"),
            output.text(output.short_metadata(row.metadata)),
        )
    return grid
