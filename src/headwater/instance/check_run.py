"""Run checks on their own against stored values (``headwater check run``), as a run of their own.

The run records ``CHECK_EVALUATED`` events like a materialization run does; it fails when an
error-severity check fails or raises, so CI can gate on it. Nothing is materialized.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from headwater.definitions import Definitions
from headwater.errors import SelectionError, did_you_mean
from headwater.events import CheckEvaluated, CheckOutcome, Event, EventType, RunRecord
from headwater.execution.env import build_env, teardown_resources
from headwater.execution.step import RunSpec, run_checks
from headwater.graph import AssetGraph
from headwater.instance.result import RunResult

if TYPE_CHECKING:
    from headwater.instance.instance import Instance

CHECK_RUN_TAG = "headwater/kind"


def check_run(
    instance: Instance,
    defs: Definitions,
    select: str | None = None,
    *,
    partition: str | None = None,
    names: Sequence[str] | None = None,
) -> RunResult:
    """Evaluate the checks of the selected assets against their stored values in a new run."""
    graph = AssetGraph.from_definitions(defs)
    selected = graph.sort(instance.select(defs, select))
    keys = [key for key in selected if graph.checks.get(key)]
    if names is not None:
        declared = sorted({chk.name for key in keys for chk in graph.checks[key]})
        unknown = [name for name in names if name not in declared]
        if unknown:
            raise SelectionError(
                f"no check named '{unknown[0]}' on the selected assets{did_you_mean(unknown[0], declared)}; "
                f"their checks are: {', '.join(declared) or '(none)'}"
            )
        keys = [key for key in keys if any(chk.name in names for chk in graph.checks[key])]
    if not keys:
        raise SelectionError(
            f"none of the {len(selected)} selected asset(s) has a check: declare checks with @hw.check(asset=...) "
            "or hw.checks.*, or select assets that have them (`headwater assets show KEY` lists an asset's checks)"
        )
    latest = instance.storage.latest("materialization", keys, partition)
    run = RunRecord(
        run_id=uuid.uuid4().hex,
        selection=select or "*",
        asset_keys=tuple(keys),
        partition=partition,
        tags={CHECK_RUN_TAG: "checks"},
    )
    instance.storage.add_run(run)
    events: list[Event] = [Event(run_id=run.run_id, type=EventType.RUN_STARTED, data={"steps": len(keys)})]
    instance.storage.store_events(events)
    env = build_env(defs, instance.io_manager)
    spec = RunSpec(run_id=run.run_id, partition=partition)
    failed: list[str] = []
    try:
        for key in keys:
            record = latest.get(key)
            stamp = record.event.timestamp if record is not None else None
            outcome = run_checks(env, key, spec, names=names, materialized_at=stamp)
            instance.storage.store_events(outcome.events)
            instance.storage.store_logs(run.run_id, outcome.step_key, outcome.logs)
            events.extend(outcome.events)
            failed.extend(
                f"{e.asset_key}:{verdict.check}"
                for e in outcome.events
                if (verdict := CheckEvaluated.from_data(e.data)).outcome is CheckOutcome.FAILED
            )
    finally:
        teardown_resources(env.resources)
    if failed:
        end = Event(
            run_id=run.run_id,
            type=EventType.RUN_FAILED,
            timestamp=time.time(),
            data={"error": f"{len(failed)} check(s) failed: {', '.join(failed)}"},
        )
    else:
        end = Event(run_id=run.run_id, type=EventType.RUN_SUCCEEDED, timestamp=time.time())
    instance.storage.store_events([end])
    events.append(end)
    final = instance.storage.get_run(run.run_id) or run
    return RunResult(run=final, events=tuple(events), io_managers={})
