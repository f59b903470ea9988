"""Observations: ``observe`` calls the ``observe=`` functions of source assets and records
``ASSET_OBSERVED`` with the data version they return, in a run of its own, so lineage and
staleness include data made outside Headwater (reports of it: ``headwater.instance.reporting``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from headwater.automation.observation import observe_keys
from headwater.definitions import Definitions
from headwater.errors import SelectionError
from headwater.events import Event, RunRecord
from headwater.instance.result import RunResult

if TYPE_CHECKING:
    from headwater.instance.instance import Instance


def _result(instance: Instance, run: RunRecord, events: list[Event]) -> RunResult:
    return RunResult(run=instance.storage.get_run(run.run_id) or run, events=tuple(events), io_managers={})


def observe(instance: Instance, defs: Definitions, select: str | None = None) -> RunResult:
    """Call the ``observe=`` function of each selected source asset and record what it returned.

    A function that raises is recorded as a failed observation (``STEP_FAILED``) and the run
    fails; the other observations are still recorded, and the next call tries again.
    """
    graph = instance.graph_for(defs)
    selected = graph.sort(instance.select(defs, select))
    keys = tuple(k for k in selected if graph.nodes[k].spec.observe is not None)
    if not keys:
        observable = [k.to_string() for k in graph.keys if graph.nodes[k].spec.observe is not None]
        raise SelectionError(
            f"none of the {len(selected)} selected asset(s) can be observed: declare "
            "hw.SourceAsset(key, observe=fn) for data made outside Headwater"
            + (f"; observable assets: {', '.join(observable)}" if observable else "")
        )
    found = observe_keys(instance.storage, graph, keys, select or "*")
    return _result(instance, found.run, found.events)
