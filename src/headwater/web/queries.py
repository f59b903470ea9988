"""Queries the web UI needs beyond ``Storage``'s own: a change marker for live pages and keyset
pages of runs. Reads only; every method is one statement on the storage's read engine.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import and_, func, or_, select

from headwater.errors import HeadwaterError
from headwater.events import RunRecord, RunStatus
from headwater.storage.extension import StorageExtension
from headwater.storage.rows import row_to_run
from headwater.storage.schema import events, runs


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
            stmt = stmt.where(runs.c.status.in_([RunStatus(s).value for s in statuses]))
        if cursor is not None:
            created, run_id = parse_cursor(cursor)
            stmt = stmt.where(
                or_(runs.c.created_at < created, and_(runs.c.created_at == created, runs.c.run_id < run_id))
            )
        with self.storage._read("list runs") as conn:
            return [row_to_run(row) for row in conn.execute(stmt)]
