"""Memoization: before a step is submitted, decide whether its stored values still stand.

A memoized asset's latest materialization stands when it was made by the same declared code
version from the same input data versions as its parents have now (read once at run start for
parents outside the run, and as the run goes for those made or reused in it). A step whose assets
all stand is not run: it is recorded as skipped "unchanged", naming the materializations it reuses.
A value with a failed check, or a declared check not yet evaluated on it, is not reused.
No user code runs here; this is the driver's side of the run, a ``reuse`` hook of the loop.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from headwater.errors import ConfigError
from headwater.events import UNCHANGED, AssetMaterialized, Event, EventRecord, EventType, ReusedValue, StepSkipped
from headwater.execution.step import StepOutcome
from headwater.graph import AssetGraph
from headwater.graph.plan import Plan
from headwater.instance.provenance import Provenance
from headwater.io import IOManager
from headwater.keys import AssetKey
from headwater.state.checks import CheckVerdicts
from headwater.state.versions import consumed_inputs, latest_versions
from headwater.storage import Storage


def memoized_keys(
    graph: AssetGraph,
    keys: Collection[AssetKey],
    default: bool,
    run: bool | None,
    io_for: Callable[[AssetKey], IOManager],
) -> set[AssetKey]:
    """The assets of ``keys`` this run may reuse: memoized (the asset's setting, else ``run``, else
    ``default``, the Definitions'), with a declared code version, stored by an IO manager that
    verifies values. ``run=False`` (force) reuses none. An asset saying ``memoize=True`` whose IO
    manager cannot verify its values is refused (ConfigError); under a run- or Definitions-wide
    setting such an asset simply runs."""
    if run is False:
        return set()
    out: set[AssetKey] = set()
    for key in keys:
        spec = graph.nodes[key].spec
        wanted = spec.memoize if spec.memoize is not None else (run or default)
        if not wanted or spec.code_version is None or spec.op is None:
            continue
        manager = io_for(key)
        if manager.verifies_values:
            out.add(key)
        elif spec.memoize:
            raise ConfigError(
                f"asset '{key}' says memoize=True, but its IO manager {type(manager).__name__} cannot tell "
                "whether a stored value is the one recorded (its save returns no content hash), so a reused "
                "value might be another: return {'hash': ...} from save and set verifies_values = True on the "
                "IO manager, use a built-in one (filesystem, Parquet, DuckDB), or drop memoize=True"
            )
    return out


def _checked(graph: AssetGraph, storage: Storage, keys: Collection[AssetKey], partition: str | None) -> set[AssetKey]:
    """``keys`` less those whose current value has a failed check or a declared check never evaluated
    on it: running them evaluates their checks again (and a failed blocking check still stops downstream)."""
    checked = [key for key in keys if graph.checks.get(key)]
    if not checked:
        return set(keys)
    verdicts = CheckVerdicts(storage, graph, partition, keys=checked)
    doubtful = {key for key in checked if key in verdicts.failed_keys or len(verdicts.of(key)) < len(graph.checks[key])}
    return set(keys) - doubtful


class Memo:
    """The loop's ``reuse`` hook for one run (unpartitioned or one partition)."""

    def __init__(
        self,
        graph: AssetGraph,
        plan: Plan,
        provenance: Provenance,
        latest: Mapping[AssetKey, EventRecord],
        *,
        run_id: str,
        partition: str | None,
    ) -> None:
        self.graph = graph
        self.plan = plan
        self.provenance = provenance
        self.latest = latest
        self.run_id = run_id
        self.partition = partition

    @classmethod
    def for_run(
        cls,
        graph: AssetGraph,
        storage: Storage,
        plan: Plan,
        provenance: Provenance,
        memoized: Collection[AssetKey],
        *,
        run_id: str,
        partition: str | None,
    ) -> Memo | None:
        """The hook, knowing the latest stored values of the memoized assets (two batched queries per
        partitioning), or None when nothing is memoized."""
        memoized = _checked(graph, storage, memoized, partition)
        if not memoized:
            return None
        partitioned = graph.partitions.by_key
        latest = latest_versions(storage, [k for k in memoized if k not in partitioned], None)
        if partition is not None:
            latest.update(latest_versions(storage, [k for k in memoized if k in partitioned], partition))
        keep = {key: record for key, record in latest.items() if record.event.type is EventType.ASSET_MATERIALIZED}
        return cls(graph, plan, provenance, keep, run_id=run_id, partition=partition)

    def reuse(self, step_key: str) -> StepOutcome | None:
        """The "unchanged" outcome of ``step_key`` when every asset it makes stands, else None (run it)."""
        step = self.plan.steps[step_key]
        position = self.graph.index.position
        keys = sorted(step.asset_keys, key=lambda k: position[k.to_string()])
        overlay: dict[AssetKey, str] = {}  # a multi-asset's outputs read the ones before them
        reused: list[tuple[AssetKey, EventRecord, AssetMaterialized]] = []
        for key in keys:
            record = self.latest.get(key)
            made = self._standing(key, record, self.provenance.input_versions(key) | overlay)
            if record is None or made is None:
                return None
            reused.append((key, record, made))
            if made.data_version is not None:
                overlay[key] = made.data_version
        for key, record, made in reused:
            self.provenance.reused(key, record.event.partition, made)
        payload = StepSkipped(
            reason=UNCHANGED,
            asset_keys=tuple(step.asset_keys),
            reused=tuple(
                ReusedValue(asset_key=key, run_id=record.event.run_id, data_version=made.data_version)
                for key, record, made in reused
            ),
        )
        event = Event(
            run_id=self.run_id,
            type=EventType.STEP_SKIPPED,
            step_key=step_key,
            partition=self.partition if step.partitioned else None,
            data=payload.to_data(),
        )
        return StepOutcome(step_key=step_key, events=[event], logs="")

    def _standing(
        self, key: AssetKey, record: EventRecord | None, versions: Mapping[AssetKey, str]
    ) -> AssetMaterialized | None:
        """The stored materialization of ``key`` if it still stands, else None."""
        if record is None:
            return None
        node = self.graph.nodes[key]
        made = AssetMaterialized.from_data(record.event.data)
        if made.reported or made.code_version != node.spec.code_version:
            return None
        if not node.parents:
            return made
        inputs, left_out = consumed_inputs(node.parents, versions)
        # A map cut to size cannot show that every input is the same: run it.
        if left_out or made.inputs_left_out or made.inputs is None or dict(made.inputs) != inputs:
            return None
        if len(inputs) < len(node.parents):  # a parent with no known version: nothing to compare with
            return None
        return made
