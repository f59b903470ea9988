"""Values held back by their checks, as a person settles them: list them, publish one anyway, or
discard it. Publishing records first and renames after, like a run's own publication."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable

from headwater.errors import SelectionError
from headwater.events import Event, EventType, StagedSettled
from headwater.io import IOManager
from headwater.io.base import Staged
from headwater.io.staging import publish_staged
from headwater.keys import AssetKey
from headwater.state.staged import HeldValue, held_values
from headwater.storage import Storage


def find_held(storage: Storage, key: AssetKey, *, run_id: str | None, partition: str | None) -> HeldValue:
    """The value of ``key`` held back (staged by ``run_id``, or a run whose id starts with it, for
    ``partition``); a clear error when there is none or several match."""
    found = [
        held
        for held in held_values(storage, [key])
        if (run_id is None or held.run_id.startswith(run_id)) and (partition is None or held.partition == partition)
    ]
    if not found:
        what = f" staged by run {run_id}" if run_id else ""
        part = f" for partition '{partition}'" if partition else ""
        raise SelectionError(
            f"asset '{key}' has no value held back{what}{part}: `headwater assets staged {key}` lists them"
        )
    if len(found) > 1:
        parts = ", ".join(sorted(held.partition or "(unpartitioned)" for held in found))
        raise SelectionError(
            f"asset '{key}' has {len(found)} values held back (partitions {parts}): name one with --partition"
        )
    return found[0]


def settle(
    storage: Storage,
    io_for: Callable[[AssetKey], IOManager],
    held: HeldValue,
    *,
    publish: bool,
    reason: str | None = None,
    by: str | None = None,
) -> Event:
    """Publish ``held`` anyway or discard it; returns the event recorded (under the staging run)."""
    item = Staged(held.key, held.partition, held.run_id)
    staged = held.event.event
    settled = StagedSettled(staged_run=held.run_id, forced=publish, reason=reason, by=by).to_data()
    now = time.time()
    kind = EventType.ASSET_PUBLISHED if publish else EventType.ASSET_DISCARDED
    event = dataclasses.replace(staged, type=kind, timestamp=now, data=settled)
    if publish:
        # Recorded before the rename: a kill in between leaves a publication the next read completes.
        os.sync()
        storage.store_events([event, dataclasses.replace(staged, type=EventType.ASSET_MATERIALIZED, timestamp=now)])
        publish_staged(io_for, [item])
    else:
        io_for(held.key).discard([item])  # dropped first: a kill in between leaves it listed, not lost
        storage.store_events([event])
    return event
