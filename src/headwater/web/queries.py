"""Queries the web UI needs beyond ``Storage``'s own: a change marker for live pages, keyset
pages of runs, and a run's events straight to JSON. Reads only.

The run page reads a run's events from raw rows: each event's stored JSON ``data`` is copied
into the answer as text (parsed only for the few events whose level depends on it), so a
1,000-step run's log costs one query and no decode/encode round trip.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from headwater.errors import HeadwaterError
from headwater.events import EventType, RunRecord, RunStatus
from headwater.keys import AssetKey
from headwater.storage.extension import StorageExtension
from headwater.storage.rows import row_to_run
from headwater.storage.schema import events, runs
from headwater.web.serialize import level_of


class BadCursor(HeadwaterError):
    """A runs cursor that this server did not hand out (HTTP 400)."""


def parse_cursor(cursor: str) -> tuple[float, str]:
    """``created_at:run_id`` as handed out in ``next_cursor``."""
    created, _, run_id = cursor.partition(":")
    try:
        return float(created), run_id
    except ValueError:
        raise BadCursor(
            f"the runs cursor '{cursor}' is not one this server handed out: pass the next_cursor of "
            "the previous page of GET /api/runs, or leave cursor out for the newest runs"
        ) from None


def make_cursor(run: RunRecord) -> str:
    """The cursor after ``run`` in newest-first order."""
    return f"{run.created_at!r}:{run.run_id}"


_SCAN_ABOVE = 1000
"""With more runs than this of the filtered statuses, page them by walking the created_at index."""

_DETAILED = (EventType.STEP_FAILED, EventType.STEP_SKIPPED, EventType.CHECK_EVALUATED, EventType.RUN_FAILED)
"""Event types whose ``data`` a step timeline needs."""


@dataclass(frozen=True, kw_only=True, slots=True)
class StepEvent:
    """The parts of an event a step timeline reads (``data`` only for ``_DETAILED`` types)."""

    type: EventType
    step_key: str | None
    timestamp: float
    asset_key: AssetKey | None
    data: Mapping[str, Any] = field(default_factory=dict)


class WebQueries(StorageExtension):
    """Read queries of the web UI on a :class:`Storage`."""

    def change_marker(self) -> str:
        """Changes when an event is stored or a run is added: the newest event id and run time."""
        stmt = select(
            select(func.max(events.c.id)).scalar_subquery(), select(func.max(runs.c.created_at)).scalar_subquery()
        )
        with self.storage._read("read the latest event id") as conn:
            row = conn.execute(stmt).one()
        return f"{row[0] or 0}.{row[1] or 0!r}"

    def runs_page(
        self, *, limit: int, cursor: str | None = None, statuses: Collection[RunStatus] | None = None
    ) -> list[RunRecord]:
        """Runs newest first, after ``cursor`` (keyset paging: as fast on page 1,000 as on page 1)."""
        stmt = select(runs).order_by(runs.c.created_at.desc(), runs.c.run_id.desc()).limit(limit)
        if statuses is not None:
            values = [RunStatus(s).value for s in statuses]
            stmt = stmt.where(self._status_filter(values))
        if cursor is not None:
            created, run_id = parse_cursor(cursor)
            stmt = stmt.where(
                or_(runs.c.created_at < created, and_(runs.c.created_at == created, runs.c.run_id < run_id))
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

    def step_events(self, run_id: str) -> tuple[list[StepEvent], int]:
        """A run's events for its step timeline and errors, and how many events it has."""
        detail = case((events.c.type.in_([t.value for t in _DETAILED]), events.c.data), else_=None)
        stmt = (
            select(events.c.type, events.c.step_key, events.c.timestamp, events.c.asset_key, detail)
            .where(events.c.run_id == run_id)
            .order_by(events.c.id)
        )
        with self.storage._read("read a run's steps") as conn:
            rows: list[Any] = list(conn.execute(stmt))
        keys: dict[str, AssetKey] = {}
        found = [
            StepEvent(
                type=_TYPES[kind],
                step_key=step,
                timestamp=ts,
                asset_key=(keys.get(key) or keys.setdefault(key, AssetKey.parse(key))) if key is not None else None,
                data=json.loads(data) if data is not None else _EMPTY,
            )
            for kind, step, ts, key, data in rows
        ]
        return found, len(rows)

    def events_json(self, run_id: str, *, after: int = 0, limit: int = 1000) -> list[tuple[int, str]]:
        """A run's events above id ``after`` as (id, JSON text) in the shape of ``event_json``."""
        c = events.c
        stmt = (
            select(c.id, c.run_id, c.type, c.timestamp, c.step_key, c.asset_key, c.partition, c.data)
            .where(c.run_id == run_id, c.id > after)
            .order_by(c.id)
            .limit(limit)
        )
        with self.storage._read("read events") as conn:
            rows: list[Any] = list(conn.execute(stmt))
        out: list[tuple[int, str]] = []
        for event_id, run, kind, ts, step, key, partition, data in rows:
            event_type = _TYPES[kind]
            parsed = json.loads(data) if event_type is EventType.CHECK_EVALUATED or '"check"' in data else None
            check = parsed.get("check") if parsed else None
            text = (
                f'{{"id": {event_id}, "run_id": {_string(run)}, "type": "{kind}", '
                f'"level": "{level_of(event_type, parsed or _EMPTY)}", "timestamp": {float(ts)!r}, '
                f'"step_key": {_string(step)}, "asset_key": {_string(key)}, "partition": {_string(partition)}, '
                f'"check": {json.dumps(check)}, "data": {data}}}'
            )
            out.append((event_id, text))
        return out


_TYPES: Mapping[str, EventType] = {t.value: t for t in EventType}
_EMPTY: Mapping[str, Any] = {}


def _string(value: str | None) -> str:
    return "null" if value is None else encode_basestring_ascii(value)
