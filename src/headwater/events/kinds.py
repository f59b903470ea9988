"""The enumerations of the event vocabulary: event types, run status, check severity and outcome,
asset state and backfill unit state. The values are what storage and JSON carry. Pure data."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final


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
    ASSET_STAGED = "asset_staged"
    """A value stored where readers do not see it until its checks pass (``publish="after_checks"``)."""
    ASSET_PUBLISHED = "asset_published"
    """A staged value made the stored one (an ``ASSET_MATERIALIZED`` of it follows in the same commit)."""
    ASSET_DISCARDED = "asset_discarded"
    """A staged value dropped: the stored one stands."""
    CHECK_EVALUATED = "check_evaluated"
    AUDIT_RECORDED = "audit_recorded"
    """A state-changing action by a user, stored under the pseudo-run ``AUDIT_RUN_ID``."""


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


RUN_STATUS_BY_EVENT: Mapping[EventType, RunStatus] = {
    EventType.RUN_STARTED: RunStatus.STARTED,
    EventType.RUN_SUCCEEDED: RunStatus.SUCCEEDED,
    EventType.RUN_FAILED: RunStatus.FAILED,
    EventType.RUN_CANCELED: RunStatus.CANCELED,
}


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


class AssetStateKind(StrEnum):
    """The state of an asset as the status query, the selection language and the UI name it.

    ``fresh``, ``stale`` and ``missing`` are the status of its value (``ASSET_STATUSES``); the graph
    and the catalog also show ``failed`` (its last run failed), ``running`` and ``check_failed``.
    (``AssetState`` is the status query's per-asset answer, which holds one of these.)
    """

    FRESH = "fresh"
    STALE = "stale"
    MISSING = "missing"
    FAILED = "failed"
    RUNNING = "running"
    CHECK_FAILED = "check_failed"


ASSET_STATUSES: Final = (AssetStateKind.FRESH, AssetStateKind.STALE, AssetStateKind.MISSING)
"""The status of an asset's value: what ``status:`` selects and ``assets status`` counts."""


class BackfillUnitState(StrEnum):
    """How far one planned run (unit) of a backfill got: stored in ``backfill_runs.status``."""

    QUEUED = "queued"
    """Submitted to the run queue; its run has not finished."""
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    """Not run: a unit it depends on did not succeed."""

    @property
    def finished(self) -> bool:
        """Whether the unit's outcome is decided."""
        return self is not BackfillUnitState.QUEUED
