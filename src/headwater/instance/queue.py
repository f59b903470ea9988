"""Queuing runs (new ones, or re-executions of a finished run) for the queue's launcher, and claiming
a queued run in the process that executes it.

A queued run is a QUEUED run record with the code location of its definitions, so the launcher can
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
from headwater.events import RunRecord
from headwater.storage.run_queue import RunQueueStore

if TYPE_CHECKING:
    from headwater.instance.core import InstanceCore


def submit_run(
    instance: InstanceCore,
    defs: Definitions,
    select: str | None = None,
    *,
    partition: str | None = None,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    tags: Mapping[str, str] | None = None,
    run_id: str | None = None,
) -> RunRecord:
    """Queue a run of ``select`` for the daemon to launch; returns the QUEUED record (with ``run_id``
    when given, e.g. to tag the run with its own id)."""
    _require_location(defs)
    return _queue(
        instance,
        defs,
        run_id=run_id or uuid.uuid4().hex,
        selection=select or "*",
        keys=instance.select(defs, select),
        partition=partition,
        config=config,
        tags=tags,
    )


def submit_reexecution(
    instance: InstanceCore,
    defs: Definitions,
    parent_run_id: str,
    *,
    from_failure: bool = True,
    tags: Mapping[str, str] | None = None,
    run_id: str | None = None,
) -> RunRecord:
    """Queue a re-execution of the finished run ``parent_run_id`` (all of it, or from failure: what it
    did not complete), with its partition and config; raises ReexecutionError when there is nothing to
    re-execute. Returns the QUEUED record, whose ``parent_run_id`` names the run it repeats."""
    from headwater.instance.reexecute import prepare

    _require_location(defs)
    plan = prepare(instance, defs, parent_run_id, from_failure=from_failure)
    return _queue(
        instance,
        defs,
        run_id=run_id or uuid.uuid4().hex,
        selection=plan.selection,
        partition=plan.parent.partition,  # a range label is expanded by the run process
        config=plan.parent.config,
        tags=plan.tags(tags),
        parent_run_id=plan.parent.run_id,
    )


def _require_location(defs: Definitions) -> None:
    if defs.location is None:
        raise DefinitionError(
            "cannot queue a run of definitions that were not loaded from a module or file: the daemon "
            "starts the run in a new process that must import them; load them with "
            "hw.load_definitions(hw.find_location(module=...)) or use `headwater materialize --queue -m ...`"
        )


def _queue(instance: InstanceCore, defs: Definitions, **request: Any) -> RunRecord:
    runs_config = instance.config.runs if instance.config is not None else None
    return queue_request(
        RunQueueStore(instance.storage),
        instance.graph_for(defs),
        defs.location,
        priority_tag=runs_config.priority_tag if runs_config is not None else PRIORITY_TAG,
        where="queued run",
        **request,
    )


def queued_run(instance: InstanceCore, run_id: str) -> RunRecord:
    """The run ``run_id`` that this process is about to execute (whether it may is decided when its
    run driver claims it: exactly one process gets a queued run)."""
    run = instance.storage.get_run(run_id)
    if run is None:
        raise ConfigError(
            f"no run '{run_id}' in {instance.storage.url}: --run-id executes a run queued by the daemon "
            "or Instance.submit_run; leave it out to start a new run"
        )
    return run
