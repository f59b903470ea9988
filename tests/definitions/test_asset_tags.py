"""Nested asset tags: dict and list values are kept as their JSON text, so tag selections still compare
strings; values that are not JSON are refused saying which tag and what to give."""

from __future__ import annotations

import json
import math

import pytest

import headwater as hw
from headwater.graph import AssetGraph
from headwater.graph.selection import select
from headwater.keys import AssetKey


def test_dict_and_list_tag_values_are_kept_as_json_text() -> None:
    tags = {"meta": {"owner": "data", "levels": [1, 2]}, "regions": ["eu", "us"], "tier": "gold"}

    @hw.asset(tags=tags)
    def orders() -> int:
        return 1

    @hw.asset(tags={"tier": "gold"})
    def plain() -> int:
        return 1

    kept = orders.tags
    assert kept == {"meta": '{"levels": [1, 2], "owner": "data"}', "regions": '["eu", "us"]', "tier": "gold"}
    assert json.loads(kept["meta"]) == tags["meta"]
    graph = AssetGraph.from_definitions(hw.Definitions(assets=[orders, plain]))
    assert select(graph, "tag:meta") == {AssetKey("orders")}
    assert select(graph, "tag:tier=gold") == {AssetKey("orders"), AssetKey("plain")}


def test_tag_values_that_are_not_json_are_refused() -> None:
    with pytest.raises(hw.DefinitionError) as caught:
        hw.asset(name="x", tags={"m": [math.nan]})(lambda: 1)
    assert str(caught.value) == (
        "asset 'x': tags value of 'm' is a list that cannot be kept as JSON (Out of range float values are not "
        "JSON compliant); use strings, numbers, booleans, None and lists and dicts of them with string keys"
    )
    with pytest.raises(hw.DefinitionError) as caught:
        hw.asset(name="x", tags={"m": {"when": object}})(lambda: 1)
    assert "tags value of 'm' is a dict that cannot be kept as JSON (Object of type type is not JSON" in str(
        caught.value
    )
    with pytest.raises(hw.DefinitionError) as caught:
        hw.asset(name="x", tags={"m": {1, 2}})(lambda: 1)  # type: ignore[dict-item]
    assert str(caught.value) == (
        "asset 'x': tags keys and values must be strings (bad entry: 'm': {1, 2}); a value may also be a dict "
        "or list of JSON values, kept as JSON text"
    )
