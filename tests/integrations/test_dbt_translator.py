"""hw.dbt_assets(translator=, group=, pool=, automation=): keys, groups, owners and conditions per dbt node.

A hand-written ``target/manifest.json`` newer than the project files stands in for ``dbt parse``,
so no dbt command runs; tests/integrations/test_dbt_ledger.py reads the same meta from real YAML.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import headwater as hw
from headwater.integrations.dbt import DbtTranslator


def _project(folder: Path, manifest: dict[str, Any]) -> Path:
    folder.mkdir()
    (folder / "dbt_project.yml").write_text("name: shop\nversion: '1.0'\nprofile: shop\n")
    (folder / "target").mkdir()
    path = folder / "target" / "manifest.json"
    path.write_text(json.dumps(manifest))
    later = time.time() + 60  # newer than every project file: no dbt parse
    os.utime(path, (later, later))
    return folder


def _model(name: str, meta: dict[str, Any] | None = None, parents: list[str] | None = None) -> dict[str, Any]:
    return {
        "unique_id": f"model.shop.{name}",
        "resource_type": "model",
        "name": name,
        "config": {"materialized": "table", "meta": meta or {}},
        "meta": meta or {},
        "depends_on": {"nodes": parents or []},
        "columns": {},
    }


def _source(name: str, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "unique_id": f"source.shop.erp.{name}",
        "resource_type": "source",
        "source_name": "erp",
        "name": name,
        "meta": meta or {},
        "source_meta": {},
        "config": {"meta": {}},
        "columns": {},
    }


MANIFEST = {
    "metadata": {"project_name": "shop"},
    "sources": {
        "source.shop.erp.orders": _source("orders", {"dagster": {"asset_key": ["erp", "orders_export"]}}),
        "source.shop.erp.items": _source("items", {"dagster": {"group": "erp"}}),
    },
    "nodes": {
        "model.shop.stg_orders": _model(
            "stg_orders",
            {"dagster": {"asset_key": ["staging", "orders"], "group": "staging"}},
            ["source.shop.erp.orders", "source.shop.erp.items"],
        ),
        "model.shop.revenue": _model(
            "revenue",
            {"headwater": {"group": "finance", "owners": ["team:finance"], "automation": "on_cron: 0 6 * * *"}},
            ["model.shop.stg_orders"],
        ),
        "model.shop.margin": _model("margin", {"headwater": {"automation": "eager"}}, ["model.shop.revenue"]),
    },
}


def _specs(assets: hw.DbtAssets) -> dict[str, hw.AssetSpec[..., Any]]:
    return {s.key.to_string(): s for item in assets.assets for s in getattr(item, "specs", [item])}


@hw.asset(key="erp/orders_export")
def orders_export() -> int:
    return 1


def test_meta_headwater_and_meta_dagster_set_keys_groups_owners_and_conditions(tmp_path: Path) -> None:
    shop = hw.dbt_assets(
        _project(tmp_path / "shop", MANIFEST), group="warehouse", pool="dbt", automation=hw.on_missing()
    )
    specs = _specs(shop)
    # a source with a Dagster asset key is the asset of that key (here a Python asset), not a second one
    assert set(specs) == {"erp/items", "staging/orders", "revenue", "margin"}
    assert specs["erp/items"].is_source and specs["erp/items"].group == "erp"
    assert specs["staging/orders"].group == "staging"
    assert specs["staging/orders"].deps == (hw.AssetKey("erp", "orders_export"), hw.AssetKey("erp", "items"))
    assert specs["staging/orders"].automation == hw.on_missing()  # dbt_assets(automation=) for the rest
    assert (specs["revenue"].group, specs["revenue"].owners) == ("finance", ("team:finance",))
    assert specs["revenue"].automation == hw.on_cron("0 6 * * *")
    assert specs["margin"].automation == hw.eager()
    assert specs["margin"].group == "warehouse"
    assert specs["revenue"].op is not None and specs["revenue"].op.pool == "dbt"
    graph = hw.AssetGraph.from_definitions(hw.Definitions(assets=[*shop.assets, orders_export]))
    assert graph.node("staging/orders").parents == {hw.AssetKey("erp", "orders_export"), hw.AssetKey("erp", "items")}
    assert shop.key_of("stg_orders") == hw.AssetKey("staging", "orders")


class ByFolder(DbtTranslator):
    """Models keyed and grouped by their folder; sources keep dbt's defaults but go to group "raw"."""

    def asset_key(self, node: Mapping[str, Any]) -> hw.AssetKey | None:
        return hw.AssetKey("mart", node["name"]) if node["name"] != "stg_orders" else super().asset_key(node)

    def group(self, node: Mapping[str, Any]) -> str | None:
        return "marts" if node["name"] != "stg_orders" else super().group(node)

    def owners(self, node: Mapping[str, Any]) -> list[str] | None:
        return ["data@example.com"]

    def automation(self, node: Mapping[str, Any]) -> hw.AutomationCondition | None:
        return hw.eager()

    def source_key(self, source: Mapping[str, Any]) -> hw.AssetKey | None:
        return None

    def source_group(self, source: Mapping[str, Any]) -> str | None:
        return "raw"


def test_a_translator_in_python_decides_for_models_and_sources_separately(tmp_path: Path) -> None:
    specs = _specs(hw.dbt_assets(_project(tmp_path / "shop", MANIFEST), translator=ByFolder()))
    assert set(specs) == {"erp/orders", "erp/items", "staging/orders", "mart/revenue", "mart/margin"}
    assert {specs["erp/orders"].group, specs["erp/items"].group} == {"raw"}
    assert specs["mart/revenue"].group == "marts"
    assert specs["staging/orders"].group == "staging"  # super(): meta.dagster.group
    assert specs["mart/margin"].owners == ("data@example.com",)
    assert specs["mart/margin"].automation == hw.eager()


def test_an_automation_meta_that_is_not_a_condition(tmp_path: Path) -> None:
    manifest = {"metadata": {"project_name": "shop"}, "nodes": {"model.shop.revenue": _model("revenue")}}
    manifest["nodes"]["model.shop.revenue"]["config"]["meta"] = {"headwater": {"automation": "eagr"}}
    with pytest.raises(
        hw.DefinitionError,
        match=r"^dbt project 'shop' \(.*shop\): model.shop.revenue meta headwater.automation 'eagr' is not a "
        r"condition \(did you mean 'eager'\?\); use one of: eager, on_missing, on_cron: 0 6 \* \* \*, or decide in "
        r"Python with hw.dbt_assets\(translator=...\)$",
    ):
        hw.dbt_assets(_project(tmp_path / "shop", manifest))


def test_a_dagster_asset_key_that_is_not_an_asset_key(tmp_path: Path) -> None:
    manifest = {
        "metadata": {"project_name": "shop"},
        "sources": {"source.shop.erp.orders": _source("orders", {"dagster": {"asset_key": ["erp", "a b"]}})},
    }
    with pytest.raises(
        hw.DefinitionError,
        match=r"^dbt project 'shop' \(.*shop\): source 'erp.orders' meta dagster.asset_key: invalid asset key part",
    ):
        hw.dbt_assets(_project(tmp_path / "shop", manifest))
