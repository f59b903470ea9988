import headwater as hw
from headwater.graph.plan import plan


@hw.asset
def a() -> int:
    return 1


@hw.asset
def b(a: int) -> int:
    return a


@hw.asset(deps=["b"])
def c() -> int:
    return 3


@hw.multi_asset(outs={"d1": None, "d2": None})
def d(c: int) -> tuple[int, int]:
    return c, c


def test_plan_steps_and_dependencies() -> None:
    graph = hw.AssetGraph.from_definitions(hw.Definitions(assets=[a, b, c, d]))
    p = plan(graph, graph.keys)
    assert list(p.steps) == ["a", "b", "c", "d"]
    assert p.steps["b"].upstream_steps == {"a"}
    assert p.steps["c"].upstream_steps == {"b"}  # deps= orders steps too
    assert p.steps["d"].asset_keys == (hw.AssetKey("d1"), hw.AssetKey("d2"))
    assert p.downstream_of("a") == {"b", "c", "d"}


def test_outside_selection_inputs_are_external() -> None:
    graph = hw.AssetGraph.from_definitions(hw.Definitions(assets=[a, b, c, d]))
    p = plan(graph, [hw.AssetKey("b"), hw.AssetKey("d1")])
    assert set(p.steps) == {"b", "d"}
    assert p.steps["b"].external_inputs == {hw.AssetKey("a")}
    assert p.steps["d"].external_inputs == {hw.AssetKey("c")}
    assert p.steps["d"].upstream_steps == frozenset()


def test_source_assets_are_not_steps() -> None:
    src = hw.SourceAsset("events")

    @hw.asset
    def counted(events: list[int]) -> int:
        return len(events)

    graph = hw.AssetGraph.from_definitions(hw.Definitions(assets=[src, counted]))
    p = plan(graph, graph.keys)
    assert list(p.steps) == ["counted"]
    assert p.skipped_sources == (hw.AssetKey("events"),)
    assert p.steps["counted"].external_inputs == {hw.AssetKey("events")}
