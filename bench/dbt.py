"""dbt integration figures: what Headwater adds on top of dbt itself; prints JSON.

Builds a dbt-duckdb project of N models in the layered shape of BENCHMARKS.md (layer 0 reads a
seed; a model in layer L > 0 reads columns j and j + 1 of layer L - 1), then times:
- parse_s: the first hw.dbt_assets (runs dbt parse), once;
- load_ms: hw.dbt_assets with a fresh manifest (read it, check staleness, build the specs), median;
- build_dbt_s / build_headwater_s: `dbt build` of everything by itself, and hw.materialize of
  everything (one dbt build plus recording every node and test), once each;
- one_dbt_s / one_headwater_s: the same for one model of the last layer.

Usage: python bench/dbt.py [--n 100] [--repeat 5]. dbt takes seconds to start, so the build
figures are single runs: compare them with each other, not across machines.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from timing import median_time  # noqa: E402

import headwater as hw  # noqa: E402
from headwater.integrations.dbt_cli import DbtProject  # noqa: E402

WIDTH = 10


def write_project(root: Path, n: int) -> None:
    """A dbt-duckdb project of ``n`` view models over one seed, with a not_null test per layer-0 model."""
    (root / "models").mkdir(parents=True)
    (root / "seeds").mkdir()
    (root / "dbt_project.yml").write_text(
        "name: bench\nversion: '1.0.0'\nprofile: bench\nmodels:\n  bench:\n    +materialized: view\n"
    )
    (root / "profiles.yml").write_text(
        f"bench:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '{root / 'bench.duckdb'}'\n"
    )
    (root / "seeds" / "base.csv").write_text("v\n1\n2\n3\n")
    tests = ["version: 2", "models:"]
    for i in range(n):
        layer, column = divmod(i, WIDTH)
        if layer == 0:
            sql = "select v from {{ ref('base') }}"
            tests += [f"  - name: m{i:05d}", "    columns:", "      - name: v", "        data_tests: [not_null]"]
        else:
            a = (layer - 1) * WIDTH + column
            b = (layer - 1) * WIDTH + (column + 1) % WIDTH
            sql = f"select a.v + b.v as v from {{{{ ref('m{a:05d}') }}}} a join {{{{ ref('m{b:05d}') }}}} b using (v)"
        (root / "models" / f"m{i:05d}.sql").write_text(sql + "\n")
    (root / "models" / "schema.yml").write_text("\n".join(tests) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "bench"
        write_project(root, args.n)
        start = time.perf_counter()
        assets = hw.dbt_assets(root)
        parse_s = time.perf_counter() - start
        load_s = median_time(lambda: hw.dbt_assets(root), args.repeat)
        defs = hw.Definitions(assets=list(assets.assets), checks=list(assets.checks))
        project = DbtProject(project_dir=root)
        last = f"m{args.n - 1:05d}"

        def timed(fn: Callable[[], Any]) -> float:
            start = time.perf_counter()
            fn()
            return time.perf_counter() - start

        build_dbt_s = timed(lambda: project.build(["fqn:*"]))
        with hw.Instance.ephemeral() as instance:
            build_hw_s = timed(lambda: hw.materialize(defs, instance=instance, raise_on_error=True))
            one_dbt_s = timed(lambda: project.build([last]))
            one_hw_s = timed(lambda: hw.materialize(defs, select=last, instance=instance, raise_on_error=True))
    figures = {
        "n_models": args.n,
        "n_checks": len(assets.checks),
        "parse_s": round(parse_s, 2),
        "load_ms": round(load_s * 1000, 1),
        "build_dbt_s": round(build_dbt_s, 2),
        "build_headwater_s": round(build_hw_s, 2),
        "one_dbt_s": round(one_dbt_s, 2),
        "one_headwater_s": round(one_hw_s, 2),
    }
    print(json.dumps({"dbt": figures}, indent=2))


if __name__ == "__main__":
    main()
