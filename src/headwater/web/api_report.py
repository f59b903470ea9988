"""``POST /api/assets/KEY/report``: record a materialization or observation made elsewhere (a
shell script, another scheduler), as ``headwater report`` does. The daemon is woken at once, so
conditions downstream react within its queue poll rather than at its next tick.

Guarded like every write: the editor role (or a token of one) and, for a session, its CSRF token;
a scoped role reports only assets in its scope. The request is audited with the user.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, JsonValue

from headwater.errors import SelectionError
from headwater.instance.reporting import record_report
from headwater.web.auth import launcher_tags, require_scope
from headwater.web.state import NotFound, WebState, web_state

router = APIRouter(prefix="/api/assets", tags=["assets"])
State = Annotated[WebState, Depends(web_state)]


class Report(BaseModel):
    """What was made: its data version, metadata and partition; an observation instead of a
    materialization with ``observation``."""

    model_config = {"extra": "forbid"}
    data_version: str | None = Field(default=None, min_length=1, max_length=255)
    metadata: dict[str, JsonValue] = Field(default_factory=dict)
    partition: str | None = Field(default=None, min_length=1)
    observation: bool = False


@router.post(
    "/{key:path}/report",
    summary="Report a materialization (or observation) made outside Headwater (POST with a token or CSRF token)",
)
def report(state: State, key: str, body: Report, request: Request) -> dict[str, Any]:
    """Records a run of kind ``report`` with the asset's new data version (the run id when none is
    given) and, for a materialization, the data versions of its upstream assets as its inputs."""
    loaded = state.loaded()
    try:
        node = loaded.graph.node(key)
    except SelectionError as exc:
        raise NotFound(str(exc)) from None
    require_scope(request, [(node.key.to_string(), node.spec.group)], "report")
    run, events = record_report(
        state.instance(),
        node.key,
        data_version=body.data_version,
        metadata=body.metadata,
        partition=body.partition,
        observation=body.observation,
        defs=loaded.defs,
        tags=launcher_tags(request),
    )
    recorded = events[2]
    return {
        "run_id": run.run_id,
        "key": node.key.to_string(),
        "partition": recorded.partition,
        "kind": recorded.type.value,
        "data_version": recorded.asset_payload().data_version,
    }
