"""Data versions and provenance recorded with every materialization."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import headwater as hw
from headwater.events import EventType
from headwater.state.versions import MAX_INPUTS_BYTES, consumed_inputs, short_version


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[hw.Instance]:
    inst = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path)))
    yield inst
    inst.close()


@hw.asset(code_version="3")
def orders() -> list[int]:
    return [1, 2, 3]


@hw.asset
def total(orders: list[int]) -> hw.Output[int]:
    return hw.Output(sum(orders), data_version="total-v1")


@hw.asset(deps=[orders])
def report(total: int) -> str:
    return f"total {total}"


def _events(result: hw.RunResult) -> dict[str, dict[str, object]]:
    return {str(e.asset_key): dict(e.data) for e in result.of_type(EventType.ASSET_MATERIALIZED)}


def test_versions_code_versions_and_inputs(instance: hw.Instance) -> None:
    result = instance.materialize(hw.Definitions(assets=[orders, total, report]))
    data = _events(result)
    orders_version = data["orders"]["data_version"]
    assert isinstance(orders_version, str) and len(orders_version) == 16  # hash of the pickled value
    assert data["orders"]["code_version"] == "3"
    assert "inputs" not in data["orders"]
    assert data["total"]["data_version"] == "total-v1"
    assert data["total"]["inputs"] == {"orders": orders_version}
    assert data["report"]["inputs"] == {"orders": orders_version, "total": "total-v1"}
    for stored in instance.storage.get_events(result.run_id, types=[EventType.ASSET_MATERIALIZED]):
        assert len(json.dumps(stored.event.data)) <= 2048


def test_same_value_same_version_and_inputs_from_earlier_runs(instance: hw.Instance) -> None:
    defs = hw.Definitions(assets=[orders, total, report])
    first = _events(instance.materialize(defs))
    second = _events(instance.materialize(defs, "report"))
    assert second["report"]["data_version"] == first["report"]["data_version"]
    assert second["report"]["inputs"] == first["report"]["inputs"]


def test_in_memory_values_are_versioned_by_run_and_step() -> None:
    result = hw.materialize([orders, total])
    data = _events(result)
    assert data["orders"]["data_version"] == f"{result.run_id}:orders"
    assert data["total"]["inputs"] == {"orders": short_version(f"{result.run_id}:orders")}


def test_short_versions_and_bounded_inputs() -> None:
    assert short_version("v1") == "v1"
    long = short_version("x" * 40)
    assert len(long) == 16 and long == short_version("x" * 40)
    parents = [hw.AssetKey(f"some_fairly_long_asset_name_{i:03d}") for i in range(200)]
    inputs, left_out = consumed_inputs(parents, dict.fromkeys(parents, "v" * 30))
    assert len(json.dumps(inputs, separators=(",", ":"))) <= MAX_INPUTS_BYTES
    assert left_out == 200 - len(inputs)
