"""Partition and backfill benchmarks; prints JSON figures.

Usage: python bench/partitions.py [--quick]. P1 plans a backfill of three years of daily
partitions over 20 assets (about 22,000 steps); P2 computes the partition status of one asset
with 10,000 partitions; P3 runs a backfill of 1,000 one-partition runs and reports runs per
second, and (P3b) how fast the same backfill queues its runs for the daemon (``--queue``); P4
compares the per-step overhead of a backfill with unpartitioned runs of as many steps; P5 times a
run of an unpartitioned asset reading six years of hourly partitions (52,608) of which three are
stored, per IO manager, beside the per-partition ``exists`` calls the run start made before (timed
on 300 calls and scaled: with DuckDB, 2 years took 339 s); P6 draws the health grid of one asset
with 10,000 partitions, a check on each and a freshness policy. Medians of several repetitions; timings
never appear in tests.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from typing import Any

from timing import median_time

import headwater as hw
from headwater.definitions.partitions import KeyContext
from headwater.events import Event, EventType
from headwater.events.checks import CheckEvaluated
from headwater.graph.backfill_plan import plan_backfill
from headwater.graph.partition_plan import run_inputs
from headwater.instance.backfill import create_backfill
from headwater.instance.backfill_run import run_backfill
from headwater.state.partition_grid import partition_grid
from headwater.state.partition_status import partition_status

THREE_YEARS = hw.DailyPartitions(start="2023-01-01", end="2026-01-01")


def _root() -> int:
    return 1


def _link(up: int) -> int:
    return up + 1


def chain(n: int, partitions: hw.PartitionsDefinition | None) -> hw.Definitions:
    """A chain of ``n`` assets, all with ``partitions``."""
    specs = [hw.asset(name="p00", partitions=partitions)(_root)]
    specs += [
        hw.asset(name=f"p{i:02d}", partitions=partitions, ins={"up": f"p{i - 1:02d}"})(_link) for i in range(1, n)
    ]
    return hw.Definitions(assets=specs)


def _instance(home: str) -> hw.Instance:
    return hw.Instance.from_config(hw.InstanceConfig(home=home))


def p1_plan(repeat: int) -> dict[str, Any]:
    graph = hw.AssetGraph.from_definitions(chain(20, THREE_YEARS))
    ctx = KeyContext()
    found: dict[str, Any] = {}

    def run() -> None:
        the_plan = plan_backfill(graph, list(graph.keys), lambda keys, d: d.keys(ctx), ctx)
        found["plan"] = the_plan

    seconds = median_time(run, repeat)
    the_plan = found["plan"]
    group = the_plan.groups[0]

    def inputs() -> None:  # what every run computes when it starts: its upstream partitions
        for unit in the_plan.units:
            run_inputs(graph, group.plan, unit.partitions, ctx)

    return {
        "runs": len(the_plan.units),
        "steps": the_plan.step_count,
        "plan_s": round(seconds, 4),
        "all_runs_input_mapping_s": round(median_time(inputs, repeat), 4),
    }


def p2_status(repeat: int) -> dict[str, Any]:
    partitions = hw.DailyPartitions(start="1990-01-01", end="2017-05-19")  # 10,000 days
    defs = hw.Definitions(assets=[hw.asset(name="big", partitions=partitions)(_root)])
    graph = hw.AssetGraph.from_definitions(defs)
    key = hw.AssetKey("big")
    keys = list(partitions.keys())
    with tempfile.TemporaryDirectory() as tmp, _instance(tmp) as instance:
        batch: list[Event] = []
        for i, partition in enumerate(keys):
            if i % 97 == 5:
                batch.append(
                    Event(run_id="r", type=EventType.STEP_FAILED, partition=partition, data={"asset_keys": ["big"]})
                )
            elif i % 10 != 3:
                batch.append(Event(run_id="r", type=EventType.ASSET_MATERIALIZED, asset_key=key, partition=partition))
        for start in range(0, len(batch), 2000):
            instance.storage.store_events(batch[start : start + 2000])
        found: dict[str, Any] = {}

        def run() -> None:
            found["status"] = partition_status(instance.storage, graph, key, KeyContext())

        seconds = median_time(run, repeat)
    status = found["status"]
    return {
        "partitions": status.total,
        "ranges": len(status.ranges),
        "counts": status.counts,
        "status_ms": round(seconds * 1000, 2),
    }


def p6_grid(repeat: int) -> dict[str, Any]:
    """The health grid of one asset with 10,000 daily partitions, a check evaluated on each and a
    freshness policy: materialized with two code versions, check failures, failures and gaps."""
    partitions = hw.DailyPartitions(start="1990-01-01", end="2017-05-19")  # 10,000 days
    asset = hw.asset(
        name="big", partitions=partitions, code_version="2", freshness=hw.Freshness(max_lag=timedelta(hours=6))
    )(_root)
    defs = hw.Definitions(assets=[asset])
    graph = hw.AssetGraph.from_definitions(defs)
    key = hw.AssetKey("big")
    with tempfile.TemporaryDirectory() as tmp, _instance(tmp) as instance:
        batch: list[Event] = []
        for i, partition in enumerate(partitions.keys()):
            if i % 97 == 5:
                data = {"asset_keys": ["big"], "error": "ValueError: bad day"}
                batch.append(Event(run_id="r", type=EventType.STEP_FAILED, partition=partition, data=data))
            elif i % 10 != 3:
                version = "1" if i < 2_000 else "2"
                made = {"code_version": version}
                batch.append(
                    Event(run_id="r", type=EventType.ASSET_MATERIALIZED, asset_key=key, partition=partition, data=made)
                )
                verdict = CheckEvaluated(check="rows", passed=i % 50 != 7).to_data()
                batch.append(
                    Event(run_id="r", type=EventType.CHECK_EVALUATED, asset_key=key, partition=partition, data=verdict)
                )
        for start in range(0, len(batch), 2000):
            instance.storage.store_events(batch[start : start + 2000])
        found: dict[str, Any] = {}
        now = time.time()

        def run() -> None:
            found["grid"] = partition_grid(instance.storage, graph, key, KeyContext(), now=now)

        seconds = median_time(run, repeat)
    grid = found["grid"]
    return {
        "partitions": grid.total,
        "ranges": len(grid.ranges),
        "counts": {k: v for k, v in grid.counts.items() if v},
        "grid_ms": round(seconds * 1000, 2),
    }


def p3_submission(runs: int) -> dict[str, Any]:
    partitions = hw.StaticPartitions([f"k{i:04d}" for i in range(runs)])
    defs = hw.Definitions(assets=[hw.asset(name="one", partitions=partitions)(_root)])
    with tempfile.TemporaryDirectory() as tmp, _instance(tmp) as instance:
        record, _ = create_backfill(instance, defs, None, mode="all")
        start = time.perf_counter()
        final = run_backfill(instance, defs, record.backfill_id)
        seconds = time.perf_counter() - start
    assert final.succeeded == runs, final
    return {"runs": runs, "wall_s": round(seconds, 3), "runs_per_s": round(runs / seconds, 1)}


QUEUED_PROJECT = """
import headwater as hw

@hw.asset(partitions=hw.StaticPartitions([f"k{i:04d}" for i in range(RUNS)]))
def one() -> int:
    return 1

defs = hw.Definitions(assets=[one])
"""


def p3_queued_submission(runs: int) -> dict[str, Any]:
    """Queue every run of a 1,000-run backfill for the daemon (what ``backfill --queue`` does first)."""
    from pathlib import Path

    from headwater.instance.backfill_queue import QueuedBackfill
    from headwater.storage.run_queue import RunQueueStore

    with tempfile.TemporaryDirectory() as tmp, _instance(tmp) as instance:
        path = Path(tmp) / "queued_project.py"
        path.write_text(QUEUED_PROJECT.replace("RUNS", str(runs)))
        defs = hw.load_definitions(hw.find_location(file=path))
        record, _ = create_backfill(instance, defs, None, mode="all")
        start = time.perf_counter()
        QueuedBackfill(instance, defs, record.backfill_id).step()
        seconds = time.perf_counter() - start
        queued = len(RunQueueStore(instance.storage).queue(launched=False))
    assert queued == runs, queued
    return {"runs": runs, "queue_s": round(seconds, 3), "runs_per_s": round(runs / seconds, 1)}


def p4_overhead(days: int, repeat: int) -> dict[str, Any]:
    partitions = hw.DailyPartitions(start="2026-01-01", end=f"2026-{1 + days // 31:02d}-{1 + days % 31:02d}")
    backfill_defs = chain(20, partitions)
    plain = chain(20, None)
    backfill_walls, run_walls, steps = [], [], 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp, _instance(tmp) as instance:
            record, the_plan = create_backfill(instance, backfill_defs, None, mode="all")
            steps = the_plan.step_count
            start = time.perf_counter()
            assert run_backfill(instance, backfill_defs, record.backfill_id).failed == 0
            backfill_walls.append(time.perf_counter() - start)
            runs = len(the_plan.units)
            start = time.perf_counter()
            for _ in range(runs):
                assert instance.materialize(plain).success
            run_walls.append(time.perf_counter() - start)
    per_backfill = statistics.median(backfill_walls) / steps * 1000
    per_plain = statistics.median(run_walls) / steps * 1000
    return {
        "steps": steps,
        "backfill_ms_per_step": round(per_backfill, 4),
        "unpartitioned_runs_ms_per_step": round(per_plain, 4),
        "ratio": round(per_backfill / per_plain, 2),
    }


def _p5_readings(context: hw.Context) -> Any:
    import pandas as pd

    return pd.DataFrame({"hour": [context.partition_key]})


def _p5_summary(readings: dict[str, Any]) -> Any:
    import pandas as pd

    return pd.DataFrame({"hours": [len(readings)]})


def p5_read_stored(repeat: int) -> dict[str, Any]:
    hourly = hw.HourlyPartitions(start="2020-01-01", end="2026-01-01")
    made = ("2020-01-01-00:00", "2023-06-01-12:00", "2025-12-31-23:00")
    out: dict[str, Any] = {}
    for kind in ("filesystem", "duckdb"):
        with tempfile.TemporaryDirectory() as tmp, _instance(tmp) as instance:
            manager: hw.IOManager = (
                hw.DuckDBIOManager(f"{tmp}/w.duckdb") if kind == "duckdb" else hw.FilesystemIOManager(f"{tmp}/fs")
            )
            readings = hw.asset(name="readings", partitions=hourly, io_manager="lake")(_p5_readings)
            summary = hw.asset(name="summary", io_manager="lake")(_p5_summary)
            defs = hw.Definitions(assets=[readings, summary], io_managers={"lake": manager})
            for hour in made:
                assert instance.materialize(defs, "readings", partition=hour).success
            assert instance.materialize(defs, "summary").value_of("summary")["hours"][0] == len(made)
            run_s = median_time(lambda: instance.materialize(defs, "summary"), repeat)  # noqa: B023
            key, keys = hw.AssetKey("readings"), list(hourly.keys())
            one_query_s = median_time(lambda: manager.exists_many(key, keys), repeat)  # noqa: B023
            sample = keys[:300]
            per_call_s = median_time(lambda: [manager.exists(key, p) for p in sample], 1) / len(sample)  # noqa: B023
            out[kind] = {
                "partitions": len(keys),
                "run_s": round(run_s, 3),
                "exists_many_s": round(one_query_s, 4),
                "before_exists_per_partition_s_scaled": round(per_call_s * len(keys), 1),
            }
    return out


def main() -> None:
    quick = "--quick" in sys.argv
    repeat = 3 if quick else 5
    figures = {
        "P1_plan_3y_daily_20_assets": p1_plan(repeat),
        "P2_status_10000_partitions": p2_status(repeat),
        "P3_backfill_submission": p3_submission(200 if quick else 1_000),
        "P3b_queued_backfill_submission": p3_queued_submission(200 if quick else 1_000),
        "P4_backfill_step_overhead": p4_overhead(20 if quick else 50, 1 if quick else 3),
        "P5_read_stored_of_52608_hours": p5_read_stored(1 if quick else 3),
        "P6_grid_10000_partitions_checks_freshness": p6_grid(repeat),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
