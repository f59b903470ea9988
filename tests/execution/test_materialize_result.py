"""Assets that store no value (they write a table, upload a file, return metadata) get a data
version of their own run: downstream assets read as stale after each run of them, not never."""

from __future__ import annotations

from pathlib import Path

import headwater as hw
from headwater.events import AssetMaterialized, EventType
from headwater.keys import AssetKey

WRITES: list[int] = []


@hw.asset
def loaded() -> None:
    WRITES.append(1)  # writes a table somewhere; returns nothing


@hw.asset
def exported() -> hw.MaterializeResult:
    return hw.MaterializeResult(metadata={"rows": 3, "table": "warehouse.exported"})


@hw.asset
def versioned() -> hw.MaterializeResult:
    return hw.MaterializeResult(metadata={"rows": 3}, data_version="v1")


@hw.asset
def noted() -> hw.Output[None]:
    return hw.Output(None, metadata={"note": "written by hand"})


@hw.asset(deps=["loaded", "exported", "noted"])
def report() -> int:
    return len(WRITES)


DEFS = hw.Definitions(assets=[loaded, exported, versioned, noted, report])


def _latest(instance: hw.Instance, name: str) -> AssetMaterialized:
    record = instance.latest_materializations([AssetKey(name)])[AssetKey(name)]
    assert record.event.type is EventType.ASSET_MATERIALIZED
    return AssetMaterialized.from_data(record.event.data)


def test_each_run_of_an_asset_returning_none_is_a_new_version(tmp_path: Path) -> None:
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path))) as instance:
        first = instance.materialize(DEFS)
        assert first.success
        before = {name: _latest(instance, name).data_version for name in ("loaded", "exported", "noted")}
        assert before["loaded"] == f"{first.run_id}:loaded"
        assert instance.status(DEFS).state(AssetKey("report")).status == "fresh"

        again = instance.materialize(DEFS, "loaded exported noted")
        assert again.success
        after = {name: _latest(instance, name).data_version for name in ("loaded", "exported", "noted")}
        assert after == {name: f"{again.run_id}:{name}" for name in before}
        state = instance.status(DEFS).state(AssetKey("report"))
        assert state.status == "stale"
        assert {r.kind for r in state.reasons} >= {"upstream_changed"}, state.to_json()


def test_a_materialize_result_stores_nothing_and_keeps_its_metadata(tmp_path: Path) -> None:
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path))) as instance:
        assert instance.materialize(DEFS, "exported versioned").success
        made = _latest(instance, "exported")
        assert made.metadata == {"rows": 3, "table": "warehouse.exported"}
        assert made.value_hash is None and made.shape is None
        assert not instance.io_manager.exists(AssetKey("exported"), None)
        assert _latest(instance, "versioned").data_version == "v1"
        assert instance.materialize(DEFS, "versioned").success
        assert _latest(instance, "versioned").data_version == "v1"  # a given version is kept


def test_an_output_of_none_keeps_metadata_and_gets_the_run_version(tmp_path: Path) -> None:
    with hw.Instance.from_config(hw.InstanceConfig(home=str(tmp_path))) as instance:
        result = instance.materialize(DEFS, "noted")
        made = _latest(instance, "noted")
        assert made.metadata == {"note": "written by hand"}
        assert made.data_version == f"{result.run_id}:noted"
