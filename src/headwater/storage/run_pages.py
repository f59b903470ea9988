"""Reads for pages that list runs and follow one run: keyset pages of runs, a change marker, a run's
step timeline and its events as stored JSON text.

Owns these queries on ``runs`` and ``events``; it writes nothing and knows nothing of HTTP or of how
a page draws them. A run's events come back as raw rows (each event's ``data`` as its stored JSON
text), so a 1,000-step run costs one query and no decode/encode round trip.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, cast

from sqlalchemy import and_, case, func, or_, select

from headwater.events import EventType, RunRecord, RunStatus
from headwater.keys import AssetKey
from headwater.storage.extension import StorageExtension
from headwater.storage.rows import row_to_run
from headwater.storage.schema import events, runs

_SCAN_ABOVE: Final = 1000
"""With more runs than this of the filtered statuses, page them by walking the created_at index."""

_TYPES: Final[Mapping[str, EventType]] = {t.value: t for t in EventType}
_EMPTY: Final[Mapping[str, Any]] = {}


@dataclass(frozen=True, kw_only=True, slots=True)
class RunPosition:
    """Where a keyset page of runs starts: just after this run in newest-first order."""

    created_at: float
    run_id: str

    @classmethod
    def of(cls, run: RunRecord) -> RunPosition:
        """The position just after ``run``."""
        return cls(created_at=run.created_at, run_id=run.run_id)


@dataclass(frozen=True, kw_only=True, slots=True)
class ChangeMarker:
    """The newest event id and the newest run's creation time: either moves when a page may change."""

    last_event_id: int
    """0 when no event is stored."""
    last_run_created_at: float | None
    """None when no run is stored."""


@dataclass(frozen=True, kw_only=True, slots=True)
class StepEvent:
    """The parts of an event a step timeline reads; ``data`` only for the types asked for in detail."""

    type: EventType
    step_key: str | None
    timestamp: float
    asset_key: AssetKey | None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class StoredEvent:
    """One event row as stored: its ``data`` is the compact JSON text, not parsed."""

    id: int
    run_id: str
    type: EventType
    timestamp: float
    step_key: str | None
    asset_key: str | None
    """The key as stored (``"a/b"``)."""
    partition: str | None
    data: str


class RunPages(StorageExtension):
    """Read queries behind lists of runs and a run's page, on a :class:`Storage`."""

    def change_marker(self) -> ChangeMarker:
        """The newest event id and run creation time, in one query."""
        stmt = select(
            select(func.max(events.c.id)).scalar_subquery(), select(func.max(runs.c.created_at)).scalar_subquery()
        )
        with self.storage._read("read the latest event id") as conn:
            last_event, last_run = cast("tuple[int | None, float | None]", tuple(conn.execute(stmt).one()))
        return ChangeMarker(last_event_id=int(last_event or 0), last_run_created_at=last_run)

    def runs_page(
        self, *, limit: int, after: RunPosition | None = None, statuses: Collection[RunStatus] | None = None
    ) -> list[RunRecord]:
        """Up to ``limit`` runs newest first (by ``created_at``, then ``run_id``), those after ``after``.

        Keyset paging: page 1,000 costs what page 1 does. ``statuses`` None means every status.
        """
        stmt = select(runs).order_by(runs.c.created_at.desc(), runs.c.run_id.desc()).limit(limit)
        if statuses is not None:
            stmt = stmt.where(self._status_filter([RunStatus(s).value for s in statuses]))
        if after is not None:
            stmt = stmt.where(
                or_(
                    runs.c.created_at < after.created_at,
                    and_(runs.c.created_at == after.created_at, runs.c.run_id < after.run_id),
                )
            )
        with self.storage._read("list runs") as conn:
            return [row_to_run(row) for row in conn.execute(stmt)]

    def _status_filter(self, values: list[str]) -> Any:
        """Filter by status: through the status index when few runs match; else walking the newest
        runs in created_at order and skipping the others (``status || ''`` keeps SQLite off the
        status index, which would sort every matching run)."""
        if self._postgres:
            return runs.c.status.in_(values)
        with self.storage._read("count runs by status") as conn:
            matching = conn.execute(select(func.count()).where(runs.c.status.in_(values))).scalar_one()
        if matching <= _SCAN_ABOVE:
            return runs.c.status.in_(values)
        return (runs.c.status + "").in_(values)

    def step_events(self, run_id: str, *, detailed: Collection[EventType] = ()) -> list[StepEvent]:
        """A run's events in id order, with ``data`` parsed only for events of the ``detailed`` types."""
        detail = case((events.c.type.in_([EventType(t).value for t in detailed]), events.c.data), else_=None)
        stmt = (
            select(events.c.type, events.c.step_key, events.c.timestamp, events.c.asset_key, detail)
            .where(events.c.run_id == run_id)
            .order_by(events.c.id)
        )
        with self.storage._read("read a run's steps") as conn:
            rows: list[Any] = list(conn.execute(stmt))
        keys: dict[str, AssetKey] = {}
        return [
            StepEvent(
                type=_TYPES[kind],
                step_key=step,
                timestamp=ts,
                asset_key=(keys.get(key) or keys.setdefault(key, AssetKey.parse(key))) if key is not None else None,
                data=json.loads(data) if data is not None else _EMPTY,
            )
            for kind, step, ts, key, data in rows
        ]

    def stored_events(self, run_id: str, *, after: int = 0, limit: int = 1000) -> list[StoredEvent]:
        """Up to ``limit`` of a run's events with id above ``after``, in id order, as stored."""
        c = events.c
        stmt = (
            select(c.id, c.run_id, c.type, c.timestamp, c.step_key, c.asset_key, c.partition, c.data)
            .where(c.run_id == run_id, c.id > after)
            .order_by(c.id)
            .limit(limit)
        )
        with self.storage._read("read events") as conn:
            rows: list[Any] = list(conn.execute(stmt))
        return [
            StoredEvent(
                id=int(event_id),
                run_id=run,
                type=_TYPES[kind],
                timestamp=float(ts),
                step_key=step,
                asset_key=key,
                partition=partition,
                data=data,
            )
            for event_id, run, kind, ts, step, key, partition, data in rows
        ]
