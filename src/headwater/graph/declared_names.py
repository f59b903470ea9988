"""Check the names a Definitions refers to that the graph alone does not resolve: each asset's
``io_manager=``, each schedule's and job's ``select=`` and the assets sensors watch.

Runs when the graph is built, so `headwater check` and every run refuse them alike; it never runs user code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from headwater.definitions import DEFAULT_IO_MANAGER, AssetSpec, Definitions
from headwater.definitions.schedule import Schedule
from headwater.definitions.sensor import SensorSpec
from headwater.errors import DefinitionError, SelectionError, did_you_mean
from headwater.graph.selection import select
from headwater.graph.selection_parser import clip
from headwater.keys import AssetKey

if TYPE_CHECKING:
    from headwater.graph.asset_graph import AssetGraph


def check_io_managers(specs: Iterable[AssetSpec[..., Any]], defs: Definitions) -> None:
    """Every ``io_manager=`` names the default or one of ``Definitions(io_managers=...)``."""
    known = sorted({DEFAULT_IO_MANAGER, *defs.io_managers})
    for spec in specs:
        name = spec.io_manager
        if name == DEFAULT_IO_MANAGER or name in defs.io_managers:
            continue
        site = f" ({spec.site})" if spec.site else ""
        raise DefinitionError(
            f"asset '{spec.key}'{site} has io_manager='{clip(name)}', which is not in "
            f"Definitions(io_managers=...){did_you_mean(name, known)}; declared IO managers: {', '.join(known)}; "
            f"add it with io_managers={{'{clip(name)}': ...}} or fix the name"
        )


def check_schedules(graph: AssetGraph, defs: Definitions) -> None:
    """Every schedule's and job's ``select=`` parses, names known assets and groups, and selects something."""
    for schedule in defs.schedules:
        if isinstance(schedule, Schedule) and schedule.select is not None:
            _check_selection(graph, f"schedule '{schedule.name}'", schedule.select)
    for job in defs.jobs:
        _check_selection(graph, f"job '{job.name}'", job.select)
    for sensor in defs.sensors:
        if isinstance(sensor, SensorSpec):
            _check_watched(graph, sensor)


def _check_watched(graph: AssetGraph, sensor: SensorSpec) -> None:
    """An asset sensor's ``asset=`` and a multi-asset sensor's ``assets=`` are keys of the graph:
    a misspelled one would never fire."""
    for key in (sensor.asset, *sensor.assets):
        if key is None or key in graph.nodes:
            continue
        site = f" ({sensor.site})" if sensor.site else ""
        raise DefinitionError(
            f"sensor '{sensor.name}'{site} watches asset '{key}', which is not in these definitions"
            f"{did_you_mean(key.to_string(), graph.key_strings)}; fix the key "
            "(`headwater assets list` shows every key)"
        )


def _check_selection(graph: AssetGraph, owner: str, selection: str) -> None:
    where = f"{owner} has select={clip(selection)!r}"
    asked: list[str] = []

    def anything(value: str) -> frozenset[AssetKey]:
        # status:/changed: depend on run history: assume the most they could select.
        asked.append(value)
        return frozenset(graph.nodes)

    try:
        chosen = select(graph, selection, predicates={"status": anything, "changed": anything})
    except SelectionError as exc:
        raise DefinitionError(f"{where}, which is not a valid selection: {exc}") from None
    if chosen or asked:
        return
    candidates = [*graph.key_strings, *(f"group:{group}" for group in graph.groups)]
    raise DefinitionError(
        f"{where}, which matches no asset{did_you_mean(selection, candidates)}; fix select= "
        "(`headwater assets list` shows every key and group)"
    )
