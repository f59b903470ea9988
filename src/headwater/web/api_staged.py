"""``/api/staged``: the values held back by their checks (``publish="after_checks"``), and publishing
one anyway or discarding it (POST, like every write, with the CSRF token)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from headwater.web.state import WebState, web_state

router = APIRouter(prefix="/api/staged", tags=["assets"])
State = Annotated[WebState, Depends(web_state)]


class Settle(BaseModel):
    """Which held-back value: the asset, and the run that staged it (or its partition) when it has several."""

    key: str = Field(min_length=1)
    run_id: str | None = None
    partition: str | None = None
    reason: str | None = Field(default=None, max_length=1000)


@router.get("", summary="Values held back by a failed blocking check (of one asset, or of all)")
def staged(state: State, key: Annotated[str | None, Query()] = None) -> dict[str, Any]:
    loaded = state.loaded()
    held = state.instance().staged(loaded.defs, key)
    return {"staged": [value.to_json() for value in held]}


def _settle(state: WebState, body: Settle, *, publish: bool) -> dict[str, Any]:
    loaded = state.loaded()
    held = state.instance().settle_staged(
        loaded.defs, body.key, publish=publish, run_id=body.run_id, partition=body.partition, reason=body.reason
    )
    return {"settled": "published" if publish else "discarded", **held.to_json()}


@router.post("/publish", summary="Publish a held-back value anyway: it becomes the value readers see")
def publish(state: State, body: Settle) -> dict[str, Any]:
    return _settle(state, body, publish=True)


@router.post("/discard", summary="Drop a held-back value: the published one stands")
def discard(state: State, body: Settle) -> dict[str, Any]:
    return _settle(state, body, publish=False)
