"""Backfill planning: groups of assets that run together and runs in dependency order across partitions."""

from __future__ import annotations

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
    the_plan = plan_backfill(
        graph, list(graph.keys), lambda keys, d: d.keys(), KeyContext()
    )  # bench/partitions.py times it
    assert (len(the_plan.units), the_plan.step_count) == (1096, 1096 * 20)
    assert all(u.upstream == () for u in the_plan.units)  # one group: each run holds its whole chain


def test_a_coarser_window_runs_only_when_its_upstream_windows_are_all_in_the_range() -> None:
    daily = hw.DailyPartitions(start="2026-01-01", end="2026-06-01")
    monthly = hw.MonthlyPartitions(start="2026-01-01", end="2026-06-01")
    defs = hw.Definitions(
        assets=[
            hw.asset(name="events", partitions=daily)(lambda: 1),
            hw.asset(name="month", partitions=monthly)(lambda events: events),
        ]
    )
    graph = hw.AssetGraph.from_definitions(defs)

    def keys_for(assets: tuple[hw.AssetKey, ...], definition: object) -> list[str]:
        if definition == daily:
            return list(daily.keys()[: 31 + 28 + 14])  # 2026-01-01...2026-03-14
        return ["2026-01-01", "2026-02-01", "2026-03-01"]

    the_plan = plan_backfill(graph, list(graph.keys), keys_for, KeyContext(), whole_windows=True)
    assert [list(g.partition_keys) for g in the_plan.groups][1] == ["2026-01-01", "2026-02-01"]
    assert [item.describe() for item in the_plan.left_out] == [
        "asset 'month': 2026-03-01 left out: it reads 'events' partitions 2026-03-01...2026-03-31, not all in the "
        "backfilled range (2026-01-01...2026-03-14); widen --partitions to whole windows to include it"
    ]
    assert len(the_plan.units) == 73 + 2
    assert the_plan.units[-1].upstream == tuple(range(31, 59))  # February waits for its 28 days

    unclipped = plan_backfill(graph, list(graph.keys), keys_for, KeyContext())
    assert (len(unclipped.units), unclipped.left_out) == (73 + 3, ())
