"""JSON API of the global search (the Ctrl-K palette of every page): assets by key; runs by id, job
or selection among the latest runs; jobs, schedules and sensors by name. Matches are ranked by
where the text is found (the whole name, its start, the start of a key's last part, anywhere).
Reads the current definitions and the runs table; computes no state."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from headwater import tags
from headwater.web.serialize import run_json
from headwater.web.state import WebState, web_state

router = APIRouter(prefix="/api", tags=["search"])
State = Annotated[WebState, Depends(web_state)]
_RUNS_SEARCHED = 500


def _rank(name: str, text: str) -> int | None:
    """0: the whole name, 1: its start, 2: the start of its last ``/`` part, 3: anywhere; None: not found."""
    low = name.lower()
    if text not in low:
        return None
    if low == text:
        return 0
    if low.startswith(text):
        return 1
    return 2 if low.rsplit("/", 1)[-1].startswith(text) else 3


def _best(names: Iterable[str], text: str, limit: int) -> tuple[list[str], int]:
    """The ``limit`` best matching names and how many matched."""
    found = [(rank, len(name), name) for name in names if (rank := _rank(name, text)) is not None]
    found.sort()
    return [name for _, _, name in found[:limit]], len(found)


@router.get("/search", summary="Find assets, runs, jobs, schedules and sensors by text")
def search(
    state: State,
    q: Annotated[str, Query(min_length=1, max_length=200, description="text found in a name, key or run id")],
    limit: Annotated[int, Query(ge=1, le=50, description="results per kind")] = 8,
) -> dict[str, Any]:
    """The best matches of each kind (``assets``, ``runs``, ``jobs``, ``schedules``, ``sensors``) and
    how many assets matched in all (``asset_count``)."""
    text = q.strip().lower()
    loaded = state.loaded()
    defs = loaded.defs
    assets, asset_count = _best(loaded.graph.key_strings, text, limit)
    runs = []
    for run in state.storage.list_runs(limit=_RUNS_SEARCHED):
        job = run.tags.get(tags.JOB, "")
        if run.run_id.startswith(text) or text in job.lower() or text in run.selection.lower():
            runs.append(run_json(run))
            if len(runs) == limit:
                break
    return {
        "q": q,
        "assets": assets,
        "asset_count": asset_count,
        "runs": runs,
        "jobs": _best([job.name for job in defs.jobs], text, limit)[0],
        "schedules": _best([schedule.name for schedule in defs.schedules], text, limit)[0],
        "sensors": _best([sensor.name for sensor in defs.sensors], text, limit)[0],
    }
