"""Which assets a re-execution of a finished run runs: all of them, or those it did not complete.

Pure: reads a run record and its events, never storage. Instance.reexecute runs the result;
the daemon uses it to retry failed runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from headwater.errors import HeadwaterError
from headwater.events import CheckEvaluated, Event, EventType, RunRecord, RunStatus
from headwater.graph.asset_graph import AssetGraph
from headwater.keys import AssetKey
from headwater.tags import LAUNCH, PARENT_RUN, ROOT_RUN, tag_value, without

PARENT_TAG = PARENT_RUN
ROOT_TAG = ROOT_RUN
"""Tags a re-execution carries: the run it repeats and the first run of the chain."""


class ReexecutionError(HeadwaterError):
    """A run cannot be re-executed as asked."""


def completed_keys(events: Iterable[Event]) -> frozenset[AssetKey]:
    """Assets a run materialized, less those whose blocking error-severity check failed."""
    done: set[AssetKey] = set()
    held: set[AssetKey] = set()
    for event in events:
        if event.asset_key is None:
            continue
        if event.type is EventType.ASSET_MATERIALIZED:
            done.add(event.asset_key)
        elif event.type is EventType.CHECK_EVALUATED and _held_back(event.data):
            held.add(event.asset_key)
    return frozenset(done - held)


def _held_back(data: Mapping[str, Any]) -> bool:
    return CheckEvaluated.from_data(data).blocks_downstream


def keys_to_rerun(run: RunRecord, events: Iterable[Event], graph: AssetGraph, *, from_failure: bool) -> list[AssetKey]:
    """The parent's assets to run again, in the parent's order; raises ReexecutionError when none or unknown."""
    if not run.status.finished:
        raise ReexecutionError(
            f"run '{run.run_id}' is {run.status.value}: only a finished run can be re-executed; "
            f"wait for it, or cancel it with `headwater runs cancel {run.run_id}`"
        )
    wanted = list(run.asset_keys)
    if from_failure:
        if run.status is RunStatus.SUCCEEDED:
            raise ReexecutionError(
                f"run '{run.run_id}' succeeded, so there is no failure to re-execute from; "
                "re-execute it without --from-failure to run all of it again"
            )
        done = completed_keys(events)
        wanted = [key for key in wanted if key not in done]
        if not wanted:
            raise ReexecutionError(
                f"run '{run.run_id}' materialized every asset it selected; "
                "re-execute it without --from-failure to run all of it again"
            )
    gone = [key.to_string() for key in wanted if key not in graph.nodes]
    if gone:
        raise ReexecutionError(
            f"run '{run.run_id}' selected asset(s) that are no longer defined: {', '.join(gone)}; "
            "re-execute a run of the current definitions, or materialize what is left with --select"
        )
    return wanted


def reexecution_tags(parent: RunRecord, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A re-execution's tags: the parent's (less launch ids), the parent and root run ids, then ``extra``.

    The parent's reserved tags in the old ``headwater.`` spelling are replaced, not carried beside the new ones.
    """
    inherited = without(parent.tags, LAUNCH, PARENT_TAG, ROOT_TAG, *(extra or {}))
    root = tag_value(parent.tags, ROOT_TAG) or parent.run_id
    return {**inherited, PARENT_TAG: parent.run_id, ROOT_TAG: root, **(extra or {})}
