"""JSON API of launching: check a launch (selection count, partitions, config, tags), launch a
materialization or a backfill and re-execute a run from its failure (each through the run queue, see
``headwater.web.launch``), and follow a launch until its run has started.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

import pydantic
from fastapi import APIRouter, Depends, Request

from headwater.definitions import Definitions
from headwater.definitions.job import find_job
from headwater.definitions.partitions import RANGE_SEPARATOR, parse_partition_selection
from headwater.errors import ConfigError, HeadwaterError, SelectionError
from headwater.graph.selection import select
from headwater.graph.selection_parser import clip
from headwater.keys import AssetKey
from headwater.state.partition_status import key_context
from headwater.web.auth import launcher_tags, require_scope
from headwater.web.launch import launch_backfill, launch_reexecution, launch_run, launch_status
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
    tags: dict[str, str] | None = pydantic.Field(
        None, description="Run tags: name -> value (subject to [runs] tag_limits, e.g. team=finance)."
    )
    job: str | None = pydantic.Field(
        None,
        description="Launch this hw.Job: its selection, tags (and headwater/job) and config; config and "
        "tags given here win. Give job or select, not both.",
    )


def resolve_job(defs: Definitions, body: LaunchRequest) -> LaunchRequest:
    """``body`` with the job it names expanded into its selection, config and tags (``body``
    itself when it names none); an unknown job or a job with a selection is a DefinitionError."""
    if body.job is None:
        return body
    if "select" in body.model_fields_set:
        raise ConfigError(
            f"launch: give job or select, not both: job {body.job!r} has its own selection; leave select out"
        )
    job = find_job(defs.jobs, body.job, where="launch")
    config = body.config or ({k: dict(v) for k, v in job.config.items()} if job.config else None)
    return body.model_copy(update={"select": job.select, "config": config, "tags": job.run_tags(body.tags)})


@dataclass(kw_only=True)
class Checked:
    """A launch request checked against the current definitions."""

    defs: Definitions
    keys: list[AssetKey]
    backfill: bool
    partitions: dict[str, Any] | None
    schemas: dict[str, dict[str, Any]]
    request: LaunchRequest
    """The request with its job (if any) expanded into selection, config and tags."""
    problems: list[str] = field(default_factory=list)


def check_request(state: WebState, body: LaunchRequest) -> Checked:
    """Selected keys, partitions and config problems; a bad selection raises SelectionError."""
    loaded = state.loaded()
    graph = loaded.graph
    job, body = body.job, resolve_job(loaded.defs, body)
    keys = graph.sort(select(graph, body.select, predicates=state.states(loaded).status.predicates()))
    if not keys:
        raise SelectionError(f"the selection '{clip(body.select)}' selects no assets: nothing to materialize")
    text = (body.partition or "").strip()
    backfill = RANGE_SEPARATOR in text or "," in text
    checked = Checked(
        defs=loaded.defs,
        keys=keys,
        backfill=backfill,
        partitions=None,
        schemas=config_schemas(graph, keys),
        request=body,
    )
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
            f"the selection '{clip(body.select)}' has no partitioned asset, so partition '{clip(text)}' "
            "does not apply: leave the partition empty or select partitioned assets"
        )
    if body.config and backfill:
        checked.problems.append(
            "run config is not passed to backfills: leave it empty, or launch one partition at a time"
        )
    if job is not None and backfill:
        checked.problems.append(
            f"job {job!r} runs one partition at a time: give one partition key, or launch a backfill "
            "of its selection without job"
        )
    elif body.tags and backfill:
        checked.problems.append(
            "run tags are not passed to backfills (their runs are tagged headwater/backfill=ID): "
            "leave them empty, or launch one partition at a time"
        )
    blank = [name for name in body.tags or {} if not name.strip()]
    if blank:
        checked.problems.append('a run tag has an empty name: give each tag as "name": "value"')
    checked.problems += config_problems(graph, keys, body.config or {})
    return checked


@router.post("/launch/check", summary="Check a launch without starting it (POST with a CSRF token)")
def launch_check(state: State, body: LaunchRequest) -> dict[str, Any]:
    """How many assets the selection matches, the partitions it would run, the config models of the
    selected assets (JSON schemas) and every problem found; a bad selection is a 400."""
    checked = check_request(state, body)
    return {
        "select": checked.request.select,
        "job": body.job,
        "assets": len(checked.keys),
        "keys": [k.to_string() for k in checked.keys[:_SHOWN]],
        "kind": "backfill" if checked.backfill else "materialize",
        "partitions": checked.partitions,
        "config_schemas": checked.schemas,
        "problems": checked.problems,
    }


@router.post("/launch", status_code=202, summary="Launch a materialization or backfill (POST with a CSRF token)")
def launch(state: State, body: LaunchRequest, request: Request) -> dict[str, Any]:
    """Check the request, then queue a run (a partition key, or none) or store a backfill handed to
    the daemon (a range or list of partitions); the response names the run or backfill.

    Queued runs start under ``[runs] max_concurrent`` and ``tag_limits``; poll
    ``GET /api/launches/{launch_id}`` until the run has started (or failed before starting).
    """
    checked = check_request(state, body)
    if checked.problems:
        raise ConfigError("; ".join(checked.problems))
    body = checked.request
    graph = state.loaded().graph
    require_scope(request, [(k.to_string(), graph.nodes[k].spec.group) for k in checked.keys], "launch")
    instance = state.instance()
    if checked.backfill:
        launch_id = launch_backfill(instance, checked.defs, body.select, (body.partition or "").strip()).backfill_id
    else:
        partition = (body.partition or "").strip() or None
        tags = {**(body.tags or {}), **launcher_tags(request)}
        run = launch_run(instance, checked.defs, body.select, partition=partition, config=body.config, tags=tags)
        launch_id = run.run_id
    return {**launch_status(state.storage, launch_id), "assets": len(checked.keys)}


@router.get("/launches/{launch_id}", summary="Follow a launch until its run has started")
def launch_status_of(state: State, launch_id: str) -> dict[str, Any]:
    """``pending`` (its run is queued), ``started`` (with ``run_id`` or ``backfill_id``) or ``failed``
    (the run ended before it started, with ``error``)."""
    return launch_status(state.storage, launch_id)


@router.post(
    "/runs/{run_id}/reexecute", status_code=202, summary="Re-execute a run from its failure (POST with a CSRF token)"
)
def reexecute(state: State, run_id: str, request: Request) -> dict[str, Any]:
    """Check that the run can be re-executed from failure (it finished and left assets undone), then
    queue a new run of what it did not complete, with its partition and config; follow it with
    ``GET /api/launches/{launch_id}``. The new run records the old one as its parent."""
    parent = state.storage.get_run(run_id)
    if parent is None:
        raise NotFound(f"no run with id '{run_id}' in {state.storage.url}: the runs page lists run ids")
    graph = state.loaded().graph
    known = [k for k in parent.asset_keys if k in graph.nodes]
    require_scope(request, [(k.to_string(), graph.nodes[k].spec.group) for k in known], "re-execute")
    run = launch_reexecution(state.instance(), state.loaded().defs, parent.run_id, tags=launcher_tags(request))
    return {**launch_status(state.storage, run.run_id), "assets": len(run.asset_keys)}
