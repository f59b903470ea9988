"""Run checks on their own against stored values (``headwater check run``), as a run of their own.

The run records ``CHECK_EVALUATED`` events like a materialization run does, one step per asset,
through the same run driver (heartbeat, cancel, interruption); it fails when a check fails
(error severity, or raised), so CI can gate on it. Nothing is materialized.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from headwater.definitions import Definitions
from headwater.errors import SelectionError, did_you_mean
from headwater.events import CheckEvaluated, CheckOutcome, Event, EventType, RunRecord, StepSkipped
from headwater.execution import capture
from headwater.execution.env import build_env, teardown_resources
from headwater.execution.run_driver import RunDriver
from headwater.execution.step import RunSpec, run_checks
from headwater.graph import AssetGraph
from headwater.instance.result import RunResult
from headwater.keys import AssetKey

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
    env = build_env(defs, instance.io_manager)
    spec = RunSpec(run_id=run.run_id, partition=partition)
    failed: list[str] = []
    steps = {key.to_string(): (key,) for key in keys}
    try:
        with RunDriver(instance.storage, run, steps) as driver, capture.routed():
            for position, key in enumerate(keys):
                if driver.cancel_requested:
                    driver.write([_skipped(run, other) for other in keys[position:]])
                    driver.end(canceled=True)
                    break
                record = latest.get(key)
                stamp = record.event.timestamp if record is not None else None
                driver.write([Event(run_id=run.run_id, type=EventType.STEP_STARTED, step_key=key.to_string())])
                outcome = run_checks(env, key, spec, names=names, materialized_at=stamp)
                done = Event(run_id=run.run_id, type=EventType.STEP_SUCCEEDED, step_key=outcome.step_key)
                driver.write([*outcome.events, done], [(outcome.step_key, outcome.logs)] if outcome.logs else ())
                failed.extend(
                    f"{e.asset_key}:{verdict.check}"
                    for e in outcome.events
                    if (verdict := CheckEvaluated.from_data(e.data)).outcome is CheckOutcome.FAILED
                )
            if failed and driver.ended is None:
                driver.end(error=f"{len(failed)} check(s) failed: {', '.join(failed)}")
    finally:
        teardown_resources(env.resources)
    events = driver.events
    final = instance.storage.get_run(run.run_id) or run
    return RunResult(run=final, events=tuple(events), io_managers={})


def _skipped(run: RunRecord, key: AssetKey) -> Event:
    data = StepSkipped(reason="the run was canceled", asset_keys=(key,)).to_data()
    return Event(run_id=run.run_id, type=EventType.STEP_SKIPPED, step_key=key.to_string(), data=data)
