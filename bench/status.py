"""Status and staleness of every asset of a 10,000-asset graph with 10 materializations each (SQLite).

Usage: python bench/status.py [--n N] [--repeat R] [--partitions K]. The event log is filled directly with the
events runs would have written (step started + materialized with data version and inputs), then
``AssetStatus`` answers fresh/stale/missing with reasons for every asset, from a cold object each
time. Prints JSON figures (the median, and the first call, which also indexes the graph; the
median CPU time of this process too, which other work on a shared machine barely changes);
timings never appear in tests. With ``--partitions K`` every asset has K static partitions, the
runs materialize partition ``p0`` and the status is asked for it (inputs compared through their
partition mappings, the other partitions left missing).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import graphs  # noqa: E402

import headwater as hw  # noqa: E402
from headwater.events import Event, EventType  # noqa: E402
from headwater.state.status import AssetStatus  # noqa: E402


def _version(key: str, generation: int) -> str:
    return hashlib.blake2b(f"{key}:{generation}".encode(), digest_size=8).hexdigest()


def fill(instance: hw.Instance, graph: hw.AssetGraph, materializations: int, partitions: int = 0) -> int:
    """Write ``materializations`` runs over every asset; in the last, the first layer changes alone.

    With ``partitions``, the runs write partition ``p0``.
    """
    written = 0
    partition = "p0" if partitions else None
    for generation in range(materializations):
        run_id = f"run{generation:04d}"
        last = generation == materializations - 1
        batch: list[Event] = []
        for key in graph.keys:
            node = graph.nodes[key]
            if last and node.parents:
                continue  # the roots got a new version: everything downstream is stale
            name = key.to_string()
            inputs = {p.to_string(): _version(p.to_string(), generation) for p in sorted(node.parents)}
            data = {"data_version": _version(name, generation), "inputs": inputs} if inputs else {}
            data = data or {"data_version": _version(name, generation)}
            batch.append(Event(run_id=run_id, type=EventType.STEP_STARTED, step_key=name, partition=partition))
            batch.append(
                Event(
                    run_id=run_id,
                    type=EventType.ASSET_MATERIALIZED,
                    step_key=name,
                    asset_key=key,
                    partition=partition,
                    data=data,
                )
            )
        instance.storage.store_events(batch)
        written += len(batch)
    return written


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--materializations", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--partitions", type=int, default=0, help="static partitions per asset (0: unpartitioned)")
    args = parser.parse_args()
    assets = graphs.layered_assets(args.n)
    partition = None
    if args.partitions:
        keys = hw.StaticPartitions([f"p{i}" for i in range(args.partitions)])
        assets = [dataclasses.replace(spec, partitions=keys) for spec in assets]
        partition = "p0"
    graph = hw.AssetGraph.from_definitions(hw.Definitions(assets=assets))
    with tempfile.TemporaryDirectory() as tmp:
        instance = hw.Instance.from_config(hw.InstanceConfig(home=tmp))
        try:
            rows = fill(instance, graph, args.materializations, args.partitions)
            times = []
            cpu = []
            counts: dict[str, int] = {}
            for _ in range(args.repeat):
                start, start_cpu = time.perf_counter(), time.process_time()
                status = AssetStatus(instance.storage, graph, partition)
                counts = status.counts()
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            deepest = status.state(graph.keys[-1])
        finally:
            instance.close()
    print(
        json.dumps(
            {
                "assets": args.n,
                "materializations_per_asset": args.materializations,
                "partitions_per_asset": args.partitions,
                "status_of_partition": partition,
                "event_rows": rows,
                "status_all_assets_s": round(statistics.median(times), 4),
                "first_call_s": round(times[0], 4),
                "status_all_assets_cpu_s": round(statistics.median(cpu), 4),
                "counts": counts,
                "example_reasons": [r.text for r in deepest.reasons[:2]],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
