"""Run the core benchmarks of BENCHMARKS.md (W1-W5) and the dask executor's (bench/dask.py); print JSON figures.

Usage: python bench/run.py [--quick] [--no-dask]. Medians of several repetitions; timings
never appear in tests.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import graphs  # noqa: E402
from timing import median_time  # noqa: E402

import headwater as hw  # noqa: E402
from headwater.graph.plan import plan  # noqa: E402
from headwater.graph.selection import select  # noqa: E402


def load(n: int) -> hw.AssetGraph:
    return hw.AssetGraph.from_definitions(hw.Definitions(assets=graphs.layered_assets(n)))


def w1_load(repeat: int) -> dict[str, float]:
    return {f"n{n}_s": round(median_time(lambda n=n: load(n), repeat), 4) for n in (1_000, 5_000, 10_000)}


def w1b_chain(repeat: int) -> dict[str, float]:
    def run() -> None:
        graph = hw.AssetGraph.from_definitions(hw.Definitions(assets=graphs.chain_assets(10_000)))
        plan(graph, select(graph, "+c09999"))

    return {"chain_10000_load_and_plan_s": round(median_time(run, repeat), 4)}


def _instance(home: Path) -> hw.Instance:
    return hw.Instance.from_config(hw.InstanceConfig(home=str(home)))


def _body_seconds(n: int) -> float:
    """Time the bare bodies take, to subtract from wall time."""
    start = time.perf_counter()
    for i in range(n):
        graphs._body(i, i) if i >= 10 else graphs._root()
    return time.perf_counter() - start


def _count_rows(db: Path) -> tuple[int, int]:
    """(event rows, rows in all tables) of a closed SQLite database."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    conn.close()
    return counts.get("events", 0), sum(counts.values())


def w2_run(n: int, repeat: int) -> dict[str, float]:
    walls, rows, all_rows, sizes = [], [], [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            defs = hw.Definitions(assets=graphs.layered_assets(n))
            with _instance(Path(tmp)) as instance:
                start = time.perf_counter()
                result = instance.materialize(defs)
                walls.append(time.perf_counter() - start)
                assert result.success
            db = Path(tmp) / "headwater.db"
            event_rows, total_rows = _count_rows(db)
            rows.append(event_rows)
            all_rows.append(total_rows)
            sizes.append(db.stat().st_size)
    wall = statistics.median(walls)
    return {
        "n": n,
        "wall_s": round(wall, 4),
        "overhead_ms_per_asset": round((wall - _body_seconds(n)) / n * 1000, 4),
        "event_rows_per_asset": round(statistics.median(rows) / n, 3),
        "all_rows_per_asset": round(statistics.median(all_rows) / n, 3),
        "db_bytes_per_asset": round(statistics.median(sizes) / n, 1),
    }


def w3_multiprocess(n: int, repeat: int) -> dict[str, float]:
    os.environ["HEADWATER_BENCH_N"] = str(n)
    os.environ["HEADWATER_BENCH_WORKERS"] = "2"
    location = hw.find_location(file=HERE / "graphs.py", attribute="defs")
    defs = hw.load_definitions(location)
    walls = []
    with tempfile.TemporaryDirectory() as tmp, _instance(Path(tmp)) as instance:
        instance.materialize(defs, "a00000")  # start the pool once; it is reused by later runs
        for _ in range(repeat):
            start = time.perf_counter()
            assert instance.materialize(defs).success
            walls.append(time.perf_counter() - start)
    wall = statistics.median(walls)
    return {"n": n, "workers": 2, "wall_s": round(wall, 4), "overhead_ms_per_step": round(wall / n * 1000, 3)}


def w4_rerun(repeat: int) -> dict[str, float]:
    defs = hw.Definitions(assets=graphs.layered_assets(1_000))
    graph = hw.AssetGraph.from_definitions(defs)
    # a00500 and the first ten assets downstream of it, in topological order
    chosen = graph.sort(select(graph, "a00500+6"))[:11]
    text = " ".join(k.to_string() for k in chosen)
    planning = median_time(lambda: plan(graph, select(graph, text)), repeat * 5)
    with tempfile.TemporaryDirectory() as tmp, _instance(Path(tmp)) as instance:
        assert instance.materialize(defs).success
        walls = []
        for _ in range(repeat):
            start = time.perf_counter()
            assert instance.materialize(defs, text).success
            walls.append(time.perf_counter() - start)
    return {
        "steps": len(chosen),
        "planning_ms": round(planning * 1000, 3),
        "run_ms_per_step": round(statistics.median(walls) / len(chosen) * 1000, 3),
    }


def w5_cli_check(n: int, repeat: int) -> dict[str, float]:
    exe = Path(sys.executable).with_name("headwater")
    env = {**os.environ, "HEADWATER_BENCH_N": str(n)}
    cmd = [str(exe), "check", "-f", str(HERE / "graphs.py"), "-a", "defs"]

    def run() -> None:
        subprocess.run(cmd, check=True, capture_output=True, env=env)

    return {"n": n, "check_process_s": round(median_time(run, repeat), 4)}


def dask_figures(quick: bool) -> Any:
    """The dask executor's figures (bench/dask.py), run apart: its file name would shadow the dask package here."""
    cmd = [sys.executable, str(HERE / "dask.py"), *(["--quick"] if quick else [])]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def main() -> None:
    quick = "--quick" in sys.argv
    repeat = 3 if quick else 5
    figures: dict[str, Any] = {
        "W1_load": w1_load(repeat),
        "W1b_chain": w1b_chain(repeat),
        "W2_run_in_process_sqlite": w2_run(1_000, repeat),
        "W3_multiprocess": w3_multiprocess(100, repeat),
        "W4_rerun": w4_rerun(repeat),
    }
    if Path(sys.executable).with_name("headwater").exists():
        figures["W5_cli_check"] = w5_cli_check(1_000, repeat)
    if "--no-dask" not in sys.argv:
        figures.update(dask_figures(quick))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
