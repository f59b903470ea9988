"""JSON API of the backfills pages: the list with progress, one backfill with per-partition
progress, and cancelling (POST with CSRF). Backfills are read and changed only through
``headwater.instance.backfill`` and the storage's backfill queries.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from headwater.instance.backfill import cancel_backfill, get_backfill
from headwater.web.state import WebState, web_state

router = APIRouter(prefix="/api", tags=["backfills"])
State = Annotated[WebState, Depends(web_state)]


@router.get("/backfills", summary="Backfills, newest first, with progress")
def backfills(state: State, limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> dict[str, Any]:
    """The newest ``limit`` backfills."""
    return {"backfills": [r.to_json() for r in state.storage.list_backfills(limit=limit)]}


@router.get("/backfills/{backfill_id}", summary="One backfill with the progress of each partition's run")
def backfill(state: State, backfill_id: str) -> dict[str, Any]:
    """The record and its runs in plan order: ``unit``, ``partition``, ``run_id``, ``status``."""
    record = get_backfill(state.instance(), backfill_id)
    runs = state.storage.backfill_runs(record.backfill_id)
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.status] = counts.get(run.status, 0) + 1
    counts["not_started"] = max(0, record.total - len(runs))
    return {
        **record.to_json(),
        "counts": counts,
        "runs": [
            {"unit": r.unit, "partition": r.partition, "run_id": r.run_id, "status": r.status}
            for r in sorted(runs, key=lambda r: r.unit)
        ],
    }


@router.post("/backfills/{backfill_id}/cancel", summary="Cancel a backfill (POST with a CSRF token)")
def cancel(state: State, backfill_id: str) -> dict[str, Any]:
    """Stop launching its runs (runs in flight finish); queued runs of it are canceled."""
    return cancel_backfill(state.instance(), backfill_id).to_json()
