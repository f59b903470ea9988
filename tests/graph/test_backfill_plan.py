"""Backfill planning: groups of assets that run together and runs in dependency order across partitions."""

from __future__ import annotations

import time

import headwater as hw
from headwater.definitions.partitions import KeyContext
from headwater.graph.backfill_plan import plan_backfill

DAILY = hw.DailyPartitions(start="2026-01-01", end="2026-01-15")
WEEKLY = hw.WeeklyPartitions(start="2026-01-01", end="2026-01-15")
DEFS = hw.Definitions(
    assets=[
        hw.asset(name="raw", partitions=DAILY)(lambda: 1),
        hw.asset(name="clean", partitions=DAILY)(lambda raw: raw),
        hw.asset(name="weekly", partitions=WEEKLY)(lambda clean: clean),
        hw.asset(name="report")(lambda weekly: weekly),
        hw.asset(name="bulk", partitions=DAILY, backfill_policy="single_run")(lambda clean: clean),
    ]
)


def test_plan_groups_and_dependencies() -> None:
    graph = hw.AssetGraph.from_definitions(DEFS)
    the_plan = plan_backfill(graph, list(graph.keys), lambda assets, d: d.keys(), KeyContext())
    groups = [([str(k) for k in g.keys], g.single_run, len(g.partition_keys)) for g in the_plan.groups]
    assert groups == [
        (["raw", "clean"], False, 14),
        (["weekly"], False, 1),
        (["bulk"], True, 14),
        (["report"], False, 0),
    ]
    assert len(the_plan.units) == 14 + 1 + 1 + 1
    weekly_unit = the_plan.units[14]
    assert weekly_unit.partitions == ("2026-01-05",)
    assert weekly_unit.upstream == tuple(range(4, 11))  # the seven days of that week
    assert the_plan.units[15].upstream == tuple(range(14))  # the range run waits for every day
    assert the_plan.units[16].upstream == (14,)
    assert the_plan.step_count == 14 * 2 + 3


def test_three_years_of_daily_partitions_over_twenty_assets_plan_quickly() -> None:
    daily = hw.DailyPartitions(start="2023-01-01", end="2026-01-01")
    assets = [hw.asset(name="a00", partitions=daily)(lambda: 0)]
    for i in range(1, 20):
        assets.append(hw.asset(name=f"a{i:02d}", partitions=daily, ins={"up": f"a{i - 1:02d}"})(lambda up: up))
    graph = hw.AssetGraph.from_definitions(hw.Definitions(assets=assets))
    start = time.perf_counter()
    the_plan = plan_backfill(graph, list(graph.keys), lambda keys, d: d.keys(), KeyContext())
    assert time.perf_counter() - start < 2.0  # generous here; bench/partitions.py measures it
    assert (len(the_plan.units), the_plan.step_count) == (1096, 1096 * 20)
    assert all(u.upstream == () for u in the_plan.units)  # one group: each run holds its whole chain
