"""The benchmark graphs of BENCHMARKS.md, built with the public API.

N assets named a00000, a00001, ... in layers of 10; asset i depends on columns
j and (j + 1) % 10 of the previous layer; bodies return (sum(parents) + 1) % 97.
"""

from __future__ import annotations

import os
from typing import Any

import headwater as hw


def _root() -> int:
    return 1


def _body(p0: int, p1: int) -> int:
    return (p0 + p1 + 1) % 97


def _link(up: int) -> int:
    return (up + 1) % 97


def layered_assets(n: int) -> list[hw.AssetSpec[..., Any]]:
    """The layered graph of N assets."""
    specs: list[hw.AssetSpec[..., Any]] = []
    for i in range(n):
        layer, column = divmod(i, 10)
        name = f"a{i:05d}"
        if layer == 0:
            specs.append(hw.asset(name=name)(_root))
        else:
            base = (layer - 1) * 10
            ins = {"p0": f"a{base + column:05d}", "p1": f"a{base + (column + 1) % 10:05d}"}
            specs.append(hw.asset(name=name, ins=ins)(_body))
    return specs


def chain_assets(n: int) -> list[hw.AssetSpec[..., Any]]:
    """A straight chain of N assets."""
    specs = [hw.asset(name="c00000")(_root)]
    specs.extend(hw.asset(name=f"c{i:05d}", ins={"up": f"c{i - 1:05d}"})(_link) for i in range(1, n))
    return specs


def defs() -> hw.Definitions:
    """The layered graph sized by $HEADWATER_BENCH_N (default 100), for worker processes and the CLI."""
    n = int(os.environ.get("HEADWATER_BENCH_N", "100"))
    workers = int(os.environ.get("HEADWATER_BENCH_WORKERS", "2"))
    return hw.Definitions(assets=layered_assets(n), executor=hw.MultiprocessExecutor(max_workers=workers))
