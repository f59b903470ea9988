"""Provenance of materializations: the data versions of the inputs each one consumed.

Steps run wherever the executor puts them and cannot read the event log, so the run's
side stamps each ``ASSET_MATERIALIZED`` event with ``inputs`` (upstream key ->
short data version) as the step's outcome reaches the scheduling loop (``on_outcome``). Versions
of upstream assets outside the run come from one batched query at the start of the run;
those made inside it come from the outcomes already seen, and, within a multi-asset step, from
the outputs before it: a step's materializations are put in dependency order first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from headwater.definitions.partitions import RANGE_SEPARATOR
from headwater.events import AssetMaterialized, Event, EventType
from headwater.execution.step import StepOutcome
from headwater.graph import AssetGraph
from headwater.graph.partition_plan import UpstreamReads
from headwater.keys import AssetKey
from headwater.state.versions import consumed_inputs, latest_versions, newest, version_of
from headwater.storage import Storage

_VALUES = (EventType.ASSET_MATERIALIZED, EventType.ASSET_STAGED)
"""The events of values a step made: a staged value is stamped too, and published as stamped."""


class Provenance:
    """A hook of the scheduling loop: each outcome's materializations get the versions of their inputs.

    It also tells each step the value hashes recorded for the upstream values it loads
    (``recorded_for``), so a value on disk that no materialization recorded is refused, not used.
    """

    def __init__(self, graph: AssetGraph, versions: Mapping[AssetKey, str], reads: UpstreamReads | None = None) -> None:
        self.graph = graph
        self.versions: dict[AssetKey, str] = dict(versions)
        """Each asset's version at the run's partition (its one version when unpartitioned)."""
        self.hashes: dict[AssetKey, dict[str | None, str]] = {}
        self.reads: UpstreamReads = reads or {}
        """Step -> partitioned parent -> the partitions of it the step reads, through its mapping."""
        self.at: dict[AssetKey, dict[str | None, str]] = {}
        """Versions of partitioned parents by partition, for the mapped reads."""
        self._op_of = {key: name for name in self.reads for key in graph.ops[name].keys}

    @classmethod
    def for_run(
        cls,
        graph: AssetGraph,
        storage: Storage,
        keys: Iterable[AssetKey],
        partition: str | None,
        reads: UpstreamReads | None = None,
    ) -> Provenance:
        """The hook for a run materializing ``keys``, knowing the stored versions of their parents.

        ``reads`` (from the partitioned run's preparation) says which partitions of each partitioned
        parent each step reads: an input recorded for a mapped parent (the day before, the seven
        days of a week, every partition) is the version of exactly those partitions.
        """
        produced = set(keys)
        parents = {p for key in produced for p in graph.nodes[key].parents} - produced
        hook = cls(graph, {}, reads)
        hook._remember(storage, list(parents), partition)
        hook._remember_mapped(storage, parents, partition)
        return hook

    def _remember_mapped(self, storage: Storage, outside: set[AssetKey], partition: str | None) -> None:
        """Read the versions of the partitions steps read of parents outside the run, where they are
        other than the run's own partition (one query per kind for all such parents)."""
        wanted = {
            parent
            for mapped in self.reads.values()
            for parent, keys in mapped.items()
            if parent in outside and keys != (partition,)
        }
        if not wanted:
            return
        materialized = storage.latest_of_partitions(wanted, "materialization")
        observed = storage.latest_of_partitions(wanted, "observation")
        for parent in wanted:
            made, seen = materialized.get(parent, {}), observed.get(parent, {})
            found = self.at.setdefault(parent, {})
            for part in made.keys() | seen.keys():
                version = version_of(newest(made.get(part), seen.get(part)))
                if version is not None:
                    found[part] = version

    def input_versions(self, key: AssetKey) -> dict[AssetKey, str]:
        """The known version of each parent of ``key`` as its step reads it: at the run's partition,
        or for a mapped partitioned parent the version of the partition(s) its mapping reads (a digest
        of each partition's version when there are several; unknown when one of them has none)."""
        name = self._op_of.get(key)
        mapped = self.reads.get(name, {}) if name is not None else {}
        out: dict[AssetKey, str] = {}
        for parent in self.graph.nodes[key].parents:
            keys = mapped.get(parent)
            version = self.versions.get(parent) if keys is None else self._version_of_partitions(parent, keys)
            if version is not None:
                out[parent] = version
        return out

    def _version_of_partitions(self, parent: AssetKey, keys: tuple[str, ...]) -> str | None:
        found = self.at.get(parent, {})
        versions = [found.get(k) for k in keys]
        if not keys or any(v is None for v in versions):
            return None
        if len(keys) == 1:
            return versions[0]
        return "|".join(f"{k}={v}" for k, v in sorted(zip(keys, versions, strict=True)))  # kept as its short hash

    def _remember(self, storage: Storage, parents: list[AssetKey], partition: str | None) -> None:
        """Read the latest stored versions (and value hashes) of ``parents``, outside the run."""
        partitioned = self.graph.partitions.by_key
        if partition is None or not partitioned:
            records = latest_versions(storage, parents, partition)
        else:  # unpartitioned parents have one value; partitioned ones are read at the run's partition
            records = latest_versions(storage, [p for p in parents if p not in partitioned], None)
            if RANGE_SEPARATOR not in partition:
                records.update(latest_versions(storage, [p for p in parents if p in partitioned], partition))
        for key, record in records.items():
            payload = record.event.asset_payload()
            if payload.data_version is not None:
                self.versions[key] = payload.data_version
                self.at.setdefault(key, {})[record.event.partition] = payload.data_version
            value_hash = payload.value_hash if isinstance(payload, AssetMaterialized) else None
            found = self.hashes.setdefault(key, {})
            if value_hash is None:  # observed or reported since: nothing stored to check
                found.pop(record.event.partition, None)
            else:
                found[record.event.partition] = value_hash

    def recorded_for(self, op_name: str, partition: str | None) -> dict[tuple[AssetKey, str | None], str]:
        """(Upstream key, partition) -> recorded value hash, for the values step ``op_name`` may load.

        Parents outside the run have the hashes read when the run started (one batched query, not
        one per step): a value another run records meanwhile is refused, and the message says so.
        """
        op = self.graph.ops.get(op_name)
        if op is None:
            return {}
        parents = {p for key in op.keys for p in self.graph.nodes[key].parents} - set(op.keys)
        wanted = {partition, None}
        return {
            (parent, part): value_hash
            for parent in parents
            for part, value_hash in self.hashes.get(parent, {}).items()
            if part in wanted
        }

    def reused(self, key: AssetKey, partition: str | None, made: AssetMaterialized) -> None:
        """Remember the stored value ``made`` of ``key`` that this run reuses (memoization) as current."""
        if made.data_version is not None:
            self.versions[key] = made.data_version
            self.at.setdefault(key, {})[partition] = made.data_version
        if made.value_hash is not None:
            self.hashes.setdefault(key, {})[partition] = made.value_hash

    def stamp(self, outcome: StepOutcome) -> StepOutcome:
        """``outcome`` with ``inputs`` added to its materializations (and their versions remembered)."""
        if not any(e.type in _VALUES for e in outcome.events):
            return outcome
        events: list[Event] = []
        for event in self._in_dependency_order(outcome.events):
            key = event.asset_key
            if event.type not in _VALUES or key is None or key not in self.graph.nodes:
                events.append(event)
                continue
            parents = self.graph.nodes[key].parents
            made = AssetMaterialized.from_data(event.data)
            if parents:
                inputs, left_out = consumed_inputs(parents, self.input_versions(key))
                made = dataclasses.replace(made, inputs=inputs, inputs_left_out=left_out)
            if made.data_version is not None:
                self.versions[key] = made.data_version
                self.at.setdefault(key, {})[event.partition] = made.data_version
            if made.value_hash is not None:
                self.hashes.setdefault(key, {})[event.partition] = made.value_hash
            events.append(dataclasses.replace(event, data=made.to_data()) if parents else event)
        return dataclasses.replace(outcome, events=events)

    def _in_dependency_order(self, events: list[Event]) -> list[Event]:
        """``events`` with the materializations of the graph's assets in its topological order.

        A multi-asset returns its outputs in whatever order it likes (dbt's manifest lists models
        before the seeds they read); recorded that way, an output would precede the parent it consumed.
        """
        position = self.graph.index.position
        slots = [
            i
            for i, e in enumerate(events)
            if e.type in _VALUES and e.asset_key is not None and e.asset_key in self.graph.nodes
        ]
        if len(slots) < 2:
            return events
        ordered = sorted((events[i] for i in slots), key=lambda e: position[str(e.asset_key)])  # str: "a/b"
        out = list(events)
        for slot, event in zip(slots, ordered, strict=True):
            out[slot] = event
        return out
