"""The asset catalog's rows: what ``/api/assets`` and ``headwater assets list --json`` print for each
asset (one shape for both). Reads the definitions' graph and ``AssetStates``; computes no state itself."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from headwater.keys import AssetKey
from headwater.state.partition_health import health_of_seen
from headwater.web.states import AssetStates


def catalog_rows(states: AssetStates, keys: Sequence[AssetKey], *, every: bool = False) -> list[dict[str, Any]]:
    """One row per key of ``keys``: group, owners, kinds, description, upstream count, state, last
    materialization, partition health (partitioned assets), overdue and check counts.

    ``every`` says ``keys`` are all of the graph's assets, so the latest materializations are read
    without naming thousands of keys in the query.
    """
    graph = states.graph
    latest = states.storage.latest("materialization", None if every else keys)
    partitioned = [key for key in keys if graph.nodes[key].spec.partitions is not None]
    if partitioned:  # their values are per partition: the newest partition's materialization
        latest.update(states.storage.latest_of_any_partition("materialization", partitioned))
    by_state = states.states()
    rollup = states.status.rollup
    seen = rollup.seen if rollup is not None else {}
    overdue = states.status.overdue
    rows = []
    for key in keys:
        node = graph.nodes[key]
        spec = node.spec
        record = latest.get(key)
        checks = list(states.status.checks.of(key).values())
        rows.append(
            {
                "key": key.to_string(),
                "group": spec.group,
                "owners": list(spec.owners),
                "kinds": sorted(spec.kinds),
                "description": (spec.description or "").strip().split("\n", 1)[0],
                "upstream": len(node.parents),
                "state": by_state[key],
                "source": spec.is_source,
                "last_materialized": record.event.timestamp if record else None,
                "run_id": record.event.run_id if record else None,
                "partitions": health_of_seen(seen[key]).to_json() if key in seen else None,
                "overdue": key in overdue,
                "checks": {
                    "declared": len(graph.checks.get(key, ())),
                    "passed": sum(c.passed for c in checks),
                    "failed": sum(c.failed for c in checks),
                },
            }
        )
    return rows
