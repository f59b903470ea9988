"""Reports of work done elsewhere: a materialization or observation another system made, recorded
as a run of its own (kind ``report``) so lineage, staleness and automation include it.

A report runs no code, so it is not executed through the run driver: the run and its events
(started, the step, the materialization, succeeded) are recorded whole in one transaction, and
the daemon is asked to tick at once so conditions see the new value within its queue poll. Used
by ``Instance.report`` (the CLI's ``headwater report``) and by the web's ``POST
/api/assets/KEY/report``, which may not import the execution layer.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

from headwater.definitions import Definitions
from headwater.errors import SelectionError
from headwater.events import (
    AssetMaterialized,
    AssetObserved,
    Event,
    EventType,
    RunRecord,
    RunStarted,
    StepStarted,
)
from headwater.instance.core import InstanceCore
from headwater.keys import CoercibleToKey, to_key
from headwater.state.partition_status import key_context
from headwater.state.versions import consumed_inputs, latest_versions, version_of
from headwater.storage.run_queue import RunQueueStore
from headwater.tags import KIND

REPORT_KIND = "report"


def record_report(
    core: InstanceCore,
    key: CoercibleToKey,
    *,
    data_version: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    partition: str | None = None,
    observation: bool = False,
    defs: Definitions | None = None,
    tags: Mapping[str, str] | None = None,
) -> tuple[RunRecord, list[Event]]:
    """Record a materialization (or, with ``observation=True``, an observation) made elsewhere.

    ``metadata`` must already be JSON-safe. With ``defs``, the key (and partition) is checked
    against the graph and a materialization records the current data versions of its upstream
    assets as its inputs. Returns the finished run and its events.
    """
    asset_key = to_key(key)
    code_version: str | None = None
    inputs: dict[str, str] | None = None
    left_out = 0
    if defs is not None:
        graph = core.graph_for(defs)
        node = graph.node(asset_key)
        definition = graph.partitions.of(asset_key)
        if partition is not None and definition is None:
            raise SelectionError(
                f"asset '{asset_key}' is not partitioned, so a report of it takes no partition: "
                f"drop --partition {partition!r} (or partition= in the request)"
            )
        if partition is None and definition is not None:
            raise SelectionError(
                f"asset '{asset_key}' is partitioned, so a report of it names the partition that was made: "
                f"pass --partition KEY (or partition= in the request); `headwater partitions status {asset_key}` "
                "lists them"
            )
        if partition is not None and definition is not None:
            definition.validate_key(partition, key_context(core.storage, graph), owner=f"asset '{asset_key}'")
        code_version = node.spec.code_version
        if node.parents and not observation:
            records = latest_versions(core.storage, node.parents, partition)
            versions = {k: v for k, r in records.items() if (v := version_of(r)) is not None}
            inputs, left_out = consumed_inputs(node.parents, versions)
    run = RunRecord(
        run_id=uuid.uuid4().hex,
        selection=asset_key.to_string(),
        asset_keys=(asset_key,),
        partition=partition,
        tags={KIND: REPORT_KIND, **(tags or {})},
    )
    version = str(data_version) if data_version is not None else f"{run.run_id}:report"
    recorded = dict(metadata) if metadata else {}
    if observation:
        data = AssetObserved(data_version=version, metadata=recorded, reported=True).to_data()
    else:
        data = AssetMaterialized(
            data_version=version,
            code_version=code_version,
            metadata=recorded,
            inputs=inputs,
            inputs_left_out=left_out,
            reported=True,
        ).to_data()
    step = asset_key.to_string()
    now = time.time()

    def event(kind: EventType, payload: dict[str, Any], **where: Any) -> Event:
        return Event(run_id=run.run_id, type=kind, timestamp=now, data=payload, **where)

    events = [
        event(EventType.RUN_STARTED, RunStarted(steps=1).to_data()),
        event(EventType.STEP_STARTED, StepStarted().to_data(), step_key=step),
        event(
            EventType.ASSET_OBSERVED if observation else EventType.ASSET_MATERIALIZED,
            data,
            step_key=step,
            asset_key=asset_key,
            partition=partition,
        ),
        event(EventType.RUN_SUCCEEDED, {}),
    ]
    core.storage.record_run(run, events)
    RunQueueStore(core.storage).wake_daemon(f"report of {asset_key}")
    return core.storage.get_run(run.run_id) or run, events
