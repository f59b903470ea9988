"""``headwater observe`` and ``headwater report``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import flat, invoke, run, write

SOURCES = """
import os

import headwater as hw


def look() -> str:
    version = os.environ.get("EXPORT_VERSION", "v1")
    if version == "fail":
        raise RuntimeError("export folder is missing")
    return version


export = hw.SourceAsset("export", observe=look)


@hw.asset(deps=[export])
def cleaned() -> int:
    return 1


defs = hw.Definitions(assets=[export, cleaned])
"""


def test_observe_then_staleness(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = write(tmp_path, "sources.py", SOURCES)
    assert "export │ observed │ v1" in flat(run("observe", "-f", str(sources), ok=True).stdout)
    run("materialize", "-f", str(sources), ok=True)
    monkeypatch.setenv("EXPORT_VERSION", "v2")
    data = json.loads(run("observe", "-f", str(sources), "--json", ok=True).stdout)
    assert data["observations"][0]["data_version"] == "v2"
    text = flat(run("assets", "status", "-f", str(sources), ok=True).stdout)
    assert "upstream 'export' (1 level up) has a newer data version (v2) than the one consumed (v1)" in text
    monkeypatch.setenv("EXPORT_VERSION", "fail")
    result = invoke(["observe", "-f", str(sources)])
    assert result.exit_code == 1
    assert "observing 'export' raised RuntimeError: export folder is missing" in flat(result.stdout)


def test_report_and_its_errors(tmp_path: Path, home: Path) -> None:
    sources = write(tmp_path, "sources.py", SOURCES)
    text = flat(
        run("report", "cleaned", "-f", str(sources), "--data-version", "x1", "--metadata", "rows=4", ok=True).stdout
    )
    assert text.startswith("recorded a materialization of cleaned with data version x1 (run ")
    data = json.loads(
        run("assets", "history", "cleaned", "-f", str(sources), "--metadata", "rows", "--json", ok=True).stdout
    )
    assert [p["value"] for p in data["points"]] == [4]
    result = invoke(["report", "cleaned", "-f", str(sources), "--metadata", "rows"])
    assert result.exit_code == 2
    assert "--metadata 'rows' is not NAME=VALUE: write e.g. --metadata rows=120" in flat(result.stderr)
    result = invoke(["observe", "-f", str(sources), "--select", "cleaned"])
    assert result.exit_code == 2
    assert "can be observed" in flat(result.stderr) and "observable assets: export" in flat(result.stderr)
