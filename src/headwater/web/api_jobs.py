"""JSON API of the jobs page: each ``hw.Job`` with its selection, tags, asset count and latest run
(the shape of ``headwater jobs --json``). Jobs are launched with ``POST /api/launch {"job": NAME}``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from headwater.web.jobs import jobs_json
from headwater.web.state import WebState, web_state

router = APIRouter(prefix="/api", tags=["jobs"])
State = Annotated[WebState, Depends(web_state)]


@router.get("/jobs", summary="Jobs: named selections with their tags, asset count and latest run")
def jobs(state: State) -> dict[str, Any]:
    """Every job of the loaded definitions, sorted by name; launch one with ``POST /api/launch``
    and ``{"job": NAME}``."""
    return {"jobs": jobs_json(state.instance(), state.loaded().defs), "load_error": state.project.error}
