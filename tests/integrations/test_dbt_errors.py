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
