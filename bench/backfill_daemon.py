"""Benchmarks of backfills driven by the daemon; prints JSON figures.

Usage: python bench/backfill_daemon.py [--quick]. P5 hands a backfill of 1,000 one-partition
runs to the daemon and times the tick that queues them all (runs per second); P6 times the
daemon's per-tick backfill work while those runs are in flight, with the pass kept between ticks
and, for comparison, planned again from storage each tick (what a restarted daemon does once).
Medians of several repetitions; timings never appear in tests.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import headwater as hw
from headwater.automation import Daemon
from headwater.instance.backfill import create_backfill
from headwater.instance.backfill_queue import BackfillDriver, hand_to_daemon
from headwater.storage.run_queue import RunQueueStore

PROJECT = """
import headwater as hw

@hw.asset(partitions=hw.StaticPartitions([f"k{i:04d}" for i in range(RUNS)]))
def one() -> int:
    return 1

defs = hw.Definitions(assets=[one])
"""


def _daemon(instance: hw.Instance, defs: hw.Definitions, driver: BackfillDriver) -> Daemon:
    return Daemon(instance.storage, defs, launch=False, extra_work={"backfills": driver})


def p5_p6(runs: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, hw.Instance.from_config(hw.InstanceConfig(home=tmp)) as instance:
        path = Path(tmp) / "project.py"
        path.write_text(PROJECT.replace("RUNS", str(runs)))
        defs = hw.load_definitions(hw.find_location(file=path))
        record, _ = create_backfill(instance, defs, None, mode="all")
        hand_to_daemon(instance, defs, record.backfill_id, check=False)
        driver = BackfillDriver(instance, defs)
        daemon = _daemon(instance, defs, driver)
        start = time.perf_counter()
        daemon.tick()
        queue_s = time.perf_counter() - start
        queued = len(RunQueueStore(instance.storage).queue(launched=False))
        assert queued == runs, queued
        kept = [daemon.tick().seconds["backfills"] for _ in range(repeat)]
        replanned = []
        for _ in range(repeat):
            daemon.extra_work["backfills"] = BackfillDriver(instance, defs)  # nothing kept from earlier ticks
            replanned.append(daemon.tick().seconds["backfills"])
        assert len(RunQueueStore(instance.storage).queue(launched=False)) == runs  # nothing queued twice
    return {
        "P5_daemon_queues_a_backfill": {
            "runs": runs,
            "tick_s": round(queue_s, 3),
            "runs_per_s": round(runs / queue_s, 1),
        },
        "P6_daemon_backfill_work_per_tick": {
            "runs_in_flight": runs,
            "kept_pass_ms": round(statistics.median(kept) * 1000, 2),
            "replanned_ms": round(statistics.median(replanned) * 1000, 2),
        },
    }


def main() -> None:
    quick = "--quick" in sys.argv
    print(json.dumps(p5_p6(200 if quick else 1_000, 3 if quick else 7), indent=2))


if __name__ == "__main__":
    main()
