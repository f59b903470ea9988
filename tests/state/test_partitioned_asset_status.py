"""The core status of a partitioned asset asked about as a whole comes from its partitions: missing
only while no partition is materialized, otherwise fresh or stale with a reason naming the missing
partitions, code changes and failures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import headwater as hw
from headwater.graph import AssetGraph
from headwater.web.states import AssetStates

DAYS = ("2026-01-01", "2026-01-02", "2026-01-03")
DAILY = hw.AssetKey("daily")
REPORT = hw.AssetKey("report")


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[hw.Instance]:
    inst = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path)))
    yield inst
    inst.close()


def project(code_version: str = "1") -> hw.Definitions:
    @hw.asset(partitions=hw.DailyPartitions(start="2026-01-01", end="2026-01-04"), code_version=code_version)
    def daily(context: hw.Context) -> int:
        if os.environ.get("HW_TEST_FAIL_DAY") == context.partition_key:
            raise ValueError("the export for that day is broken")
        return len(context.partition_key)

    @hw.asset
    def report(daily: dict[str, int]) -> int:
        return sum(daily.values())

    return hw.Definitions(assets=[daily, report])


def reasons(instance: hw.Instance, defs: hw.Definitions, key: hw.AssetKey) -> tuple[str, list[tuple[str, str]]]:
    state = instance.status(defs).state(key)
    return state.status, [(str(r.kind), r.text) for r in state.reasons]


def test_a_fully_materialized_daily_asset_is_fresh_not_missing(instance: hw.Instance) -> None:
    defs = project()
    for day in DAYS:
        assert instance.materialize(defs, "daily", partition=day).success
    assert reasons(instance, defs, DAILY) == ("fresh", [])
    status = instance.status(defs)
    assert DAILY not in status.missing and DAILY in status.fresh
    assert status.state(DAILY).latest is not None and status.state(DAILY).latest.event.partition == DAYS[-1]
    assert instance.select(defs, "status:missing") == {REPORT}
    assert instance.select(defs, "status:fresh") == {DAILY}
    graph = AssetGraph.from_definitions(defs)
    assert AssetStates(instance.storage, graph).codes((DAILY, REPORT)) == "fm"


def test_a_partly_materialized_asset_is_stale_naming_the_missing_partitions(instance: hw.Instance) -> None:
    defs = project()
    assert reasons(instance, defs, DAILY)[0] == "missing"
    assert instance.materialize(defs, "daily", partition=DAYS[0]).success
    assert reasons(instance, defs, DAILY) == (
        "stale",
        [("never_materialized", "2 of 3 partitions never materialized: '2026-01-02', '2026-01-03'")],
    )
    assert DAILY not in instance.select(defs, "status:missing")
    assert DAILY in instance.select(defs, "status:stale")


def test_partitions_made_by_older_code_make_it_stale(instance: hw.Instance) -> None:
    for day in DAYS:
        assert instance.materialize(project("1"), "daily", partition=day).success
    assert instance.materialize(project("2"), "daily", partition=DAYS[0]).success
    assert reasons(instance, project("2"), DAILY) == (
        "stale",
        [("code_changed", "code version changed: 2 of 3 partitions materialized with another code version than '2'")],
    )
    assert DAILY in instance.status(project("2")).code_changed
    assert reasons(instance, project("1"), DAILY)[1] == [  # back to '1': the partition made by '2' differs
        ("code_changed", "code version changed: 1 of 3 partitions materialized with another code version than '1'")
    ]


def test_a_failed_partition_makes_it_failed(instance: hw.Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    defs = project()
    for day in DAYS:
        assert instance.materialize(defs, "daily", partition=day).success
    monkeypatch.setenv("HW_TEST_FAIL_DAY", DAYS[1])
    assert not instance.materialize(defs, "daily", partition=DAYS[1]).success
    status, found = reasons(instance, defs, DAILY)
    assert status == "stale"
    assert [kind for kind, _ in found] == ["last_run_failed"]
    assert found[0][1].startswith("the last run of 1 of 3 partitions failed (run ")
    assert DAILY in instance.status(defs).failed


def _partitioned_chain(n: int) -> hw.Definitions:
    days = hw.DailyPartitions(start="2026-01-01", end="2026-01-04")
    assets = []
    for i in range(n):

        @hw.asset(name=f"p{i}", partitions=days, deps=[f"p{i - 1}"] if i else [])
        def step() -> int:
            return 1

        assets.append(step)
    return hw.Definitions(assets=assets)


def test_graph_states_of_partitioned_assets_cost_the_same_queries_for_3_and_30(
    tmp_path: Path, count_queries: Any
) -> None:
    counts = []
    for n in (3, 30):
        defs = _partitioned_chain(n)
        with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path / str(n)))) as instance:
            for day in DAYS[:2]:
                assert instance.materialize(defs, partition=day).success
            graph = AssetGraph.from_definitions(defs)
            queries = count_queries(instance.storage)
            try:
                codes = AssetStates(instance.storage, graph).codes(tuple(graph.keys))
            finally:
                queries.close()
        assert codes == "s" * n  # one of three days is missing everywhere
        counts.append(queries.count)
    assert counts[0] == counts[1]
