"""The event vocabulary: what a run records (event types and their typed payloads), the run record
itself, and the enumerations storage and JSON carry. Pure data: no I/O here."""

from __future__ import annotations

from headwater.events.audit import AUDIT_RUN_ID, AuditAction, AuditEntry
from headwater.events.checks import CheckEvaluated
from headwater.events.kinds import (
    ASSET_STATUSES,
    RUN_END_TYPES,
    RUN_STATUS_BY_EVENT,
    STEP_END_TYPES,
    AssetStateKind,
    BackfillUnitState,
    CheckOutcome,
    CheckSeverity,
    EventType,
    RunStatus,
)
from headwater.events.payloads import (
    UNCHANGED,
    AssetMaterialized,
    AssetObserved,
    ReusedValue,
    RunEnded,
    RunStarted,
    StagedSettled,
    StepFailedPayload,
    StepRetrying,
    StepSkipped,
    StepStarted,
    StepSucceeded,
)
from headwater.events.records import PAYLOAD_TYPES, Event, EventRecord, Payload, RunRecord

__all__ = [
    "ASSET_STATUSES",
    "AUDIT_RUN_ID",
    "PAYLOAD_TYPES",
    "RUN_END_TYPES",
    "RUN_STATUS_BY_EVENT",
    "STEP_END_TYPES",
    "UNCHANGED",
    "AssetMaterialized",
    "AssetObserved",
    "AssetStateKind",
    "AuditAction",
    "AuditEntry",
    "BackfillUnitState",
    "CheckEvaluated",
    "CheckOutcome",
    "CheckSeverity",
    "Event",
    "EventRecord",
    "EventType",
    "Payload",
    "ReusedValue",
    "RunEnded",
    "RunRecord",
    "RunStarted",
    "RunStatus",
    "StagedSettled",
    "StepFailedPayload",
    "StepRetrying",
    "StepSkipped",
    "StepStarted",
    "StepSucceeded",
]
