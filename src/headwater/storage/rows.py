"""Conversion between Headwater's records (events, runs, logs) and table rows.

Owns the stored form: keys as ``"a/b"`` strings, payloads as compact JSON text. Pure functions,
no SQL: queries live in ``sql``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from headwater.errors import StorageError
from headwater.events import CheckEvaluated, CheckOutcome, Event, EventRecord, EventType, RunRecord, RunStatus
from headwater.keys import AssetKey

EventRow = dict[str, Any]


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckVerdict:
    """The latest evaluation of one check of one asset (at one partition), as indexed in ``check_latest``."""

    asset_key: AssetKey
    check: str
    partition: str | None
    outcome: CheckOutcome
    blocking: bool
    event_id: int
    run_id: str
    timestamp: float
    payload: str | None = None
    """The evaluation's stored JSON payload (when read ``with_payload``), parsed on demand by ``data``."""

    @property
    def failed(self) -> bool:
        """Whether the check failed: an error-severity check that did not pass (warned is not failed)."""
        return self.outcome is CheckOutcome.FAILED

    @property
    def passed(self) -> bool:
        """Whether the check passed."""
        return self.outcome is CheckOutcome.PASSED

    @property
    def data(self) -> dict[str, Any]:
        """The evaluation's event data (metadata, description, error); empty unless read ``with_payload``."""
        parsed: dict[str, Any] = json.loads(self.payload) if self.payload is not None else {}
        return parsed

    def evaluation(self) -> CheckEvaluated:
        """The evaluation's typed payload."""
        return CheckEvaluated.from_data(self.data)


@dataclass(frozen=True, kw_only=True, slots=True)
class LogRecord:
    """A chunk of text a step wrote (stdout, stderr or its logger), as stored."""

    run_id: str
    step_key: str
    timestamp: float
    text: str
    id: int = 0
    """Its place in the log (increasing in the order written)."""


def dump_json(value: Mapping[str, Any] | list[Any]) -> str:
    """Compact JSON text; raises TypeError/ValueError for values JSON cannot hold."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def event_to_row(event: Event, position: int, count: int) -> EventRow:
    """The ``events`` row for ``event`` (the ``position``-th of ``count`` in its batch)."""
    try:
        data = dump_json(dict(event.data))
    except (TypeError, ValueError) as exc:
        raise StorageError(
            f"cannot store event {position} of {count} ({describe(event)}): its data is not "
            f"JSON-serialisable ({exc}); record metadata as str, int, float, bool, None, "
            "lists or dicts of these. Nothing from this batch was stored."
        ) from exc
    return {
        "run_id": event.run_id,
        "type": event.type.value,
        "timestamp": event.timestamp,
        "step_key": event.step_key,
        "asset_key": event.asset_key.to_string() if event.asset_key is not None else None,
        "partition": event.partition,
        "data": data,
    }


def describe(event: Event) -> str:
    """A short human description of an event for error messages."""
    parts = [event.type.value]
    if event.asset_key is not None:
        parts.append(f"of asset '{event.asset_key}'")
    if event.partition is not None:
        parts.append(f"partition '{event.partition}'")
    if event.step_key is not None:
        parts.append(f"in step '{event.step_key}'")
    parts.append(f"of run '{event.run_id}'")
    return " ".join(parts)


def row_to_record(row: Any) -> EventRecord:
    """An EventRecord from an ``events`` row (any row with its columns by name)."""
    return EventRecord(
        id=row.id,
        event=Event(
            run_id=row.run_id,
            type=EventType(row.type),
            timestamp=row.timestamp,
            step_key=row.step_key,
            asset_key=AssetKey.parse(row.asset_key) if row.asset_key is not None else None,
            partition=row.partition,
            data=json.loads(row.data),
        ),
    )


def run_to_row(run: RunRecord) -> dict[str, Any]:
    """The ``runs`` row for ``run``."""
    try:
        tags = dump_json(dict(run.tags))
        config = dump_json(dict(run.config))
    except (TypeError, ValueError) as exc:
        raise StorageError(
            f"cannot store run '{run.run_id}': its tags or config are not JSON-serialisable ({exc}); "
            "use str, int, float, bool, None, lists or dicts of these"
        ) from exc
    return {
        "run_id": run.run_id,
        "status": run.status.value,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "selection": run.selection,
        "asset_keys": dump_json([key.to_string() for key in run.asset_keys]),
        "partition": run.partition,
        "tags": tags,
        "config": config,
        "parent_run_id": run.parent_run_id,
        "error": run.error,
    }


def row_to_run(row: Any) -> RunRecord:
    """A RunRecord from a ``runs`` row."""
    return RunRecord(
        run_id=row.run_id,
        status=RunStatus(row.status),
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        selection=row.selection,
        asset_keys=tuple(AssetKey.parse(k) for k in json.loads(row.asset_keys)),
        partition=row.partition,
        tags=json.loads(row.tags),
        config=json.loads(row.config),
        parent_run_id=row.parent_run_id,
        error=row.error,
    )


def row_to_log(row: Any) -> LogRecord:
    """A LogRecord from a ``step_logs`` row."""
    return LogRecord(run_id=row.run_id, step_key=row.step_key, timestamp=row.timestamp, text=row.text, id=row.id)
