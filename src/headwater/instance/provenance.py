"""Provenance of materializations: the data versions of the inputs each one consumed.

Steps run wherever the executor puts them and cannot read the event log, so the run's
side stamps each ``ASSET_MATERIALIZED`` event with ``data["inputs"]`` (upstream key ->
short data version) as the step's outcome passes back to the scheduling loop. Versions
of upstream assets outside the run come from one batched query at the start of the run;
those made inside it come from the outcomes already seen.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from typing import Any, Final

from headwater.definitions.partitions import RANGE_SEPARATOR
from headwater.events import Event, EventRecord, EventType
from headwater.execution.pools import StepPool
from headwater.execution.step import RunSpec, StepOutcome
from headwater.graph import AssetGraph
from headwater.graph.partition_plan import graph_partitions
from headwater.keys import AssetKey
from headwater.storage import Storage

SHORT_VERSION: Final = 16
"""Versions longer than this are kept in ``inputs`` as a 16-hex-digit hash of the version."""

MAX_INPUTS_BYTES: Final = 1536
"""Above this size the ``inputs`` map keeps its first entries and says how many it left out."""


def short_version(version: str) -> str:
    """``version`` itself when short, else a 16-hex-digit blake2b hash of it: what ``inputs`` records."""
    if len(version) <= SHORT_VERSION:
        return version
    return hashlib.blake2b(version.encode(), digest_size=8).hexdigest()


def version_of(record: EventRecord | None) -> str | None:
    """The data version an event recorded, or None."""
    if record is None:
        return None
    version = record.event.data.get("data_version")
    return str(version) if version is not None else None


def newest(*records: EventRecord | None) -> EventRecord | None:
    """The newest (highest id) of some event records."""
    found = [r for r in records if r is not None]
    return max(found, key=lambda r: r.id) if found else None


def latest_versions(
    storage: Storage, keys: Iterable[AssetKey], partition: str | None = None
) -> dict[AssetKey, EventRecord]:
    """The newest materialization or observation of each key: two batched queries."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    materialized = storage.latest("materialization", wanted, partition)
    observed = storage.latest("observation", wanted, partition)
    out: dict[AssetKey, EventRecord] = {}
    for key in wanted:
        record = newest(materialized.get(key), observed.get(key))
        if record is not None:
            out[key] = record
    return out


def inputs_map(parents: Iterable[AssetKey], versions: Mapping[AssetKey, str]) -> dict[str, Any]:
    """``{"inputs": {...}}`` for an event's data, within MAX_INPUTS_BYTES (``inputs_left_out`` counts the rest)."""
    inputs: dict[str, str] = {}
    size = 2
    known = [(key, versions[key]) for key in sorted(parents) if key in versions]
    for index, (key, version) in enumerate(known):
        entry = short_version(version)
        size += len(json.dumps(key.to_string())) + len(entry) + 4
        if size > MAX_INPUTS_BYTES:
            return {"inputs": inputs, "inputs_left_out": len(known) - index}
        inputs[key.to_string()] = entry
    return {"inputs": inputs}


class ProvenancePool(StepPool):
    """Wraps the run's pool: each outcome's materializations get the versions of their inputs."""

    def __init__(self, inner: StepPool, graph: AssetGraph, versions: Mapping[AssetKey, str]) -> None:
        self.inner = inner
        self.graph = graph
        self.max_workers = inner.max_workers
        self.versions: dict[AssetKey, str] = dict(versions)

    @classmethod
    def for_run(
        cls, inner: StepPool, graph: AssetGraph, storage: Storage, keys: Iterable[AssetKey], partition: str | None
    ) -> ProvenancePool:
        """A pool for a run materializing ``keys``, knowing the stored versions of their parents."""
        produced = set(keys)
        parents = {p for key in produced for p in graph.nodes[key].parents} - produced
        partitioned = graph_partitions(graph).by_key
        if partition is None or not partitioned:
            records = latest_versions(storage, parents, partition)
        else:  # unpartitioned parents have one value; partitioned ones are read at the run's partition
            records = latest_versions(storage, [p for p in parents if p not in partitioned], None)
            if RANGE_SEPARATOR not in partition:
                records.update(latest_versions(storage, [p for p in parents if p in partitioned], partition))
        versions = {key: v for key, rec in records.items() if (v := version_of(rec)) is not None}
        return cls(inner, graph, versions)

    def submit(self, op_name: str, spec: RunSpec) -> Future[StepOutcome]:
        inner = self.inner.submit(op_name, spec)
        outer: Future[StepOutcome] = Future()

        def done(future: Future[StepOutcome]) -> None:
            try:
                outer.set_result(self.stamp(future.result()))
            except BaseException as exc:  # the loop reports pool failures from the future
                outer.set_exception(exc)

        inner.add_done_callback(done)
        return outer

    def stamp(self, outcome: StepOutcome) -> StepOutcome:
        """``outcome`` with ``inputs`` added to its materializations (and their versions remembered)."""
        if not any(e.type is EventType.ASSET_MATERIALIZED for e in outcome.events):
            return outcome
        events: list[Event] = []
        for event in outcome.events:
            key = event.asset_key
            if event.type is not EventType.ASSET_MATERIALIZED or key is None or key not in self.graph.nodes:
                events.append(event)
                continue
            parents = self.graph.nodes[key].parents
            stamped = (
                dataclasses.replace(event, data={**event.data, **inputs_map(parents, self.versions)})
                if parents
                else event
            )
            version = stamped.data.get("data_version")
            if version is not None:
                self.versions[key] = str(version)
            events.append(stamped)
        return dataclasses.replace(outcome, events=events)
