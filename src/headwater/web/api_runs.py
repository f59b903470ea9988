"""JSON API over runs: list, detail with steps, paged events, logs; launching materializations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from headwater.events import RunRecord, RunStatus
from headwater.web.pages import __version__
from headwater.web.queries import make_cursor
from headwater.web.security import new_csrf_token, set_csrf_cookie
from headwater.web.serialize import event_json, run_json, steps_json
from headwater.web.state import NotFound, WebState, web_state

router = APIRouter(prefix="/api", tags=["runs"])
State = Annotated[WebState, Depends(web_state)]


def _run(state: WebState, run_id: str) -> RunRecord:
    run = state.storage.get_run(run_id)
    if run is None:
        raise NotFound(f"no run with id '{run_id}' in {state.storage.url}: the runs page lists run ids")
    return run


@router.get("/health", tags=["server"], summary="Liveness and version")
def health() -> dict[str, str]:
    """``{"status": "ok", "version": ...}``."""
    return {"status": "ok", "version": __version__}


@router.get("/csrf", tags=["server"], summary="A CSRF token for API clients (also set as a cookie)")
def csrf() -> JSONResponse:
    """Send the returned token in ``X-Headwater-CSRF`` with the ``headwater_csrf`` cookie on POSTs."""
    token = new_csrf_token()
    response = JSONResponse({"csrf_token": token, "header": "X-Headwater-CSRF"})
    set_csrf_cookie(response, token)
    return response


@router.get("/runs", summary="Runs, newest first")
def runs(
    state: State,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, description="skip this many (prefer cursor on big logs)")] = 0,
    cursor: Annotated[str | None, Query(description="the next_cursor of the previous page")] = None,
    status: Annotated[RunStatus | None, Query(description="only runs with this status")] = None,
) -> dict[str, Any]:
    """A page of runs; ``next_cursor`` (keyset paging) and ``next_offset`` are null on the last page."""
    statuses = [status] if status else None
    if offset:
        found = state.storage.list_runs(limit=limit + 1, offset=offset, statuses=statuses)
    else:
        found = state.queries.runs_page(limit=limit + 1, cursor=cursor, statuses=statuses)
    more = len(found) > limit
    return {
        "runs": [run_json(run) for run in found[:limit]],
        "offset": offset,
        "next_offset": offset + limit if more and cursor is None else None,
        "next_cursor": make_cursor(found[limit - 1]) if more else None,
    }


@router.get("/runs/{run_id}", summary="One run with its steps, errors and tracebacks")
def run(state: State, run_id: str) -> dict[str, Any]:
    """The run record, a timeline of its steps and its failures."""
    record = _run(state, run_id)
    records = state.storage.get_events(record.run_id)
    steps = steps_json(r.event for r in records)
    errors = [
        {"step": s["step"], "error": s["error"], "traceback": s["traceback"]} for s in steps if s["status"] == "failed"
    ]
    for r in records:
        if r.event.type.value == "run_failed" and r.event.data.get("traceback"):
            errors.append({"step": None, "error": r.event.data.get("error"), "traceback": r.event.data["traceback"]})
    return {**run_json(record), "steps": steps, "errors": errors, "event_count": len(records)}


@router.get("/runs/{run_id}/events", summary="A run's events after an id, for paging and live tailing")
def events(
    state: State,
    run_id: str,
    after: Annotated[int, Query(ge=0, description="the last event id already seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> dict[str, Any]:
    """Events with id above ``after``; poll with ``after=next_after`` until ``finished`` and empty."""
    record = _run(state, run_id)
    page = state.storage.get_events(record.run_id, after_id=after, limit=limit)
    return {
        "run_id": record.run_id,
        "status": record.status.value,
        "finished": record.status.finished,
        "events": [event_json(r) for r in page],
        "next_after": page[-1].id if page else after,
    }


@router.get("/runs/{run_id}/logs", summary="Captured stdout, stderr and context.log text of a run's steps")
def logs(state: State, run_id: str, step: str | None = None) -> dict[str, Any]:
    """Log chunks in the order written, optionally of one step."""
    record = _run(state, run_id)
    chunks = state.storage.get_logs(record.run_id, step)
    return {
        "run_id": record.run_id,
        "logs": [{"step": c.step_key, "timestamp": c.timestamp, "text": c.text} for c in chunks],
    }
