"""Live updates: a run's events as server-sent events, and a cheap "changed since" (with the
definitions' load error) that every page polls.

The stream polls the event log (a keyed read of the run's new events) every quarter second in a
worker thread and ends when the run has finished and every event was sent; it also ends after
``STREAM_SECONDS`` so no connection outlives a server shutdown for long; the browser's EventSource
then reconnects with ``Last-Event-ID`` and resumes after the last event it got.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from headwater.web.project import ProjectUnavailable
from headwater.web.serialize import run_json
from headwater.web.state import NotFound, WebState, web_state

router = APIRouter(prefix="/api", tags=["live"])
State = Annotated[WebState, Depends(web_state)]

POLL_SECONDS = 0.25
STREAM_SECONDS = 30.0
"""A stream ends after this long; EventSource reconnects and resumes from its last event id."""
_PAGE = 500


@router.get(
    "/runs/{run_id}/events/stream",
    summary="A run's events as server-sent events (resumes after Last-Event-ID or ?after=)",
    response_class=StreamingResponse,
)
async def stream(
    request: Request,
    state: State,
    run_id: str,
    after: Annotated[int, Query(ge=0, description="the last event id already seen")] = 0,
    last_event_id: Annotated[str | None, Header(description="set by EventSource when it reconnects")] = None,
) -> StreamingResponse:
    """Each event is ``id: <event id>`` and ``data: <event JSON>``; the last message is
    ``event: end`` with the finished run's JSON. Resumes after ``Last-Event-ID`` when given."""
    run = await run_in_threadpool(state.storage.get_run, run_id)
    if run is None:
        raise NotFound(f"no run with id '{run_id}' in {state.storage.url}: the runs page lists run ids")
    if last_event_id is not None and last_event_id.isdigit():
        after = max(after, int(last_event_id))
    return StreamingResponse(
        _events(request, state, run_id, after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _events(request: Request, state: WebState, run_id: str, after: int) -> AsyncIterator[str]:
    storage = state.storage
    yield "retry: 500\n\n"
    deadline = time.monotonic() + STREAM_SECONDS
    while time.monotonic() < deadline and not await request.is_disconnected():
        run = await run_in_threadpool(storage.get_run, run_id)
        page = await run_in_threadpool(partial(state.queries.events_json, run_id, after=after, limit=_PAGE))
        for event_id, text in page:
            yield f"id: {event_id}\ndata: {text}\n\n"
        if page:
            after = page[-1][0]
            if len(page) == _PAGE:
                continue
        elif run is not None and run.status.finished:
            yield f"event: end\ndata: {json.dumps(run_json(run))}\n\n"
            return
        else:
            yield ": waiting\n\n"
        await asyncio.sleep(POLL_SECONDS)


@router.get("/changes", summary="Whether anything changed since a marker (cheap; poll it, then re-fetch)")
def changes(
    state: State, since: Annotated[str | None, Query(description="the marker of the previous answer")] = None
) -> dict[str, Any]:
    """``marker`` changes when the definitions reload, an event is stored or a run is added;
    ``changed`` is false when it equals ``since``. ``load_error`` is why the definitions on disk do not
    load now (with file:line; the pages then show the last good version), else null. One small query;
    no states are computed."""
    try:
        version = state.loaded().version
    except ProjectUnavailable:
        version = 0
    marker = f"{version}.{state.queries.change_marker()}"
    return {"marker": marker, "changed": marker != since, "version": version, "load_error": state.project.error}
