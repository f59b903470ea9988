"""JSON API over the asset graph: layout and states, the catalog, one asset (with its partition
status ranges and column lineage), diffs of two materializations, selections, lineage."""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from headwater.errors import HeadwaterError, SelectionError
from headwater.events import EventType
from headwater.graph.selection import select
from headwater.keys import AssetKey
from headwater.state.columns import column_lineage
from headwater.state.diff import diff
from headwater.state.partition_grid import partition_grid
from headwater.state.partition_health import partition_health
from headwater.state.partition_status import key_context, partition_status
from headwater.state.status import UPSTREAM_REASON_KINDS
from headwater.storage import CheckVerdict
from headwater.web.catalog import catalog_rows
from headwater.web.serialize import event_json
from headwater.web.state import WebState, web_state

router = APIRouter(prefix="/api", tags=["assets"])
State = Annotated[WebState, Depends(web_state)]
_JSON = "application/json"


@router.get("/graph", summary="The asset graph: layout (computed once per graph version) and asset states")
def graph(state: State) -> Response:
    """Compact graph data for the graph page.

    ``layout`` has per-node arrays indexed like ``keys`` (``layer``, ``row``, ``group``), the
    ``groups`` bands, and ``edges`` as flat ``parent, child`` index pairs. ``states`` has one
    letter per node: f fresh, s stale, m missing, x failed, r running, c check failed.
    ``details`` has, by node index, partition counts, check counts and the overdue nodes.
    """
    loaded, layout = state.layout()
    codes, details = state.graph_states(loaded, layout)
    error = json.dumps(state.project.error).encode()
    body = b'{"layout":' + layout.json + b',"states":"' + codes.encode() + b'","details":' + details
    return Response(body + b',"load_error":' + error + b"}", media_type=_JSON)


@router.get("/graph/states", summary="Asset states only, for live updates of the graph page")
def graph_states(state: State) -> dict[str, Any]:
    """``version`` of the graph (re-fetch ``/api/graph`` when it changes), ``states`` letters and
    the nodes' ``details``."""
    loaded, layout = state.layout()
    codes, details = state.graph_states(loaded, layout)
    return {
        "version": loaded.version,
        "states": codes,
        "details": json.loads(details),
        "load_error": state.project.error,
    }


@router.get("/assets", summary="The asset catalog")
def assets(
    state: State, select_text: Annotated[str | None, Query(alias="select", description="A selection")] = None
) -> dict[str, Any]:
    """Every asset (or those selected) with group, owners, kinds, state, last materialization and checks
    (the rows of ``headwater assets list --json``)."""
    loaded = state.loaded()
    graph = loaded.graph
    states = state.states(loaded)
    keys = graph.sort(select(graph, select_text, predicates=states.status.predicates()))
    rows = catalog_rows(states, keys, every=not select_text)
    return {"count": len(rows), "total": len(graph), "assets": rows, "load_error": state.project.error}


class DiffUnavailable(HeadwaterError):
    """An asset has fewer than two materializations to compare (HTTP 400)."""


@router.get("/assets/{key:path}/columns", summary="The columns of an asset and their upstream/downstream columns")
def columns(
    state: State,
    key: str,
    column: Annotated[str | None, Query(description="only this column")] = None,
    depth: Annotated[int | None, Query(ge=1, description="levels followed each way (all when absent)")] = None,
) -> dict[str, Any]:
    """Each column of the asset's latest materialization with its type and the (asset, column)
    pairs linked to it up and down, read from the schemas recorded in the event log.

    An asset whose own key ends in ``/columns`` is answered with its details, as ``/api/assets/{key}``.
    """
    graph = state.loaded().graph
    if f"{key}/columns" in graph.key_strings and key not in graph.key_strings:
        return asset(state, f"{key}/columns")
    return column_lineage(state.storage, graph, key, column, depth=depth).to_json()


@router.get("/assets/{key:path}", summary="One asset: details, lineage, history, checks and staleness")
def asset(state: State, key: str, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """Everything the asset page shows, including numeric metadata series for plots."""
    loaded = state.loaded()
    graph = loaded.graph
    node = graph.node(key)
    asset_key = node.key
    spec = node.spec
    states = state.states(loaded)
    kinds = [EventType.ASSET_OBSERVED] if spec.is_source else [EventType.ASSET_MATERIALIZED]
    history = list(reversed(state.storage.asset_events(asset_key, types=kinds, limit=limit)))
    series: dict[str, list[list[float]]] = {}
    for record in history:
        for name, value in record.event.asset_payload().metadata.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                series.setdefault(str(name), []).append([record.event.timestamp, float(value)])
    checks = {c.check: c for c in states.checks(asset_key)}
    evaluations = state.storage.asset_events(asset_key, types=[EventType.CHECK_EVALUATED], limit=50)
    partitions = health = grid = None
    if spec.partitions is not None:
        ctx = key_context(state.storage, graph)
        found = partition_status(state.storage, graph, asset_key, ctx)
        partitions = {**found.to_json(), "definition": spec.partitions.describe()}
        health = partition_health(state.storage, graph, asset_key, found, ctx).to_json()
        grid = partition_grid(state.storage, graph, asset_key, ctx, now=time.time()).to_json()
    return {
        "key": asset_key.to_string(),
        "group": spec.group,
        "description": spec.description,
        "kinds": sorted(spec.kinds),
        "owners": list(spec.owners),
        "tags": dict(spec.tags),
        "metadata": _jsonable(spec.metadata),
        "code_version": spec.code_version,
        "source": spec.is_source,
        "site": spec.site,
        "upstream": [k.to_string() for k in sorted(node.parents)],
        "downstream": [k.to_string() for k in sorted(node.children)],
        "state": states.states()[asset_key],
        "stale_reasons": states.stale_reasons(asset_key),
        "upstream_reason_kinds": sorted(str(kind) for kind in UPSTREAM_REASON_KINDS),
        "freshness": states.status.freshness.get(asset_key),
        "latest": event_json(history[-1]) if history else None,
        "history": [event_json(r) for r in history],
        "series": series,
        "checks": [
            {
                "name": chk.name,
                "blocking": chk.blocking,
                "severity": chk.severity,
                "description": chk.description,
                "latest": _check_json(checks.get(chk.name)),
            }
            for chk in graph.checks.get(asset_key, ())
        ],
        "check_history": [event_json(r) for r in evaluations],
        "partition_status": partitions,
        "partition_health": health,
        "partition_grid": grid,
    }


@router.get("/diff/{key:path}", summary="Compare two materializations of an asset")
def asset_diff(
    state: State,
    key: str,
    a: Annotated[str | None, Query(description="run id of the older side (default: the previous one)")] = None,
    b: Annotated[str | None, Query(description="run id of the newer side (default: the latest)")] = None,
) -> dict[str, Any]:
    """Data and code versions, metadata deltas, changed inputs, row count and schema changes."""
    asset_key = state.loaded().graph.node(key).key
    try:
        return diff(state.storage, asset_key, a, b)
    except SelectionError as exc:
        if a is None:  # without a run id, the only failure is fewer than two materializations
            raise DiffUnavailable(str(exc)) from exc
        raise


@router.get("/select", summary="Evaluate a selection expression")
def selection(
    state: State, q: Annotated[str, Query(description="e.g. +mart/revenue or group:finance")]
) -> dict[str, Any]:
    """The keys selected by ``q`` in topological order; a bad expression is a 400 whose error points at it."""
    loaded = state.loaded()
    graph = loaded.graph
    keys = graph.sort(select(graph, q, predicates=state.states(loaded).status.predicates()))
    return {"select": q, "count": len(keys), "keys": [k.to_string() for k in keys]}


@router.get("/lineage/{key:path}", summary="Upstream and downstream of an asset, N levels each way")
def lineage(
    state: State,
    key: str,
    up: Annotated[int | None, Query(ge=0, description="levels upstream (all when absent)")] = None,
    down: Annotated[int | None, Query(ge=0, description="levels downstream (all when absent)")] = None,
) -> dict[str, Any]:
    """The keys within ``up``/``down`` levels of ``key`` and the edges between them."""
    graph = state.loaded().graph
    center = graph.node(key).key
    keys = {center} | graph.upstream([center], up) | graph.downstream([center], down)
    ordered: list[AssetKey] = graph.sort(keys)
    edges = [[p.to_string(), k.to_string()] for k in ordered for p in sorted(graph.nodes[k].parents) if p in keys]
    return {"key": center.to_string(), "keys": [k.to_string() for k in ordered], "edges": edges}


def _check_json(check: CheckVerdict | None) -> dict[str, Any] | None:
    if check is None:
        return None
    return {
        "passed": check.passed,
        "outcome": check.outcome.value,
        "run_id": check.run_id,
        "timestamp": check.timestamp,
        "data": check.data,
    }


def _jsonable(value: Any) -> Any:
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return str(value)
