"""The kinds of staleness reasons: one enum whose values are the strings the JSON has always carried."""

from __future__ import annotations

import json
from pathlib import Path

import headwater as hw
from headwater.graph import AssetGraph
from headwater.state.status import UPSTREAM_REASON_KINDS, AssetStatus, ReasonKind


def test_reason_kinds_keep_their_json_strings() -> None:
    assert [k.value for k in ReasonKind] == [
        "never_materialized",
        "code_changed",
        "upstream_changed",
        "upstream_code_changed",
        "upstream_missing",
        "check_failed",
        "last_run_failed",
        "overdue",
    ]
    assert sorted(UPSTREAM_REASON_KINDS) == ["upstream_changed", "upstream_code_changed", "upstream_missing"]


def test_reasons_in_json_are_plain_strings_naming_the_upstream_asset(tmp_path: Path) -> None:
    value = {"a": 1}

    @hw.asset
    def a() -> int:
        return value["a"]

    @hw.asset
    def b(a: int) -> int:
        return a + 1

    @hw.asset
    def c(b: int) -> int:
        return b + 1

    defs = hw.Definitions(assets=[a, b, c])
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path))) as instance:
        assert instance.materialize(defs).success
        value["a"] = 2
        assert instance.materialize(defs, "a").success
        status = AssetStatus(instance.storage, AssetGraph.from_definitions(defs))
        found = status.state(hw.AssetKey.parse("c")).to_json()
    assert found["status"] == "stale"
    [reason] = found["reasons"]
    assert type(reason["kind"]) is str and reason["kind"] == ReasonKind.UPSTREAM_CHANGED
    assert reason["asset"] == "a" and reason["depth"] == 2
    assert json.loads(json.dumps(found))["reasons"][0]["kind"] == "upstream_changed"
