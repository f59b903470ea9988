"""Run checks on their own against stored values (``headwater check run``), as a run of their own.

A check-only plan (one step per asset) runs through the same scheduling loop and run driver as a
materialization (heartbeat, cancel, interruption, pool slots); its steps record ``CHECK_EVALUATED``
events, and the run fails when a check fails (error severity, or raised), so CI can gate on it.
Nothing is materialized.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from headwater.definitions import Definitions
from headwater.errors import SelectionError, did_you_mean
from headwater.events import CheckEvaluated, CheckOutcome, Event, EventType, RunRecord
from headwater.execution.env import build_env, teardown_resources
from headwater.execution.loop import PlanExecution
from headwater.execution.pools import CheckOnlyPool
from headwater.execution.run_driver import execute_run
from headwater.execution.step import RunSpec
from headwater.graph.plan import check_plan
from headwater.instance.result import RunResult
from headwater.tags import KIND

if TYPE_CHECKING:
    from headwater.instance.instance import Instance

CHECK_RUN_TAG = KIND


def check_run(
    instance: Instance,
    defs: Definitions,
    select: str | None = None,
    *,
    partition: str | None = None,
    names: Sequence[str] | None = None,
) -> RunResult:
    """Evaluate the checks of the selected assets against their stored values in a new run."""
    graph = instance.graph_for(defs)
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
    env = build_env(defs, instance.io_manager, graph)
    plan = check_plan(graph, keys, names)
    stamps = {key: record.event.timestamp for key, record in latest.items()}
    try:
        events = execute_run(
            instance.storage,
            run,
            plan,
            CheckOnlyPool(env, plan, stamps),
            RunSpec(run_id=run.run_id, partition=partition),
            failure=_failed_checks,
        )
    finally:
        teardown_resources(env.resources)
    final = instance.storage.get_run(run.run_id) or run
    return RunResult(run=final, events=tuple(events), io_managers={})


def _failed_checks(execution: PlanExecution, events: Sequence[Event]) -> str | None:
    """Why a check run failed: the checks that failed (error severity, or raised), or None."""
    failed = [
        f"{e.asset_key}:{verdict.check}"
        for e in events
        if e.type is EventType.CHECK_EVALUATED
        and (verdict := CheckEvaluated.from_data(e.data)).outcome is CheckOutcome.FAILED
    ]
    return f"{len(failed)} check(s) failed: {', '.join(failed)}" if failed else None
