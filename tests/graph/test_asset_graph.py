from typing import Any

import pytest

import headwater as hw


def build(*assets: Any, **kw: Any) -> hw.AssetGraph:
    return hw.AssetGraph.from_definitions(hw.Definitions(assets=list(assets), **kw))


@hw.asset
def orders() -> list[int]:
    return [1, 2]


@hw.asset(key_prefix="mart")
def revenue(orders: list[int]) -> int:
    return sum(orders)


def test_parents_children_and_order() -> None:
    @hw.asset(key_prefix="mart")
    def report(revenue: int, orders: list[int]) -> str:
        return ""

    graph = build(report, revenue, orders)
    r = hw.AssetKey("mart", "revenue")
    assert graph.keys == (hw.AssetKey("orders"), r, hw.AssetKey("mart", "report"))
    assert graph.nodes[r].parents == {hw.AssetKey("orders")}
    assert graph.nodes[hw.AssetKey("orders")].children == {r, hw.AssetKey("mart", "report")}
    assert graph.upstream([hw.AssetKey("mart", "report")], depth=1) == {r, hw.AssetKey("orders")}
    assert graph.downstream([hw.AssetKey("orders")]) == {r, hw.AssetKey("mart", "report")}


def test_graph_is_cached_per_definitions() -> None:
    defs = hw.Definitions(assets=[orders, revenue])
    with hw.Instance.ephemeral() as instance:
        assert instance.graph_for(defs) is instance.graph_for(defs)
        other = hw.Definitions(assets=[orders, revenue])
        assert instance.graph_for(other) is not instance.graph_for(defs)
        for _ in range(5):  # older definitions are let go, the one in use stays
            instance.graph_for(hw.Definitions(assets=[orders]))
            assert instance.graph_for(defs).keys == (hw.AssetKey("orders"), hw.AssetKey("mart", "revenue"))
        assert len(instance._graphs) <= 4
    # The Definitions themselves hold no derived state: building is a pure function of them.
    assert not hasattr(defs, "cache")
    assert hw.AssetGraph.from_definitions(defs) is not hw.AssetGraph.from_definitions(defs)


def test_prefix_match_and_last_part_match() -> None:
    @hw.asset(key_prefix="raw")
    def customers() -> int:
        return 1

    @hw.asset(key_prefix="clean")
    def tidy(customers: int) -> int:
        return customers

    graph = build(customers, tidy)
    assert graph.nodes[hw.AssetKey("clean", "tidy")].parents == {hw.AssetKey("raw", "customers")}


def test_ambiguous_input_names_both_candidates() -> None:
    a = hw.asset(key="x/data")(lambda: 1)
    b = hw.asset(key="y/data")(lambda: 2)

    @hw.asset
    def use(data: int) -> int:
        return data

    with pytest.raises(hw.DefinitionError) as info:
        build(a, b, use)
    message = str(info.value)
    assert "parameter 'data' matches several assets (x/data, y/data)" in message
    assert "ins={'data': 'x/data'}" in message


def test_unknown_input_suggests() -> None:
    @hw.asset
    def total(order: list[int]) -> int:
        return 0

    with pytest.raises(hw.DefinitionError) as info:
        build(orders, total)
    message = str(info.value)
    assert "asset 'total'" in message
    assert "parameter 'order', which matches no asset (did you mean 'orders'?)" in message
    assert "test_asset_graph.py" in message  # where it was defined


def test_unknown_deps_and_ins_suggest() -> None:
    bad_dep = hw.asset(name="bad_dep", deps=["mart/revenu"])(lambda: 1)
    with pytest.raises(hw.DefinitionError) as info:
        build(orders, revenue, bad_dep)
    assert "has deps= naming 'mart/revenu', which is not an asset in these definitions" in str(info.value)
    assert "did you mean 'mart/revenue'?" in str(info.value)


def test_duplicate_keys_name_both_sites() -> None:
    first = hw.asset(name="dup")(lambda: 1)
    second = hw.asset(name="dup")(lambda: 2)
    with pytest.raises(hw.DefinitionError) as info:
        build(first, second)
    message = str(info.value)
    assert "asset key 'dup' is defined twice" in message
    assert message.count("test_asset_graph.py:") == 2


def test_cycle_is_printed() -> None:
    a = hw.asset(name="a", ins={"x": "c"})(lambda x: x)
    b = hw.asset(name="b", ins={"x": "a"})(lambda x: x)
    c = hw.asset(name="c", ins={"x": "b"})(lambda x: x)
    with pytest.raises(hw.CycleError) as info:
        build(a, b, c)
    message = str(info.value)
    assert "the asset graph has a cycle:" in message
    cycle = message.split("cycle: ")[1].split(";", maxsplit=1)[0].split(" -> ")
    assert cycle[0] == cycle[-1]
    assert sorted(set(cycle)) == ["a", "b", "c"]


def test_missing_resource_is_named() -> None:
    class Db(hw.Resource):
        url: str

    @hw.asset
    def loads(db: Db) -> int:
        return 1

    with pytest.raises(hw.DefinitionError) as info:
        build(loads, resources={"dbx": Db(url="x")})
    assert "needs resource 'db', which is not in Definitions(resources=...)" in str(info.value)
    assert "declared resources: dbx" in str(info.value)


def test_unannotated_parameter_named_like_a_resource_is_injected() -> None:
    @hw.asset
    def uses(store: object) -> int:
        return 1

    graph = build(uses, resources={"store": object()})
    assert graph.bindings["uses"].resources == {"store": "store"}


def test_ten_thousand_chain_without_recursion() -> None:
    specs = [hw.asset(name="n0")(lambda: 0)]
    for i in range(1, 10_000):
        specs.append(hw.asset(name=f"n{i}", ins={"up": f"n{i - 1}"})(lambda up: up))
    graph = build(*specs)
    assert graph.keys[0] == hw.AssetKey("n0")
    assert graph.keys[-1] == hw.AssetKey("n9999")
    assert len(graph.upstream([hw.AssetKey("n9999")])) == 9_999


def test_node_lookup_suggests() -> None:
    graph = build(orders, revenue)
    with pytest.raises(hw.SelectionError, match="no asset 'mart/revenu' \\(did you mean 'mart/revenue'\\?\\)"):
        graph.node("mart/revenu")
