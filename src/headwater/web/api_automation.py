"""JSON API of the automation page: schedules and sensors with their on/off switch (POST with
CSRF), alerts with their open incidents, recent ticks, and each asset's condition evaluations
("why was / wasn't it requested").

Reads and switches through ``AutomationStore``; names are checked against the loaded definitions, and
schedules, sensors and ticks have the shapes of ``automation.switches`` (as ``headwater automation --json``).
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import pydantic
from fastapi import APIRouter, Depends, Query

from headwater.automation.alert_state import alert_json, instigator_name
from headwater.automation.conditions import detail_tree
from headwater.automation.switches import (
    CONDITIONS,
    UnknownInstigator,
    instigator_kind,
    is_on,
    schedule_json,
    sensor_json,
    tick_json,
)
from headwater.storage.automation import AutomationStore
from headwater.web.state import NotFound, WebState, web_state

router = APIRouter(prefix="/api/automation", tags=["automation"])
State = Annotated[WebState, Depends(web_state)]


class Switch(pydantic.BaseModel):
    """Switch a schedule, a sensor or every asset condition (``asset_automation``) on or off."""

    model_config = pydantic.ConfigDict(extra="forbid")
    enabled: bool


@router.get("", summary="Schedules, sensors, asset conditions and recent ticks")
def automation(state: State, ticks: Annotated[int, Query(ge=1, le=1000)] = 50) -> dict[str, Any]:
    """Everything the automation page shows; conditions list each asset's latest evaluation."""
    loaded = state.loaded()
    defs, graph = loaded.defs, loaded.graph
    store = AutomationStore(state.storage)
    states = store.instigator_states()
    now = time.time()
    schedules = [schedule_json(schedule, states, now) for schedule in defs.schedules]
    last = store.latest_ticks([s.name for s in defs.sensors])
    sensors = [sensor_json(sensor, states, last.get(sensor.name), now) for sensor in defs.sensors]
    latest = store.asset_automation_states(with_detail=False)
    assets = []
    for key in graph.keys:
        condition = graph.nodes[key].spec.automation
        if condition is None:
            continue
        evaluated = latest.get(key)
        assets.append(
            {
                "key": key.to_string(),
                "condition": condition.describe(),
                "evaluated_at": evaluated.evaluated_at if evaluated else None,
                "requested": evaluated.requested if evaluated else None,
                "last_requested_at": evaluated.last_requested_at if evaluated else None,
                "last_run_id": evaluated.last_run_id if evaluated else None,
            }
        )
    alerts = [*defs.alerts, *state.config.automation.alerts.alerts()]
    return {
        "schedules": schedules,
        "sensors": sensors,
        "alerts": [alert_json(alert, states.get(instigator_name(alert.name))) for alert in alerts],
        "conditions": {"name": CONDITIONS, "on": is_on(states.get(CONDITIONS), "running"), "assets": assets},
        "ticks": [tick_json(t) for t in store.list_ticks(limit=ticks)],
        "load_error": state.project.error,
    }


@router.get("/ticks", summary="Recent ticks, newest first (of one schedule or sensor if named)")
def ticks(
    state: State,
    name: Annotated[str | None, Query(description="a schedule, sensor or 'asset_automation'")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, Any]:
    """Ticks with the runs they requested and their errors."""
    return {"ticks": [tick_json(t) for t in AutomationStore(state.storage).list_ticks(name, limit=limit)]}


@router.get("/why/{key:path}", summary="An asset's condition evaluations: why it was or was not requested")
def why(state: State, key: str, limit: Annotated[int, Query(ge=1, le=100)] = 10) -> dict[str, Any]:
    """Evaluations that changed something, newest first, each as a tree of sub-conditions."""
    node = state.loaded().graph.node(key)
    found = AutomationStore(state.storage).evaluations(node.key, limit=limit)
    condition = node.spec.automation
    return {
        "key": node.key.to_string(),
        "condition": condition.describe() if condition is not None else None,
        "evaluations": [
            {
                "timestamp": e["timestamp"],
                "requested": e["requested"],
                "run_id": e["run_id"],
                "tree": detail_tree(e["detail"]),
            }
            for e in found
        ],
    }


@router.post("/instigators/{name}", summary="Switch a schedule or sensor on or off (POST with a CSRF token)")
def switch(state: State, name: str, body: Switch) -> dict[str, Any]:
    """``asset_automation`` switches every asset condition at once."""
    defs = state.loaded().defs
    try:
        kind = instigator_kind(defs, name, listed_by="the automation page lists them")
    except UnknownInstigator as exc:
        raise NotFound(str(exc)) from None
    AutomationStore(state.storage).set_enabled(name, kind, body.enabled)
    return {"name": name, "kind": kind, "on": body.enabled}
