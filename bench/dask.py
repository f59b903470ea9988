"""Benchmarks of the dask executor (issue 7); prints JSON figures.

D1: per-step overhead on N = 200 trivial steps (the layered graph of BENCHMARKS.md) on a local
dask cluster of 2 worker processes, against the in-process executor; plus what starting and
stopping the cluster costs when the executor makes its own. D2: 20 steps that each sleep 1 s on a
cluster of W workers, ideally 20 / W seconds.

Usage: python bench/dask.py [--quick]. Medians of several repetitions; timings never appear in tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file shares its name with the dask package: keep its folder last on the path (for graphs and
# timing) so that `import dask` finds the library, here and in the worker processes dask spawns.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE] + [str(HERE)]

import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from typing import Any  # noqa: E402

import dask  # noqa: E402, F401  (imported before user code puts this folder first on the path)
import distributed  # noqa: E402, F401

import headwater as hw  # noqa: E402
from headwater.execution.dask_pool import DaskPool  # noqa: E402

SLEEP_STEPS = 20


def _sleep_one_second() -> float:
    time.sleep(1.0)
    return time.time()


def sleep_defs() -> hw.Definitions:
    """20 independent assets that each sleep 1 s (loaded by the dask workers from this file)."""
    return hw.Definitions(assets=[hw.asset(name=f"s{i:02d}")(_sleep_one_second) for i in range(SLEEP_STEPS)])


@contextmanager
def _cluster(location: hw.CodeLocation, io_dir: str, workers: int) -> Iterator[str]:
    """A local cluster started as the executor starts its own; yields the scheduler's address."""
    pool = DaskPool(location, io_dir, hw.DaskExecutor(n_workers=workers))
    try:
        if pool.error is not None or pool.scheduler_address is None:
            raise SystemExit(f"the local dask cluster did not start: {pool.error}")
        yield pool.scheduler_address
    finally:
        pool.close()


def _timed_runs(instance: hw.Instance, defs: hw.Definitions, executor: Any, repeat: int) -> list[float]:
    walls = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = instance.materialize(defs, executor=executor)
        walls.append(time.perf_counter() - start)
        if not result.success:
            raise SystemExit(f"benchmark run failed: {instance.failed_step_errors(result.run_id)}")
    return walls


def d1_overhead(n: int, repeat: int) -> dict[str, Any]:
    os.environ["HEADWATER_BENCH_N"] = str(n)
    location = hw.find_location(file=HERE / "graphs.py", attribute="defs")
    defs = hw.load_definitions(location)
    with tempfile.TemporaryDirectory() as tmp:
        config = hw.InstanceConfig(home=tmp)
        with hw.Instance.from_config(config) as instance:
            in_process = statistics.median(_timed_runs(instance, defs, hw.InProcessExecutor(), repeat))
            start = time.perf_counter()
            with _cluster(location, str(config.io_dir), 2) as address:
                started = time.perf_counter() - start
                executor = hw.DaskExecutor(address=address)
                _timed_runs(instance, defs, executor, 1)  # the workers load the code once
                on_dask = statistics.median(_timed_runs(instance, defs, executor, repeat))
            own = statistics.median(_timed_runs(instance, defs, hw.DaskExecutor(n_workers=2), max(1, repeat // 2)))
    return {
        "n": n,
        "workers": 2,
        "in_process_wall_s": round(in_process, 4),
        "in_process_ms_per_step": round(in_process / n * 1000, 3),
        "dask_wall_s": round(on_dask, 4),
        "dask_ms_per_step": round(on_dask / n * 1000, 3),
        "dask_extra_ms_per_step": round((on_dask - in_process) / n * 1000, 3),
        "local_cluster_start_s": round(started, 3),
        "own_local_cluster_run_wall_s": round(own, 3),
    }


def d2_sleep(workers: int, repeat: int) -> dict[str, Any]:
    location = hw.find_location(file=Path(__file__).resolve(), attribute="sleep_defs")
    defs = hw.load_definitions(location)
    with tempfile.TemporaryDirectory() as tmp:
        config = hw.InstanceConfig(home=tmp)
        with hw.Instance.from_config(config) as instance, _cluster(location, str(config.io_dir), workers) as address:
            executor = hw.DaskExecutor(address=address)
            wall = statistics.median(_timed_runs(instance, defs, executor, repeat))
    ideal = SLEEP_STEPS / workers
    return {"steps": SLEEP_STEPS, "workers": workers, "wall_s": round(wall, 3), "ideal_s": ideal}


def main() -> None:
    quick = "--quick" in sys.argv
    repeat = 3 if quick else 5
    figures = {
        "D1_dask_overhead": d1_overhead(200, repeat),
        "D2_dask_sleep": [d2_sleep(workers, 1 if quick else 2) for workers in (2, 4)],
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
