"""The graph's states (what the graph page polls) cost a fixed number of queries, whatever the number
of assets, checks and runs in progress: counted with a real listener on the storage's engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import headwater as hw
from headwater.events import RunRecord
from headwater.graph import AssetGraph
from headwater.web.states import AssetStates


def checked_chain(n: int) -> hw.Definitions:
    """n assets in a chain, each with a passing and a failing check."""
    assets, checks = [], []
    for i in range(n):
        deps = [f"a{i - 1}"] if i else []

        @hw.asset(name=f"a{i}", deps=deps)
        def step() -> int:
            return 1

        @hw.check(asset=f"a{i}", name=f"ok{i}")
        def ok() -> hw.CheckResult:
            return hw.CheckResult(passed=True)

        @hw.check(asset=f"a{i}", name=f"bad{i}", severity="warn" if i % 2 else "error")
        def bad() -> hw.CheckResult:
            return hw.CheckResult(passed=False)

        assets.append(step)
        checks += [ok, bad]
    return hw.Definitions(assets=assets, checks=checks)


def _count(instance: hw.Instance, n: int, count_queries: Any) -> tuple[int, str]:
    defs = checked_chain(n)
    assert instance.materialize(defs).success
    graph = AssetGraph.from_definitions(defs)
    queries = count_queries(instance.storage)
    try:
        codes = AssetStates(instance.storage, graph).codes(tuple(graph.keys))
    finally:
        queries.close()
    return queries.count, codes


def test_graph_states_cost_the_same_queries_for_3_and_60_assets(tmp_path: Path, count_queries: Any) -> None:
    counts = []
    for n in (3, 60):
        with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path / str(n)))) as instance:
            for i in range(n // 3):  # runs in progress, one per three assets (of an asset not shown)
                instance.storage.add_run(RunRecord(run_id=f"r{i}", asset_keys=(hw.AssetKey("elsewhere"),)))
            count, codes = _count(instance, n, count_queries)
        assert codes == "".join("cf"[i % 2] for i in range(n))  # error checks fail on even assets, warn on odd
        counts.append(count)
    assert counts[0] == counts[1]
