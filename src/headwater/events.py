"""The event vocabulary: what a run records, and the run record itself.

A run is a sequence of events. A step's outcome is its last batch of events:
the materializations (or observations) it produced when it succeeds, a
``STEP_FAILED`` or ``STEP_SKIPPED`` otherwise; ``STEP_SUCCEEDED`` is written
only for a step that produced no asset event. Keeping success implicit keeps
the log at two rows per materialized asset. Pure data: no I/O here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from headwater.keys import AssetKey


class EventType(StrEnum):
    """Kinds of events in the event log."""

    RUN_STARTED = "run_started"
    RUN_SUCCEEDED = "run_succeeded"
    RUN_FAILED = "run_failed"
    RUN_CANCELED = "run_canceled"
    STEP_STARTED = "step_started"
    STEP_SUCCEEDED = "step_succeeded"
    STEP_FAILED = "step_failed"
    STEP_RETRYING = "step_retrying"
    STEP_SKIPPED = "step_skipped"
    ASSET_MATERIALIZED = "asset_materialized"
    ASSET_OBSERVED = "asset_observed"
    CHECK_EVALUATED = "check_evaluated"


RUN_END_TYPES = frozenset({EventType.RUN_SUCCEEDED, EventType.RUN_FAILED, EventType.RUN_CANCELED})
STEP_END_TYPES = frozenset({EventType.STEP_SUCCEEDED, EventType.STEP_FAILED, EventType.STEP_SKIPPED})


class RunStatus(StrEnum):
    """Lifecycle of a run."""

    QUEUED = "queued"
    STARTED = "started"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def finished(self) -> bool:
        """Whether the run has ended."""
        return self in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELED)


class CheckSeverity(StrEnum):
    """How much a failed check matters: ``error`` fails it, ``warn`` only warns."""

    ERROR = "error"
    WARN = "warn"


class CheckOutcome(StrEnum):
    """The verdict of one check evaluation: the one definition of "a check failed".

    ``failed`` is a failed evaluation of an ``error``-severity check, or a check that raised; a
    ``warn``-severity check that ran and did not pass is ``warned``. Whether a failed check also
    stops its asset's downstream in a run is ``blocking``, a separate property of the check.
    """

    PASSED = "passed"
    FAILED = "failed"
    WARNED = "warned"


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckEvaluated:
    """The payload of a ``CHECK_EVALUATED`` event: one check's result on one value of its asset."""

    check: str
    passed: bool
    severity: CheckSeverity = CheckSeverity.ERROR
    blocking: bool = False
    metadata: Mapping[str, Any] = field(default_factory=dict)
    description: str | None = None
    error: str | None = None

    @property
    def outcome(self) -> CheckOutcome:
        """passed, warned (a warn-severity check that did not pass) or failed (any other that did not pass,
        or one that raised)."""
        if self.passed:
            return CheckOutcome.PASSED
        if self.error is None and self.severity is CheckSeverity.WARN:
            return CheckOutcome.WARNED
        return CheckOutcome.FAILED  # a check that raised could not vouch for the value, whatever its severity

    @property
    def blocks_downstream(self) -> bool:
        """Whether this result stops the asset's downstream in its run: a failed blocking check."""
        return self.blocking and self.outcome is CheckOutcome.FAILED

    def to_data(self) -> dict[str, Any]:
        """The event's ``data``: the stored JSON form (``warned`` is written for a warned result)."""
        data: dict[str, Any] = {
            "check": self.check,
            "severity": self.severity.value,
            "blocking": self.blocking,
            "passed": self.passed,
        }
        if self.metadata:
            data["metadata"] = dict(self.metadata)
        if self.description:
            data["description"] = self.description
        if self.error is not None:
            data["error"] = self.error
        if self.outcome is CheckOutcome.WARNED:
            data["warned"] = True
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> CheckEvaluated:
        """Read a stored payload; older events (no severity, a ``name`` key) read with their defaults."""
        severity = data.get("severity")
        metadata = data.get("metadata")
        description = data.get("description")
        error = data.get("error")
        return cls(
            check=str(data.get("check", data.get("name", ""))),
            passed=bool(data.get("passed")),
            severity=CheckSeverity.WARN if severity == CheckSeverity.WARN.value else CheckSeverity.ERROR,
            blocking=bool(data.get("blocking")),
            metadata=dict(metadata) if isinstance(metadata, Mapping) else {},
            description=str(description) if description is not None else None,
            error=str(error) if error is not None else None,
        )


RUN_STATUS_BY_EVENT: Mapping[EventType, RunStatus] = {
    EventType.RUN_STARTED: RunStatus.STARTED,
    EventType.RUN_SUCCEEDED: RunStatus.SUCCEEDED,
    EventType.RUN_FAILED: RunStatus.FAILED,
    EventType.RUN_CANCELED: RunStatus.CANCELED,
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    """One thing that happened in a run.

    ``data`` is a JSON-serialisable payload: metadata, data and code versions,
    an error message and traceback, a check result.
    """

    run_id: str
    type: EventType
    timestamp: float = field(default_factory=time.time)
    step_key: str | None = None
    asset_key: AssetKey | None = None
    partition: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class EventRecord:
    """An event as stored, with its position in the log."""

    id: int
    event: Event


@dataclass(frozen=True, kw_only=True, slots=True)
class RunRecord:
    """A run: what was asked for, and its status (kept in step with its events)."""

    run_id: str
    status: RunStatus = RunStatus.QUEUED
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    selection: str = "*"
    asset_keys: tuple[AssetKey, ...] = ()
    partition: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    parent_run_id: str | None = None
    error: str | None = None

    @property
    def duration(self) -> float | None:
        """Seconds from start to finish, or None while the run has not both started and finished."""
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    def to_json(self) -> dict[str, Any]:
        """The run as a JSON-ready dict (keys printed ``a/b``), shared by the CLI and the HTTP API."""
        return {
            "run_id": self.run_id,
            "status": self.status.value,
            "finished": self.status.finished,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration": self.duration,
            "selection": self.selection,
            "asset_keys": [k.to_string() for k in self.asset_keys],
            "partition": self.partition,
            "tags": dict(self.tags),
            "config": dict(self.config),
            "parent_run_id": self.parent_run_id,
            "error": self.error,
        }
