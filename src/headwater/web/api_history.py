"""JSON API of an asset's history in pages: its materializations (observations for a source asset)
newest first, paged by event id, so the asset page reaches the oldest one instead of the last 100."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from headwater.events import EventType
from headwater.web.serialize import event_json
from headwater.web.state import WebState, web_state

router = APIRouter(prefix="/api", tags=["assets"])
State = Annotated[WebState, Depends(web_state)]


@router.get("/assets/{key:path}/history", summary="An asset's materializations, newest first, in pages")
def history(
    state: State,
    key: str,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    before: Annotated[int | None, Query(ge=1, description="the next_before of the previous page")] = None,
) -> dict[str, Any]:
    """A page of ``limit`` events older than the event id ``before``; ``next_before`` is null on the
    last page. An asset whose own key ends in ``/history`` is answered with that asset's first page."""
    graph = state.loaded().graph
    if f"{key}/history" in graph.key_strings and key not in graph.key_strings:
        key, before = f"{key}/history", None
    node = graph.node(key)
    kinds = [EventType.ASSET_OBSERVED] if node.spec.is_source else [EventType.ASSET_MATERIALIZED]
    found = state.storage.asset_events(node.key, types=kinds, limit=limit + 1, before_id=before)
    page = found[:limit]
    return {
        "key": node.key.to_string(),
        "history": [event_json(record) for record in page],
        "before": before,
        "next_before": page[-1].id if len(found) > limit else None,
    }
