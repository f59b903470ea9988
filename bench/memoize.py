"""Memoization benchmark, printed as JSON: a memoized re-run of 1,000 assets with nothing changed.

M1: the layered graph of bench/graphs.py (layers of 10, two parents each), every asset with a
    code version and memoize=True, materialized once into a SQLite instance; then re-run with
    nothing changed (no step runs): median wall seconds and milliseconds per asset, next to a
    forced re-run (every step runs). M2: a re-run after one root's code (and value) changed: how
    many steps ran (its downstream, less the steps whose inputs came out equal: the graph's bodies
    work modulo 97, and a re-made value equal to the old one leaves its downstream unchanged).
Usage: python bench/memoize.py [--quick]. Timings never appear in tests.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import graphs  # noqa: E402

import headwater as hw  # noqa: E402
from headwater.events import EventType  # noqa: E402
from headwater.graph.selection import select  # noqa: E402

N = 1_000


def _new_root() -> int:
    return 2


def memoized_assets(n: int, changed_root: int | None = None) -> list[hw.AssetSpec[..., Any]]:
    """The layered graph with code versions, memoized; ``changed_root`` gets a new code version."""
    specs: list[hw.AssetSpec[..., Any]] = []
    for i in range(n):
        layer, column = divmod(i, 10)
        name = f"a{i:05d}"
        if layer == 0:
            changed = i == changed_root
            body = _new_root if changed else graphs._root
            specs.append(hw.asset(name=name, code_version="2" if changed else "1", memoize=True)(body))
        else:
            base = (layer - 1) * 10
            ins = {"p0": f"a{base + column:05d}", "p1": f"a{base + (column + 1) % 10:05d}"}
            specs.append(hw.asset(name=name, ins=ins, code_version="1", memoize=True)(graphs._body))
    return specs


def _timed(instance: hw.Instance, defs: hw.Definitions, **kwargs: Any) -> tuple[float, hw.RunResult]:
    start = time.perf_counter()
    result = instance.materialize(defs, **kwargs)
    wall = time.perf_counter() - start
    if not result.success:
        raise SystemExit(f"run {result.run_id} failed: {result.run.error}")
    return wall, result


def main(repeat: int) -> dict[str, Any]:
    defs = hw.Definitions(assets=memoized_assets(N))
    with tempfile.TemporaryDirectory() as tmp, hw.Instance.from_config(hw.InstanceConfig(home=tmp)) as instance:
        _timed(instance, defs)
        unchanged: list[float] = []
        for _ in range(repeat):
            wall, result = _timed(instance, defs)
            if result.of_type(EventType.ASSET_MATERIALIZED):
                raise SystemExit("a re-run with nothing changed materialized something")
            unchanged.append(wall)
        forced = statistics.median(_timed(instance, defs, memoize=False)[0] for _ in range(repeat))
        changed_wall, changed = _timed(instance, hw.Definitions(assets=memoized_assets(N, changed_root=0)))
    rerun = statistics.median(unchanged)
    return {
        "M1_unchanged_rerun": {
            "assets": N,
            "wall_s": round(rerun, 4),
            "ms_per_asset": round(rerun * 1000 / N, 4),
            "forced_rerun_wall_s": round(forced, 4),
            "forced_ms_per_asset": round(forced * 1000 / N, 4),
        },
        "M2_one_root_code_changed": {
            "wall_s": round(changed_wall, 4),
            "steps_run": len(changed.of_type(EventType.ASSET_MATERIALIZED)),
            "downstream_of_root": len(select(hw.AssetGraph.from_definitions(defs), "a00000+")),
            "steps_unchanged": len(changed.reused),
        },
    }


if __name__ == "__main__":
    print(json.dumps(main(repeat=3 if "--quick" in sys.argv else 7), indent=2))
