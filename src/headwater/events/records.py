"""Events and runs as recorded: ``Event`` (with its typed payload), ``EventRecord`` and ``RunRecord``.

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
from typing import Any, Final

from headwater.events.audit import AuditEntry
from headwater.events.checks import CheckEvaluated
from headwater.events.kinds import EventType, RunStatus
from headwater.events.payloads import (
    AssetMaterialized,
    AssetObserved,
    RunEnded,
    RunStarted,
    StagedSettled,
    StepFailedPayload,
    StepRetrying,
    StepSkipped,
    StepStarted,
    StepSucceeded,
)
from headwater.keys import AssetKey

Payload = (
    AssetMaterialized
    | AssetObserved
    | AuditEntry
    | CheckEvaluated
    | RunEnded
    | RunStarted
    | StagedSettled
    | StepFailedPayload
    | StepRetrying
    | StepSkipped
    | StepStarted
    | StepSucceeded
)
"""The typed ``data`` of any event."""

PAYLOAD_TYPES: Final[Mapping[EventType, type[Payload]]] = {
    EventType.RUN_STARTED: RunStarted,
    EventType.RUN_SUCCEEDED: RunEnded,
    EventType.RUN_FAILED: RunEnded,
    EventType.RUN_CANCELED: RunEnded,
    EventType.STEP_STARTED: StepStarted,
    EventType.STEP_SUCCEEDED: StepSucceeded,
    EventType.STEP_FAILED: StepFailedPayload,
    EventType.STEP_RETRYING: StepRetrying,
    EventType.STEP_SKIPPED: StepSkipped,
    EventType.ASSET_MATERIALIZED: AssetMaterialized,
    EventType.ASSET_OBSERVED: AssetObserved,
    EventType.ASSET_STAGED: AssetMaterialized,
    EventType.ASSET_PUBLISHED: StagedSettled,
    EventType.ASSET_DISCARDED: StagedSettled,
    EventType.CHECK_EVALUATED: CheckEvaluated,
    EventType.AUDIT_RECORDED: AuditEntry,
}
"""The payload class of each event type."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    """One thing that happened in a run.

    ``data`` is the stored JSON form of the event's payload (metadata, data and code versions, an
    error message and traceback, a check result); read it typed with ``payload()`` or the payload
    class's ``from_data``, write it with the payload's ``to_data()``.
    """

    run_id: str
    type: EventType
    timestamp: float = field(default_factory=time.time)
    step_key: str | None = None
    asset_key: AssetKey | None = None
    partition: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def payload(self) -> Payload:
        """The typed payload of this event, read from ``data`` by its type (see ``PAYLOAD_TYPES``)."""
        return PAYLOAD_TYPES[self.type].from_data(self.data)

    def asset_payload(self) -> AssetMaterialized | AssetObserved:
        """The payload of a materialization or an observation, both of which carry ``data_version`` and
        ``metadata``: what readers of "the latest value of an asset" need, whichever made it."""
        if self.type is EventType.ASSET_OBSERVED:
            return AssetObserved.from_data(self.data)
        return AssetMaterialized.from_data(self.data)


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
