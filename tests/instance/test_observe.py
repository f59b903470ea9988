"""Observations of source assets and reports of materializations made elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import headwater as hw
from headwater.events import EventType


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[hw.Instance]:
    inst = hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path)))
    yield inst
    inst.close()


def project(version: object) -> hw.Definitions:
    def look() -> object:
        if isinstance(version, Exception):
            raise version
        return version

    export = hw.SourceAsset("shop/export", observe=look)

    @hw.asset(deps=["shop/export"])
    def cleaned() -> int:
        return 1

    return hw.Definitions(assets=[export, cleaned])


def test_observed_versions_make_downstream_stale(instance: hw.Instance) -> None:
    defs = project("v1")
    assert instance.status(defs).state(hw.AssetKey("shop", "export")).status == "missing"
    result = instance.observe(defs)
    assert result.success
    (observed,) = result.of_type(EventType.ASSET_OBSERVED)
    assert observed.data == {"data_version": "v1"}
    assert instance.materialize(defs, "cleaned").success
    event = instance.storage.latest("materialization", [hw.AssetKey("cleaned")])[hw.AssetKey("cleaned")]
    assert event.event.data["inputs"] == {"shop/export": "v1"}
    assert instance.observe(project("v1")).success  # same version: nothing changes
    assert instance.status(defs).state(hw.AssetKey("cleaned")).status == "fresh"
    changed = project(hw.Output(None, data_version="v2", metadata={"rows": 10}))
    assert instance.observe(changed).success
    state = instance.status(changed).state(hw.AssetKey("cleaned"))
    assert state.status == "stale"
    assert [r.text for r in state.reasons] == [
        "upstream 'shop/export' (1 level up) has a newer data version (v2) than the one consumed (v1)"
    ]


def test_failed_observation_is_recorded_and_retried(instance: hw.Instance) -> None:
    result = instance.observe(project(OSError("bucket unreachable")))
    assert not result.success
    (failed,) = result.of_type(EventType.STEP_FAILED)
    assert failed.data["error"] == "observing 'shop/export' raised OSError: bucket unreachable"
    assert instance.status(project("v1")).state(hw.AssetKey("shop", "export")).failed
    assert instance.observe(project("v1")).success
    assert not instance.status(project("v1")).state(hw.AssetKey("shop", "export")).failed


def test_bad_observe_results_and_selections(instance: hw.Instance) -> None:
    result = instance.observe(project([1, 2]))
    assert result.of_type(EventType.STEP_FAILED)[0].data["error"] == (
        "the observe function of 'shop/export' returned list; return its data version as a string (e.g. a "
        "file's modification time or a table's row count), or hw.Output(None, data_version=..., metadata=...)"
    )
    with pytest.raises(hw.SelectionError, match=r"none of the 1 selected asset\(s\) can be observed: declare "):
        instance.observe(project("v1"), "cleaned")


def test_report_records_an_outside_materialization(instance: hw.Instance) -> None:
    defs = project("v1")
    instance.observe(defs)
    result = instance.report("cleaned", data_version="ext-7", metadata={"rows": 3}, defs=defs)
    assert result.success
    (event,) = result.of_type(EventType.ASSET_MATERIALIZED)
    assert event.data == {
        "reported": True,
        "inputs": {"shop/export": "v1"},
        "data_version": "ext-7",
        "metadata": {"rows": 3},
    }
    assert instance.status(defs).state(hw.AssetKey("cleaned")).status == "fresh"
    assert [p.value for p in instance.metadata_history("cleaned", "rows")] == [3]
    observed = instance.report("shop/export", observation=True)
    assert observed.of_type(EventType.ASSET_OBSERVED)[0].data["data_version"] == f"{observed.run_id}:report"
    with pytest.raises(hw.SelectionError, match=r"no asset 'claened' \(did you mean 'cleaned'\?\)"):
        instance.report("claened", defs=defs)
