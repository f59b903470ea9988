"""``context.instance`` in a sensor: a read-only view of the event log (latest materializations,
asset events, runs) and the built-in multi-asset sensor that reads it with a cursor per asset.

The view exposes reads only, so a sensor cannot write events or change runs behind the daemon.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from headwater.definitions import RunRequest, SensorSpec
from headwater.errors import DefinitionError
from headwater.events import EventRecord, EventType, RunRecord, RunStatus
from headwater.keys import AssetKey, CoercibleToKey, to_key
from headwater.storage import Storage

_ASSET_EVENTS = (EventType.ASSET_MATERIALIZED, EventType.ASSET_OBSERVED, EventType.STEP_FAILED)


class EventLogReader:
    """The event log as a sensor sees it (``hw.SensorContext.instance``): reads only."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    def latest_materializations(self, keys: Iterable[CoercibleToKey] | None = None) -> dict[AssetKey, EventRecord]:
        """The newest materialization of each asset (of any partition), of ``keys`` or of every asset."""
        wanted = [to_key(k, where="context.instance.latest_materializations") for k in keys] if keys else None
        return self._storage.latest_of_any_partition("materialization", wanted)

    def materializations(
        self, key: CoercibleToKey, *, after_id: int | None = None, limit: int = 100
    ) -> list[EventRecord]:
        """Materializations of ``key`` (any partition), newest first; only those after the event ``after_id``."""
        found = self._storage.asset_events(
            to_key(key, where="context.instance.materializations"), types=(EventType.ASSET_MATERIALIZED,), limit=limit
        )
        return [r for r in found if after_id is None or r.id > after_id]

    def asset_events(self, key: CoercibleToKey, *, limit: int = 20, before_id: int | None = None) -> list[EventRecord]:
        """Materializations, observations and failures of ``key``, newest first."""
        asset = to_key(key, where="context.instance.asset_events")
        return self._storage.asset_events(asset, types=_ASSET_EVENTS, limit=limit, before_id=before_id)

    def runs(self, *, limit: int = 20, status: str | None = None) -> list[RunRecord]:
        """Runs, newest first (only those with ``status``, e.g. ``"failed"``, when given)."""
        if status is None:
            return self._storage.list_runs(limit=limit)
        try:
            wanted = RunStatus(status)
        except ValueError:
            known = ", ".join(repr(s.value) for s in RunStatus)
            raise DefinitionError(f"context.instance.runs(status={status!r}): use one of {known}") from None
        return self._storage.list_runs(limit=limit, statuses=[wanted])

    def get_run(self, run_id: str) -> RunRecord | None:
        """The run ``run_id``, or None."""
        return self._storage.get_run(run_id)


def multi_asset_requests(
    storage: Storage, sensor: SensorSpec, cursor: str | None
) -> tuple[list[RunRequest], str, dict[str, object]]:
    """The requests, next cursor and tick notes of a ``hw.multi_asset_sensor``.

    The cursor maps each asset to the last materialization it answered for. With ``require="all"``
    an asset's new materialization is kept waiting (its cursor unchanged) until every asset has one.
    """
    latest = storage.latest_of_any_partition("materialization", sensor.assets)
    current = {k.to_string(): (latest[k].id if k in latest else 0) for k in sensor.assets}
    if cursor is None:  # a new sensor reacts to materializations from now on
        return [], json.dumps(current, sort_keys=True), {}
    seen: dict[str, int] = json.loads(cursor)
    fresh = sorted(name for name, event_id in current.items() if event_id > seen.get(name, 0))
    waiting = sorted(set(current) - set(fresh))
    if not fresh or (sensor.require == "all" and waiting):
        return [], cursor, {"new": fresh, "waiting_for": waiting} if fresh else {}
    advanced = {**seen, **{name: current[name] for name in fresh}}
    run_key = "multi:" + ",".join(f"{name}={current[name]}" for name in fresh)
    return [RunRequest(run_key=run_key)], json.dumps(advanced, sort_keys=True), {"new": fresh}
