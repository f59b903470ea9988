"""The web UI's reads beyond ``Storage``'s own, shaped for its pages: the runs cursor, a change
marker for live pages, a run's step timeline and its events straight to JSON. Reads only.

The queries live in ``headwater.storage.run_pages``; this module turns their answers into the
cursor text and JSON the API hands out. A run's events arrive with their stored JSON ``data`` as
text, copied into the answer unparsed (parsed only for the few events whose level depends on it).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from json.encoder import encode_basestring_ascii
from typing import Any

from headwater.errors import HeadwaterError
from headwater.events import CheckEvaluated, EventType, RunRecord, RunStatus
from headwater.storage import Storage
from headwater.storage.run_pages import RunPages, RunPosition, StepEvent
from headwater.web.serialize import level_of

__all__ = ["BadCursor", "StepEvent", "WebQueries", "make_cursor", "parse_cursor"]


class BadCursor(HeadwaterError):
    """A runs cursor that this server did not hand out (HTTP 400)."""


def parse_cursor(cursor: str) -> RunPosition:
    """``created_at:run_id`` as handed out in ``next_cursor``."""
    created, _, run_id = cursor.partition(":")
    try:
        return RunPosition(created_at=float(created), run_id=run_id)
    except ValueError:
        raise BadCursor(
            f"the runs cursor '{cursor}' is not one this server handed out: pass the next_cursor of "
            "the previous page of GET /api/runs, or leave cursor out for the newest runs"
        ) from None


def make_cursor(run: RunRecord) -> str:
    """The cursor after ``run`` in newest-first order."""
    return f"{run.created_at!r}:{run.run_id}"


_DETAILED = (EventType.STEP_FAILED, EventType.STEP_SKIPPED, EventType.CHECK_EVALUATED, EventType.RUN_FAILED)
"""Event types whose ``data`` a step timeline needs."""


class WebQueries:
    """Read queries of the web UI on a :class:`Storage`."""

    def __init__(self, storage: Storage) -> None:
        self._pages = RunPages(storage)

    def change_marker(self) -> str:
        """Changes when an event is stored or a run is added: the newest event id and run time."""
        marker = self._pages.change_marker()
        return f"{marker.last_event_id}.{marker.last_run_created_at or 0!r}"

    def runs_page(
        self, *, limit: int, cursor: str | None = None, statuses: Collection[RunStatus] | None = None
    ) -> list[RunRecord]:
        """Runs newest first, after ``cursor`` (keyset paging: as fast on page 1,000 as on page 1)."""
        after = parse_cursor(cursor) if cursor is not None else None
        return self._pages.runs_page(limit=limit, after=after, statuses=statuses)

    def step_events(self, run_id: str) -> tuple[list[StepEvent], int]:
        """A run's events for its step timeline and errors, and how many events it has."""
        found = self._pages.step_events(run_id, detailed=_DETAILED)
        return found, len(found)

    def events_json(self, run_id: str, *, after: int = 0, limit: int = 1000) -> list[tuple[int, str]]:
        """A run's events above id ``after`` as (id, JSON text) in the shape of ``event_json``."""
        out: list[tuple[int, str]] = []
        for event in self._pages.stored_events(run_id, after=after, limit=limit):
            data = event.data
            kind = event.type
            parsed = json.loads(data) if kind is EventType.CHECK_EVALUATED else None
            check = CheckEvaluated.from_data(parsed).check if parsed is not None else None
            text = (
                f'{{"id": {event.id}, "run_id": {_string(event.run_id)}, "type": "{kind.value}", '
                f'"level": "{level_of(kind, parsed or _EMPTY)}", "timestamp": {event.timestamp!r}, '
                f'"step_key": {_string(event.step_key)}, "asset_key": {_string(event.asset_key)}, '
                f'"partition": {_string(event.partition)}, "check": {json.dumps(check)}, "data": {data}}}'
            )
            out.append((event.id, text))
        return out


_EMPTY: Mapping[str, Any] = {}


def _string(value: str | None) -> str:
    return "null" if value is None else encode_basestring_ascii(value)
