"""``headwater assets why``: the lineage of one materialization, read with one query per level."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import headwater as hw
from headwater.events import EventType
from headwater.graph import AssetGraph
from headwater.state.lineage import explain
from headwater.storage.value_history import ValueHistory


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[hw.Instance]:
    inst = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path)))
    yield inst
    inst.close()


def wide(width: int, value: int = 1) -> hw.Definitions:
    """``width`` roots, each with a source above it, all read by ``joined``, read by ``top``."""
    roots = []
    for i in range(width):

        @hw.asset(name=f"src{i:02d}")
        def source() -> int:
            return value

        @hw.asset(name=f"root{i:02d}", ins={"up": f"src{i:02d}"})
        def root(up: int) -> int:
            return up + 1

        roots += [source, root]

    @hw.asset(deps=[f"root{i:02d}" for i in range(width)])
    def joined() -> int:
        return width

    @hw.asset
    def top(joined: int) -> int:
        return joined * 2

    return hw.Definitions(assets=[*roots, joined, top])


def test_why_reads_each_level_with_one_query(instance: hw.Instance, count_queries: Any) -> None:
    defs = wide(25)
    assert instance.materialize(defs).success
    graph = AssetGraph.from_definitions(defs)
    queries = count_queries(instance.storage)
    try:
        why = explain(instance.storage, graph, hw.AssetKey("top"), depth=3)
    finally:
        queries.close()
    assert queries.count == 4  # the root, then one query per level: joined, the 25 roots, the 25 sources
    (joined,) = why.inputs
    assert [c.key.to_string() for c in joined.inputs] == [f"root{i:02d}" for i in range(25)]
    assert all(c.record is not None and c.current for c in joined.inputs)
    sources = [s for c in joined.inputs for s in c.inputs]
    assert [s.key.to_string() for s in sources] == [f"src{i:02d}" for i in range(25)]
    assert all(s.record is not None and not s.truncated for s in sources)


def test_why_marks_truncation_and_replaced_inputs(instance: hw.Instance) -> None:
    assert instance.materialize(wide(2)).success
    assert instance.materialize(wide(2, value=5), "src00").success
    why = instance.why(wide(2, value=5), "top", depth=2)
    (joined,) = why.inputs
    assert [c.truncated for c in joined.inputs] == [True, True]
    root = instance.why(wide(2, value=5), "root00", depth=1)
    (source,) = root.inputs
    assert source.current is False
    assert source.consumed is not None and source.latest_version != source.consumed
    assert root.record is not None
    assert source.to_json()["run_id"] == root.record.event.run_id  # consumed from the first run, since replaced


def test_value_history_keeps_the_newest_per_key(instance: hw.Instance) -> None:
    for value in range(4):
        assert instance.materialize(wide(2, value=value), "src00 src01").success
    keys = [hw.AssetKey("src00"), hw.AssetKey("src01"), hw.AssetKey("nothing")]
    found = ValueHistory(instance.storage).recent(keys, [EventType.ASSET_MATERIALIZED], 2)
    assert {k.to_string(): len(v) for k, v in found.items()} == {"nothing": 0, "src00": 2, "src01": 2}
    for records in found.values():
        assert [r.id for r in records] == sorted((r.id for r in records), reverse=True)
    newest = instance.storage.asset_events(hw.AssetKey("src00"), limit=2)
    assert [r.id for r in found[hw.AssetKey("src00")]] == [r.id for r in newest]
