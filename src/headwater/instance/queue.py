"""Queuing runs for the daemon and claiming a queued run in the process that executes it.

A queued run is a QUEUED run record with the code location of its definitions, so the daemon can
start a process that loads them (``headwater materialize --run-id ID``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headwater.automation.config import PRIORITY_TAG
from headwater.automation.requests import queue_request
from headwater.definitions import Definitions
from headwater.errors import ConfigError, DefinitionError
from headwater.events import RunRecord, RunStatus
from headwater.graph import AssetGraph
from headwater.storage.run_queue import RunQueueStore

if TYPE_CHECKING:
    from headwater.instance.instance import Instance


def submit_run(
    instance: Instance,
    defs: Definitions,
    select: str | None = None,
    *,
    partition: str | None = None,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    tags: Mapping[str, str] | None = None,
) -> RunRecord:
    """Queue a run of ``select`` for the daemon to launch; returns the QUEUED record."""
    if defs.location is None:
        raise DefinitionError(
            "cannot queue a run of definitions that were not loaded from a module or file: the daemon "
            "starts the run in a new process that must import them; load them with "
            "hw.load_definitions(hw.find_location(module=...)) or use `headwater materialize --queue -m ...`"
        )
    keys = instance.select(defs, select)
    runs_config = instance.config.runs if instance.config is not None else None
    return queue_request(
        RunQueueStore(instance.storage),
        AssetGraph.from_definitions(defs),
        defs.location,
        run_id=uuid.uuid4().hex,
        selection=select or "*",
        keys=keys,
        partition=partition,
        config=config,
        tags=tags,
        priority_tag=runs_config.priority_tag if runs_config is not None else PRIORITY_TAG,
        where="queued run",
    )


def queued_run(instance: Instance, run_id: str) -> RunRecord:
    """The QUEUED run ``run_id`` that this process is about to execute."""
    run = instance.storage.get_run(run_id)
    if run is None:
        raise ConfigError(
            f"no run '{run_id}' in {instance.storage.url}: --run-id executes a run queued by the daemon "
            "or Instance.submit_run; leave it out to start a new run"
        )
    if run.status is not RunStatus.QUEUED:
        raise ConfigError(
            f"run '{run_id}' is {run.status.value}, not queued: each queued run executes once; "
            "queue a new run (or re-run the assets with `headwater materialize --select ...`)"
        )
    return run
