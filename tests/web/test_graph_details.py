"""What the graph's nodes and the catalog's rows show besides a state: partition counts of a
partitioned asset (from the same reads as its state), check counts and overdue assets."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from headwater.loader import load_definitions

from .conftest import make_app, write_project

MIXED = """
from datetime import timedelta

import headwater as hw


@hw.asset(partitions=hw.StaticPartitions(["a", "b", "c", "d"]), code_version="1")
def parts(context: hw.Context) -> str:
    if context.partition_key == "d":
        raise ValueError("no d")
    return context.partition_key


@hw.asset(freshness=hw.Freshness(max_lag=timedelta(microseconds=1)))
def ticker() -> int:
    return 1


@hw.asset
def checked() -> int:
    return 1


@hw.check(asset=checked)
def positive(checked: int) -> hw.CheckResult:
    return hw.CheckResult(passed=checked > 0)


@hw.check(asset=checked)
def big(checked: int) -> hw.CheckResult:
    return hw.CheckResult(passed=checked > 10)


defs = hw.Definitions(assets=[parts, ticker, checked], checks=[positive, big])
"""


def test_graph_details_and_catalog_health(tmp_path: Path) -> None:
    project = write_project(tmp_path, MIXED)
    defs = load_definitions(project.location)
    with project.instance() as instance:
        for key in ("a", "b"):
            assert instance.materialize(defs, "parts", partition=key).success
        assert not instance.materialize(defs, "parts", partition="d").success
        instance.materialize(defs, "ticker checked")
    project.path.write_text(project.path.read_text().replace('code_version="1"', 'code_version="2"'))
    with TestClient(make_app(project)) as client:
        graph = client.get("/api/graph").json()
        live = client.get("/api/graph/states").json()
        rows = {row["key"]: row for row in client.get("/api/assets").json()["assets"]}
    index = {key: str(i) for i, key in enumerate(graph["layout"]["keys"])}
    details = graph["details"]
    assert details["parts"] == {index["parts"]: [2, 4, 1, 2]}  # 2 of 4 made, d failed, both by code "1"
    assert details["checks"] == {index["checked"]: [1, 1, 2]}
    assert details["overdue"] == [int(index["ticker"])]
    assert live["details"] == details
    health = rows["parts"]["partitions"]
    assert health["status"] == "failed" and health["text"] == "2/4 partitions, 1 failed, 2 stale (code changed)"
    assert rows["parts"]["state"] != "missing"
    assert rows["ticker"]["overdue"] is True and rows["checked"]["overdue"] is False
    assert rows["checked"]["partitions"] is None
