"""Launching from the UI through the run queue: a materialization or a re-execution is queued as
``headwater materialize --queue`` queues it, and a backfill is stored and handed to the daemon as
``headwater backfill --queue`` does, so every launch obeys ``[runs] max_concurrent`` and ``tag_limits``.

A launch's id is the id of the run or backfill it recorded, and its status is a query of that record;
no user code runs here (the run process loads the definitions and fails the run with any error found
only there, such as a missing upstream value).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from headwater.definitions import Definitions
from headwater.errors import HeadwaterError
from headwater.events import RunRecord
from headwater.instance.backfill import create_backfill
from headwater.instance.backfill_queue import hand_to_daemon
from headwater.instance.core import InstanceCore
from headwater.instance.queue import submit_reexecution, submit_run
from headwater.storage import Storage
from headwater.storage.backfills import BackfillRecord
from headwater.tags import LAUNCH, tag_value

LAUNCH_TAG = LAUNCH
"""The run tag carrying the launch id (the run's own id) of a run launched from the UI."""


class LaunchNotFound(HeadwaterError):
    """No launch has this id (HTTP 404)."""


def launch_run(
    instance: InstanceCore,
    defs: Definitions,
    selection: str,
    *,
    partition: str | None = None,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    tags: Mapping[str, str] | None = None,
) -> RunRecord:
    """Queue a run of ``selection`` (recorded before this returns); the queue's launcher starts it."""
    run_id = uuid.uuid4().hex
    return submit_run(
        instance,
        defs,
        selection,
        partition=partition,
        config=config,
        tags={**(tags or {}), LAUNCH_TAG: run_id},
        run_id=run_id,
    )


def launch_reexecution(
    instance: InstanceCore, defs: Definitions, parent_run_id: str, *, tags: Mapping[str, str] | None = None
) -> RunRecord:
    """Queue a re-execution of ``parent_run_id`` from its failure (with ``tags`` added); raises
    ReexecutionError when it cannot."""
    run_id = uuid.uuid4().hex
    return submit_reexecution(instance, defs, parent_run_id, tags={**(tags or {}), LAUNCH_TAG: run_id}, run_id=run_id)


def launch_backfill(instance: InstanceCore, defs: Definitions, selection: str, partitions: str) -> BackfillRecord:
    """Store a backfill of ``selection`` over ``partitions`` and hand it to the daemon (or, with none
    running, to the web server's queue launcher), which queues each run once its upstream runs succeeded."""
    record, _ = create_backfill(instance, defs, selection, mode="partitions", partitions=partitions)
    return hand_to_daemon(instance, defs, record.backfill_id, check=False)  # planned just now


def launch_status(storage: Storage, launch_id: str) -> dict[str, Any]:
    """A launch from its stored record: ``pending`` while its run is queued, ``started`` once the run
    started (or for a backfill, once stored), ``failed`` with the error when the run ended before it
    started (its definitions did not load, an upstream value is missing, it was canceled)."""
    run = storage.get_run(launch_id)
    if run is not None and tag_value(run.tags, LAUNCH_TAG) == launch_id:
        error = None
        if run.started_at is not None:
            state = "started"
        elif run.status.finished:
            state = "failed"
            error = run.error or f"the run ended {run.status.value} before it started"
        else:
            state = "pending"
        return {
            "launch_id": launch_id,
            "kind": "reexecute" if run.parent_run_id else "materialize",
            "status": state,
            "selection": run.selection,
            "run_id": run.run_id,
            "run_status": run.status.value,
            "backfill_id": None,
            "error": error,
        }
    backfill = storage.get_backfill(launch_id)
    if backfill is not None and backfill.backfill_id == launch_id:
        return {
            "launch_id": launch_id,
            "kind": "backfill",
            "status": "started",
            "selection": backfill.selection,
            "run_id": None,
            "run_status": None,
            "backfill_id": backfill.backfill_id,
            "error": None,
        }
    raise LaunchNotFound(
        f"no launch '{launch_id}': a launch id is the id of the run or backfill the launch recorded; "
        "the runs and backfills pages list them"
    )
