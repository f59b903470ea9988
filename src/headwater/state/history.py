"""Histories read from the event log: numeric metadata over materializations, and check results.

Each is one paged query over the asset's events (``Storage.asset_events``), oldest first in
the answer so it can be plotted; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, TypeGuard

from headwater.events import AssetMaterialized, CheckEvaluated, Event, EventRecord, EventType
from headwater.keys import AssetKey
from headwater.storage import Storage

_PAGE: Final = 500


@dataclass(frozen=True, kw_only=True, slots=True)
class MetadataPoint:
    """One value of a numeric metadata entry, from one materialization."""

    timestamp: float
    run_id: str
    partition: str | None
    value: float | int
    data_version: str | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {
            "timestamp": self.timestamp,
            "run_id": self.run_id,
            "partition": self.partition,
            "value": self.value,
            "data_version": self.data_version,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckEvaluation:
    """One evaluation of a check."""

    asset: AssetKey | None
    check: str
    passed: bool
    severity: str
    blocking: bool
    timestamp: float
    run_id: str
    partition: str | None
    description: str | None
    error: str | None
    metadata: dict[str, Any]

    @property
    def outcome(self) -> str:
        """``passed``, ``failed``, ``warned`` (a failed warn-severity check) or ``errored`` (it raised)."""
        if self.error is not None:
            return "errored"
        if self.passed:
            return "passed"
        return "warned" if self.severity == "warn" else "failed"

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {
            "check": self.check,
            "outcome": self.outcome,
            "passed": self.passed,
            "severity": self.severity,
            "blocking": self.blocking,
            "timestamp": self.timestamp,
            "run_id": self.run_id,
            "partition": self.partition,
            "description": self.description,
            "error": self.error,
            "metadata": self.metadata,
        }


def _events(storage: Storage, key: AssetKey, kind: EventType, limit: int) -> list[EventRecord]:
    """Up to ``limit`` events of ``kind`` of ``key``, newest first, in pages."""
    found: list[EventRecord] = []
    before: int | None = None
    while len(found) < limit:
        page = storage.asset_events(key, types=[kind], limit=min(_PAGE, limit - len(found)), before_id=before)
        found.extend(page)
        if len(page) < _PAGE:
            break
        before = page[-1].id
    return found


def numeric(value: Any) -> TypeGuard[int | float]:
    """Whether a metadata value can be plotted (a number, not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def metadata_history(storage: Storage, key: AssetKey, name: str, *, limit: int = 100) -> list[MetadataPoint]:
    """The numeric values of metadata ``name`` over the last ``limit`` materializations, oldest first."""
    points: list[MetadataPoint] = []
    for record in reversed(_events(storage, key, EventType.ASSET_MATERIALIZED, limit)):
        event = record.event
        made = AssetMaterialized.from_data(event.data)
        value = made.metadata.get(name)
        if isinstance(value, (int, float)) and numeric(value):
            points.append(
                MetadataPoint(
                    timestamp=event.timestamp,
                    run_id=event.run_id,
                    partition=event.partition,
                    value=value,
                    data_version=made.data_version,
                )
            )
    return points


def metadata_names(storage: Storage, key: AssetKey, *, limit: int = 100) -> list[str]:
    """Names of numeric metadata recorded in the last ``limit`` materializations, sorted."""
    names: set[str] = set()
    for record in _events(storage, key, EventType.ASSET_MATERIALIZED, limit):
        metadata = AssetMaterialized.from_data(record.event.data).metadata
        names.update(k for k, v in metadata.items() if numeric(v))
    return sorted(names)


def check_history(
    storage: Storage, key: AssetKey, check: str | None = None, *, limit: int = 50
) -> list[CheckEvaluation]:
    """Evaluations of the checks of ``key`` (only ``check``, if given), newest first."""
    out: list[CheckEvaluation] = []
    for record in _events(storage, key, EventType.CHECK_EVALUATED, limit if check is None else limit * 10):
        if check is not None and CheckEvaluated.from_data(record.event.data).check != check:
            continue
        out.append(evaluation(record.event))
        if len(out) >= limit:
            break
    return out


def evaluation(event: Event) -> CheckEvaluation:
    """A CHECK_EVALUATED event read as a CheckEvaluation."""
    result = CheckEvaluated.from_data(event.data)
    return CheckEvaluation(
        asset=event.asset_key,
        check=result.check,
        passed=result.passed,
        severity=result.severity.value,
        blocking=result.blocking,
        timestamp=event.timestamp,
        run_id=event.run_id,
        partition=event.partition,
        description=result.description,
        error=result.error,
        metadata=dict(result.metadata),
    )
