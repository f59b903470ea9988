"""The absence building blocks, ``not_updated_within`` and ``expected_by``: an upstream update that
did not arrive in time, judged per asset from the tick's facts (for conditions and alerts alike)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from headwater.definitions.conditions import AutomationCondition
from headwater.graph import AssetGraph
from headwater.keys import AssetKey

if TYPE_CHECKING:
    from headwater.automation.conditions import Facts


def absent(facts: Facts, cond: AutomationCondition, graph: AssetGraph, key: AssetKey) -> bool:
    """Whether an upstream asset of ``key`` (``key`` itself when it has none) was not updated in time:
    within ``cond.seconds`` of now, or since the tick of ``cond.cron`` before its latest one."""
    parents = graph.nodes[key].parents
    updated = facts.updated
    oldest = min(updated.get(p, 0.0) for p in parents) if parents else updated.get(key, 0.0)
    if cond.op == "not_updated_within":
        return oldest < facts.now - (cond.seconds or 0.0)
    return oldest < facts.tick_before_latest(cond.cron or "", cond.timezone)
