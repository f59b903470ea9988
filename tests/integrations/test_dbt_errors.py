"""What hw.dbt_assets says about a folder that is not a dbt project, a damaged manifest and bad keys.

These use a hand-written ``target/manifest.json`` that is newer than the project files, so no dbt
command runs, except the one test of a selection dbt refuses.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

import headwater as hw
from headwater.integrations.dbt_cli import DbtProject
from headwater.integrations.dbt_io import DbtRelations


def _project(folder: Path, manifest: dict[str, Any] | str) -> Path:
    folder.mkdir()
    (folder / "dbt_project.yml").write_text("name: tiny\nversion: '1.0'\nprofile: tiny\n")
    target = folder / "target"
    target.mkdir()
    manifest_path = target / "manifest.json"
    manifest_path.write_text(manifest if isinstance(manifest, str) else json.dumps(manifest))
    later = time.time() + 60  # newer than every project file: the manifest is fresh
    os.utime(manifest_path, (later, later))
    return folder


def _model(name: str, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "resource_type": "model",
        "name": name,
        "config": {"materialized": "table", "meta": meta or {}},
        "meta": meta or {},
        "depends_on": {"nodes": []},
        "columns": {},
    }


def test_a_folder_without_dbt_project_yml(tmp_path: Path) -> None:
    with pytest.raises(
        hw.DefinitionError,
        match=rf"^dbt project folder {tmp_path} has no dbt_project.yml: give hw.dbt_assets\(\) the folder that holds "
        "your dbt_project.yml$",
    ):
        hw.dbt_assets(tmp_path)


def test_a_damaged_manifest_says_to_delete_it(tmp_path: Path) -> None:
    project = _project(tmp_path / "tiny", "{not json")
    with pytest.raises(
        hw.DefinitionError,
        match=r"^cannot read the dbt manifest .*manifest.json: .*; delete it and load again to re-parse$",
    ):
        hw.dbt_assets(project)


def test_a_model_name_that_is_not_in_the_project(tmp_path: Path) -> None:
    manifest = {"metadata": {"project_name": "tiny"}, "nodes": {"model.tiny.orders": _model("orders")}}
    assets = hw.dbt_assets(_project(tmp_path / "tiny", manifest))
    assert assets.key_of("orders") == hw.AssetKey("orders")
    with pytest.raises(
        hw.DefinitionError,
        match=r"^dbt project .*tiny has no model, seed or snapshot named 'ordres' \(did you mean 'orders'\?\); its "
        "models, seeds and snapshots are: orders$",
    ):
        assets.key_of("ordres")


def test_a_meta_key_that_is_not_an_asset_key(tmp_path: Path) -> None:
    manifest = {
        "metadata": {"project_name": "tiny"},
        "nodes": {"model.tiny.orders": _model("orders", {"headwater": {"key": "mart//orders"}})},
    }
    with pytest.raises(
        hw.DefinitionError,
        match=r"^dbt project 'tiny' \(.*tiny\): model.tiny.orders meta headwater.key: ",
    ):
        hw.dbt_assets(_project(tmp_path / "tiny", manifest))


def test_a_selection_dbt_refuses_names_the_selection(tmp_path: Path) -> None:
    manifest = {"metadata": {"project_name": "tiny"}, "nodes": {"model.tiny.orders": _model("orders")}}
    with pytest.raises(
        hw.DefinitionError,
        match=r"(?s)^dbt project .*tiny cannot list select='tag:\(\(':\n.*Error: .*\nFix the selection "
        r"\(dbt's syntax\) or the project; `dbt ls --select \.\.\.` shows the same error.$",
    ):
        hw.dbt_assets(_project(tmp_path / "tiny", manifest), select="tag:((")


def _relations(folder: Path, profiles: str, **relations: str) -> DbtRelations:
    folder.mkdir()
    (folder / "dbt_project.yml").write_text("name: tiny\nversion: '1.0'\nprofile: tiny\n")
    (folder / "profiles.yml").write_text(profiles)
    keyed = {hw.AssetKey(name): relation for name, relation in relations.items()}
    return DbtRelations(project=DbtProject(project_dir=folder), relations=keyed)


def test_reading_models_from_a_warehouse_that_is_not_duckdb(tmp_path: Path) -> None:
    manager = _relations(
        tmp_path / "tiny",
        "tiny:\n  target: prod\n  outputs:\n    prod: {type: postgres}\n",
        orders='"db"."main"."orders"',
    )
    with pytest.raises(
        hw.ConfigError,
        match=r"^dbt project .*tiny uses a 'postgres' profile target; hw.dbt_assets\(io_manager=...\) reads models "
        r"from dbt-duckdb targets only: read other warehouses in the asset itself and depend on the model with deps=",
    ):
        manager.load(hw.AssetKey("orders"), None)


def test_reading_models_from_an_in_memory_duckdb(tmp_path: Path) -> None:
    profiles = "tiny:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: ':memory:'}\n"
    manager = _relations(tmp_path / "tiny", profiles, orders='"memory"."main"."orders"')
    with pytest.raises(hw.ConfigError, match=r"has path ':memory:': give it a file in profiles.yml"):
        manager.load(hw.AssetKey("orders"), None)


def test_reading_models_with_a_profile_target_that_is_not_there(tmp_path: Path) -> None:
    manager = _relations(tmp_path / "tiny", "tiny:\n  target: dev\n  outputs: {}\n", orders='"db"."main"."orders"')
    with pytest.raises(
        hw.ConfigError,
        match=r"profiles.yml has no target 'dev' in profile 'tiny' \(the profile dbt_project.yml of .*tiny names\): "
        r"add it, or give hw.dbt_assets\(target=...\)$",
    ):
        manager.load(hw.AssetKey("orders"), None)


def test_reading_an_asset_that_is_not_of_the_project_and_a_model_not_built_yet(tmp_path: Path) -> None:
    path = tmp_path / "none.duckdb"
    profiles = f"tiny:\n  target: dev\n  outputs:\n    dev: {{type: duckdb, path: '{path}'}}\n"
    manager = _relations(tmp_path / "tiny", profiles, orders='"none"."main"."orders"')
    with pytest.raises(hw.IOManagerError, match=r"^asset 'revenue' is not a model, seed or snapshot of dbt project "):
        manager.load(hw.AssetKey("revenue"), None)
    with pytest.raises(hw.IOManagerError, match=r"^asset 'orders' has no dbt warehouse yet .*: materialize it first"):
        manager.load(hw.AssetKey("orders"), None)
    assert not manager.exists(hw.AssetKey("orders"), None)


def test_a_profile_reading_an_environment_variable_that_is_not_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TINY_WAREHOUSE", raising=False)
    profiles = "tiny:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: \"{{ env_var('TINY_WAREHOUSE') }}\"}\n"
    manager = _relations(tmp_path / "tiny", profiles, orders='"db"."main"."orders"')
    with pytest.raises(
        hw.ConfigError,
        match=r"profiles.yml reads env_var\('TINY_WAREHOUSE'\), which is not set: set it as you do for dbt$",
    ):
        manager.load(hw.AssetKey("orders"), None)


def test_a_model_dbt_has_not_built_in_an_existing_warehouse(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    profiles = f"tiny:\n  target: dev\n  outputs:\n    dev: {{type: duckdb, path: '{path}'}}\n"
    manager = _relations(tmp_path / "tiny", profiles, orders='"empty"."main"."orders"')
    with pytest.raises(
        hw.IOManagerError,
        match=r"^dbt has not built asset 'orders' yet: .*empty.duckdb has no table \"empty\".\"main\".\"orders\"; "
        r"materialize it first \(e.g. `headwater materialize --select orders`\)$",
    ):
        manager.load(hw.AssetKey("orders"), None)
