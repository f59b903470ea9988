"""JSON API over runs: list (keyset pages), detail with steps, paged events, logs (followed while
steps run), and stopping a run: cancel (before its next step) or terminate (its process, now)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from headwater.automation import monitor
from headwater.errors import HeadwaterError
from headwater.events import RunRecord, RunStatus
from headwater.web.auth import principal_of
from headwater.web.pages import __version__
from headwater.web.project import ProjectUnavailable
from headwater.web.queries import make_cursor
from headwater.web.security import new_csrf_token, set_csrf_cookie
from headwater.web.serialize import run_detail_json, run_json
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
def csrf(request: Request) -> JSONResponse:
    """Send the returned token in ``X-Headwater-CSRF`` with the ``headwater_csrf`` cookie on POSTs
    (signed in, the session's own token)."""
    session = principal_of(request).session
    token = session.csrf if session is not None else new_csrf_token()
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
    """The run record, a timeline of its steps and its failures (as ``headwater runs show --json``)."""
    record = _run(state, run_id)
    found, count = state.queries.step_events(record.run_id)
    return run_detail_json(record, found, count)


@router.get("/runs/{run_id}/events", summary="A run's events after an id, for paging and live tailing")
def events(
    state: State,
    run_id: str,
    after: Annotated[int, Query(ge=0, description="the last event id already seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Response:
    """Events with id above ``after``; page with ``after=next_after`` until ``finished`` and empty.

    Each event is ``id``, ``run_id``, ``type``, ``level``, ``timestamp``, ``step_key``,
    ``asset_key``, ``partition``, ``check`` and its ``data``.
    """
    record = _run(state, run_id)
    page = state.queries.events_json(record.run_id, after=after, limit=limit)
    head = {"run_id": record.run_id, "status": record.status.value, "finished": record.status.finished}
    body = (
        json.dumps(head)[:-1]
        + ', "events": ['
        + ", ".join(text for _, text in page)
        + f'], "next_after": {page[-1][0] if page else after}}}'
    )
    return Response(body.encode(), media_type="application/json")


@router.get("/runs/{run_id}/logs", summary="Captured stdout, stderr and context.log text of a run's steps")
def logs(
    state: State,
    run_id: str,
    step: str | None = None,
    after: Annotated[int, Query(ge=0, description="the next_after of the previous answer")] = 0,
) -> dict[str, Any]:
    """Log chunks in the order written, optionally of one step; a running step's output arrives in
    chunks while it runs, so follow a run with ``after=next_after``."""
    record = _run(state, run_id)
    chunks = state.storage.get_logs(record.run_id, step, after=after)
    return {
        "run_id": record.run_id,
        "finished": record.status.finished,
        "logs": [{"id": c.id, "step": c.step_key, "timestamp": c.timestamp, "text": c.text} for c in chunks],
        "next_after": chunks[-1].id if chunks else after,
    }


@router.post("/runs/{run_id}/cancel", summary="Cancel a run: it starts no more steps (POST with a CSRF token)")
def cancel(state: State, run_id: str) -> dict[str, Any]:
    """A queued run is canceled at once; a running one skips what it has not started (its current
    step runs to its end: terminate stops that too)."""
    record = _unfinished(state, run_id, "cancel")
    state.instance().cancel_run(record.run_id)
    return {"run_id": record.run_id, "status": _run(state, run_id).status.value, "cancel_requested": True}


@router.post("/runs/{run_id}/terminate", summary="Stop a running run now, inside its step (POST with a CSRF token)")
def terminate(state: State, run_id: str) -> dict[str, Any]:
    """Its process group (the run's process and the processes its steps started) gets SIGTERM, then
    SIGKILL; its open steps are recorded failed and the run canceled. A queued run is just canceled."""
    record = _unfinished(state, run_id, "terminate")
    if record.status is RunStatus.QUEUED:
        state.instance().cancel_run(record.run_id)
        return {"run_id": record.run_id, "status": _run(state, run_id).status.value, "worker": None}
    try:
        graph = state.loaded().graph
    except ProjectUnavailable:  # the steps' assets are then named from the run record
        graph = None
    worker = monitor.terminate(state.queue_launcher.queue, record.run_id, graph=graph)
    return {"run_id": record.run_id, "status": _run(state, run_id).status.value, "worker": worker}


def _unfinished(state: WebState, run_id: str, verb: str) -> RunRecord:
    record = _run(state, run_id)
    if record.status.finished:
        raise HeadwaterError(
            f"run '{record.run_id}' already {record.status.value}: only queued or running runs can be {verb}d; "
            f"re-execute it from its page or with `headwater runs reexecute {record.run_id}`"
        )
    return record
