"""JSON API of launching: check a launch (selection count, partitions, config), launch a
materialization or a backfill, re-execute a run from its failure (each a CLI subprocess), and
follow a launch until its run or backfill exists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Annotated, Any

import pydantic
from fastapi import APIRouter, Depends

from headwater.definitions.partitions import RANGE_SEPARATOR, parse_partition_selection
from headwater.errors import ConfigError, HeadwaterError, SelectionError
from headwater.events import EventType
from headwater.graph.reexecution import keys_to_rerun
from headwater.graph.selection import select
from headwater.keys import AssetKey
from headwater.state.partition_status import key_context
from headwater.web.run_config import config_problems, config_schemas
from headwater.web.state import NotFound, WebState, web_state

router = APIRouter(prefix="/api", tags=["launch"])
State = Annotated[WebState, Depends(web_state)]
_SHOWN = 200


class LaunchRequest(pydantic.BaseModel):
    """What to materialize."""

    model_config = pydantic.ConfigDict(extra="forbid")
    select: str = pydantic.Field("*", description="A selection expression (default: every asset).")
    partition: str | None = pydantic.Field(
        None,
        description="A partition key (one run), or START...END or a comma-separated list (a backfill: "
        "one run per partition, in dependency order).",
    )
    config: dict[str, dict[str, Any]] | None = pydantic.Field(None, description="Run config: asset key -> fields.")


@dataclass(kw_only=True)
class Checked:
    """A launch request checked against the current definitions."""

    keys: list[AssetKey]
    backfill: bool
    partitions: dict[str, Any] | None
    schemas: dict[str, dict[str, Any]]
    problems: list[str] = field(default_factory=list)


def check_request(state: WebState, body: LaunchRequest) -> Checked:
    """Selected keys, partitions and config problems; a bad selection raises SelectionError."""
    loaded = state.loaded()
    graph = loaded.graph
    keys = graph.sort(select(graph, body.select, predicates=state.states(loaded).status.predicates()))
    if not keys:
        raise SelectionError(f"the selection '{body.select}' selects no assets: nothing to materialize")
    text = (body.partition or "").strip()
    backfill = RANGE_SEPARATOR in text or "," in text
    checked = Checked(keys=keys, backfill=backfill, partitions=None, schemas=config_schemas(graph, keys))
    defined = [(k, d) for k in keys if (d := graph.nodes[k].spec.partitions) is not None]
    partitioned = [k for k, _ in defined]
    if defined:
        definition = defined[0][1]
        ctx = key_context(state.storage, graph)
        all_keys = definition.keys(ctx)
        info: dict[str, Any] = {
            "assets": [k.to_string() for k in partitioned],
            "definition": definition.describe(),
            "total": len(all_keys),
            "first": all_keys[0] if all_keys else None,
            "last": all_keys[-1] if all_keys else None,
            "selected": None,
        }
        if not text:
            names = ", ".join(k.to_string() for k in partitioned[:5]) + (" …" if len(partitioned) > 5 else "")
            checked.problems.append(
                f"the selection has partitioned assets ({names}), so a run needs a partition: give a key "
                f"such as {all_keys[-1] if all_keys else 'KEY'}, or START{RANGE_SEPARATOR}END for a backfill"
            )
        else:
            try:
                info["selected"] = len(
                    parse_partition_selection(text, definition, ctx, owner=f"asset '{partitioned[0]}'")
                )
            except HeadwaterError as exc:
                checked.problems.append(str(exc))
        checked.partitions = info
    elif text:
        checked.problems.append(
            f"the selection '{body.select}' has no partitioned asset, so partition '{text}' does not apply: "
            "leave the partition empty or select partitioned assets"
        )
    if body.config and backfill:
        checked.problems.append(
            "run config is not passed to backfills: leave it empty, or launch one partition at a time"
        )
    checked.problems += config_problems(graph, keys, body.config or {})
    return checked


@router.post("/launch/check", summary="Check a launch without starting it (POST with a CSRF token)")
def launch_check(state: State, body: LaunchRequest) -> dict[str, Any]:
    """How many assets the selection matches, the partitions it would run, the config models of the
    selected assets (JSON schemas) and every problem found; a bad selection is a 400."""
    checked = check_request(state, body)
    return {
        "select": body.select,
        "assets": len(checked.keys),
        "keys": [k.to_string() for k in checked.keys[:_SHOWN]],
        "kind": "backfill" if checked.backfill else "materialize",
        "partitions": checked.partitions,
        "config_schemas": checked.schemas,
        "problems": checked.problems,
    }


@router.post("/launch", status_code=202, summary="Launch a materialization or backfill (POST with a CSRF token)")
def launch(state: State, body: LaunchRequest) -> dict[str, Any]:
    """Check the request, then start ``headwater materialize`` (a partition key) or ``headwater
    backfill`` (a range or list of partitions) in a subprocess.

    Poll ``GET /api/launches/{launch_id}`` for the run or backfill id (or the command's error).
    """
    checked = check_request(state, body)
    if checked.problems:
        raise ConfigError("; ".join(checked.problems))
    if checked.backfill:
        started = state.launcher.launch_backfill(body.select, (body.partition or "").strip())
    else:
        config_json = json.dumps(body.config) if body.config else None
        started = state.launcher.launch(body.select, body.partition or None, config_json)
    return {"launch_id": started.launch_id, "status": "pending", "kind": started.kind, "assets": len(checked.keys)}


@router.get("/launches/{launch_id}", summary="Follow a launch until its run or backfill is recorded")
def launch_status(state: State, launch_id: str) -> dict[str, Any]:
    """``pending``, ``started`` (with ``run_id`` or ``backfill_id``) or ``failed`` (with ``error``)."""
    return state.launcher.status(launch_id)


@router.post(
    "/runs/{run_id}/reexecute", status_code=202, summary="Re-execute a run from its failure (POST with a CSRF token)"
)
def reexecute(state: State, run_id: str) -> dict[str, Any]:
    """Check that the run can be re-executed from failure (it finished and left assets undone),
    then start ``headwater runs reexecute RUN_ID --from-failure``; follow it with
    ``GET /api/launches/{launch_id}``. The new run records the old one as its parent."""
    parent = state.storage.get_run(run_id)
    if parent is None:
        raise NotFound(f"no run with id '{run_id}' in {state.storage.url}: the runs page lists run ids")
    wanted = (EventType.ASSET_MATERIALIZED, EventType.CHECK_EVALUATED)
    done = [record.event for record in state.storage.get_events(parent.run_id, types=wanted)]
    keys = keys_to_rerun(parent, done, state.loaded().graph, from_failure=True)
    started = state.launcher.launch_reexecute(parent.run_id)
    return {"launch_id": started.launch_id, "status": "pending", "kind": started.kind, "assets": len(keys)}
